"""JupyterHub on this machine (deploy/jupyterhub): three students log in, each lands on the lab,
changes a control and sees only their own picture.

Needs JupyterHub (the hub extra, installed by `make test`) and configurable-http-proxy from npm
(`make hub-tools`, with Debian's node).  Skipped, saying why, only where node is missing.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from helpers import LOAD_MS, READY_JS, histograms, tab, type_into_slider, wait_last

from initlab.serving import serve

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "deploy" / "jupyterhub" / "jupyterhub_config.py"
CHP = ROOT / ".venv" / "hub-node" / "node_modules" / ".bin" / "configurable-http-proxy"
STUDENTS = {"ada": 2, "ben": 4, "cleo": 5}       # each student's depth


def proxy() -> str:
    found = str(CHP) if CHP.exists() else shutil.which("configurable-http-proxy")
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
def hub(tmp_path_factory):
    if not (Path(sys.executable).parent / "jupyterhub").exists():
        pytest.fail("jupyterhub is missing: pip install -e '.[test,hub]' (make test does it)")
    runtime = tmp_path_factory.mktemp("hub")
    log = open(runtime / "hub.log", "w")
    for attempt in range(3):        # a port taken between choosing and binding: choose again
        port, internal, api = serve.free_ports(3)
        env = {**os.environ, "INITLAB_CHP": proxy(), "INITLAB_HUB_PORT": str(port),
               "INITLAB_HUB_INTERNAL_PORT": str(internal), "INITLAB_HUB_API_PORT": str(api),
               "INITLAB_HUB_RUNTIME": str(runtime)}
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


def test_three_students_each_see_only_their_own_lab(browser, hub):
    pages = {}
    for name in STUDENTS:                                   # log in and start every server
        context = browser.new_context(viewport={"width": 1280, "height": 2300})
        page = context.new_page()
        page.set_default_timeout(LOAD_MS)
        page.goto(hub + "hub/login", timeout=LOAD_MS)
        page.fill("input[name=username]", name)
        page.fill("input[name=password]", "any")
        page.click("input[type=submit], button[type=submit]")
        pages[name] = page
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
    for page in pages.values():
        page.context.close()
