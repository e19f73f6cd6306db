"""JupyterHub on this machine (deploy/jupyterhub): students on the class list log in with the
class password, each lands on the lab, changes a control and sees only their own picture; a
student's server is the lab and no shell: it runs as their own system user (not root), and
refuses Jupyter's kernel and file API, terminals and code sent over the page's kernel websocket.

The hub's authenticator is the one a teacher uses (JupyterHub's SharedPasswordAuthenticator with
the class list); the test makes the students' system users (`python -m initlab.serving.hub
create-users`, with a prefix of its own) and removes them at the end, so it needs root.
Needs JupyterHub (the hub extra, installed by `make test`) and configurable-http-proxy from npm
(`make hub-tools`, with Debian's node; INITLAB_CHP names another copy).  Skipped, saying why,
only where node is missing or the tests do not run as root.
"""
from __future__ import annotations

import json
import os
import pwd
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

import pytest
from helpers import LOAD_MS, READY_JS, histograms, tab, type_into_slider, wait_last

from initlab.serving import hub as class_hub
from initlab.serving import serve

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "deploy" / "jupyterhub" / "jupyterhub_config.py"
CHP = ROOT / ".venv" / "hub-node" / "node_modules" / ".bin" / "configurable-http-proxy"
STUDENTS = {"ada": 2, "ben": 4, "cleo": 5}       # each student's depth
PASSWORD = "class-password-for-the-test"
PREFIX = f"ilt{os.getpid() % 100000}-"            # this run's system users: ilt1234-ada, ...


def proxy() -> str:
    found = (os.environ.get("INITLAB_CHP") or (str(CHP) if CHP.exists() else None)
             or shutil.which("configurable-http-proxy"))
    if found:
        return found
    if not shutil.which("node"):
        pytest.skip("node is missing: JupyterHub's proxy (configurable-http-proxy) needs it "
                    "(apt-get install nodejs npm)")
    pytest.fail("configurable-http-proxy is missing: run `make hub-tools` (npm install)")


def wait_for_hub(process, base: str, log: Path) -> bool:
    """True once the hub answers; False if it exited because a port was taken."""
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            text = log.read_text()
            assert "Address already in use" in text, text[-3000:]
            return False
        try:
            urllib.request.urlopen(base + "hub/api", timeout=2).close()
            return True
        except OSError:
            assert time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.3)


@pytest.fixture(scope="module")
def students(tmp_path_factory):
    """The class list and a system user per student (removed again at the end)."""
    if os.geteuid() != 0:
        pytest.skip("the hub test makes a system user per student: it needs root")
    names = tmp_path_factory.mktemp("class") / "names.txt"
    names.write_text("# the class\n" + "\n".join(STUDENTS) + "\n")
    homes = tempfile.mkdtemp(prefix="initlab-hub-homes-")   # outside pytest's root-only folder
    os.chmod(homes, 0o755)
    command = [sys.executable, "-m", "initlab.serving.hub"]
    try:
        subprocess.run([*command, "create-users", str(names), "--prefix", PREFIX, "--homes",
                        homes], check=True, capture_output=True)
        yield names
    finally:
        subprocess.run([*command, "remove-users", str(names), "--prefix", PREFIX], check=True,
                       capture_output=True)
        shutil.rmtree(homes, ignore_errors=True)


@pytest.fixture(scope="module")
def students_python():
    """A Python the students' accounts can run, with this environment's packages.

    This machine's environment may use an interpreter under /root (pyenv), which other accounts
    cannot reach; then the same packages are offered through the system's Python of the same
    version (a venv-shaped folder whose site-packages is this environment's)."""
    if class_hub.open_to_others(sys.executable):
        yield sys.executable
        return
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    system = shutil.which(version, path="/usr/bin:/usr/local/bin")
    if not system or not class_hub.open_to_others(system):
        pytest.skip(f"{sys.executable} is closed to other accounts and there is no system "
                    f"{version} the students' accounts could run")
    view = Path(tempfile.mkdtemp(prefix="initlab-hub-python-"))
    (view / "bin").mkdir()
    (view / "lib" / version).mkdir(parents=True)
    (view / "bin" / "python").symlink_to(system)
    (view / "lib" / version / "site-packages").symlink_to(sysconfig.get_paths()["purelib"])
    for folder in ("share", "etc"):               # Jupyter's data (templates, widgets) and config
        if (Path(sys.prefix) / folder).is_dir():
            (view / folder).symlink_to(Path(sys.prefix) / folder)
    (view / "pyvenv.cfg").write_text(f"home = {Path(system).parent}\n"
                                     "include-system-site-packages = false\n")
    for path in (view, view / "bin", view / "lib", view / "lib" / version):
        path.chmod(0o755)
    try:
        yield str(view / "bin" / "python")
    finally:
        shutil.rmtree(view, ignore_errors=True)


