"""Seats follow pages: a kernel belongs to a page only while the page is there, and no burst of
GETs passes --max-students.  Real Voila servers on 127.0.0.1 with a tiny notebook (no browser);
the bookkeeping itself with a fake clock."""
from __future__ import annotations

import os
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from serving_client import LivePage, alive, get, kernel_of, open_page, raw_websocket, wait_for

from initlab.serving import serve
from initlab.serving.seats import Seats
from initlab.serving.voila_app import ClassroomVoila

ECHO = Path(__file__).parent / "assets" / "echo_environment.ipynb"


# ---- the bookkeeping, with a fake clock ---------------------------------------------------------
class FakeKernels:
    def __init__(self) -> None:
        self.ids: set[str] = set()
        self._pools: dict = {}

    def list_kernel_ids(self) -> list[str]:
        return list(self.ids)


def test_a_seat_is_taken_before_the_kernel_starts_so_the_cap_holds():
    seats = Seats(FakeKernels(), limit=2)
    assert seats.reserve() and seats.reserve()
    assert not seats.reserve()                    # two GETs in flight fill a class of two
    seats.sent(None, reserved=True)               # one failed before naming a kernel
    assert seats.reserve()


def test_the_default_graces_free_a_lost_page_within_90_s():
    voila = ClassroomVoila
    defaults = {name: voila.class_traits()[name].default_value for name in
                ("unclaimed_seconds", "closed_seconds", "lost_seconds", "ping_seconds",
                 "ping_timeout_seconds")}
    # a frozen page: found at the first ping after the timeout, then tornado waits up to 5 s for
    # the close handshake, then the lost grace, then the reaper's next second
    frozen = defaults["ping_timeout_seconds"] + defaults["ping_seconds"] + 5 + \
        defaults["lost_seconds"] + 1
    assert frozen <= 90
    assert defaults["closed_seconds"] + 1 <= 5
    assert defaults["unclaimed_seconds"] == 30


def test_pages_are_reaped_by_their_own_graces():
    kernels = FakeKernels()
    now = [0.0]
    seats = Seats(kernels, limit=5, unclaimed=30, closed=3, lost=30, clock=lambda: now[0])

    def reaped() -> list[str]:
        due = seats.expired()
        kernels.ids -= set(due)                    # what Seats.reap's shutdown does
        return due
    for name in "abcd":
        assert seats.reserve()
        kernels.ids.add(name)
        seats.rendering(name)
    now[0] = 100.0                                 # rendering takes as long as it takes
    assert reaped() == []
    for name in "abcd":
        seats.sent(name, reserved=True)
    seats.connected("b"), seats.connected("c"), seats.connected("d")
    seats.disconnected("c", 1001)                  # tab closed
    seats.disconnected("d", None)                  # connection lost...
    now[0] = 104.0
    assert reaped() == ["c"]
    seats.connected("d")                           # ... and back
    now[0] = 131.0
    assert reaped() == ["a"]                       # never claimed
    assert set(seats.pages) == {"b", "d"} and seats.taken() == 2


# ---- a real server ------------------------------------------------------------------------------
def test_a_burst_of_gets_starts_no_more_kernels_than_the_cap(tmp_path):
    log_path = tmp_path / "voila.log"
    with open(log_path, "w") as log, serve.voila_server(ECHO, max_students=5, log=log) as base:
        with ThreadPoolExecutor(12) as pool:
            answers = list(pool.map(lambda i: get(base + f"?seed={i}", timeout=120), range(12)))
        statuses = sorted(status for status, _, _ in answers)
        started = log_path.read_text().count("Kernel started")
        assert statuses.count(200) <= 5 and set(statuses) == {200, 503}, statuses
        assert started <= 5, f"{started} kernels for a class of 5"


def test_a_page_nobody_opens_gives_its_seat_back_within_30_s(tmp_path):
    with serve.voila_server(ECHO, max_students=1) as base:
        kernel = open_page(base)                   # a link preview: the page's script never runs
        sent = time.monotonic()
        assert get(base + "?seed=2")[0] == 503
        wait_for(lambda: not alive(kernel), 40, "the unclaimed kernel shut down")
        assert time.monotonic() - sent <= 33
        assert get(base + "?seed=3")[0] == 200


def test_kernels_follow_their_pages_closed_lost_frozen_or_back(tmp_path):
    log_path = tmp_path / "voila.log"
    graces = ["--ClassroomVoila.unclaimed_seconds=4", "--ClassroomVoila.lost_seconds=4",
              "--ClassroomVoila.ping_seconds=1", "--ClassroomVoila.ping_timeout_seconds=3"]
    with open(log_path, "w") as log, serve.voila_server(ECHO, log=log, extra=graces) as base:
        pages = {}
        for _ in range(3):                         # pages whose script connects at once
            kernel = open_page(base)
            pages[kernel] = LivePage(base, kernel)
        kept, closed, back = pages
        frozen = open_page(base)
        stuck, _ = raw_websocket(base, frozen)     # answers no ping
        lost = open_page(base)
        cut, _ = raw_websocket(base, lost)
        cut.close()                                # no close frame: a crashed browser
        later = open_page(base)
        started = time.monotonic()
        pages[closed].close(1001)                  # a tab closed
        wait_for(lambda: not alive(closed), 5, "the closed page's kernel")
        pages[back].cut()
        pages[back] = LivePage(base, back)         # a network blip: the page reconnects
        wait_for(lambda: not alive(lost), 12, "the lost page's kernel")
        assert time.monotonic() - started < 12
        wait_for(lambda: not alive(later), 30, "the page nobody opened")
        wait_for(lambda: not alive(frozen), 3 + 1 + 5 + 4 + 5, "the frozen page's kernel")
        assert alive(kept) and alive(back)         # pages still there keep their kernels
        stuck.close()


def test_a_killed_kernel_is_not_restarted_and_frees_its_seat(tmp_path):
    log_path = tmp_path / "voila.log"
    with open(log_path, "w") as log, serve.voila_server(ECHO, max_students=1, log=log) as base:
        status, _, page = get(base)
        kernel = kernel_of(page)
        live = LivePage(base, kernel)
        os.kill(serve.kernel_pids([kernel])[0], signal.SIGKILL)      # as the OOM killer would
        wait_for(lambda: get(base + "?seed=4", timeout=60)[0] == 200, 30, "a free seat")
        assert "restarting kernel" not in log_path.read_text()
        live.close()
