"""Activation histograms: one small figure per hidden layer, side by side in depth order.

The lecture's picture: with N(0, 0.01) weights a deep tanh net's activations collapse into the
centre bin, with N(0, 1) they pile up at -1 and +1, Xavier/He keep the spread, batch norm rescues.
The bin edges come fixed from the Snapshot, so the x range never moves while training.
"""
from __future__ import annotations

import bqplot as bq
import ipywidgets as w
import numpy as np

from initlab.core.snapshot import History, Snapshot
from initlab.ui.panels.base import assign, axis, f32, figure, layer_color

PER_ROW = 5
# y axis maxima to snap to: the axis moves only when the tallest bar crosses one of these.
Y_STEPS = (0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1.0)


def short(value: float) -> str:
    """Two significant digits, so a collapsed layer reads 'std 3e-07', not 'std 0.00'."""
    if value == 0 or not np.isfinite(value):
        return "0.00" if value == 0 else str(value)
    if 0.01 <= abs(value) < 1000:
        return f"{value:.2f}" if abs(value) < 10 else f"{value:.0f}"
    return f"{value:.0e}"


class LayerHistogram:
    """One hidden layer's activation histogram (Bars over fixed edges)."""

    def __init__(self) -> None:
        self.x_scale = bq.LinearScale(min=-1.0, max=1.0)
        self.y_scale = bq.LinearScale(min=0.0, max=0.2)
        self.bars = bq.Bars(x=np.zeros(0, np.float32), y=np.zeros(0, np.float32),
                            scales={"x": self.x_scale, "y": self.y_scale},
                            padding=0.0, stroke_width=0.0)
        self.x_axis = axis(self.x_scale, "activation", num_ticks=3)
        self.y_axis = axis(self.y_scale, "", vertical=True, num_ticks=3, tick_format=".2f")
        self.figure = figure([self.bars], [self.x_axis, self.y_axis], width=190, height=160,
                             margin=dict(top=28, bottom=36, left=36, right=8))

    def update(self, edges: np.ndarray, centres: np.ndarray, hist: np.ndarray, y_max: float,
               title: str, color: str) -> None:
        assign(self.x_scale, min=float(edges[0]), max=float(edges[-1]))
        assign(self.y_scale, max=y_max)
        assign(self.bars, x=centres, y=f32(hist), colors=[color])
        assign(self.figure, title=title)


class ActivationHistograms:
    """Small multiples of activation histograms.  `widget` is the box to display."""

    name = "histograms"
    width = 980                # px: five small multiples per row
    title = "Activations per layer"
    hint = ("Each picture is one hidden layer's activations on a fixed batch (bar height: share "
            "of the values). Collapse to the centre: signals vanish. Piles at the edges: units "
            "saturate.")

    def __init__(self) -> None:
        self.layers: list[LayerHistogram] = []      # a pool: grows with depth, never shrinks
        self.widget = w.VBox(layout=w.Layout(min_height="170px"))
        self._shown = (0, "")                       # (depth, activation) the rows were laid out for
        self._centres = np.zeros(0, np.float32)
        self._edges = np.zeros(0, np.float32)

    def update(self, snapshot: Snapshot, history: History) -> None:
        depth = len(snapshot.layers)
        while len(self.layers) < depth:
            self.layers.append(LayerHistogram())
        if (depth, snapshot.activation) != self._shown:
            figs = [h.figure for h in self.layers[:depth]]
            self.widget.children = [w.HBox(figs[i:i + PER_ROW]) for i in range(0, depth, PER_ROW)]
            self._shown = (depth, snapshot.activation)
        edges = snapshot.act_edges
        if not np.array_equal(edges, self._edges):
            self._edges = edges
            self._centres = f32(0.5 * (edges[:-1] + edges[1:]))
        tallest = max((float(np.max(s.act_hist)) for s in snapshot.layers if s.act_hist.size),
                      default=0.0)
        y_max = next((s for s in Y_STEPS if tallest <= s), 1.0)
        for stats, panel in zip(snapshot.layers, self.layers):
            title = (f"layer {stats.index + 1}  mean {short(stats.act_mean)}  "
                     f"std {short(stats.act_std)}")
            panel.update(edges, self._centres, stats.act_hist, y_max, title,
                         layer_color(stats.index, depth))

    def figures(self) -> list[bq.Figure]:
        """The figures currently shown (for tests)."""
        return [h.figure for h in self.layers[:self._shown[0]]]
