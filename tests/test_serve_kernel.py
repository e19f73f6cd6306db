"""A kernel served to a class: errors and warnings go to the server's log, memory is capped, and
running out of memory in a step is survived and said.  Each runs in a fresh Python process, as a
served kernel would be (the settings change process-wide state)."""
from __future__ import annotations

import os
import subprocess
import sys

SERVED = {**os.environ, "INITLAB_SERVED": "1", "OPENBLAS_NUM_THREADS": "1"}


def run_python(code: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], env=env or SERVED, capture_output=True,
                          text=True, timeout=180)


def test_numpy_warnings_go_to_the_log_not_the_page():
    # In a kernel, sys.stderr is the page; sys.__stderr__ is the server's log.  Here a StringIO
    # stands for the page.
    code = """
import io, sys
import numpy as np
page = io.StringIO()
sys.stderr = page
from initlab.serving.querystring import prepare_served_kernel
prepare_served_kernel({})
np.log(np.zeros(1))                          # RuntimeWarning: divide by zero
print("page:", repr(page.getvalue()))
"""
    out = run_python(code)
    assert "page: ''" in out.stdout
    assert "RuntimeWarning: divide by zero" in out.stderr      # the log has it


def test_an_error_in_a_control_shows_a_short_message_and_logs_the_traceback():
    code = """
from initlab.ui.live import StatusArea
status = StatusArea()
def broken():
    raise RuntimeError("/srv/site-packages/secret/path.py exploded")
status.guarded(broken, "a control")()
print("notice:", status.notice.value)
print("trace:", repr(status.trace), "<details>" in status.notice.value)
"""
    out = run_python(code)
    assert "Something went wrong in a control (RuntimeError)" in out.stdout
    assert "details are in the server" in out.stdout
    assert "/srv/site-packages" not in out.stdout               # nothing of it on the page
    assert "trace: '' False" in out.stdout                     # no traceback one click away
    assert "Traceback (most recent call last)" in out.stderr and "/srv/site-packages" in out.stderr


def test_in_jupyterlab_the_traceback_stays_one_click_away():
    env = {k: v for k, v in SERVED.items() if k != "INITLAB_SERVED"}
    out = run_python("""
from initlab.ui.live import StatusArea
status = StatusArea()
status.guarded(lambda: 1 / 0, "step")()
print("<details>" in status.notice.value, "ZeroDivisionError" in status.trace,
      "ZeroDivisionError" in status.notice.value)
""", env)
    assert out.stdout.split() == ["True", "True", "True"], out.stderr


def test_a_memory_error_in_a_step_frees_what_it_took_and_says_so():
    code = """
import resource
from initlab.core.config import Config
from initlab.core.run import Run
from initlab.serving.querystring import cap_address_space
run = Run(Config(depth=5, width=512, batch_size=4000, n_samples=6000))
def rss():
    return int(open("/proc/self/statm").read().split()[1]) * resource.getpagesize() / 2**20
before = rss()
cap_address_space(60)                 # room for far less than one step's activations
print("done", run.step(3), run.status)
print("message", run.message)
print("freed", rss() - before < 30)
"""
    out = run_python(code)
    assert "done 0 out_of_memory" in out.stdout, out.stderr
    assert "message step 1 ran out of memory; what it had taken is freed" in out.stdout
    assert "freed True" in out.stdout


def test_the_kernel_cap_is_set_from_the_environment():
    code = """
import resource
from initlab.serving.querystring import prepare_served_kernel
prepare_served_kernel({"INITLAB_KERNEL_MAX_MB": "300"})
soft, hard = resource.getrlimit(resource.RLIMIT_AS)
size = int(open("/proc/self/statm").read().split()[0]) * resource.getpagesize()
print(round((soft - size) / 2**20))
try:
    bytearray(400 * 2**20)
except MemoryError:
    print("refused")
"""
    out = run_python(code)
    lines = out.stdout.split()
    assert 280 <= int(lines[0]) <= 300 and lines[1] == "refused", out


def test_log_messages_meant_for_stderr_go_to_the_log_too():
    code = """
import io, logging, sys
page = io.StringIO()
sys.stderr = page
logger = logging.getLogger("ipykernel.comm")
logger.addHandler(logging.StreamHandler(page))
from initlab.serving.querystring import prepare_served_kernel
prepare_served_kernel({})
logger.warning("No such comm: 123")
print("page:", repr(page.getvalue()))
"""
    out = run_python(code)
    assert "page: ''" in out.stdout and "No such comm: 123" in out.stderr
