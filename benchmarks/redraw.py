"""Redraw latency of the lab, kernel side: from a control change to every panel's marks updated.

For each setting: the median and 90th percentile time of a slider change (as the browser's comm
message would make it: `widget.value = v`) until the observer returns with every mark holding the
new data, plus messages and bytes that change sends.  Messages are JSON-encoded with their binary
buffers as a real kernel would, but go nowhere.  Then training steps/s while playing (Play ticks
called back to back, each: step_for(budget) + one redraw) and the redraw rate that gives.

    python benchmarks/redraw.py [--repeats 30] [--play-seconds 3]
"""
from __future__ import annotations

import argparse
import json
import statistics
import time

import numpy as np
from ipywidgets import Widget
from threadpoolctl import threadpool_limits

from initlab.core.config import Config
from initlab.ui.app import Lab

# Gaussian init so that the weight_std slider changes every picture.
SETTINGS = {
    "default preset, gaussian init": Config(init="gaussian", weight_std=0.5),
    "largest (10 x 500, spiral)": Config(depth=10, width=500, lr=1e-3, init="gaussian",
                                         weight_std=0.05),
    "largest (10 x 500, digits)": Config(dataset="digits", n_classes=10, depth=10, width=500,
                                         lr=1e-3, init="gaussian", weight_std=0.05),
}
# (control, values to alternate between): rebuilds (init scale, activation) and a live change
CHANGES = {"weight_std (rebuild)": ("weight_std", [0.06, 0.08]),
           "activation (rebuild)": ("activation", ["tanh", "relu"]),
           "lr (live adjust)": ("lr", [1e-3, 2e-3])}


class Wire:
    """Counts what widgets would send: messages and JSON + buffer bytes."""

    def __init__(self) -> None:
        self.messages = 0
        self.bytes = 0
        self._original = Widget._send
        wire = self

        def send(widget, msg, buffers=None):
            wire.messages += 1
            wire.bytes += len(json.dumps(msg, default=str))
            wire.bytes += sum(memoryview(b).nbytes for b in buffers or [])
        Widget._send = send

    def take(self) -> tuple[int, int]:
        out = (self.messages, self.bytes)
        self.messages = self.bytes = 0
        return out

    def close(self) -> None:
        Widget._send = self._original


def time_changes(lab: Lab, name: str, values: list, repeats: int, wire: Wire) -> dict:
    widget = lab.controls.widgets[name]
    times, msgs, nbytes, parts = [], [], [], []
    for i in range(repeats):
        # wait out the coalescing window so every change redraws at once (a single slider move)
        since = time.perf_counter() - lab.coalescer.last
        time.sleep(max(0.0, lab.coalescer.min_interval - since))
        wire.take()
        t0 = time.perf_counter()
        widget.value = values[i % len(values)]
        times.append(time.perf_counter() - t0)
        assert not lab.coalescer.pending, "the change was deferred, not drawn"
        parts.append(dict(lab.timings))
        m, b = wire.take()
        msgs.append(m)
        nbytes.append(b)
    part = {k: 1e3 * statistics.median(p[k] for p in parts) for k in parts[0]}
    return dict(median=1e3 * statistics.median(times), part=part,
                p90=1e3 * float(np.percentile(times, 90)),
                messages=statistics.median(msgs), kbytes=statistics.median(nbytes) / 1e3)


def time_play(lab: Lab, seconds: float) -> tuple[float, float, float]:
    """(training steps/s, redraws/s, median redraw ms) with Play ticks back to back."""
    lab.reset()
    lab.play()
    start_steps, ticks, t0 = lab.run.step_count, 0, time.perf_counter()
    redraws = []
    while time.perf_counter() - t0 < seconds and lab.player.playing:
        lab.player.timer.value += 1
        redraws.append(lab.redraw_seconds)
        ticks += 1
    elapsed = time.perf_counter() - t0
    lab.pause()
    return ((lab.run.step_count - start_steps) / elapsed, ticks / elapsed,
            1e3 * statistics.median(redraws))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--play-seconds", type=float, default=3.0)
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads (serve uses 1)")
    args = parser.parse_args()
    wire = Wire()
    with threadpool_limits(args.threads):
        for title, config in SETTINGS.items():
            lab = Lab(config)
            lab.step(20)                          # a run in progress: the ratio panel has lines
            print(f"{title}:")
            for label, (name, values) in CHANGES.items():
                repeats = args.repeats if "default" in title else max(5, args.repeats // 3)
                r = time_changes(lab, name, values, repeats, wire)
                print(f"  {label:22s} median {r['median']:6.1f} ms   p90 {r['p90']:6.1f} ms   "
                      f"{r['messages']:3.0f} messages {r['kbytes']:5.1f} kB   (run "
                      f"{r['part']['run']:.1f} + snapshot {r['part']['snapshot']:.1f} + panels "
                      f"{r['part']['panels']:.1f} ms)")
            steps, rate, redraw = time_play(lab, args.play_seconds)
            print(f"  playing: {steps:7.0f} training steps/s, {rate:5.1f} redraws/s "
                  f"(redraw {redraw:.1f} ms median)")
    wire.close()


if __name__ == "__main__":
    main()
