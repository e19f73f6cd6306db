"""Serving for a class: the voila command line, and real Voila servers on 127.0.0.1.

The real-server tests read a tiny notebook's printed output from the page (Voila renders plain text
outputs into the HTML on the server), so they need no browser.
"""
import html
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from initlab.serving import serve

ASSETS = Path(__file__).parent / "assets"
ECHO = ASSETS / "echo_environment.ipynb"
TIMEOUT = 60  # seconds, for every wait on a server


def fetch_printed(url: str) -> dict[str, str]:
    """GET a Voila page and return the NAME=[value] pairs the echo notebook printed."""
    with urllib.request.urlopen(url, timeout=TIMEOUT) as response:
        page = html.unescape(response.read().decode())
    return dict(re.findall(r"(\w+)=\[([^\]]*)\]", page))


# ---- the command line, without a server ---------------------------------------------------------
def test_voila_command_culls_idle_kernels_with_jupyter_server_traitlets():
    cmd = serve.voila_command("lab.ipynb", port=9001, host="127.0.0.1", cull_idle=600)
    assert cmd[1:4] == ["-m", "initlab.serving.voila_app", "lab.ipynb"]
    assert {"--port=9001", "--Voila.ip=127.0.0.1", "--no-browser",
            "--MappingKernelManager.cull_idle_timeout=600",
            "--MappingKernelManager.cull_interval=60",
            "--MappingKernelManager.cull_connected=False"} <= set(cmd)


def test_a_pool_of_preheated_kernels_is_asked_for_only_when_wanted():
    assert "--preheat_kernel=True" not in serve.voila_command("lab.ipynb")
    cmd = serve.voila_command("lab.ipynb", pool_size=2)
    assert "--preheat_kernel=True" in cmd and "--pool_size=2" in cmd


def test_cull_idle_zero_keeps_kernels_and_open_asks_for_a_browser():
    cmd = serve.voila_command("lab.ipynb", cull_idle=0, open_browser=True)
    assert not any("cull" in arg for arg in cmd)
    assert "--no-browser" not in cmd


def test_kernel_environment_forces_one_blas_thread_per_kernel():
    env = serve.kernel_environment({"OPENBLAS_NUM_THREADS": "8", "HOME": "/home/student"})
    assert env["OPENBLAS_NUM_THREADS"] == env["OMP_NUM_THREADS"] == env["MKL_NUM_THREADS"] == "1"
    assert env["HOME"] == "/home/student"


def test_app_notebook_prefers_the_shipped_copy(tmp_path, monkeypatch):
    package = tmp_path / "initlab"
    (package / "app").mkdir(parents=True)
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "lab.ipynb").write_text("{}")
    monkeypatch.setattr(serve, "PACKAGE_DIR", package)
    assert serve.app_notebook() == tmp_path / "notebooks" / "lab.ipynb"  # repository fallback
    (package / "app" / "lab.ipynb").write_text("{}")
    assert serve.app_notebook() == package / "app" / "lab.ipynb"


def test_missing_app_notebook_says_where_it_looked(tmp_path, monkeypatch):
    monkeypatch.setattr(serve, "PACKAGE_DIR", tmp_path / "initlab")
    with pytest.raises(FileNotFoundError, match="initlab/app/lab.ipynb"):
        serve.app_notebook()


# ---- real Voila servers -------------------------------------------------------------------------
def test_query_string_reaches_the_kernel_in_single_notebook_mode():
    with serve.voila_server(ECHO, timeout=TIMEOUT) as base:
        printed = fetch_printed(base + "?activation=tanh&init=gaussian&weight_std=0.01")
        assert printed["QUERY_STRING"] == "activation=tanh&init=gaussian&weight_std=0.01"
        assert (printed["activation"], printed["weight_std"], printed["message"]) == \
            ("tanh", "0.01", "")
        assert printed["OPENBLAS_NUM_THREADS"] == "1"
        bad = fetch_printed(base + "?activation=swish")
        assert bad["activation"] == "relu"  # the defaults, and a reason on the page
        assert "activation='swish' is not allowed" in bad["message"]


def test_query_string_reaches_the_kernel_in_tree_mode():
    with serve.voila_server(ASSETS, timeout=TIMEOUT) as base:
        printed = fetch_printed(base + "voila/render/echo_environment.ipynb?depth=4")
        assert printed["QUERY_STRING"] == "depth=4"


def test_preheated_kernel_waits_for_the_page_before_reading_the_link(tmp_path):
    # A preheated kernel runs the notebook before any page asks for it; runs_from_environment
    # must wait for the request (the echo notebook's first cell, run before it, sees no link).
    log_path = tmp_path / "voila.log"
    with open(log_path, "w") as log, serve.voila_server(
            ECHO, extra=["--preheat_kernel=True", "--pool_size=1"], log=log,
            timeout=TIMEOUT) as base:
        deadline = time.monotonic() + TIMEOUT
        while "is filled with 1 kernel" not in log_path.read_text():
            assert time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.2)
        printed = fetch_printed(base + "?activation=tanh&weight_std=0.5")
        assert "Using pre-heated kernel" in log_path.read_text()
        assert (printed["activation"], printed["weight_std"]) == ("tanh", "0.5")


