"""The lab inside JupyterLab: run the app notebook's cells, then Play trains with no cell running.

Background asyncio tasks stall under ipykernel 7 once a cell has finished; the lab's browser-side
timer must keep training anyway.  This drives a real JupyterLab in Debian's Chromium to prove it.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from helpers import READY_JS, figures, histograms
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from initlab import Config
from initlab.serving import serve

DEADLINE = 60_000
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "e2e"
# JupyterLab's "get notified about news?" toast would cover the dashboard in screenshots.
NO_NEWS = {"@jupyterlab/apputils-extension/notification.jupyterlab-settings":
           {"fetchNews": "false", "checkForUpdates": False}}


@pytest.fixture(scope="module")
def jupyterlab(tmp_path_factory):
    """A JupyterLab server on 127.0.0.1 (empty token: loopback only) over a copy of the app,
    at notebooks/lab.ipynb as in the repository."""
    root = tmp_path_factory.mktemp("lab")
    (root / "notebooks").mkdir()
    shutil.copy(serve.app_notebook(), root / "notebooks" / "lab.ipynb")
    settings = root / ".settings"
    for name, value in NO_NEWS.items():
        (settings / name).parent.mkdir(parents=True, exist_ok=True)
        (settings / name).write_text(json.dumps(value))
    port = serve.free_port()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log_path = ARTIFACTS / "jupyterlab.log"
    cmd = [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--allow-root",
           f"--ServerApp.port={port}", "--ServerApp.port_retries=0", "--ServerApp.ip=127.0.0.1",
           "--IdentityProvider.token=", "--ServerApp.password=",
           f"--ServerApp.root_dir={root}", "--LabApp.news_url=None",
           "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(root / ".config"),
               JUPYTERLAB_SETTINGS_DIR=str(settings),
               JUPYTERLAB_WORKSPACES_DIR=str(root / ".workspaces"))
    with open(log_path, "w") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env,
                                start_new_session=True)   # its own group: kernels die with it
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
                proc.wait()


def _step(page) -> int:
    text = page.locator(".jp-OutputArea-output").filter(has_text=re.compile(r"step \d+ ·")).first
    return int(re.search(r"step (\d+) ·", text.inner_text()).group(1))


def _running_cells(page) -> list[str]:
    """Input prompts of cells still executing ('[*]:')."""
    return [p for p in page.locator(".jp-InputPrompt").all_inner_texts() if "*" in p]


def _kernel_ready(page) -> None:
    """Wait for the notebook's kernel to be idle.  JupyterLab sometimes asks which kernel to
    start (when its kernel list arrives late): answer as a student would, with the notebook's
    own Python 3 kernel."""
    deadline = time.monotonic() + DEADLINE / 1000
    while time.monotonic() < deadline:
        select = page.locator(".jp-Dialog button", has_text=re.compile("^Select$"))
        if select.count():
            select.first.click()
        if page.evaluate("() => document.body.textContent.includes('Kernel status: Idle') && "
                         "!document.querySelector('.jp-Dialog')"):
            return
        page.wait_for_timeout(250)
    pytest.fail("the notebook's kernel never became idle")


def _run_all_cells(page, attempts: int = 5) -> None:
    """Run > Run All Cells; again if the click came before the notebook could take it (a fresh
    page may show the kernel idle before the menu command is enabled)."""
    started = ("() => [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')]"
               ".every(p => /\\[(\\*|\\d+)\\]/.test(p.textContent))")
    for attempt in range(attempts):
        page.locator(".lm-MenuBar-itemLabel", has_text=re.compile("^Run$")).click()
        page.locator(".lm-Menu-itemLabel", has_text=re.compile("^Run All Cells$")).click()
        try:
            page.wait_for_function(started, timeout=5_000 * (attempt + 1))
            return
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
    raise AssertionError("Run All Cells did not start the notebook's cells")


def test_jupyterlab_runs_the_lab_and_play_trains_with_no_cell_running(page, jupyterlab):
    page.goto(jupyterlab + "/lab/tree/notebooks/lab.ipynb?reset", timeout=DEADLINE)
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=DEADLINE)
    _kernel_ready(page)
    _run_all_cells(page)
    page.wait_for_function(READY_JS, timeout=DEADLINE)
    # the dashboard: every figure, the controls, the buttons
    assert len(figures(page)) == 9                  # one ridgeline, whatever the depth
    assert len(histograms(page)) == Config().depth
    assert page.locator(".jp-OutputArea-output .widget-slider").count() >= 5
    assert page.locator(".jp-OutputArea-output .jp-RenderedText[data-mime-type*=stderr]") \
        .count() == 0
    page.wait_for_function("() => ![...document.querySelectorAll('.jp-InputPrompt')]"
                           ".some(p => p.textContent.includes('*'))", timeout=DEADLINE)
    assert _step(page) == 0
    page.get_by_role("button", name="Play").click()
    page.wait_for_function(
        "() => [...document.querySelectorAll('.jp-OutputArea-output')].some(o => "
        "parseInt((o.innerText.match(/step (\\d+) ·/) || [0, 0])[1]) > 100)", timeout=DEADLINE)
    first = _step(page)
    # the kernel goes idle between ticks (no cell holds it), and training goes on
    page.wait_for_function("() => /\\| Idle/.test(document.querySelector('#jp-main-statusbar')"
                           ".innerText)", timeout=DEADLINE, polling=20)
    page.wait_for_function(
        f"() => [...document.querySelectorAll('.jp-OutputArea-output')].some(o => "
        f"parseInt((o.innerText.match(/step (\\d+) ·/) || [0, 0])[1]) > {first + 100})",
        timeout=DEADLINE)
    assert not _running_cells(page)
    page.get_by_role("button", name="Pause").click()
    page.get_by_role("button", name="Play").wait_for(timeout=DEADLINE)
