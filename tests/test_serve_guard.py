"""What one hostile or stalled client may cost a class server: a forged websocket frame is refused
before jupyter_server parses it, and a client that stops reading is dropped, not buffered for.

Real Voila servers on 127.0.0.1 (tiny notebooks, no browser)."""
from __future__ import annotations

import struct
import time
from pathlib import Path

import pytest
from jupyter_server.services.kernels.connection.base import (serialize_binary_message,
                                                             serialize_msg_to_ws_v1)
from serving_client import (PROTOCOL, LivePage, frame, get, open_page, raw_websocket,
                            read_until_closed, wait_for)

from initlab.serving import serve
from initlab.serving.guard import MAX_BUFFERS, V1_PROTOCOL, frame_problem

ASSETS = Path(__file__).parent / "assets"
FLOOD = ASSETS / "flood.ipynb"
FORGED = struct.pack("<QQ", 2**63, 0)          # "2**63 parts": the frame that hung the server


def v1_frame(buffers: int = 0) -> bytes:
    parts = [b'{"msg_type": "kernel_info_request"}', b"{}", b"{}", b"{}"] + [b"\0" * 8] * buffers
    return serialize_msg_to_ws_v1(parts, "shell")


# ---- the check itself ---------------------------------------------------------------------------
def test_well_formed_frames_of_both_protocols_pass():
    assert frame_problem(v1_frame(), PROTOCOL) == ""
    assert frame_problem(v1_frame(MAX_BUFFERS), PROTOCOL) == ""
    legacy = {"header": {}, "parent_header": {}, "metadata": {}, "content": {},
              "buffers": [b"abc", b"de"]}
    assert frame_problem(serialize_binary_message(legacy), None) == ""
    assert frame_problem('{"header": {}}', None) == ""              # legacy JSON text


@pytest.mark.parametrize("forged, protocol, said", [
    (FORGED, PROTOCOL, "claims 9223372036854775808 offsets"),
    (b"\1\0", PROTOCOL, "no part count"),
    (struct.pack("<Q", 6) + b"\0" * 16, PROTOCOL, "shorter than its own offset table"),
    (v1_frame(MAX_BUFFERS + 1), PROTOCOL, "claims 71 offsets"),
    (v1_frame()[:-5], PROTOCOL, "past the frame's end"),
    (struct.pack("<7Q", 6, 0, 0, 0, 0, 0, 0), PROTOCOL, "inside the offset table"),
    (struct.pack("<7Q", 6, 56, 60, 58, 58, 58, 58) + b"\0" * 4, PROTOCOL, "go backwards"),
    ("text", PROTOCOL, "text frame"),
    (struct.pack("!i", 2**31 - 1) + b"\0" * 8, None, "claims 2147483647 parts"),
    (struct.pack("!i", -1), None, "claims -1 parts"),
    (struct.pack("!iI", 1, 2**32 - 1), None, "past the frame's end"),
])
def test_impossible_frames_are_named_before_parsing(forged, protocol, said):
    started = time.perf_counter()
    assert said in frame_problem(forged, protocol)
    assert time.perf_counter() - started < 1.0      # no loop over the claimed parts (2**63 would hang)


# ---- a real server ------------------------------------------------------------------------------
def test_a_forged_part_count_closes_the_socket_and_pages_still_load(tmp_path):
    # The kernel is busy (widget messages with buffers, as a lab on Play) and a page reads it.
    log_path = tmp_path / "voila.log"
    with open(log_path, "w") as log, serve.voila_server(FLOOD, pool_size=1, log=log) as base:
        wait_for(lambda: "is filled with 1 kernel" in log_path.read_text(), 60, "a warm pool")
        kernel = open_page(base)
        page = LivePage(base, kernel)
        wait_for(lambda: page.received > 50, 60, "the kernel flooding its page")
        for protocol, forged in ((PROTOCOL, FORGED), (None, struct.pack("!i", 2**31 - 1))):
            sock, handshake = raw_websocket(base, kernel, protocol=protocol)
            assert " 101 " in handshake
            sock.sendall(frame(forged))
            assert read_until_closed(sock, 15), "the forged frame's connection stayed open"
            sock.close()
        wait_for(lambda: "is filled with 1 kernel" in log_path.read_text().split(
            "Using pre-heated kernel")[-1], 60, "the pool refilled")
        received = page.received
        started = time.monotonic()
        status, _, html = get(base + "?seed=1", timeout=5)
        seconds = time.monotonic() - started
        assert status == 200 and "flooding=[yes]" in html
        assert seconds < 5, f"a page took {seconds:.1f} s after the forged frame"
        wait_for(lambda: page.received > received, 15, "the honest page still served")
        assert "claims 9223372036854775808 offsets" in log_path.read_text()
        page.close()


def test_a_client_that_stops_reading_is_dropped_not_buffered(tmp_path):
    log_path = tmp_path / "voila.log"
    with open(log_path, "w") as log, serve.voila_server(
            FLOOD, log=log, extra=["--ClassroomVoila.send_buffer_mb=2"]) as base:
        kernel = open_page(base)
        stalled, handshake = raw_websocket(base, kernel, receive_buffer=4096)  # reads no more
        assert " 101 " in handshake
        wait_for(lambda: "left more than 2 MB unread" in log_path.read_text(), 60,
                 "the stalled reader dropped")
        assert read_until_closed(stalled, 15)          # what was queued, then the end
        stalled.close()


def test_the_kernels_own_frames_may_carry_a_whole_labs_buffers():
    """A page's frame is capped at MAX_BUFFERS buffers; the kernel's reply with every widget's
    state carries one buffer per array (past 64 once the lab grew a view switch), and dropping
    it left a client without its widgets.  Outgoing frames are checked for structure only."""
    parts = [b"{}"] * 4 + [b"\x00" * 8] * (3 * MAX_BUFFERS)
    reply = serialize_msg_to_ws_v1(parts, "iopub")
    assert "offsets" in frame_problem(reply, V1_PROTOCOL)                       # a page's cap
    assert frame_problem(reply, V1_PROTOCOL, max_buffers=len(reply) // 8) == ""  # the kernel's
    # structure still counts: a count the frame cannot hold is refused either way
    assert frame_problem(FORGED, V1_PROTOCOL, max_buffers=len(FORGED) // 8)
