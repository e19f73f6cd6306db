"""The live loop, redraw coalescing, and errors from callbacks made visible.

No background asyncio task and no thread: under ipykernel 7 a task created by a cell stalls once
the cell finishes, and widget updates from threads have broken before.  Instead a browser-side
timer, an ipywidgets `Play`, ticks the kernel; every tick is an ordinary comm message handled in
turn with slider events.  While the kernel is busy the frontend merges a widget's pending changes
(it keeps at most one message in flight per widget), so ticks and slider drags never queue up.

- Player: a hidden Play that calls `tick()` every `interval_ms` while playing (up to `rounds()`
  times per timer event: the round trip between events is paid once for them).
- Pace: how many steps a tick trains (steps per second, or as fast as the machine goes) and
  where Play stops (a chosen step); no widgets, so tests drive it with their own clock.
- Coalescer: redraws at most every `min_interval` seconds and always after the last request; the
  trailing redraw is fired by a one-shot hidden Play (a browser timer again).
- StatusArea: a status line, a notice line and an expandable traceback; `guarded(fn)` wraps a
  callback so an exception is shown there (ipywidgets swallows callback errors, Voila hides them).
"""
from __future__ import annotations

import functools
import html
import os
import sys
import time
import traceback
from typing import Any, Callable

import ipywidgets as w
from traitlets import CInt

from initlab.core import environment
from initlab.ui import lean

HIDDEN = dict(display="none")


class QuietPlay(w.Play):
    """A Play whose value, moved by the page's timer, is not echoed back to the page: ipywidgets
    8 answers every change made in the page with an `echo_update` of the same value, one message
    per Play tick for a value the page already shows.  The kernel never sets it (the page only
    filters echoes, so a value sent from here would still arrive)."""

    value = CInt(0, help="Int value").tag(sync=True, echo_update=False)


class Player:
    """Calls `tick()` from a browser timer while playing.  `timer` must be displayed (hidden).

    A timer event may call `tick()` more than once (`rounds()`: most calls per event, 1 if not
    given), while the calls so far and one more fit in `work_s` seconds.  ipywidgets keeps one
    message per widget in flight: the page sends the next timer event only once the kernel has
    said it is idle, so between two events the kernel waits a round trip (kernel -> Voila ->
    page -> Voila -> kernel, 10-20 ms on a busy machine).  A lab playing at full speed draws and
    trains twice per event: the page draws the first redraw while the kernel trains, and the
    round trip is paid once per two redraws.
    """

    def __init__(self, tick: Callable[[], None], interval_ms: int = 70,
                 rounds: Callable[[], int] | None = None, work_s: float = 0.1) -> None:
        self.tick = tick
        self.rounds = rounds or (lambda: 1)
        self.work_s = work_s
        self.timer = QuietPlay(value=0, min=0, max=1_000_000_000, step=1, interval=interval_ms,
                               repeat=True, show_repeat=False, layout=lean.layout(**HIDDEN),
                               style=lean.style(lean.DescriptionStyle))
        self.timer.observe(self._on_value, "value")
        self.ticks = 0                            # timer events handled
        self.calls = 0                            # tick() calls

    @property
    def playing(self) -> bool:
        return bool(self.timer.playing)

    def start(self) -> None:
        self.timer.playing = True

    def stop(self) -> None:
        self.timer.playing = False

    def _on_value(self, change: dict) -> None:
        if not self.timer.playing:                # the stop button also moves value: not a tick
            return
        self.ticks += 1
        start = time.perf_counter()
        for _ in range(max(1, self.rounds())):
            began = time.perf_counter()
            self.calls += 1
            self.tick()
            now = time.perf_counter()
            if not self.timer.playing or now - start + (now - began) > self.work_s:
                break


# Play's speeds in steps per second, slow motion first; None: as fast as the machine goes.  The
# default net passes 90% validation accuracy at step 30-40 (seeds 0-4): at 5 steps/s a student
# watches that happen over 6-8 s of Play.
SPEEDS: tuple[int | None, ...] = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, None)
DEFAULT_SPEED = 5
MAX_LAG = 0.5              # most seconds one tick trains for (a stall is dropped, not bursted)


def speed_label(speed: int | None) -> str:
    return "max" if speed is None else f"{speed}/s"


