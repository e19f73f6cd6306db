"""The Voila application that ``initlab serve`` runs: Voila with a classroom's guards.

``python -m initlab.serving.voila_app NOTEBOOK [voila options]`` is Voila with these additions:

- ``--ClassroomVoila.max_students=N``: a page that would start kernel N+1 gets a polite "the class
  is full" page (HTTP 503) instead of a kernel.  A seat is taken before the kernel starts
  (initlab.serving.seats), so a burst of GETs cannot pass the cap, and a kernel follows its page:
  a GET whose page never connects (a link preview, curl) or a page that went away frees its seat
  (preheated kernels waiting in the pool count for no one and are kept);
- every page sets the ``_xsrf`` cookie.  Voila's page sends it with the shutdown request it makes
  when the tab closes; without the cookie that request was refused (403, "_xsrf argument
  missing", Voila issue 1458) and the kernel lived on until the idle cull;
- ``INITLAB_TOKEN`` in the environment becomes Voila's token (``initlab serve --token``), and
  every websocket, the preheated kernels' /voila/query/<id> too, needs it;
- the kernel websocket checks each frame's header before jupyter_server parses it
  (initlab.serving.guard: one forged frame hung the whole server), and drops a client that lets
  more than ``send_buffer_mb`` pile up unread instead of buffering for it without end;
- larger websocket messages (MAX_MESSAGE_MB) so that a huge paste into the settings box reaches
  the kernel, which answers with a clear message, instead of silently dropping the connection.

Theme/template overrides, the template without a CDN and the banner are options and files given
by ``initlab.serving.serve.voila_command``; this module only adds what options cannot.
"""
from __future__ import annotations

import html
import os
import re
from typing import Any

import tornado.ioloop
import tornado.web
from tornado.websocket import WebSocketClosedError, WebSocketHandler
from jupyter_server.auth.decorator import ws_authenticated
from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.base.websocket import WebSocketMixin
from jupyter_server.utils import url_path_join
from traitlets import Float, Int
from voila.app import Voila
from voila.request_info_handler import RequestInfoSocketHandler
from voila.static_file_handler import AllowListFileHandler
from voila.tornado.handler import TornadoVoilaHandler
from voila.tornado.kernel_websocket_handler import VoilaKernelWebsocketHandler

from initlab.core.environment import TOKEN as TOKEN_VARIABLE
from initlab.serving.guard import V1_PROTOCOL, frame_problem, pending_bytes
from initlab.serving.rooted import RootedFileHandler, RootedFileManager
from initlab.serving.seats import Seats

MAX_MESSAGE_MB = 64
KERNEL_ID = re.compile(r'"kernelId": "([0-9a-f-]+)"')

