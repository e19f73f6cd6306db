"""Update/weight ratio per layer over time: ||delta W|| / ||W|| of every weight layer, log y.

The shaded band is 1e-4..1e-2 around the rule of thumb of about 1e-3 (dashed): far below, the
learning rate is probably too low; far above, too high.
"""
from __future__ import annotations

import bqplot as bq
import ipywidgets as w
import numpy as np

from initlab.core.snapshot import History, Snapshot
from initlab.ui.panels.base import assign, axis, figure, layer_color, log_axis, nice_range

MAX_POINTS = 400


class UpdateRatio:
    name = "ratio"
    width = 400
    title = "Update / weight ratio"
    hint = ("How much each step changes each layer's weights, relative to their size. "
            "About 1e-3 (inside the band) is healthy.")

    def __init__(self) -> None:
        x = self.x = bq.LinearScale()
        self.y = bq.LogScale()
        unit = bq.LinearScale(min=0.0, max=1.0)      # spans the figure whatever the step range
        self.band = bq.Lines(x=np.array([0.0, 1.0], np.float32),
                             y=np.array([[1e-4, 1e-4], [1e-2, 1e-2]], np.float32),
                             scales={"x": unit, "y": self.y}, fill="between",
                             colors=["#2ca02c", "#2ca02c"], fill_colors=["#2ca02c"],
                             fill_opacities=[0.12], opacities=[0.0, 0.0])
        self.rule = bq.Lines(x=np.array([0.0, 1.0], np.float32),
                             y=np.array([1e-3, 1e-3], np.float32),
                             scales={"x": unit, "y": self.y}, colors=["#2ca02c"],
                             line_style="dashed")
        self.lines = bq.Lines(x=np.zeros(0, np.float32), y=np.zeros((1, 0), np.float32),
                              scales={"x": x, "y": self.y}, stroke_width=1.5)
        self.y_axis = axis(self.y, "update / weight", vertical=True, tick_format=".0e")
        self.x_axis = axis(x, "step", tick_format="d")
        self.figure = figure([self.band, self.rule, self.lines], [self.x_axis, self.y_axis],
                             title="update / weight ratio per layer", width=400, height=260)
        self.widget = w.VBox([self.figure])
        self._history: History | None = None
        self._drawn = -1

    def update(self, snapshot: Snapshot, history: History) -> None:
        if history is self._history and len(history) == self._drawn:
            return
        self._history, self._drawn = history, len(history)
        steps, ratios = history.series("update_ratio", MAX_POINTS)
        if ratios.ndim != 2:                        # nothing recorded yet
            ratios = np.zeros((0, max(1, len(snapshot.layers) + 1)), np.float32)
        lines = np.ascontiguousarray(ratios.T)      # (layers, points)
        lines[~(lines > 0)] = np.nan                # log axis: zero ratios leave a gap
        n = lines.shape[0]
        nice_range(self.x, 0.0, max(float(steps[-1]) if len(steps) else 0.0, 10.0), self.x_axis)
        names = [f"layer {i + 1}" for i in range(n - 1)] + ["output"]
        assign(self.lines, x=steps, y=lines, colors=[layer_color(i, n) for i in range(n)],
               labels=names, visible=lines.shape[1] > 0)
        log_axis(self.y, self.y_axis, lines, self.band.y)
