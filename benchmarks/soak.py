"""A class server left running: pages open and close for a while, and memory must stay flat.

    python benchmarks/soak.py                  # 10 minutes
    python benchmarks/soak.py --minutes 2      # what tests/test_serve_soak.py runs

Starts `initlab serve`'s Voila (the lab app, one preheated kernel, the default graces) and, over
the wire as class.py does (no browsers), keeps a stream of pages coming and going:

- normal pages: open, move the depth slider twice, close the websocket (a tab closed);
- killed browsers: open, then the TCP connection is cut without a close frame;
- frozen pages: GET, websocket handshake, then nothing is read and no ping answered;
- link previews: GET only, no websocket;
- hostile frames: a forged 2**63-part frame on a kernel's websocket, every cycle;
- one page on Play for the whole run (the browser's timer ticks as fast as the kernel answers).

Every `--every` seconds it prints the Voila server's PSS and RSS, the number of kernels and their
total PSS, the Play kernel's RSS and how many kernels belong to no page that is still there (or
left within the 90 s grace).  At the end: growth after warm-up (the target: a flat line, <= +50 MB
for the server and for the kernels not on Play).  Only 127.0.0.1 is contacted.
"""
from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import os
import re
import struct
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
from tornado.httpclient import AsyncHTTPClient  # noqa: E402

from initlab.serving import serve  # noqa: E402

klass = importlib.import_module("class")            # benchmarks/class.py: Student, memory_mb
Student, memory_mb, message = klass.Student, klass.memory_mb, klass.message
FORGED = struct.pack("<QQ", 2**63, 0)
GRACE = 90.0          # a page gone frees its kernel within this many seconds (issue 15)


async def raw_socket(base: str, kernel_id: str) -> tuple[asyncio.StreamReader,
                                                            asyncio.StreamWriter]:
    """A websocket handshake by hand; the caller then reads nothing (a frozen page)."""
    host, port = base.split("//")[1].rstrip("/").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    key = "dGhlIHNhbXBsZSBub25jZQ=="
    writer.write((f"GET /api/kernels/{kernel_id}/channels?session_id={uuid.uuid4().hex} "
                  f"HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
                  f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                  "Sec-WebSocket-Version: 13\r\n"
                  "Sec-WebSocket-Protocol: v1.kernel.websocket.jupyter.org\r\n\r\n").encode())
    await writer.drain()
    await reader.readuntil(b"\r\n\r\n")
    return reader, writer


def masked(payload: bytes) -> bytes:
    mask = os.urandom(4)
    return bytes([0x82, 0x80 | len(payload)]) + mask + \
        bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