CLASS_FULL_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>initlab: the class is full</title>
<meta http-equiv="refresh" content="30"></head>
<body style="font-family:sans-serif;max-width:40em;margin:4em auto;line-height:1.5">
<h1>The class is full</h1>
<p>This lab serves {limit} students at a time, and {limit} pages are open. Please wait a minute:
this page tries again every 30 seconds. A page closed by another student frees its place at once.
</p></body></html>
"""


class ClassroomHandler(TornadoVoilaHandler):
    """Voila's page handler: takes a seat, names the page's kernel, sets the _xsrf cookie."""

    page_kernel: str | None = None

    @tornado.web.authenticated
    async def get(self, path: str | None = None) -> None:
        starts_kernel = not (self.notebook_path and path)     # else Voila redirects to a file
        seats: Seats = self.settings["initlab_seats"]
        if starts_kernel and not seats.reserve():
            self.log.warning("initlab: the class is full (%d students): page refused",
                             seats.limit)
            self.set_status(503)
            self.set_header("Retry-After", "30")
            self.finish(CLASS_FULL_PAGE.format(limit=html.escape(str(seats.limit))))
            return
        self.reserved = starts_kernel
        self.xsrf_token            # noqa: B018 - reading it sets the cookie the shutdown needs
        try:
            await super().get(path)
        finally:
            seats.sent(self.page_kernel, starts_kernel)

    def write(self, chunk: Any) -> None:
        # The page's configuration names its kernel near the top of the first chunks.
        if getattr(self, "reserved", False) and self.page_kernel is None \
                and isinstance(chunk, str):
            found = KERNEL_ID.search(chunk)
            if found:
                self.page_kernel = found.group(1)
                self.settings["initlab_seats"].rendering(self.page_kernel)
        super().write(chunk)


class ClassroomKernelSocket(VoilaKernelWebsocketHandler):
    """The page's kernel websocket: frames checked before parsing, a capped send buffer, and
    the page's seat held while it is open."""

    def open(self, kernel_id: str) -> Any:
        self.settings["initlab_seats"].connected(kernel_id)
        self.seat = kernel_id
        return super().open(kernel_id)

    def on_close(self) -> None:
        seat = getattr(self, "seat", None)
        if seat:
            self.settings["initlab_seats"].disconnected(seat, self.close_code)
            self.seat = None
        if getattr(self, "connection", None) is not None:
            super().on_close()

    def on_message(self, message: str | bytes) -> None:
        problem = frame_problem(message, self.selected_subprotocol)
        if problem:
            self.log.warning("initlab: kernel websocket from %s closed: %s",
                             self.request.remote_ip, problem)
            # Cut, not a closing handshake: until on_close, Jupyter Server would go on writing
            # the kernel's messages to a socket it believes to be on the legacy protocol.
            self.ws_connection.stream.close()
            return
        super().on_message(message)

    def write_message(self, message: Any, binary: bool = False) -> Any:
        if self.ws_connection is None or self.ws_connection.is_closing():
            return None      # closing: once closed, Jupyter Server re-serialises replies for
                             # the legacy protocol, which Voila's header reader loops on
        # the kernel's own frames: any part count the frame can hold (a lab's widget states
        # carry one buffer per array, past a page's 64), checked only for their structure
        if isinstance(message, bytes) and frame_problem(message, V1_PROTOCOL,
                                                        max_buffers=len(message) // 8):
            return None      # Voila reads every binary message's header the unbounded way
        cap = self.settings.get("initlab_send_buffer", 0)
        if cap and pending_bytes(self) + len(message) > cap:
            self.log.warning("initlab: kernel websocket from %s dropped: it left more than "
                             "%d MB unread", self.request.remote_ip, cap // 2**20)
            self.ws_connection.stream.close()          # frees the buffer now; on_close follows
            return None
        return super().write_message(message, binary)


class TokenRequestInfoSocket(WebSocketMixin, RequestInfoSocketHandler, JupyterHandler):
    """Voila's /voila/query/<kernel id> websocket (preheated kernels learn their page's link from
    it), with the same login as every other route: Voila's own accepts anyone."""

    @ws_authenticated
    async def get(self, *args: Any, **kwargs: Any) -> None:
        await super().get(*args, **kwargs)

    def open(self, kernel_id: str) -> None:
        RequestInfoSocketHandler.open(self, kernel_id)     # Voila's, without the mixin's pings

    def on_message(self, message: str | bytes) -> None:
        """The server only talks on this socket; what a client sends is ignored."""


class HeartbeatSocket(WebSocketMixin, WebSocketHandler, JupyterHandler):
    """/initlab/heartbeat: a beat every BEAT_SECONDS to each page, whose banner says the
    connection is lost when the beats stop (a stopped or hung server closes no socket)."""

    BEAT_SECONDS = 0.25
    MAX_PENDING = 64 * 1024          # a page that stopped reading its beats is dropped
    sockets: set["HeartbeatSocket"] = set()

    @ws_authenticated
    async def get(self, *args: Any, **kwargs: Any) -> None:
        await super().get(*args, **kwargs)

    def open(self) -> None:                    # no ping of its own: it is the ping
        HeartbeatSocket.sockets.add(self)

    def on_close(self) -> None:
        HeartbeatSocket.sockets.discard(self)

    def on_message(self, message: str | bytes) -> None:
        """Pages send nothing here."""

    @classmethod
    def beat(cls) -> None:
        for socket in list(cls.sockets):
            try:
                if pending_bytes(socket) > cls.MAX_PENDING:
                    socket.ws_connection.stream.close()
                else:
                    socket.write_message("1")
            except (WebSocketClosedError, AttributeError):
                cls.sockets.discard(socket)


class ClassroomVoila(Voila):
    """Voila with a cap on students (see the module docstring)."""

    max_students = Int(0, config=True,
                       help="Most pages with a kernel at once; 0 for no limit.")
    send_buffer_mb = Float(16, config=True,
                           help="A page's websocket is dropped when more than this many MB "
                                "wait unread for it (a slow or stalled reader).")
    unclaimed_seconds = Float(30, config=True,
                              help="A page's kernel is shut down when no websocket claims it "
                                   "within this time (a link preview, curl, a prefetch).")
    closed_seconds = Float(3, config=True,
                           help="... when its page closed its websocket this long ago.")
    lost_seconds = Float(30, config=True,
                         help="... when its page's websocket was lost this long ago.")
    ping_seconds = Float(10, config=True, help="Websocket ping period.")
    ping_timeout_seconds = Float(30, config=True,
                                 help="A websocket that answers no ping for this long is closed.")

    def initialize(self, argv: Any = None) -> None:
        # The token comes in the environment (a command line is visible to every local user) and
        # leaves it before any kernel starts: kernels inherit this process's environment.
        token = os.environ.pop(TOKEN_VARIABLE, "")
        super().initialize(argv)
        if token and not self.token:
            self.token = token

    def init_settings(self) -> dict:
        settings = super().init_settings()
        seats = Seats(self.kernel_manager, self.max_students, unclaimed=self.unclaimed_seconds,
                      closed=self.closed_seconds, lost=self.lost_seconds, log=self.log)
        settings["initlab_seats"] = seats
        settings["initlab_send_buffer"] = int(self.send_buffer_mb * 2**20)
        settings["websocket_max_message_size"] = MAX_MESSAGE_MB * 2**20
        settings["ws_ping_interval"] = int(self.ping_seconds * 1000)
        settings["ws_ping_timeout"] = int(self.ping_timeout_seconds * 1000)
        self.reaper = tornado.ioloop.PeriodicCallback(seats.reap, 1000)
        self.reaper.start()
        self.heartbeat = tornado.ioloop.PeriodicCallback(HeartbeatSocket.beat,
                                                         HeartbeatSocket.BEAT_SECONDS * 1000)
        self.heartbeat.start()
        # Nothing reached through a symlink out of the served folder.
        self.contents_manager = RootedFileManager(parent=self)
        settings["contents_manager"] = self.contents_manager
        return settings

    def init_handlers(self) -> list:
        replace = {TornadoVoilaHandler: ClassroomHandler,
                   VoilaKernelWebsocketHandler: ClassroomKernelSocket,
                   RequestInfoSocketHandler: TokenRequestInfoSocket,
                   AllowListFileHandler: RootedFileHandler}
        heartbeat = (url_path_join(self.server_url, "/initlab/heartbeat"), HeartbeatSocket)
        return [heartbeat] + [(pattern, replace.get(handler, handler), *rest)
                              for pattern, handler, *rest in super().init_handlers()]


main = ClassroomVoila.launch_instance

if __name__ == "__main__":
    main()
