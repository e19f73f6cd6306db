"""A class on one `initlab serve`, without browsers: N simulated students, each moving a control.

    python benchmarks/class.py                       # N = 10 and 30, 60 s of changes each
    python benchmarks/class.py --students 5 --seconds 20 --every 3

Each student does what a page does, over the same wire: GET the lab (Voila starts a kernel and
runs the notebook), open the kernel's websocket, ask the widget manager for every widget's state
(the ipywidgets control comm), then every `--every` seconds set the "depth" slider to a new value
(a comm "update" message, as the slider's view sends it).  The kernel rebuilds the run and
redraws every panel; the reply time is from sending the change to the kernel's "idle" status for
it (kernel-side: the browser's own drawing is not included).

Reported: reply-time percentiles over all changes, memory per student (PSS and RSS of each
kernel process; PSS shares libraries fairly), the server's own memory, and failures (a page that
did not load, a change with no reply within --deadline seconds).  Students join 1 s apart.
Only 127.0.0.1 is contacted.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import re
import statistics
import sys
import time
import uuid
from pathlib import Path

from tornado.httpclient import AsyncHTTPClient, HTTPRequest
from tornado.websocket import websocket_connect

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from initlab.serving import serve  # noqa: E402

from jupyter_server.services.kernels.connection.base import (deserialize_msg_from_ws_v1,
                                                             serialize_msg_to_ws_v1)

PROTOCOL = "v1.kernel.websocket.jupyter.org"     # the kernel websocket protocol pages use


def message(msg_type: str, content: dict, session: str, channel: str = "shell") -> dict:
    return {"header": {"msg_id": uuid.uuid4().hex, "msg_type": msg_type, "session": session,
                       "username": "student", "version": "5.3",
                       "date": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())},
            "parent_header": {}, "metadata": {}, "content": content, "channel": channel,
            "buffers": []}


class Student:
    """One simulated page: its kernel, websocket and reply times (seconds)."""

    def __init__(self, index: int, base: str, deadline: float) -> None:
        self.index, self.base, self.deadline = index, base, deadline
        self.session = uuid.uuid4().hex
        self.kernel_id = ""
        self.replies: list[float] = []
        self.failures: list[str] = []
        self.ws = None
        self.waiting: dict[str, asyncio.Future] = {}
        self.states: dict[str, dict] = {}

    async def open(self) -> bool:
        client = AsyncHTTPClient(max_clients=200)     # tornado queues beyond 10 by default
        try:
            response = await client.fetch(HTTPRequest(self.base + f"?seed={self.index}",
                                                      request_timeout=300))
        except Exception as err:                  # noqa: BLE001 - counted, not raised
            self.failures.append(f"page: {err}")
            return False
        page = response.body.decode()
        found = re.search(r'"kernelId": "([0-9a-f-]+)"', page)
        if not found:
            self.failures.append("page: no kernel id (class full?)")
            return False
        self.kernel_id = found.group(1)
        url = self.base.replace("http", "ws", 1) + \
            f"api/kernels/{self.kernel_id}/channels?session_id={self.session}"
        self.ws = await websocket_connect(url, max_message_size=256 * 2**20,
                                          subprotocols=[PROTOCOL])
        asyncio.ensure_future(self._read())
        # the widget manager's first question: every widget's state
        control = uuid.uuid4().hex
        self.states_ready = asyncio.get_event_loop().create_future()
        self.control = control
        opening = message("comm_open", {"comm_id": control, "target_name":
                                        "jupyter.widget.control", "data": {}}, self.session)
        opening["metadata"] = {"version": "1.0.0"}     # ipywidgets' control protocol
        await self._send(opening)
        await self._send(message("comm_msg", {"comm_id": control,
                                              "data": {"method": "request_states"}},
                                 self.session))
        try:
            await asyncio.wait_for(self.states_ready, 60)
        except asyncio.TimeoutError:
            self.failures.append("no widget states")
            return False
        return True

    async def _send(self, msg: dict) -> str:
        parts = [json.dumps(msg[k]).encode() for k in ("header", "parent_header", "metadata",
                                                       "content")]
        await self.ws.write_message(serialize_msg_to_ws_v1(parts, msg["channel"]), binary=True)
        return msg["header"]["msg_id"]

    async def _read(self) -> None:
        while True:
            raw = await self.ws.read_message()
            if raw is None:
                return
            channel, parts = deserialize_msg_from_ws_v1(raw)
            if channel != "iopub":
                continue
            header, parent, _, content = (json.loads(p) for p in parts[:4])
            msg = {"header": header, "parent_header": parent}
            if header.get("msg_type") == "comm_msg" and \
                    content.get("comm_id") == getattr(self, "control", None):
                self.states = content["data"].get("states", {})
                if not self.states_ready.done():
                    self.states_ready.set_result(True)
            if msg["header"].get("msg_type") == "status" and \
                    content.get("execution_state") == "idle":
                parent = msg.get("parent_header", {}).get("msg_id")
                if parent in self.waiting and not self.waiting[parent].done():
                    self.waiting[parent].set_result(time.perf_counter())

    def slider(self, label: str) -> str:
        for model_id, model in self.states.items():
            if model["state"].get("description") == label and "value" in model["state"]:
                return model_id
        raise KeyError(label)

    async def change(self, model_id: str, value: float) -> None:
        msg = message("comm_msg", {"comm_id": model_id,
                                   "data": {"method": "update", "state": {"value": value},
                                            "buffer_paths": []}}, self.session)
        done = asyncio.get_event_loop().create_future()
        self.waiting[msg["header"]["msg_id"]] = done
        sent = time.perf_counter()
        await self._send(msg)
        try:
            self.replies.append(await asyncio.wait_for(done, self.deadline) - sent)
        except asyncio.TimeoutError:
            self.failures.append(f"no reply within {self.deadline} s")

    async def work(self, until: float, every: float) -> None:
        depth = self.slider("depth")
        value = 3
        # students are not in step: each starts at its own offset within the period
        await asyncio.sleep(every * (self.index % 10) / 10)
        while time.monotonic() < until:
            value = 4 if value == 3 else 3
            started = time.monotonic()
            await self.change(depth, value)
            await asyncio.sleep(max(0.0, every - (time.monotonic() - started)))

    def close(self) -> None:
        if self.ws is not None:
            self.ws.close()


def memory_mb(pid: int) -> tuple[float, float]:
    """(PSS, RSS) of a process in MB."""
    values = {}
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            parts = line.split()
            if parts[0] in ("Pss:", "Rss:"):
                values[parts[0]] = int(parts[1]) / 1024
    except OSError:
        return 0.0, 0.0
    return values.get("Pss:", 0.0), values.get("Rss:", 0.0)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


async def one_class(base: str, n: int, seconds: float, every: float, deadline: float) -> dict:
    students = [Student(i, base, deadline) for i in range(n)]
    started = time.monotonic()

    async def join(student: Student) -> bool:
        await asyncio.sleep(student.index * 1.0)
        return await student.open()

    opened = await asyncio.gather(*(join(s) for s in students))
    joined = time.monotonic() - started
    ready = [s for s, ok in zip(students, opened) if ok]
    until = time.monotonic() + seconds
    await asyncio.gather(*(s.work(until, every) for s in ready))
    pids = serve.kernel_pids([s.kernel_id for s in ready])
    mem = [memory_mb(p) for p in pids]
    replies = [r for s in students for r in s.replies]
    failures = [f for s in students for f in s.failures]
    for s in students:
        s.close()
    return {
        "students": n, "joined_s": round(joined, 1), "pages_ok": len(ready),
        "changes": len(replies), "failures": len(failures), "failure_kinds": sorted(set(failures)),
        "reply_ms": {f"p{q}": round(1000 * percentile(replies, q)) if replies else None
                     for q in (50, 90, 99)},
        "reply_ms_max": round(1000 * max(replies)) if replies else None,
        "kernel_pss_mb": round(statistics.mean(m[0] for m in mem), 1) if mem else None,
        "kernel_rss_mb": round(statistics.mean(m[1] for m in mem), 1) if mem else None,
        "kernels_measured": len(mem),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--students", type=int, nargs="+", default=[10, 30])
    parser.add_argument("--seconds", type=float, default=60.0,
                        help="how long every student keeps changing the control")
    parser.add_argument("--every", type=float, default=3.0, help="seconds between changes")
    parser.add_argument("--deadline", type=float, default=10.0,
                        help="a change with no reply within this many seconds is a failure")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    results = []
    for n in args.students:
        log = open(ROOT / "artifacts" / f"class-{n}.log", "w") if (ROOT / "artifacts").is_dir() \
            else None
        with serve.voila_server(serve.app_notebook(), pool_size=serve.DEFAULT_POOL_SIZE,
                                max_students=n + 5, log=log, timeout=120) as base:
            server_pid = next(iter(serve.server_pids(base)), None)
            result = asyncio.run(one_class(base, n, args.seconds, args.every, args.deadline))
            if server_pid:
                result["server_pss_mb"] = round(memory_mb(server_pid)[0], 1)
        results.append(result)
        print(json.dumps(result), flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 0





if __name__ == "__main__":
    sys.exit(main())