@pytest.fixture(scope="module")
def hub(tmp_path_factory, students, students_python):
    if not (Path(sys.executable).parent / "jupyterhub").exists():
        pytest.fail("jupyterhub is missing: pip install -e '.[test,hub]' (make test does it)")
    runtime = tmp_path_factory.mktemp("hub")
    log = open(runtime / "hub.log", "w")
    for attempt in range(3):        # a port taken between choosing and binding: choose again
        port, internal, api = serve.free_ports(3)
        env = {**os.environ, "INITLAB_CHP": proxy(), "INITLAB_HUB_PORT": str(port),
               "INITLAB_HUB_INTERNAL_PORT": str(internal), "INITLAB_HUB_API_PORT": str(api),
               "INITLAB_HUB_RUNTIME": str(runtime / "private"), "INITLAB_HUB_NAMES": str(students),
               "INITLAB_HUB_PASSWORD": PASSWORD, "INITLAB_HUB_USER_PREFIX": PREFIX,
               "INITLAB_HUB_PYTHON": students_python}
        process = subprocess.Popen([str(Path(sys.executable).parent / "jupyterhub"), "-f",
                                    str(CONFIG)], env=env, cwd=runtime, stdout=log,
                                   stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}/"
        if wait_for_hub(process, base, runtime / "hub.log"):
            break
        serve.stop(process, timeout=30)
    else:
        pytest.fail("the hub could not bind its ports three times:\n"
                    + (runtime / "hub.log").read_text()[-3000:])
    try:
        yield base
    finally:
        serve.stop(process, timeout=30)
        log.close()


def log_in(browser, hub: str, name: str, password: str = PASSWORD):
    context = browser.new_context(viewport={"width": 1280, "height": 2300})
    page = context.new_page()
    page.set_default_timeout(LOAD_MS)
    page.goto(hub + "hub/login", timeout=LOAD_MS)
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", password)
    page.click("input[type=submit], button[type=submit]")
    return page


def processes_of(name: str) -> dict[int, int]:
    """pid -> uid of every process serving hub user `name` (its server and its kernels)."""
    mark = f"JUPYTERHUB_USER={name}\0".encode()
    return {pid: uid for pid, (environ, uid) in serve.processes(
                lambda e: ((e / "environ").read_bytes(), e.stat().st_uid)) if mark in environ}


# In the page: open the kernel's websocket as the page does, send an execute_request (code that
# would leave a file behind) and then a kernel_info_request.  The kernel answers shell requests in
# order, so once kernel_info_reply is back an executed request would have answered too.
PROBE_KERNEL_JS = """async ([url, code]) => {
  const ws = new WebSocket(url), seen = [];
  await new Promise((ok, fail) => { ws.onopen = ok; ws.onerror = () => fail(new Error(url)); });
  ws.onmessage = e => { const m = JSON.parse(e.data);
                        seen.push([(m.parent_header || {}).msg_id, m.msg_type]); };
  const send = (id, type, content) => ws.send(JSON.stringify({channel: "shell", buffers: [],
      header: {msg_id: id, msg_type: type, username: "", session: "probe", version: "5.3",
               date: new Date().toISOString()}, parent_header: {}, metadata: {}, content}));
  send("probe-execute", "execute_request", {code, silent: false, store_history: false,
                                            user_expressions: {}, allow_stdin: false});
  send("probe-info", "kernel_info_request", {});
  const start = Date.now();
  while (!seen.some(([id, type]) => id === "probe-info" && type === "kernel_info_reply")
         && Date.now() - start < 60000)
    await new Promise(r => setTimeout(r, 50));
  ws.close();
  return seen.filter(([id]) => id && id.startsWith("probe-"));
}"""

