"""Serve the lab as a web app with Voila, set up for a class on one machine.

Each student's page gets its own kernel.  What keeps a shared machine usable and safe:
- one BLAS/OpenMP thread per kernel (set in Voila's environment, which every kernel inherits),
  so thirty kernels do not fight over two cores with thirty thread pools each;
- idle kernels are culled after a while, and a closed tab shuts its kernel down at once;
- a cost budget per student (INITLAB_MAX_MB, read by Config validation in every kernel), a
  memory cap on each kernel's address space, and a cap on the number of students;
- no theme/template override from the link (the theme was written into the page unescaped), no
  traceback or server path in the page (details go to this server's log), no CDN;
- an optional token for a class server on a network.
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
from urllib.parse import quote, urlparse
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Callable, Iterator, Sequence, TypeVar

PACKAGE_DIR = Path(__file__).resolve().parents[1]  # the initlab package: app/ and jupyter/ are there

# One thread each: a class runs many small kernels at once, and the core's matrices are small.
THREAD_VARIABLES = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}

DEFAULT_PORT = 8866
DEFAULT_HOST = "127.0.0.1"
DEFAULT_CULL_IDLE = 600  # seconds
DEFAULT_POOL_SIZE = 1    # preheated kernels kept waiting for the next page
DEFAULT_MAX_STUDENTS = 40  # pages with a kernel at once; 30 students measured on 2 cores
TEMPLATE = "initlab"       # initlab/jupyter/voila/templates/initlab: no CDN, connection banner
JUPYTER_DATA = PACKAGE_DIR / "jupyter"   # where Voila finds that template (JUPYTER_PATH)
WILDCARD_HOSTS = ("", "0.0.0.0", "::")


def kernel_cap_mb(max_mb_per_student: float) -> float:
    """Address space a kernel may add to its start-up size: twice the budget plus 512 MB for the
    widgets, the snapshot and numpy's temporaries (the budget is an estimate, not a bound)."""
    return 2 * max_mb_per_student + 512


def app_notebook() -> Path:
    """The app notebook: the copy shipped in the package, else the repository's notebooks/lab.ipynb."""
    for candidate in (PACKAGE_DIR / "app" / "lab.ipynb",
                      PACKAGE_DIR.parent / "notebooks" / "lab.ipynb"):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError("initlab's app notebook is missing: looked for initlab/app/lab.ipynb "
                            "and notebooks/lab.ipynb")


def kernel_environment(environ: dict[str, str] | None = None, *,
                       max_mb_per_student: float | None = None,
                       token: str | None = None) -> dict[str, str]:
    """Environment for the Voila process (and so for every kernel it starts).

    Kernels learn that they are served (short error messages, warnings to the log), their cost
    budget and their memory cap from it; the token is read and removed by the Voila process.
    """
    from initlab.core import budget, environment as names
    env = dict(os.environ if environ is None else environ)
    env.update(THREAD_VARIABLES)
    env[names.SERVED] = "1"
    paths = [str(JUPYTER_DATA)] + ([env["JUPYTER_PATH"]] if env.get("JUPYTER_PATH") else [])
    env["JUPYTER_PATH"] = os.pathsep.join(paths)
    if max_mb_per_student is not None:
        env[names.MAX_MB] = f"{max_mb_per_student:g}"
    max_mb = budget.limits(env)[0]
    env[names.KERNEL_MAX_MB] = f"{kernel_cap_mb(max_mb):g}"
    if token:
        env[names.TOKEN] = token
    return env


PR_SET_PDEATHSIG = 1     # prctl(2): a signal for this process when its parent dies (Linux)


