"""Share what you see: the link of the current settings (both runs in compare mode).

The query comes from `initlab.core.links.to_query`; `link_url` puts it on the page's address.
In Voila the kernel knows the address it was asked for (VOILA_REQUEST_URL, or for a preheated
kernel SERVER_NAME, SERVER_PORT and SCRIPT_NAME), but behind a proxy
(Binder, JupyterHub) that is the inner one, so the copy button rebuilds the link in the browser
from the address the student actually sees.  In JupyterLab there is no app address: the control
shows the query to append to the served lab's address (`initlab serve`).
"""
from __future__ import annotations

import html
import os
from typing import Mapping
from urllib.parse import urlsplit, urlunsplit

from initlab.core.config import Config
from initlab.core.links import to_query
from initlab.ui import lean
from initlab.ui.panels.base import FILL

# In the page: put the query on the address the student sees, show it and copy it (`window.URL`:
# in an inline handler a bare `URL` is document.URL, a string).  A plain
# `select + execCommand('copy')` is the fallback where the Clipboard API is not allowed (http).
COPY_JS = ("const box=this.parentElement.querySelector('input');"
           "if(this.dataset.page==='1'){const u=new window.URL(window.location.href);"
           # the class's token stays on the link, or classmates land on the login page
           "const k=u.searchParams.get('token');u.search=this.dataset.query;"
           "if(k){u.searchParams.set('token',k);}box.value=u.href;}"
           "box.select();const t=box.value;"
           "(navigator.clipboard?navigator.clipboard.writeText(t):Promise.reject())"
           ".catch(()=>document.execCommand('copy'));this.textContent='copied';")


def in_voila(environ: Mapping[str, str] | None = None) -> bool:
    """True when this kernel serves a Voila page."""
    env = os.environ if environ is None else environ
    return "VOILA_KERNEL_ID" in env or env.get("SERVER_SOFTWARE", "").startswith("voila")


def link_url(query: str, environ: Mapping[str, str] | None = None) -> str:
    """The page's address with `query` as its query string, or '?query' outside Voila."""
    env = os.environ if environ is None else environ
    page = env.get("VOILA_REQUEST_URL", "")
    if not page and env.get("SERVER_NAME"):      # a preheated kernel gets the CGI variables only
        port = f":{env['SERVER_PORT']}" if env.get("SERVER_PORT") else ""
        page = f"http://{env['SERVER_NAME']}{port}{env.get('SCRIPT_NAME', '/')}"
    if not page:
        return f"?{query}" if query else "?"
    scheme, netloc, path, _, _ = urlsplit(page)
    return urlunsplit((scheme, netloc, path, query, ""))


class ShareLink:
    """A 'copy link' button beside the link of the current settings.  `widget` to display."""

    def __init__(self) -> None:
        self.widget = lean.html(**FILL)          # the rest of its row (a shared layout)
        self.widget.add_class("il-share-box")   # its content shrinks to the row (layout.py)
        self.query = None
        self._shown: tuple = ()
        self.url = ""

    def show(self, a: Config, b: Config | None = None, own_points: bool = False,
             view: str = "network") -> None:
        """Show the link for run A (and run B in compare mode) and the lab's view; nothing is
        sent if unchanged.  With own_points the button says that a link leaves the points out."""
        query = to_query(a, b, view)
        if (query, own_points) == self._shown:
            return
        self._shown = (query, own_points)
        self.query, self.url = query, link_url(query)
        page = "1" if in_voila() else "0"
        # outside Voila (JupyterLab) the box holds a query: say so on the same line (a second
        # line overflowed the row, behind the tabs); no query at all is the default settings
        where = ("" if page == "1" else "<span style='color:#555;font-size:11px' title='append "
                 "it to the address of the served lab (initlab serve)'>query</span>")
        shown = self.url if self.url != "?" else ""
        self.widget.value = (
            "<div class='il-share' style='display:flex;gap:4px;align-items:center'>"
            f"<button class='il-copy-link' data-page='{page}' "
            f"data-query='{html.escape(query, quote=True)}' onclick=\"{COPY_JS}\" "
            "title='Copy the link of these settings (both runs in compare mode)"
            + (": a link carries settings, not your points (the JSON export keeps them)"
               if own_points else "") + "'>"
            + ("copy link (no points)" if own_points else "copy link") + "</button>" + where
            + f"<input class='il-link' readonly value='{html.escape(shown, quote=True)}' "
            "placeholder='(the default settings)' onclick='this.select()' "
            "style='flex:1;min-width:0;font-size:11px'></div>")