def test_initlab_serve_command_serves_with_one_thread_kernels_and_refuses_a_busy_port(tmp_path):
    port = serve.free_port()
    output = tmp_path / "serve.log"
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "8"}  # the server must override this
    with open(output, "w") as log:
        process = subprocess.Popen(
            # no preheated pool: this echo notebook reads the link without waiting for the page
            [sys.executable, "-m", "initlab", "serve", str(ECHO), "--port", str(port),
             "--pool-size", "0"],
            env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}/"
        deadline = time.monotonic() + TIMEOUT
        while url not in output.read_text():  # the URL is printed once the server answers
            assert process.poll() is None, output.read_text()
            assert time.monotonic() < deadline, output.read_text()
            time.sleep(0.2)
        printed = fetch_printed(url + "?seed=3")
        assert printed["QUERY_STRING"] == "seed=3"
        assert printed["OPENBLAS_NUM_THREADS"] == printed["OMP_NUM_THREADS"] == "1"
        second = subprocess.run(
            [sys.executable, "-m", "initlab", "serve", str(ECHO), "--port", str(port)],
            capture_output=True, text=True, timeout=TIMEOUT)
        assert second.returncode == 1 and "in use" in second.stderr
        process.send_signal(signal.SIGTERM)
        assert process.wait(TIMEOUT) == 0
        assert "Kernel shutdown" in output.read_text()  # its kernels went with it
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


# ---- hardening: hostile links, a full class, a closed tab, a token ---------------------------
THEME_ATTACK = '?theme=x"><img src=x onerror="alert(1)">'


def get(url: str, headers: dict | None = None, timeout: float = TIMEOUT):
    """(status, headers, body) of a GET, HTTP errors included."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.headers, err.read().decode()


def test_voila_command_turns_overrides_and_tracebacks_off_and_uses_the_offline_template():
    cmd = serve.voila_command("lab.ipynb", max_students=12)
    assert {"--VoilaConfiguration.allow_theme_override=NO",
            "--VoilaConfiguration.allow_template_override=NO", "--show_tracebacks=False",
            "--template=initlab", "--ClassroomVoila.max_students=12"} <= set(cmd)
    template = serve.JUPYTER_DATA / "voila" / "templates" / "initlab" / "index.html.j2"
    assert "initlab-banner" in template.read_text()
    assert "cdn." not in template.read_text().split("#}", 1)[1]      # after the comment


def test_kernel_environment_carries_the_budget_and_the_memory_cap():
    env = serve.kernel_environment({"JUPYTER_PATH": "/x"}, max_mb_per_student=400, token="s3")
    assert env["INITLAB_SERVED"] == "1" and env["INITLAB_MAX_MB"] == "400"
    assert env["INITLAB_KERNEL_MAX_MB"] == str(2 * 400 + 512)
    assert env["JUPYTER_PATH"] == os.pathsep.join([str(serve.JUPYTER_DATA), "/x"])
    assert env["INITLAB_TOKEN"] == "s3"


def test_listening_on_the_network_without_a_token_warns():
    assert "without a token" in serve.open_to_network_warning("0.0.0.0", None)
    assert serve.open_to_network_warning("0.0.0.0", "s3cret") == ""
    assert serve.open_to_network_warning("127.0.0.1", None) == ""


def test_hostile_links_neither_inject_script_nor_hold_a_kernel(tmp_path):
    with serve.voila_server(ECHO, timeout=TIMEOUT) as base:
        status, headers, page = get(base + urllib.parse.quote(THEME_ATTACK, safe="?=&"))
        assert status == 200
        assert "<img src=x" not in page and 'onerror="alert' not in page
        assert 'data-jp-theme-name="JupyterLab Light"' in page
        assert "cdn.jsdelivr" not in page                       # nothing fetched from a CDN
        started = time.monotonic()
        status, _, page = get(base + "?template=nonexistent", timeout=30)
        assert status == 200 and "QUERY_STRING=[template=nonexistent]" in html.unescape(page)
        assert time.monotonic() - started < 30


def test_a_full_class_gets_a_polite_page_and_a_closed_tab_frees_its_place(tmp_path):
    log_path = tmp_path / "voila.log"
    with open(log_path, "w") as log, serve.voila_server(ECHO, max_students=1, log=log,
                                                         timeout=TIMEOUT) as base:
        status, headers, page = get(base)
        assert status == 200
        cookies = {c.split("=", 1)[0]: c.split(";")[0].split("=", 1)[1]
                   for c in headers.get_all("Set-Cookie")}
        assert "_xsrf" in cookies                     # the shutdown beacon sends it back
        kernel_id = re.search(r'"kernelId": "([0-9a-f-]+)"', page).group(1)
        status, headers, full = get(base + "?seed=1")
        assert status == 503 and "The class is full" in full
        assert headers["Retry-After"] == "30"
        # What the page's beforeunload beacon sends: a form with _xsrf, and the cookies.
        body = urllib.parse.urlencode({"_xsrf": cookies["_xsrf"]}).encode()
        request = urllib.request.Request(
            base + f"voila/api/shutdown/{kernel_id}", data=body, method="POST",
            headers={"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
                     "Content-Type": "application/x-www-form-urlencoded"})
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            assert response.status == 204
        assert get(base + "?seed=2")[0] == 200          # the place is free again


def test_a_token_keeps_strangers_out():
    with serve.voila_server(ECHO, token="class-secret", timeout=TIMEOUT) as base:
        with urllib.request.urlopen(base, timeout=TIMEOUT) as response:
            assert response.url.startswith(base + "login")     # sent to the login page
            assert "QUERY_STRING" not in response.read().decode()
        printed = fetch_printed(base + "?token=class-secret&activation=tanh")
        assert (printed["activation"], printed["message"]) == ("tanh", "")  # the token is no field