def die_with_parent() -> None:
    """In the Voila child, before exec: SIGTERM when `initlab serve` dies, however it dies
    (kill -9 included), so Voila stops and shuts its kernels down.  Linux only; elsewhere a
    no-op (the kernels still end with Voila: ipykernel watches its parent)."""
    import ctypes
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def voila_command(notebook: str | Path, *, port: int = DEFAULT_PORT, host: str = DEFAULT_HOST,
                  cull_idle: int = DEFAULT_CULL_IDLE, open_browser: bool = False,
                  pool_size: int = 0, max_students: int = 0, extra: Sequence[str] = (),
                  python: str = sys.executable) -> list[str]:
    """The voila command line.  ``cull_idle`` is in seconds; 0 keeps idle kernels forever.

    ``pool_size`` > 0 keeps that many preheated kernels waiting (started, initlab imported, the
    app blocked until a page asks for it, so the link's settings still apply): the first render
    skips kernel start-up (3.0-3.8 s -> 2.4-2.9 s measured here).

    ``max_students`` > 0 answers pages beyond that many kernels with "the class is full".
    ``extra`` holds further voila options, e.g. ``["--preheat_kernel=True", "--pool_size=4"]``.
    """
    cmd = [python, "-m", "initlab.serving.voila_app", str(notebook), f"--port={port}",
           f"--Voila.ip={host}",
           # Fail on a busy port rather than silently serving on another one.
           "--Voila.port_retries=0",
           # Tracebacks show server paths: the page says what failed, the log has the details.
           "--show_tracebacks=False",
           # No CDN, a banner when the connection is lost (kernel_environment finds it).
           f"--template={TEMPLATE}",
           # ?theme= was written into the page unescaped (script injection); ?template=nonexistent
           # never answered and held a kernel.  The server's settings only.
           "--VoilaConfiguration.allow_theme_override=NO",
           "--VoilaConfiguration.allow_template_override=NO",
           # A dead kernel is not restarted: a restarted kernel has lost the lab's widgets, so
           # its page can only be reloaded, and a page that is gone would never give it back.
           "--KernelRestarter.restart_limit=0",
           # Jupyter Server keeps every message for a closed websocket in case it reconnects,
           # without a bound: a page dropped for not reading (or gone) while its lab played
           # made the server grow by MB/s.  A reconnecting page misses what was sent meanwhile.
           "--MappingKernelManager.buffer_offline_messages=False"]
    if max_students > 0:
        cmd.append(f"--ClassroomVoila.max_students={max_students}")
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
    shown = socket.gethostname() if host in WILDCARD_HOSTS else host
    return f"http://{shown}:{port}/"


def class_link(host: str, port: int, token: str | None = None) -> str:
    """The link to hand out; the token URL-encoded (a token with & or # must survive)."""
    return display_url(host, port) + (f"?token={quote(token, safe='')}" if token else "")


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


T = TypeVar("T")


