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
import urllib.request
from pathlib import Path

import pytest

from initlab import serve

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
    assert cmd[1:4] == ["-m", "initlab.voila_app", "lab.ipynb"]
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
    # A preheated kernel runs the notebook before any page asks for it; config_from_environment
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
