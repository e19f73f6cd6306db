"""What a page may send over its kernel websocket, and how much the server keeps for a slow one.

jupyter_server (2.x) parses a binary frame by trusting its header: the v1 protocol's first 8 bytes
are a part count, and ``deserialize_msg_from_ws_v1`` builds a list of that many offsets before
looking at anything else.  One 16-byte frame claiming 2**63 parts held the event loop (and so
every student) forever while memory grew.  ``frame_problem`` reads the header in constant time and
names what is wrong; the handler in voila_app.py closes the connection on any answer but ''.
"""
from __future__ import annotations

import struct

V1_PROTOCOL = "v1.kernel.websocket.jupyter.org"
MESSAGE_PARTS = 4        # header, parent_header, metadata, content
MAX_BUFFERS = 64         # binary buffers after them (a widget's file upload, an array)
MAX_V1_OFFSETS = 2 + MESSAGE_PARTS + MAX_BUFFERS     # channel start and end, then each part's end
MAX_LEGACY_PARTS = 1 + MAX_BUFFERS                   # the JSON message, then each buffer


def frame_problem(message: str | bytes, protocol: str | None,
                  max_buffers: int = MAX_BUFFERS) -> str:
    """'' when jupyter_server can parse this frame safely, else what is wrong with it.

    ``protocol`` is the websocket subprotocol the connection chose (``V1_PROTOCOL``, or None for
    the legacy protocol, where text frames are JSON and binary frames carry buffers).
    ``max_buffers`` caps a page's messages; the kernel's own may carry many more (the widget
    states of a whole lab: one buffer per array), and are only checked for their structure.
    """
    if protocol == V1_PROTOCOL:
        if isinstance(message, str):
            return "a text frame on the binary v1 protocol"
        return _v1_problem(message, max_buffers)
    if isinstance(message, str):
        return ""                       # JSON: its size is capped by websocket_max_message_size
    return _legacy_problem(message, max_buffers)


def _v1_problem(frame: bytes, max_buffers: int) -> str:
    """v1: 8-byte little-endian count n, n offsets, then the channel and the message's parts."""
    if len(frame) < 8:
        return f"a {len(frame)}-byte frame has no part count"
    count = int.from_bytes(frame[:8], "little")
    most = 2 + MESSAGE_PARTS + max_buffers
    if not 2 + MESSAGE_PARTS <= count <= most:
        return (f"a frame claims {count} offsets; a kernel message has "
                f"{2 + MESSAGE_PARTS} to {most}")
    return _offsets_problem(frame, struct.unpack_from(f"<{count}Q", frame, 8)
                            if len(frame) >= 8 * (count + 1) else None, 8 * (count + 1))


def _legacy_problem(frame: bytes, max_buffers: int) -> str:
    """Legacy binary: 4-byte big-endian count n, n offsets, the JSON message, then buffers."""
    if len(frame) < 4:
        return f"a {len(frame)}-byte frame has no part count"
    count = struct.unpack("!i", frame[:4])[0]
    most = 1 + max_buffers
    if not 1 <= count <= most:
        return f"a frame claims {count} parts; a kernel message has 1 to {most}"
    return _offsets_problem(frame, struct.unpack_from(f"!{count}I", frame, 4)
                            if len(frame) >= 4 * (count + 1) else None, 4 * (count + 1))


def _offsets_problem(frame: bytes, offsets: tuple[int, ...] | None, table_end: int) -> str:
    if offsets is None:
        return f"a {len(frame)}-byte frame is shorter than its own offset table ({table_end} bytes)"
    if offsets[0] < table_end:
        return f"the first part starts at byte {offsets[0]}, inside the offset table"
    if any(later < earlier for earlier, later in zip(offsets, offsets[1:])):
        return "the frame's offsets go backwards"
    if offsets[-1] > len(frame):
        return f"an offset ({offsets[-1]}) points past the frame's end ({len(frame)} bytes)"
    return ""


def pending_bytes(handler: object) -> int:
    """Bytes a websocket handler has queued for its client and the client has not yet taken
    (tornado's IOStream write buffer; 0 when the connection is gone)."""
    stream = getattr(getattr(handler, "ws_connection", None), "stream", None)
    buffer = getattr(stream, "_write_buffer", None)
    return len(buffer) if buffer is not None else 0