def processes(read: Callable[[Path], T]) -> Iterator[tuple[int, T]]:
    """(pid, read(/proc/PID)) for every process (Linux /proc) whose entry can still be read:
    one may end between the listing and the read."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                value = read(entry)
            except OSError:
                continue
            yield int(entry.name), value


def parent_of(stat: str) -> int:
    """The parent pid in a /proc/PID/stat line (after the command's closing bracket)."""
    return int(stat.rsplit(")", 1)[1].split()[1])


def child_pids(pid: int) -> list[int]:
    """Processes whose parent is pid (Linux /proc): a Voila server's kernels, `initlab serve`'s
    Voila (benchmarks/soak.py, the hygiene tests)."""
    return [child for child, stat in processes(lambda e: (e / "stat").read_text())
            if parent_of(stat) == pid]


def server_pids(base: str) -> list[int]:
    """The Voila processes serving `base` (http://host:PORT/), found by their --port option
    on the command line (Linux /proc): benchmarks/class.py, soak.py and the serving tests."""
    port = f"--port={urlparse(base).port}".encode()
    return [pid for pid, cmdline in processes(lambda e: (e / "cmdline").read_bytes().split(b"\0"))
            if b"initlab.serving.voila_app" in cmdline and port in cmdline]


def kernel_pids(kernel_ids: list[str]) -> list[int]:
    """Processes of these kernels, found by their connection files on the command line (Linux
    /proc); for measuring a class's kernels (benchmarks/class.py, the serving tests)."""
    wanted = {f"kernel-{k}.json".encode() for k in kernel_ids}
    return [pid for pid, cmdline in processes(lambda e: (e / "cmdline").read_bytes())
            if any(w in cmdline for w in wanted)]


def free_port(host: str = DEFAULT_HOST) -> int:
    """A port nothing listens on right now (the OS picks it)."""
    return free_ports(1, host)[0]


def free_ports(count: int, host: str = DEFAULT_HOST) -> list[int]:
    """`count` distinct ports nothing listens on right now, all chosen by the OS.

    Never "port + 1": the neighbour of a free port may be the local end of any outgoing
    connection (the OS hands those out from the same range), which is how a hub test once
    failed with "Address already in use".
    """
    sockets = [socket.socket(socket.AF_INET, socket.SOCK_STREAM) for _ in range(count)]
    try:
        for sock in sockets:                # all held open together, so they are distinct
            sock.bind((host, 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


@contextmanager
def voila_server(notebook: str | Path, *, port: int | None = None, host: str = DEFAULT_HOST,
                 cull_idle: int = 0, pool_size: int = 0, max_students: int = 0,
                 max_mb_per_student: float | None = None, token: str | None = None,
                 extra: Sequence[str] = (), log: IO | None = None,
                 timeout: float = 60.0) -> Iterator[str]:
    """Run Voila on ``notebook`` (file or folder) as ``initlab serve`` does, for tests and
    benchmarks; yields the base URL.

    The server is always stopped on exit, with its kernels.  ``log`` receives Voila's output.
    """
    port = port or free_port(host)
    cmd = voila_command(notebook, port=port, host=host, cull_idle=cull_idle,
                        pool_size=pool_size, max_students=max_students, extra=extra)
    process = subprocess.Popen(cmd, env=kernel_environment(max_mb_per_student=max_mb_per_student,
                                                           token=token),
                               stdout=log or subprocess.DEVNULL, stderr=subprocess.STDOUT,
                               preexec_fn=die_with_parent)
    try:
        if not wait_until_serving(port, host, process, timeout):
            raise RuntimeError(f"Voila did not serve {notebook} on port {port} within {timeout} s "
                               f"(exit code {process.poll()})")
        yield f"http://{host}:{port}/"
    finally:
        stop(process)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def open_to_network_warning(host: str, token: str | None) -> str:
    """The warning printed when the lab listens beyond this machine without a token ('' if not)."""
    if token or host in ("127.0.0.1", "localhost", "::1"):
        return ""
    return (f"initlab: WARNING: serving on {host or 'every address'} without a token: anyone who "
            f"can reach this machine can open the lab and start kernels on it.  For a class on a "
            f"network, add --token SOME-SECRET and hand out links ending in ?token=SOME-SECRET.")


def serve(notebook: str | Path | None = None, *, port: int = DEFAULT_PORT,
          host: str = DEFAULT_HOST, cull_idle: int = DEFAULT_CULL_IDLE,
          pool_size: int = DEFAULT_POOL_SIZE, max_students: int = DEFAULT_MAX_STUDENTS,
          max_mb_per_student: float | None = None, token: str | None = None,
          open_browser: bool = False, ready_timeout: float = 60.0) -> int:
    """Run Voila on ``notebook`` (default: the app) until interrupted; returns an exit code."""
    from initlab.core import budget
    notebook = Path(notebook) if notebook else app_notebook()
    if not notebook.exists():
        print(f"initlab: {notebook} does not exist", file=sys.stderr)
        return 2
    if not port_is_free(port, host):
        print(f"initlab: port {port} is in use (another lab still running?); "
              f"choose another with --port", file=sys.stderr)
        return 1
    warning = open_to_network_warning(host, token)
    if warning:
        print(warning, file=sys.stderr, flush=True)
    cmd = voila_command(notebook, port=port, host=host, cull_idle=cull_idle,
                        open_browser=open_browser, pool_size=pool_size,
                        max_students=max_students)
    env = kernel_environment(max_mb_per_student=max_mb_per_student, token=token)
    process = subprocess.Popen(cmd, env=env, preexec_fn=die_with_parent)
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
        max_mb, max_seconds = budget.limits(env)
        students = f"at most {max_students} students" if max_students > 0 else "no student limit"
        link = class_link(host, port, token)
        print(f"\ninitlab is serving {notebook.name} at {link}\n"
              f"  kernels: {threads}; {culling}; {students}\n"
              f"  budget per student: {max_mb:g} MB and {max_seconds:g} s per step (estimated); "
              f"each kernel capped at {kernel_cap_mb(max_mb):g} MB above its start-up size",
              flush=True)
        print("  Press Ctrl-C to stop.", flush=True)
        return process.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        stop(process)