# In the page: does a websocket to `url` open?
OPENS_JS = """url => new Promise(done => { const ws = new WebSocket(url);
  ws.onopen = () => { ws.close(); done(true); }; ws.onerror = () => done(false); })"""


def test_three_students_each_see_only_their_own_lab(browser, hub):
    pages = {name: log_in(browser, hub, name) for name in STUDENTS}   # log in, start servers
    for name, page in pages.items():                         # each lands on the lab
        page.wait_for_url(f"**/user/{name}/voila/render/lab.ipynb**", timeout=LOAD_MS)
        page.wait_for_function(READY_JS, timeout=LOAD_MS)
    for name, page in pages.items():
        tab(page, "network")
        type_into_slider(page, "depth", str(STUDENTS[name]))
    for name, page in pages.items():
        wait_last(page, f"h.title.startsWith('layer {STUDENTS[name]} ')")
        assert len(histograms(page)) == STUDENTS[name], name    # only their own change
        assert page.locator("#initlab-banner").count() == 0
    for name in STUDENTS:                     # each server and kernel runs as its own user
        uid = pwd.getpwnam(PREFIX + name).pw_uid
        processes = processes_of(name)
        assert len(processes) >= 2, (name, processes)           # the server and the kernel
        assert set(processes.values()) == {uid} and uid != 0, (name, processes)
    for page in pages.values():
        page.context.close()


def test_only_the_class_list_with_the_class_password_logs_in(browser, hub):
    for name, password in (("mallory", PASSWORD), ("ada", "not-the-class-password")):
        page = log_in(browser, hub, name, password)
        page.wait_for_selector("text=Invalid username or password", timeout=LOAD_MS)
        assert "/user/" not in page.url, (name, page.url)
        page.context.close()


def test_a_students_server_is_the_lab_and_no_shell(browser, hub):
    page = log_in(browser, hub, "ada")
    page.wait_for_url("**/user/ada/voila/render/lab.ipynb**", timeout=LOAD_MS)
    page.wait_for_function(READY_JS, timeout=LOAD_MS)
    user = hub + "user/ada/"
    api = page.context.request             # the student's cookies: their own server lets them in
    for path in ("api/kernels", "api/sessions", "api/contents", "api/kernelspecs",
                 "api/terminals", "api/contents/lab.ipynb", "files/lab.ipynb", "lab", "tree",
                 "terminals/1"):
        response = api.get(user + path, max_redirects=0)
        assert response.status in (403, 404), (path, response.status, response.text()[:300])
    kernel = json.loads(page.eval_on_selector("#jupyter-config-data",
                                              "e => e.textContent"))["kernelId"]
    xsrf = next(c["value"] for c in page.context.cookies(user) if c["name"] == "_xsrf")
    for path in ("api/kernels", f"api/kernels/{kernel}/restart", "api/terminals"):
        response = api.post(user + path, data="{}", headers={"X-XSRFToken": xsrf},
                            max_redirects=0)                 # refused for what it asks, not
        assert response.status in (403, 404), (path, response.status, response.text()[:300])
        assert "xsrf" not in response.text().lower(), response.text()[:300]   # for a token
    ws = "ws" + user[len("http"):]
    assert not page.evaluate(OPENS_JS, ws + "terminals/websocket/1")
    marker = Path(tempfile.gettempdir()) / f"initlab-hub-executed-{uuid.uuid4().hex}"
    seen = page.evaluate(PROBE_KERNEL_JS, [f"{ws}api/kernels/{kernel}/channels",
                                           f"open({str(marker)!r}, 'w').close()"])
    assert ["probe-info", "kernel_info_reply"] in seen, seen      # the websocket works ...
    assert not [m for m in seen if m[0] == "probe-execute"], seen  # ... but runs no code
    assert not marker.exists()
    tab(page, "network")                                           # and the lab still works
    type_into_slider(page, "depth", "3")
    wait_last(page, "h.title.startsWith('layer 3 ')")
    assert len(histograms(page)) == 3
    page.context.close()
