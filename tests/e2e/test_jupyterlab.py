"""The lab inside JupyterLab: run the app notebook's cells, then Play trains with no cell running.

Background asyncio tasks stall under ipykernel 7 once a cell has finished; the lab's browser-side
timer must keep training anyway.  This drives a real JupyterLab in Debian's Chromium to prove it.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from initlab import serve

DEADLINE = 60_000


@pytest.fixture(scope="module")
def jupyterlab(tmp_path_factory):
    """A JupyterLab server on 127.0.0.1 (empty token: loopback only) over a copy of the app."""
    root = tmp_path_factory.mktemp("lab")
    shutil.copy(serve.app_notebook(), root / "lab.ipynb")
    port = serve.free_port()
    log_path = Path(__file__).resolve().parents[2] / "artifacts" / "e2e" / "jupyterlab.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--allow-root",
           f"--ServerApp.port={port}", "--ServerApp.port_retries=0", "--ServerApp.ip=127.0.0.1",
           "--IdentityProvider.token=", "--ServerApp.password=", "--ServerApp.disable_check_xsrf=True",
           f"--ServerApp.root_dir={root}", "--LabApp.news_url=None",
           "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(root / ".config"))
    with open(log_path, "w") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env,
                                start_new_session=True)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 90
            while True:
                try:
                    urllib.request.urlopen(url + "/api/status", timeout=2)
                    break
                except OSError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        pytest.fail(f"JupyterLab did not start: see {log_path}")
                    time.sleep(0.5)
            yield url
        finally:
            os.killpg(proc.pid, 15)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, 9)


def _step(page) -> int:
    text = page.locator(".jp-OutputArea-output").filter(has_text=re.compile(r"step \d+")).first
    return int(re.search(r"step (\d+)", text.inner_text()).group(1))


def test_jupyterlab_runs_the_lab_and_play_trains_with_no_cell_running(page, jupyterlab):
    page.goto(jupyterlab + "/lab/tree/lab.ipynb?reset", timeout=DEADLINE)
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=DEADLINE)
    # JupyterLab sometimes asks which kernel to start (when its kernel list arrives late):
    # answer as a student would, with the notebook's own Python 3 kernel.
    deadline = time.monotonic() + DEADLINE / 1000
    while time.monotonic() < deadline:
        select = page.locator(".jp-Dialog button", has_text=re.compile("^Select$"))
        if select.count():
            select.first.click()
        if page.evaluate("() => document.body.textContent.includes('Kernel status: Idle') && "
                         "!document.querySelector('.jp-Dialog')"):
            break
        page.wait_for_timeout(250)
    else:
        pytest.fail("the notebook's kernel never became idle")
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile("^Run$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile("^Run All Cells$")).click()
    page.wait_for_selector(".jp-OutputArea-output .bqplot.figure rect.bar", timeout=DEADLINE)
    assert page.locator(".jp-OutputArea-output .bqplot.figure").count() >= 9
    assert page.locator(".jp-OutputArea-output .widget-slider").count() >= 5
    # every cell has finished: no "[*]" prompt is left
    page.wait_for_function("() => ![...document.querySelectorAll('.jp-InputPrompt')]"
                           ".some(p => p.textContent.includes('*'))", timeout=DEADLINE)
    assert _step(page) == 0
    page.get_by_role("button", name="Play").click()
    page.wait_for_function(
        "() => [...document.querySelectorAll('.jp-OutputArea-output')].some(o => "
        "parseInt((o.innerText.match(/step (\\d+)/) || [0, 0])[1]) > 100)", timeout=DEADLINE)
    first = _step(page)
    page.wait_for_timeout(2000)
    assert _step(page) > first                       # still training, and no cell is running
    assert not [p for p in page.locator(".jp-InputPrompt").all_inner_texts() if "*" in p]
    page.get_by_role("button", name="Pause").click()
