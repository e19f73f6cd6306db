"""Update/weight ratio per layer over time: ||delta W|| / ||W|| of every weight layer, log y.

The shaded band is 1e-4..1e-2 around the rule of thumb of about 1e-3 (dashed), the assistant's
own thresholds (initlab.core.diagnose.thresholds, read from there): far below, the
learning rate is probably too low; far above, too high.
"""
from __future__ import annotations

from typing import Sequence

import bqplot as bq
import numpy as np

from initlab.core.diagnose.thresholds import UPDATE_BAND, UPDATE_RULE
from initlab.ui.panels.markers import ChangeMarkers, axis_end
from initlab.ui.panels.base import (Panel, RunView, assign, axis, figure, layer_color, log_axis,
                                    lone_point_dots, nice_range, register, series_rows,
                                    unit_scale)
from initlab.ui.panels.place import Place

MAX_POINTS = 400


@register
class UpdateRatio(Panel):
    name = "ratio"
    title = "Update / weight ratio"
    hint = ("How much each step changes each layer's weights, relative to their size. "
            "About 1e-3 (inside the band) is healthy.")
    place = Place(row=3, column=1, beside=6, below=6)

    def __init__(self) -> None:
        x = self.x = bq.LinearScale()
        self.y = bq.LogScale()
        unit = unit_scale("x")                       # spans the figure whatever the step range
        self.band = bq.Lines(x=np.array([0.0, 1.0], np.float32),
                             y=np.array([[UPDATE_BAND[0]] * 2, [UPDATE_BAND[1]] * 2], np.float32),
                             scales={"x": unit, "y": self.y}, fill="between",
                             colors=["#2ca02c", "#2ca02c"], fill_colors=["#2ca02c"],
                             fill_opacities=[0.12], opacities=[0.0, 0.0])
        self.rule = bq.Lines(x=np.array([0.0, 1.0], np.float32),
                             y=np.array([UPDATE_RULE, UPDATE_RULE], np.float32),
                             scales={"x": unit, "y": self.y}, colors=["#2ca02c"],
                             line_style="dashed")
        self.lines = bq.Lines(x=np.zeros(0, np.float32), y=np.zeros((1, 0), np.float32),
                              scales={"x": x, "y": self.y}, stroke_width=1.5)
        self.y_axis = axis(self.y, "update / weight", vertical=True, tick_format=".0e")
        self.x_axis = axis(x, "step", tick_format="d")
        self.figure = figure([self.band, self.rule, self.lines], [self.x_axis, self.y_axis],
                             title="update / weight ratio per layer")
        self.markers = ChangeMarkers(x, self.figure)   # live changes: a labelled vertical line
        self.widget = self.figure
        self._drawn: tuple = ()

    def figures(self) -> list[bq.Figure]:
        return [self.figure]

    def update(self, views: Sequence[RunView]) -> None:
        key = (tuple((v.tag, v.color, id(v.history), v.history.key()) for v in views),
               self.markers.key(views))
        if key == self._drawn:                      # nothing recorded since the last drawing
            return
        self._drawn = key
        self.markers.update(views)
        series, colors, names, last = [], [], [], 0.0
        for view in views:
            steps, ratios = view.history.series("update_ratio", MAX_POINTS)
            if ratios.ndim != 2:                    # nothing recorded yet
                ratios = np.zeros((0, max(1, len(view.snapshot.layers) + 1)), np.float32)
            lines = np.ascontiguousarray(ratios.T)  # (weight layers, points)
            n = lines.shape[0]
            series.append((steps, lines))
            last = max(last, float(steps[-1]) if len(steps) else 0.0)
            names += [f"layer {i + 1}" for i in range(n - 1)] + ["output"]
            # a run alone: a colour per layer; comparing: the run's colour
            colors += ([view.color] * n if view.comparing
                       else [layer_color(i, n) for i in range(n)])
        x, y = series_rows(series)
        y = np.atleast_2d(y).copy()
        y[~(y > 0)] = np.nan                        # log axis: zero ratios leave a gap
        nice_range(self.x, 0.0, max(axis_end(views, last + 0.5), 10.0), self.x_axis)  # inside
        assign(self.lines, x=x, y=y, colors=colors, labels=names,
               visible=bool(np.isfinite(y).any()), **lone_point_dots(series))
        log_axis(self.y, self.y_axis, y, self.band.y)
