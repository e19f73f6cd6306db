"""The Voila application that ``initlab serve`` runs: Voila with a classroom's guards.

``python -m initlab.serving.voila_app NOTEBOOK [voila options]`` is Voila with three additions:

- ``--ClassroomVoila.max_students=N``: a page that would start kernel N+1 gets a polite "the class
  is full" page (HTTP 503) instead of a kernel (preheated kernels waiting in the pool do not
  count: they belong to no student yet);
- every page sets the ``_xsrf`` cookie.  Voila's page sends it with the shutdown request it makes
  when the tab closes; without the cookie that request was refused (403, "_xsrf argument
  missing", Voila issue 1458) and the kernel lived on until the idle cull;
- ``INITLAB_TOKEN`` in the environment becomes Voila's token (``initlab serve --token``);
- larger websocket messages (MAX_MESSAGE_MB) so that a huge paste into the settings box reaches
  the kernel, which answers with a clear message, instead of silently dropping the connection.

Theme/template overrides, the template without a CDN and the banner are options and files given
by ``initlab.serving.serve.voila_command``; this module only adds what options cannot.
"""
from __future__ import annotations

import html
import os
from typing import Any

import tornado.web
from traitlets import Int
from voila.app import Voila
from voila.tornado.handler import TornadoVoilaHandler

from initlab.core.environment import TOKEN as TOKEN_VARIABLE

MAX_MESSAGE_MB = 64

CLASS_FULL_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>initlab: the class is full</title>
<meta http-equiv="refresh" content="30"></head>
<body style="font-family:sans-serif;max-width:40em;margin:4em auto;line-height:1.5">
<h1>The class is full</h1>
<p>This lab serves {limit} students at a time, and {limit} pages are open. Please wait a minute:
this page tries again every 30 seconds. A page closed by another student frees its place at once.
</p></body></html>
"""


def students(kernel_manager: Any) -> int:
    """Kernels that belong to a page: all running kernels less the preheated ones in the pool."""
    running = len(kernel_manager.list_kernel_ids())
    pooled = sum(len(pool) for pool in getattr(kernel_manager, "_pools", {}).values())
    return max(0, running - pooled)


class ClassroomHandler(TornadoVoilaHandler):
    """Voila's page handler, counting students and setting the _xsrf cookie."""

    @tornado.web.authenticated
    async def get(self, path: str | None = None) -> None:
        starts_kernel = not (self.notebook_path and path)     # else Voila redirects to a file
        limit = self.settings.get("initlab_max_students", 0)
        if starts_kernel and limit and students(self.kernel_manager) >= limit:
            self.log.warning("initlab: the class is full (%d students): page refused", limit)
            self.set_status(503)
            self.set_header("Retry-After", "30")
            self.finish(CLASS_FULL_PAGE.format(limit=html.escape(str(limit))))
            return
        self.xsrf_token            # noqa: B018 - reading it sets the cookie the shutdown needs
        await super().get(path)


class ClassroomVoila(Voila):
    """Voila with a cap on students (see the module docstring)."""

    max_students = Int(0, config=True,
                       help="Most pages with a kernel at once; 0 for no limit.")

    def initialize(self, argv: Any = None) -> None:
        # The token comes in the environment (a command line is visible to every local user) and
        # leaves it before any kernel starts: kernels inherit this process's environment.
        token = os.environ.pop(TOKEN_VARIABLE, "")
        super().initialize(argv)
        if token and not self.token:
            self.token = token

    def init_settings(self) -> dict:
        settings = super().init_settings()
        settings["initlab_max_students"] = self.max_students
        settings["websocket_max_message_size"] = MAX_MESSAGE_MB * 2**20
        return settings

    def init_handlers(self) -> list:
        return [(pattern, ClassroomHandler, *rest) if handler is TornadoVoilaHandler
                else (pattern, handler, *rest)
                for pattern, handler, *rest in super().init_handlers()]


main = ClassroomVoila.launch_instance

if __name__ == "__main__":
    main()
