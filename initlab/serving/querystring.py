"""Config from the page's URL query string, for links a teacher hands out.

A link such as ``http://host:8866/?activation=tanh&init=gaussian&weight_std=0.01`` opens the lab
with those settings.  Voila passes the page's query string to the kernel it starts as the
environment variable QUERY_STRING (CGI style); in JupyterLab it is unset, so the defaults apply.
A bad link never breaks the page: the lab starts from the defaults and says what was wrong.
"""
from __future__ import annotations

import os
from typing import Mapping
from urllib.parse import parse_qsl, urlencode

from initlab.core import links
from initlab.core.config import Config
from initlab.core.safejson import SHOWN, shorten

# Set by `initlab serve` in every kernel's environment.
SERVED_VARIABLE = "INITLAB_SERVED"            # "1": errors to the log, a short message on the page
KERNEL_MB_VARIABLE = "INITLAB_KERNEL_MAX_MB"  # memory the kernel may take beyond its start-up size

# Query parameters that Voila itself reads (skin of the page), not experiment settings.
VOILA_PARAMETERS = frozenset({"theme", "template"})


def config_from_query(query: str, base: Config | None = None) -> tuple[Config, str]:
    """Parse a query string into a Config without raising.

    Returns ``(config, "")`` when every parameter is valid, else ``(base or defaults, message)``
    where the message names the bad field and what it allows.
    """
    base = base or Config()
    pairs = [(k, v) for k, v in parse_qsl(query.lstrip("?"), keep_blank_values=True)
             if k not in VOILA_PARAMETERS]
    if not pairs:
        return base, ""
    try:
        _check_pairs(pairs)
        return Config.from_query(urlencode(pairs), base=base), ""
    except ValueError as err:
        return base, f"The link's settings were not used: {err}. Showing the default settings."


def _check_pairs(pairs: list[tuple[str, str]]) -> None:
    """Refuse over-long keys or values (no setting is longer than SHOWN characters: the message
    quotes them cut) and keys given twice (depth=3&depth=20 is ambiguous: say so rather than
    silently take the last)."""
    values: dict[str, list[str]] = {}
    for key, value in pairs:
        if len(key) > SHOWN or len(value) > SHOWN:
            raise ValueError(f"{shorten(key) if len(key) > SHOWN else key}={shorten(value)} is "
                             f"not allowed: no setting is longer than {SHOWN} characters")
        values.setdefault(key, []).append(value)
    for key, given in values.items():
        if len(given) > 1:
            shown = ", ".join(shorten(v, 40) for v in given[:5])
            raise ValueError(f"{shorten(key, 40)} is given {len(given)} times ({shown}): "
                             f"give each setting once")


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


def config_from_environment(base: Config | None = None,
                            environ: Mapping[str, str] | None = None) -> tuple[Config, str]:
    """Config for this kernel's page: ``base`` (or defaults) updated from the URL query string.

    Returns ``(config, message)``; the message is '' unless the link held a bad value.
    In a kernel started by ``initlab serve`` (SERVED_VARIABLE set), the kernel is first made
    safe to show to a class: see ``prepare_served_kernel``.
    """
    if environ is None and os.environ.get(SERVED_VARIABLE):
        prepare_served_kernel()
    return config_from_query(query_string(environ), base=base)


def runs_from_query(query: str, base: Config | None = None
                    ) -> tuple[Config, Config | None, str]:
    """Like config_from_query, for links of two runs (compare mode): keys with a `b.` prefix
    set run B (initlab.core.links).  Returns ``(config_a, config_b or None, message)``."""
    base = base or Config()
    pairs = [(k, v) for k, v in parse_qsl(query.lstrip("?"), keep_blank_values=True)
             if k not in VOILA_PARAMETERS]
    if not pairs:
        return base, None, ""
    try:
        _check_pairs(pairs)
        a, b = links.from_query(urlencode(pairs), base=base)
    except ValueError as err:
        return base, None, (f"The link's settings were not used: {err}. "
                            "Showing the default settings.")
    return a, b, ""


def runs_from_environment(base: Config | None = None, environ: Mapping[str, str] | None = None
                          ) -> tuple[Config, Config | None, str]:
    """``(config_a, config_b or None, message)`` for this kernel's page (see runs_from_query).

    Like config_from_environment, a kernel started by ``initlab serve`` is first made safe to
    show to a class (``prepare_served_kernel``).
    """
    if environ is None and os.environ.get(SERVED_VARIABLE):
        prepare_served_kernel()
    return runs_from_query(query_string(environ), base=base)


def prepare_served_kernel(environ: Mapping[str, str] | None = None) -> None:
    """Make this kernel fit to serve a class (called once, before the Lab is built).

    - stderr, log handlers writing to it, Python warnings (numpy's RuntimeWarnings) and IPython's
      tracebacks go to the server's log, never the page (they can show server paths);
    - the kernel's address space is capped (RLIMIT_AS) at its present size plus
      KERNEL_MB_VARIABLE megabytes, so a runaway allocation ends in a MemoryError in this kernel
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
    cap = env.get(KERNEL_MB_VARIABLE, "")
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
