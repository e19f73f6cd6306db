"""Seats of a class: a kernel belongs to a page only while the page is there.

A GET of the lab starts (or takes from the pool) a kernel, but only a page that runs its script
opens the kernel's websocket.  A link preview, a prefetch or ``curl`` never does, and a crashed
browser or a sleeping laptop never says goodbye.  So the server keeps one ``Page`` per kernel it
handed out and shuts the kernel down when:

- no websocket claims it within ``unclaimed`` seconds of the page being sent;
- its last websocket closed normally (a tab closed, code 1000/1001) ``closed`` seconds ago;
- its last websocket was lost (no close frame, or pings unanswered) ``lost`` seconds ago.

A reconnect within the grace keeps the kernel.  ``reserve`` takes a seat before the kernel
starts, in one step of the event loop, so a burst of GETs cannot pass the cap.  Preheated kernels
waiting in the pool are nobody's seat and are never shut down here.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable

NORMAL_CLOSES = (1000, 1001)     # a page closed its socket on purpose (tab closed, navigation)


@dataclass
class Page:
    """A page's hold on its kernel: websockets open now, and when the kernel goes (None: not
    while the page is being rendered or has a websocket open)."""
    sockets: int = 0
    claimed: bool = False
    deadline: float | None = None


class Seats:
    """The pages of one server; ``kernel_manager`` is Voila's (a MappingKernelManager)."""

    def __init__(self, kernel_manager: Any, limit: int = 0, *, unclaimed: float = 30.0,
                 closed: float = 3.0, lost: float = 30.0, log: Any = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.kernel_manager, self.limit = kernel_manager, limit
        self.unclaimed, self.closed, self.lost = unclaimed, closed, lost
        self.log, self.clock = log, clock
        self.pages: dict[str, Page] = {}
        self.reserved = 0          # GETs between taking a seat and naming their kernel

    def taken(self) -> int:
        return self.reserved + len(self.pages)

    def reserve(self) -> bool:
        """Take a seat for a page about to get a kernel; False when the class is full."""
        running = set(self.kernel_manager.list_kernel_ids())
        for kernel_id in [k for k in self.pages if k not in running]:
            del self.pages[kernel_id]       # shut down meanwhile (a tab's shutdown request)
        if self.limit and self.taken() >= self.limit:
            return False
        self.reserved += 1
        return True

    def rendering(self, kernel_id: str) -> None:
        """The reserved page got this kernel; it stays while the page is being rendered."""
        self.reserved -= 1
        self.pages[kernel_id] = Page()

    def sent(self, kernel_id: str | None, reserved: bool) -> None:
        """The page's GET finished: from now on a websocket must claim its kernel in time."""
        if reserved and kernel_id is None:
            self.reserved -= 1          # the GET ended before naming a kernel
        page = self.pages.get(kernel_id) if kernel_id else None
        if page is not None and not page.claimed:
            page.deadline = self.clock() + self.unclaimed

    def connected(self, kernel_id: str) -> None:
        page = self.pages.setdefault(kernel_id, Page())
        page.sockets += 1
        page.claimed = True
        page.deadline = None

    def disconnected(self, kernel_id: str, close_code: int | None) -> None:
        page = self.pages.get(kernel_id)
        if page is None:
            return
        page.sockets = max(0, page.sockets - 1)
        if page.sockets == 0:
            grace = self.closed if close_code in NORMAL_CLOSES else self.lost
            page.deadline = self.clock() + grace

    def pooled(self) -> set[str]:
        """Kernels waiting in Voila's pool of preheated kernels (nobody's seat yet)."""
        ids = set()
        for pool in getattr(self.kernel_manager, "_pools", {}).values():
            for task in pool:
                if task.done() and not task.cancelled() and task.exception() is None:
                    ids.add(task.result().get("kernel_id"))
        return ids

    def expired(self) -> list[str]:
        """Kernels to shut down now; forgets pages whose kernel is already gone and adopts
        kernels nobody accounts for (they get the unclaimed grace)."""
        now = self.clock()
        running = set(self.kernel_manager.list_kernel_ids())
        pooled = self.pooled()
        for kernel_id in list(self.pages):
            if kernel_id not in running or kernel_id in pooled:
                del self.pages[kernel_id]
        for kernel_id in running - pooled - set(self.pages):
            if not self.reserved:       # else it may be a reserved page's kernel, not yet named
                self.pages[kernel_id] = Page(deadline=now + self.unclaimed)
        due = [k for k, page in self.pages.items()
               if page.deadline is not None and now >= page.deadline]
        for kernel_id in due:
            del self.pages[kernel_id]
        return due

    async def reap(self) -> None:
        """Shut down every kernel whose page is gone (called every second)."""
        for kernel_id in self.expired():
            if self.log:
                self.log.info("initlab: kernel %s has no page any more: shutting it down",
                              kernel_id)
            try:
                await self.kernel_manager.shutdown_kernel(kernel_id)
            except Exception as err:        # noqa: BLE001 - already gone, or dying
                if self.log:
                    self.log.warning("initlab: shutting down kernel %s: %s", kernel_id, err)
