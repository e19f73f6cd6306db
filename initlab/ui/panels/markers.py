"""Change markers: where a live change (learning rate, optimiser, regularisation, ...) happened
during a run, a vertical line across the curve's figure, labelled with the change; and, in red,
where a run diverged (with the loss that stopped it) or ran out of memory.

`History.changes` holds (step, "lr 0.01 -> 0.1") pairs (run.py).  All markers of a figure are two
marks whatever their number: one Lines mark (one vertical segment per change) and one Label mark,
both placed in steps along x and in figure fractions along y, so they never move the y axis.
Comparing runs, each run's markers are drawn in its colour and their labels start with its tag
("A: lr 0.01 -> 0.1").
"""
from __future__ import annotations

import math

import bqplot as bq
import numpy as np

from typing import Sequence

from initlab.core.snapshot import History, Snapshot
from initlab.ui.panels.base import RunView, assign, f32, unit_scale

MARKER_COLOR = "#6b7280"
STOP_COLOR = "#b00020"             # where a run diverged (the status line's red)
STOP_ROOM = 1.35                   # a stopped run's step axis: room for its label
LABEL_ROWS = (0.94, 0.82, 0.70)      # label heights (figure fraction), cycled: close ones stagger


def _prefixed(view: RunView, label: str) -> str:
    """'A: lr 0.01 -> 0.1' comparing, the label alone with one run."""
    return f"{view.tag}: {label}" if view.tag else label


def changes_of(views: Sequence[RunView]) -> list[tuple[float, str, str]]:
    """Every drawn run's changes as (step, text, colour), in step order; a run that stopped
    (diverged, out of memory) adds a red one where it stopped."""
    out = []
    for view in views:
        for step, label in view.history.changes:
            out.append((float(step), _prefixed(view, label),
                        view.color if view.comparing else MARKER_COLOR))
        stop = stopped(view.snapshot, view.history)
        if stop is not None:
            out.append((stop[0], _prefixed(view, stop[1]), STOP_COLOR))
    return sorted(out, key=lambda c: c[0])


def stopped(snapshot: Snapshot, history: History) -> tuple[float, str] | None:
    """(step, label) of where a run stopped training, or None while it can train: the step
    whose loss diverged (with that loss), or the step that ran out of memory."""
    if history.diverged_step is not None:
        loss = history.diverged_loss        # a finite one is drawn: the curve shows its size
        what = ("" if loss is not None and math.isfinite(loss)
                else ": loss NaN" if loss is None or math.isnan(loss) else ": loss infinite")
        return float(history.diverged_step), f"diverged{what}"
    if snapshot.status == "out_of_memory":
        return float(snapshot.step + 1), "out of memory"
    return None


def axis_end(views: Sequence[RunView], last_step: float) -> float:
    """Where a linear step axis should end: at the last step drawn, or a third beyond where a
    run stopped (it will never go further), so that the red label beside it fits."""
    stops = [stop[0] * STOP_ROOM for stop in (stopped(v.snapshot, v.history) for v in views)
             if stop is not None]
    return max([last_step, *stops])


class ChangeMarkers:
    """The two marks of one figure's change markers, made and added to `figure` (last in its
    marks) at the first change: a lab that never changes a field live pays no widget model."""

    def __init__(self, x_scale: bq.Scale, figure: bq.Figure | None = None) -> None:
        self.x_scale = x_scale
        self.figure = figure
        self.lines: bq.Lines | None = None
        self.labels: bq.Label | None = None
        self.drawn: list[tuple[float, str, str]] = []

    @property
    def marks(self) -> list:
        return [m for m in (self.lines, self.labels) if m is not None]

    def _make(self) -> None:
        unit = unit_scale("y")
        self.lines = bq.Lines(x=np.zeros(2, np.float32), y=f32([0.0, 1.0]),
                              scales={"x": self.x_scale, "y": unit}, colors=[MARKER_COLOR],
                              line_style="dashed", stroke_width=1.0, visible=False)
        self.labels = bq.Label(x=np.zeros(0, np.float32), y=np.zeros(0, np.float32), text=[],
                               scales={"x": self.x_scale, "y": unit}, colors=[MARKER_COLOR],
                               default_size=10, font_unit="px", align="start", x_offset=3,
                               visible=False)
        if self.figure is not None:
            self.figure.marks = [*self.figure.marks, self.lines, self.labels]

    def key(self, views: Sequence[RunView]) -> tuple:
        """What the markers depend on (a panel's redraw key can include it)."""
        return tuple((v.tag, v.color, id(v.history), len(v.history.changes),
                      v.history.changes[-1] if v.history.changes else None,
                      stopped(v.snapshot, v.history)) for v in views)

    def update(self, views: Sequence[RunView]) -> None:
        """Draw the changes of the runs of `views` (a panel's update(views))."""
        changes = changes_of(views)
        if changes == self.drawn:
            return
        self.drawn = changes
        if not changes:
            for mark in self.marks:
                assign(mark, visible=False)
            return
        if self.lines is None:
            self._make()
        steps = f32([c[0] for c in changes])
        colors = [c[2] for c in changes]
        # one row per change: x (k, 2) at the step, y from the bottom to the top of the plot
        x = np.repeat(steps[:, None], 2, axis=1)
        y = np.tile(f32([0.0, 1.0]), (len(changes), 1))
        assign(self.lines, x=x, y=y, colors=colors, visible=True)
        heights = f32([LABEL_ROWS[i % len(LABEL_ROWS)] for i in range(len(changes))])
        assign(self.labels, x=steps, y=heights, text=np.array([c[1] for c in changes]),
               colors=colors, visible=True)