class Pace:
    """Steps per Play tick at `speed` steps per second (None: as many as a time budget holds),
    stopping exactly at `stop_at` (None: never).

    due(now, step) -> steps the tick at time `now` should train when the driven run is at `step`:
    the seconds since the last tick times the speed, the fractions carried to the next tick, so
    ticks at any rhythm train `speed` steps per second on average.  A tick that comes late (a
    busy browser) owes at most MAX_LAG seconds of steps.  Never more than the steps left before
    `stop_at`; a run already at or past `stop_at` when Play starts plays on (the stop was met).
    """

    def __init__(self, speed: int | None = DEFAULT_SPEED, stop_at: int | None = None) -> None:
        self.speed = speed
        self.stop_at = stop_at
        self._last: float | None = None
        self._credit = 0.0
        self._from = 0                            # the step Play started from

    def start(self, now: float, step: int) -> None:
        """Play pressed at time `now` with the driven run at `step`."""
        self._last, self._credit, self._from = now, 0.0, step

    def left(self, step: int) -> int | None:
        """Steps until the stop (None: no stop ahead of where Play started)."""
        if self.stop_at is None or self.stop_at <= self._from:
            return None
        return max(0, self.stop_at - step)

    def due(self, now: float, step: int) -> int:
        """Steps to train now (0: nothing yet); with speed None, the most a tick may train."""
        last, self._last = self._last, now
        left = self.left(step)
        if self.speed is None:
            return 10**9 if left is None else left
        elapsed = 0.0 if last is None else min(max(0.0, now - last), MAX_LAG)
        self._credit += elapsed * self.speed
        n = int(self._credit + 1e-9)
        if left is not None:
            n = min(n, left)
        self._credit -= n
        return n

    def give_back(self, steps: int) -> None:
        """Steps `due` granted that the tick's time budget could not train: owed to the next."""
        if self.speed is not None and steps > 0:
            self._credit += steps

    def reached(self, step: int) -> bool:
        """True when Play has come to its stop."""
        return self.left(step) == 0


class Coalescer:
    """Run `redraw()` at most every `min_interval` seconds, and always after the last request.

    request(): redraw now if the last redraw is old enough, else mark it pending and arm a one-shot
    browser timer whose end (`timer.playing` turning False) flushes the pending redraw.  flush()
    redraws now if anything is pending (lab.set uses it to return with every mark up to date).
    """

    def __init__(self, redraw: Callable[[], None], min_interval: float = 0.05) -> None:
        self.redraw = redraw
        self.min_interval = min_interval
        self.pending = False
        self.last = -float("inf")
        self.redraws = 0
        self.timer = w.Play(value=0, min=0, max=1, step=1, interval=int(min_interval * 1000),
                            repeat=False, show_repeat=False, layout=lean.layout(**HIDDEN),
                            style=lean.style(lean.DescriptionStyle))
        self.timer.observe(self._on_timer, "playing")

    def request(self) -> None:
        self.pending = True
        if time.perf_counter() - self.last >= self.min_interval:
            self.flush()
        elif not self.timer.playing:
            with self.timer.hold_sync():
                self.timer.value = 0
                self.timer.playing = True

    def flush(self) -> None:
        if not self.pending:
            return
        self.pending = False
        try:
            self.redraw()
        finally:
            self.redraws += 1
            self.last = time.perf_counter()

    def _on_timer(self, change: dict) -> None:
        if not change["new"]:
            self.flush()


class StatusArea:
    """Status line (what the run is doing) and notice (what went wrong last, with the traceback
    one click away in an HTML <details>: no extra widget models)."""

    def __init__(self) -> None:
        self.line = lean.html()
        self.notice = lean.html()
        self.trace = ""                           # the last error's traceback ('' once cleared)
        self.widget = w.VBox([self.line, self.notice], layout=lean.layout())
        self.errors = 0

    def show(self, line_html: str) -> None:
        if self.line.value != line_html:
            self.line.value = line_html

    def say(self, text: str, level: str = "info") -> None:
        """A plain-language notice; level 'info', 'warning' or 'error'.  '' clears it."""
        color = {"info": "#2a6f2a", "warning": "#a05a00", "error": "#b00020"}[level]
        if level != "error":
            self.trace = ""
        details = (f"<details><summary>details (traceback)</summary><pre style='font-size:85%;"
                   f"white-space:pre-wrap'>{html.escape(self.trace)}</pre></details>"
                   if self.trace else "")
        self.notice.value = (f"<div style='color:{color};max-width:60em'>{html.escape(text)}"
                             f"{details}</div>" if text else "")

    def report(self, err: BaseException, where: str = "") -> None:
        """Show a short message and keep the full traceback one click away.

        Served to a class (INITLAB_SERVED set by `initlab serve`) the page gets the short message
        only and the traceback goes to the server log: tracebacks show server paths.
        """
        self.errors += 1
        what = f" in {where}" if where else ""
        tb = "".join(traceback.format_exception(type(err), err, err.__traceback__))
        if os.environ.get(environment.SERVED):
            print(f"initlab: error{what}:\n{tb}", file=sys.__stderr__, flush=True)
            self.trace = ""
            self.say(f"Something went wrong{what} ({type(err).__name__}). The lab keeps "
                     f"working; the details are in the server's log.", "error")
            return
        self.trace = tb
        self.say(f"Something went wrong{what}: {type(err).__name__}: {err}. "
                 f"The lab keeps working; the details are below.", "error")

    def guarded(self, fn: Callable[..., Any], where: str = "") -> Callable[..., Any]:
        """fn wrapped so that any exception is reported here instead of being lost."""
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return fn(*args, **kwargs)
            except Exception as err:              # noqa: BLE001 - shown to the user, not hidden
                self.report(err, where or getattr(fn, "__name__", ""))
                return None
        return wrapper
