"""A page seen from the wire, for the serving tests: GET a Voila page, open its kernel's websocket
(well-behaved, frozen, or hostile) and wait on conditions.  Loopback only."""
from __future__ import annotations

import base64
import os
import re
import socket
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

PROTOCOL = "v1.kernel.websocket.jupyter.org"
TIMEOUT = 60


def get(url: str, timeout: float = TIMEOUT, headers: dict | None = None):
    """(status, headers, body) of a GET, HTTP errors included."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.headers, response.read().decode(errors="replace")
    except urllib.error.HTTPError as err:
        return err.code, err.headers, err.read().decode(errors="replace")


def kernel_of(page: str) -> str:
    return re.search(r'"kernelId": "([0-9a-f-]+)"', page).group(1)


def open_page(base: str, query: str = "") -> str:
    """GET the page (as a link preview would: no script runs); returns its kernel id."""
    status, _, page = get(base + query)
    assert status == 200, (status, page[:300])
    return kernel_of(page)


def alive(kernel_id: str) -> bool:
    """True while the kernel's process runs (found by its connection file, Linux /proc)."""
    from initlab.serving import serve
    return bool(serve.kernel_pids([kernel_id]))


def wait_for(condition, timeout: float, what: str = "") -> float:
    """Seconds until condition() is true; AssertionError after `timeout`."""
    start = time.monotonic()
    while not condition():
        assert time.monotonic() - start < timeout, f"{what or 'condition'}: not within {timeout} s"
        time.sleep(0.2)
    return time.monotonic() - start


def raw_websocket(base: str, kernel_id: str, *, receive_buffer: int | None = None,
                  path: str | None = None, protocol: str | None = PROTOCOL
                  ) -> tuple[socket.socket, str]:
    """A websocket to the kernel done by hand, that reads nothing after the handshake (a frozen
    page, a stalled reader).  Returns the socket and the server's answer to the handshake."""
    parts = urlsplit(base)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if receive_buffer:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    sock.settimeout(TIMEOUT)
    sock.connect((parts.hostname, parts.port))
    key = base64.b64encode(os.urandom(16)).decode()
    path = path or f"/api/kernels/{kernel_id}/channels?session_id=raw{os.getpid()}"
    lines = [f"GET {path} HTTP/1.1", f"Host: {parts.hostname}:{parts.port}",
             "Upgrade: websocket", "Connection: Upgrade", f"Sec-WebSocket-Key: {key}",
             "Sec-WebSocket-Version: 13"]
    if protocol:
        lines.append(f"Sec-WebSocket-Protocol: {protocol}")
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
    answer = b""
    while b"\r\n\r\n" not in answer:
        chunk = sock.recv(1)
        if not chunk:
            break
        answer += chunk
    return sock, answer.decode(errors="replace")


def frame(payload: bytes, opcode: int = 2) -> bytes:
    """One masked client frame (binary by default)."""
    mask = os.urandom(4)
    head = bytes([0x80 | opcode])
    n = len(payload)
    if n < 126:
        head += bytes([0x80 | n])
    elif n < 2**16:
        head += bytes([0x80 | 126]) + n.to_bytes(2, "big")
    else:
        head += bytes([0x80 | 127]) + n.to_bytes(8, "big")
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def read_until_closed(sock: socket.socket, timeout: float) -> bool:
    """Read (and drop) what the server sends until it closes the connection; False on timeout."""
    sock.settimeout(0.5)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            data = sock.recv(1 << 16)
        except socket.timeout:
            continue
        except OSError:
            return True                       # reset: closed
        if not data:
            return True
    return False


class LivePage:
    """A page's kernel websocket kept by a well-behaved client (tornado's, which answers pings)
    on its own thread, as a browser keeps it; ``close(code)`` ends it with a close frame."""

    def __init__(self, base: str, kernel_id: str) -> None:
        import asyncio
        import threading
        from tornado.websocket import websocket_connect
        self.loop = asyncio.new_event_loop()
        self.ws = None
        self.closed = threading.Event()
        self.received = 0
        url = base.replace("http", "ws", 1) + \
            f"api/kernels/{kernel_id}/channels?session_id=live{id(self)}"

        async def run() -> None:
            self.ws = await websocket_connect(url, subprotocols=[PROTOCOL])
            while await self.ws.read_message() is not None:
                self.received += 1
            self.closed.set()

        threading.Thread(target=self.loop.run_until_complete, args=(run(),), daemon=True).start()
        wait_for(lambda: self.ws is not None, TIMEOUT, "the page's websocket")

    def cut(self) -> None:
        """End the connection without a close frame (a network blip, a crashed browser)."""
        self.loop.call_soon_threadsafe(lambda: self.ws.protocol.stream.close())
        self.closed.wait(TIMEOUT)

    def close(self, code: int = 1001) -> None:
        self.loop.call_soon_threadsafe(self.ws.close, code)
        self.closed.wait(TIMEOUT)


def in_own_thread(function, *args, **kwargs):
    """function(*args, **kwargs) in a thread of its own, for code that calls asyncio.run():
    after the browser tests, Playwright's sync API leaves an event loop running in the main
    thread, and asyncio.run() refuses to start inside it."""
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function, *args, **kwargs).result()
