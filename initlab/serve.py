"""Serve the lab as a web app with Voila, set up for a class on one machine.

Each student's page gets its own kernel.  Two settings keep a shared machine usable:
- one BLAS/OpenMP thread per kernel (set in Voila's environment, which every kernel inherits),
  so thirty kernels do not fight over two cores with thirty thread pools each;
- idle kernels are culled after a while, so closed tabs do not hold memory all day.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Iterator, Sequence

PACKAGE_DIR = Path(__file__).resolve().parent

# One thread each: a class runs many small kernels at once, and the core's matrices are small.
THREAD_VARIABLES = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}

DEFAULT_PORT = 8866
DEFAULT_HOST = "127.0.0.1"
DEFAULT_CULL_IDLE = 600  # seconds
DEFAULT_POOL_SIZE = 1    # preheated kernels kept waiting for the next page


def app_notebook() -> Path:
    """The app notebook: the copy shipped in the package, else the repository's notebooks/lab.ipynb."""
    for candidate in (PACKAGE_DIR / "app" / "lab.ipynb",
                      PACKAGE_DIR.parent / "notebooks" / "lab.ipynb"):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError("initlab's app notebook is missing: looked for initlab/app/lab.ipynb "
                            "and notebooks/lab.ipynb")


def kernel_environment(environ: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for the Voila process (and so for every kernel it starts)."""
    env = dict(os.environ if environ is None else environ)
    env.update(THREAD_VARIABLES)
    return env


def voila_command(notebook: str | Path, *, port: int = DEFAULT_PORT, host: str = DEFAULT_HOST,
                  cull_idle: int = DEFAULT_CULL_IDLE, open_browser: bool = False,
                  pool_size: int = 0, extra: Sequence[str] = (),
                  python: str = sys.executable) -> list[str]:
    """The voila command line.  ``cull_idle`` is in seconds; 0 keeps idle kernels forever.

    ``pool_size`` > 0 keeps that many preheated kernels waiting (started, initlab imported, the
    app blocked until a page asks for it, so the link's settings still apply): the first render
    skips kernel start-up (3.0-3.8 s -> 2.4-2.9 s measured here).

    ``extra`` holds further voila options, e.g. ``["--preheat_kernel=True", "--pool_size=4"]``.
    """
    cmd = [python, "-m", "voila", str(notebook), f"--port={port}", f"--Voila.ip={host}",
           # Fail on a busy port rather than silently serving on another one.
           "--Voila.port_retries=0",
           # A class needs to see why a page broke; there is nothing secret in the lab.
           "--show_tracebacks=True"]
    if not open_browser:
        cmd.append("--no-browser")
    if cull_idle > 0:
        # Traitlets of Jupyter Server's MappingKernelManager, which Voila's kernel manager extends.
        # Connected pages are kept: a student reading for ten minutes keeps a working page.
        cmd += [f"--MappingKernelManager.cull_idle_timeout={cull_idle}",
                f"--MappingKernelManager.cull_interval={max(1, min(60, cull_idle // 2))}",
                "--MappingKernelManager.cull_connected=False"]
    if pool_size > 0:
        cmd += ["--preheat_kernel=True", f"--pool_size={pool_size}"]
    return cmd + list(extra)


def display_url(host: str, port: int) -> str:
    """The URL to hand out (a wildcard host is shown as this machine's name)."""
    shown = socket.gethostname() if host in ("", "0.0.0.0", "::") else host
    return f"http://{shown}:{port}/"


def port_is_free(port: int, host: str = DEFAULT_HOST) -> bool:
    """True when nothing listens on host:port yet (so an answer later comes from our Voila)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("" if host in ("0.0.0.0", "") else host, port))
        except OSError:
            return False
    return True


def wait_until_serving(port: int, host: str = DEFAULT_HOST, process: subprocess.Popen | None = None,
                       timeout: float = 60.0) -> bool:
    """Poll Voila's script (a HEAD starts no kernel) until the server answers; False on timeout/exit."""
    probe_host = "127.0.0.1" if host in ("", "0.0.0.0", "localhost") else host
    probe = urllib.request.Request(f"http://{probe_host}:{port}/voila/static/voila.js",
                                   method="HEAD")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            return False
        try:
            urllib.request.urlopen(probe, timeout=2).close()
            return True
        except urllib.error.HTTPError:
            return True  # any HTTP answer means Tornado is serving
        except OSError:
            time.sleep(0.2)
    return False


def stop(process: subprocess.Popen, timeout: float = 15.0) -> None:
    """SIGTERM lets Voila shut its kernels down; SIGKILL if it does not finish in time."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def free_port(host: str = DEFAULT_HOST) -> int:
    """A port nothing listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


@contextmanager
def voila_server(notebook: str | Path, *, port: int | None = None, host: str = DEFAULT_HOST,
                 cull_idle: int = 0, pool_size: int = 0, extra: Sequence[str] = (),
                 log: IO | None = None,
                 timeout: float = 60.0) -> Iterator[str]:
    """Run Voila on ``notebook`` (file or folder) for tests and benchmarks; yields the base URL.

    The server is always stopped on exit, with its kernels.  ``log`` receives Voila's output.
    """
    port = port or free_port(host)
    cmd = voila_command(notebook, port=port, host=host, cull_idle=cull_idle,
                        pool_size=pool_size, extra=extra)
    process = subprocess.Popen(cmd,
                               env=kernel_environment(), stdout=log or subprocess.DEVNULL,
                               stderr=subprocess.STDOUT)
    try:
        if not wait_until_serving(port, host, process, timeout):
            raise RuntimeError(f"Voila did not serve {notebook} on port {port} within {timeout} s "
                               f"(exit code {process.poll()})")
        yield f"http://{host}:{port}/"
    finally:
        stop(process)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def serve(notebook: str | Path | None = None, *, port: int = DEFAULT_PORT,
          host: str = DEFAULT_HOST, cull_idle: int = DEFAULT_CULL_IDLE,
          pool_size: int = DEFAULT_POOL_SIZE,
          open_browser: bool = False, ready_timeout: float = 60.0) -> int:
    """Run Voila on ``notebook`` (default: the app) until interrupted; returns an exit code."""
    notebook = Path(notebook) if notebook else app_notebook()
    if not notebook.exists():
        print(f"initlab: {notebook} does not exist", file=sys.stderr)
        return 2
    if not port_is_free(port, host):
        print(f"initlab: port {port} is in use (another lab still running?); "
              f"choose another with --port", file=sys.stderr)
        return 1
    cmd = voila_command(notebook, port=port, host=host, cull_idle=cull_idle,
                        open_browser=open_browser, pool_size=pool_size)
    process = subprocess.Popen(cmd, env=kernel_environment())
    # SIGTERM to us (a service manager, a test) must also stop Voila and its kernels.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        if not wait_until_serving(port, host, process, ready_timeout):
            print(f"initlab: Voila did not start serving on port {port} within "
                  f"{ready_timeout:.0f} s", file=sys.stderr, flush=True)
            stop(process)
            return 1
        culling = f"idle kernels culled after {cull_idle} s" if cull_idle > 0 else "no culling"
        threads = ", ".join(f"{k}={v}" for k, v in THREAD_VARIABLES.items())
        print(f"\ninitlab is serving {notebook.name} at {display_url(host, port)}\n"
              f"  kernels: {threads}; {culling}", flush=True)
        print("  Press Ctrl-C to stop.", flush=True)
        return process.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        stop(process)
