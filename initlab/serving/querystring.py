"""What a served kernel reads of its page: the link's settings, and the guards of a served kernel.

A link such as ``http://host:8866/?activation=tanh&init=gaussian&weight_std=0.01`` opens the lab
with those settings.  Voila passes the page's query string to the kernel it starts as the
environment variable QUERY_STRING (CGI style); in JupyterLab it is unset, so the defaults apply.
The link is parsed by initlab.core.links (the one reader of links); here a bad link never breaks
the page: the lab starts from the defaults and says what was wrong.
"""
from __future__ import annotations

import os
from typing import Mapping

from initlab.core import environment as names
from initlab.core import links
from initlab.core.config import Config


def query_string(environ: Mapping[str, str] | None = None) -> str:
    """The page's query string as Voila hands it to this kernel ('' outside Voila).

    With Voila's preheated kernels the notebook runs before any page asks for it, so wait for the
    request first (voila.utils.wait_for_request fills in QUERY_STRING and returns at once
    otherwise).
    """
    if environ is None:
        if os.environ.get("VOILA_PREHEAT") == "True":
            from voila.utils import wait_for_request
            wait_for_request()
        environ = os.environ
    return environ.get("QUERY_STRING", "") or ""


def runs_from_environment(base: Config | None = None, environ: Mapping[str, str] | None = None
                          ) -> tuple[Config, Config | None, str]:
    """``(config_a, config_b or None, message)`` for this kernel's page, from its link.

    Keys with a `b.` prefix set run B (compare mode, see initlab.core.links).  The message is ''
    unless the link was bad; then nothing of it applies: ``(base or defaults, None, message)``,
    the message naming the key and what it allows.  A kernel started by ``initlab serve``
    (environment.SERVED set) is first made safe to show to a class (``prepare_served_kernel``).
    """
    if environ is None and os.environ.get(names.SERVED):
        prepare_served_kernel()
    base = base or Config()
    try:
        a, b = links.from_query(query_string(environ), base=base)
    except ValueError as err:
        return base, None, (f"The link's settings were not used: {err}. "
                            "Showing the default settings.")
    return a, b, ""


def prepare_served_kernel(environ: Mapping[str, str] | None = None) -> None:
    """Make this kernel fit to serve a class (called once, before the Lab is built).

    - stderr, log handlers writing to it, Python warnings (numpy's RuntimeWarnings) and IPython's
      tracebacks go to the server's log, never the page (they can show server paths);
    - the kernel's address space is capped (RLIMIT_AS) at its present size plus
      environment.KERNEL_MAX_MB megabytes, so a runaway allocation ends in a MemoryError in this kernel
      (which Run.step reports) instead of taking the machine's memory from the other students.
    """
    import sys
    import warnings
    import logging
    global _prepared
    if _prepared:                    # done at kernel start (initlab.serving.kernel) already
        return
    _prepared = True
    env = os.environ if environ is None else environ
    page = sys.stderr
    sys.stderr = sys.__stderr__
    for logger in [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]:
        for handler in getattr(logger, "handlers", []):     # e.g. ipykernel's "No such comm"
            if isinstance(handler, logging.StreamHandler) and handler.stream is page:
                handler.setStream(sys.__stderr__)

    def to_log(message, category, filename, lineno, file=None, line=None):  # noqa: ANN001
        print(warnings.formatwarning(message, category, filename, lineno, line),
              file=sys.__stderr__, end="", flush=True)
    warnings.showwarning = to_log
    _tracebacks_to_log()
    cap = env.get(names.KERNEL_MAX_MB, "")
    if cap:
        cap_address_space(float(cap))


_prepared = False


def _tracebacks_to_log() -> None:
    """IPython's tracebacks (a widget callback that raised, on a crafted message too) go to the
    server's log: on the page they showed server paths."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    import sys
    shell = get_ipython()
    if shell is None or not hasattr(shell, "_showtraceback"):
        return

    def to_log(etype, evalue, stb):  # noqa: ANN001 - IPython's signature
        print(shell.InteractiveTB.stb2text(stb), file=sys.__stderr__, flush=True)
    shell._showtraceback = to_log


def cap_address_space(extra_mb: float) -> int:
    """Limit this process's address space to its present size + extra_mb; returns the bytes."""
    import resource
    with open("/proc/self/status") as status:
        size_kb = next(int(line.split()[1]) for line in status if line.startswith("VmSize:"))
    limit = int(size_kb * 1024 + extra_mb * 2**20)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    return limit
