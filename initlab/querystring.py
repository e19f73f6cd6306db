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
        return Config.from_query(urlencode(pairs), base=base), ""
    except ValueError as err:
        return base, f"The link's settings were not used: {err}. Showing the default settings."


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
    """
    return config_from_query(query_string(environ), base=base)


def runs_from_query(query: str, base: Config | None = None
                    ) -> tuple[Config, Config | None, str]:
    """Like config_from_query, for links of two runs (compare mode): keys with a `b.` prefix
    set run B (initlab.core.links).  Returns ``(config_a, config_b or None, message)``."""
    base = base or Config()
    try:
        a, b = links.from_query(query, base=base)
    except ValueError as err:
        return base, None, (f"The link's settings were not used: {err}. "
                            "Showing the default settings.")
    return a, b, ""


def runs_from_environment(base: Config | None = None, environ: Mapping[str, str] | None = None
                          ) -> tuple[Config, Config | None, str]:
    """``(config_a, config_b or None, message)`` for this kernel's page (see runs_from_query)."""
    return runs_from_query(query_string(environ), base=base)