class Soak:
    def __init__(self, base: str, server_pid: int, minutes: float, every: float) -> None:
        self.base, self.server_pid = base, server_pid
        self.until = time.monotonic() + 60 * minutes
        self.every = every
        self.started = time.monotonic()
        self.alive = 0                    # pages still there (a websocket open, or rendering)
        self.ended: list[float] = []      # when pages went away (any way)
        self.opened = {"normal": 0, "killed": 0, "frozen": 0, "preview": 0, "hostile": 0}
        self.failures: list[str] = []
        self.samples: list[dict] = []
        self.play: Student | None = None
        self.ticks = 0
        self.frozen: list[asyncio.StreamWriter] = []

    async def page(self, kind: str, index: int) -> None:
        student = Student(1000 + index, self.base, deadline=30)
        self.alive += 1
        try:
            if kind in ("preview", "frozen"):
                response = await AsyncHTTPClient().fetch(self.base + f"?seed={index}",
                                                                request_timeout=120)
                kernel = re.search(r'"kernelId": "([0-9a-f-]+)"', response.body.decode())
                if kind == "frozen" and kernel:
                    _, writer = await raw_socket(self.base, kernel.group(1))
                    self.frozen.append(writer)        # kept open, never read
                self.opened[kind] += 1
                return
            if not await student.open():
                self.failures += student.failures
                return
            self.opened[kind] += 1
            depth = student.slider("depth")
            for value in (4, 3):
                await student.change(depth, value)
            if kind == "normal":
                student.ws.close(1001)                 # a tab closed
            else:
                student.ws.protocol.stream.close()     # a killed browser: no close frame
        except Exception as err:                       # noqa: BLE001 - counted, not raised
            self.failures.append(f"{kind}: {err!r}")
        finally:
            self.alive -= 1
            self.ended.append(time.monotonic())

    async def hostile(self) -> None:
        if self.play is None or not self.play.kernel_id:
            return
        try:
            reader, writer = await raw_socket(self.base, self.play.kernel_id)
            writer.write(masked(FORGED))
            await writer.drain()
            await asyncio.wait_for(reader.read(), 15)      # the server closes it
            writer.close()
            self.opened["hostile"] += 1
        except Exception as err:                           # noqa: BLE001
            self.failures.append(f"hostile frame: {err!r}")

    async def on_play(self) -> None:
        """One page on Play all along: press Play, then tick the hidden timer as a browser
        would (the next tick once the kernel is idle again, at most every 70 ms)."""
        self.play = Student(999, self.base, deadline=60)
        if not await self.play.open():
            self.failures += self.play.failures
            return
        states = self.play.states
        button = next(k for k, m in states.items() if m["state"].get("description") == "Play")
        timer = next(k for k, m in states.items() if m["state"].get("_model_name") == "PlayModel"
                     and m["state"].get("max") == 1_000_000_000)
        await self.play.change(button, True)
        while time.monotonic() < self.until:
            self.ticks += 1
            started = time.monotonic()
            await self.play.change(timer, self.ticks)
            await asyncio.sleep(max(0.0, 0.07 - (time.monotonic() - started)))

    def sample(self) -> dict:
        kernels = serve.child_pids(self.server_pid)
        now = time.monotonic()
        recent = sum(1 for t in self.ended if now - t < GRACE)
        play_pids = serve.kernel_pids([self.play.kernel_id]) if self.play and \
            self.play.kernel_id else []
        server_pss, server_rss = memory_mb(self.server_pid)
        others = [memory_mb(p)[0] for p in kernels if p not in play_pids]
        row = {"t_s": round(now - self.started), "server_pss_mb": round(server_pss, 1),
               "server_rss_mb": round(server_rss, 1), "kernels": len(kernels),
               "kernels_pss_mb": round(sum(others), 1),
               "play_rss_mb": round(memory_mb(play_pids[0])[1], 1) if play_pids else None,
               "ticks": self.ticks, "pages_alive": self.alive + (1 if self.play else 0),
               "unowned": max(0, len(kernels) - 1 - self.alive - (1 if self.play else 0)
                              - recent)}
        self.samples.append(row)
        print(json.dumps(row), flush=True)
        return row

    async def run(self) -> dict:
        play = asyncio.ensure_future(self.on_play())
        kinds = ["normal", "killed", "frozen", "normal", "preview", "killed"]
        index, tasks = 0, []
        next_sample = time.monotonic()
        while time.monotonic() < self.until:
            if time.monotonic() >= next_sample:
                self.sample()
                next_sample += self.every
            if self.alive < 4:
                tasks.append(asyncio.ensure_future(self.page(kinds[index % len(kinds)], index)))
                index += 1
                if index % len(kinds) == 0:
                    tasks.append(asyncio.ensure_future(self.hostile()))
            await asyncio.sleep(2)
            if len(self.frozen) > 3:                       # a frozen page's socket stays open
                self.frozen.pop(0).close()                  # until its kernel was reaped
        await asyncio.gather(play, *tasks, return_exceptions=True)
        self.sample()
        for writer in self.frozen:
            writer.close()
        return self.summary()

    def summary(self) -> dict:
        warm = [s for s in self.samples if s["t_s"] >= min(120, self.samples[-1]["t_s"] / 3)]
        first, last = warm[0], warm[-1]
        return {"minutes": round(self.samples[-1]["t_s"] / 60, 1), "pages": self.opened,
                "failures": len(self.failures), "failure_kinds": sorted(set(self.failures))[:5],
                "play_ticks": self.ticks,
                "server_pss_growth_mb": round(last["server_pss_mb"] - first["server_pss_mb"], 1),
                "server_pss_max_mb": max(s["server_pss_mb"] for s in self.samples),
                "kernels_max": max(s["kernels"] for s in self.samples),
                "unowned_max": max(s["unowned"] for s in self.samples),
                "play_rss_growth_mb": round((last["play_rss_mb"] or 0) -
                                            (first["play_rss_mb"] or 0), 1),
                "warm_from_s": first["t_s"]}


def soak(minutes: float = 10.0, every: float = 10.0, log: Path | None = None) -> dict:
    """Run the soak on a fresh server; returns the summary (also printed)."""
    with open(log or os.devnull, "w") as out, \
            serve.voila_server(serve.app_notebook(), pool_size=serve.DEFAULT_POOL_SIZE,
                               max_students=serve.DEFAULT_MAX_STUDENTS, log=out,
                               timeout=120) as base:
        pid = serve.server_pids(base)[0]
        summary = asyncio.run(Soak(base, pid, minutes, every).run())
    print(json.dumps(summary), flush=True)
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--every", type=float, default=10.0, help="seconds between samples")
    parser.add_argument("--json", type=Path, help="also write the summary here")
    parser.add_argument("--log", type=Path, help="Voila's log")
    args = parser.parse_args(argv)
    summary = soak(args.minutes, args.every, args.log)
    if args.json:
        args.json.write_text(json.dumps(summary, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
