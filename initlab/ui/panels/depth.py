"""Depth profile: how the forward signal and the backward gradient change from layer to layer.

Left: mean and std of each hidden layer's activations (the forward pass).  Right: the norm of each
layer's weight gradient and the std of the gradient flowing into its activations, on a log axis,
so that vanishing (falling to the left) and exploding gradients show as a slope.
"""
from __future__ import annotations

import html
from typing import Sequence

import bqplot as bq
import numpy as np

from initlab.core.snapshot import Snapshot
from initlab.ui import lean
from initlab.ui.panels.base import (FILL, Panel, RunView, assign, axis, f32, figure, log_axis,
                                    nice_range, register)
from initlab.ui.panels.place import Place

FORWARD_COLORS = ["#1f77b4", "#ff7f0e"]       # one run: mean, std
BACKWARD_COLORS = ["#2ca02c", "#9467bd"]      # one run: |dL/dW|, std dL/da


def columns(snapshot: Snapshot, names: tuple[str, str], depth: int) -> np.ndarray:
    """(2, depth) float32 of two LayerStats fields; nan beyond this run's depth."""
    out = np.full((2, depth), np.nan, np.float32)
    with np.errstate(over="ignore"):          # beyond float32 (a blown-up net): inf, a gap
        for k, name in enumerate(names):
            values = snapshot.column(name)
            out[k, :len(values)] = values
    return out


@register
class DepthProfile(Panel):
    name = "depth"
    title = "Signal through depth"
    hint = ("Forward: each layer's activation mean (blue) and std (orange). Backward, on a log "
            "scale: the size of each layer's weight gradient |dL/dW| (green) and the std of the "
            "gradient reaching its activations dL/da (purple); a steep slope means vanishing or "
            "exploding gradients. Comparing, run A is blue and run B orange (light: std, dL/da).")
    place = Place(row=3, column=3, beside=5, below=5)

    def __init__(self) -> None:
        x = bq.LinearScale()
        y = self.forward_y = bq.LinearScale()
        self.forward = bq.Lines(x=np.zeros(0, np.float32), y=np.zeros((2, 0), np.float32),
                                scales={"x": x, "y": y}, colors=FORWARD_COLORS,
                                labels=["mean", "std"], marker="circle", marker_size=16)
        self.forward_x = axis(x, "hidden layer", tick_format="d")
        self.forward_y_axis = axis(y, "activation", vertical=True, tick_format=".2g")
        self.forward_figure = figure(
            [self.forward], [self.forward_x, self.forward_y_axis],
            title="forward: mean, std", margin=dict(top=22, bottom=34, left=42, right=8))
        gx = x                                     # the same layers as the forward figure
        gy = bq.LogScale()
        self.backward = bq.Lines(x=np.zeros(0, np.float32), y=np.zeros((2, 0), np.float32),
                                 scales={"x": gx, "y": gy}, colors=BACKWARD_COLORS,
                                 labels=["|dL/dW|", "std dL/da"], marker="circle",
                                 marker_size=16)
        self.log_scale = gy
        self.backward_x = axis(gx, "hidden layer", tick_format="d")
        self.backward_y = axis(gy, "gradient (log)", vertical=True, tick_format=".0e")
        self.backward_figure = figure(
            [self.backward], [self.backward_x, self.backward_y],
            title="backward: gradients", margin=dict(top=22, bottom=34, left=42, right=8))
        # which line is which: a one-line colour key under both figures (static; it changes
        # only when the runs on screen do)
        self.key = lean.html()
        self.key.add_class("il-note")
        self._keyed: tuple | None = None
        figures = lean.hbox([self.forward_figure, self.backward_figure], **FILL)
        self.widget = lean.vbox([figures, self.key], **FILL)

    def figures(self) -> list[bq.Figure]:
        return [self.forward_figure, self.backward_figure]

    def _show_key(self, views: Sequence[RunView]) -> None:
        keyed = tuple((v.tag, v.color) for v in views if v.comparing)
        if keyed == self._keyed:
            return
        self._keyed = keyed
        # a run alone: a colour per quantity; comparing: a colour per run
        parts = ([(color, tag) for tag, color in keyed] + [("#777777", "light: std, dL/da")]
                 if keyed else
                 [(FORWARD_COLORS[0], "mean"), (FORWARD_COLORS[1], "std"),
                  (BACKWARD_COLORS[0], "|dL/dW|"), (BACKWARD_COLORS[1], "std dL/da")])
        self.key.value = ("<span>" + " ".join(
            f"<b style='color:{color}'>\u25cf</b>&nbsp;{html.escape(text)}"
            for color, text in parts) + "</span>")

    def update(self, views: Sequence[RunView]) -> None:
        self._show_key(views)
        depth = max(len(v.snapshot.layers) for v in views)
        layer = f32(np.arange(1, depth + 1))
        ticks = layer if len(layer) <= 10 else layer[::2]
        assign(self.forward_x, tick_values=ticks)
        assign(self.backward_x, tick_values=ticks)
        # rows: (mean, std) of each run in turn; colours per quantity, or per run comparing
        forward = np.concatenate([columns(v.snapshot, ("act_mean", "act_std"), depth)
                                  for v in views])
        grads = np.concatenate([columns(v.snapshot, ("grad_norm", "act_grad_std"), depth)
                                for v in views])
        forward_colors = [c for v in views
                          for c in ((v.color, v.tint) if v.comparing else FORWARD_COLORS)]
        backward_colors = [c for v in views
                           for c in ((v.color, v.tint) if v.comparing else BACKWARD_COLORS)]
        finite = forward[np.isfinite(forward)]
        nice_range(self.forward_y, float(finite.min(initial=0.0)), float(finite.max(initial=1.0)),
                   self.forward_y_axis)
        # a dot at a point its scale cannot place is a "translate(x, NaN)" error in the browser:
        # the dots go while a row has a gap (a zero gradient, a shorter run B)
        assign(self.forward, x=layer, y=forward, colors=forward_colors,
               marker="circle" if np.isfinite(forward).all() else None)
        grads[~(grads > 0)] = np.nan           # a log axis cannot show zero: leave a gap
        assign(self.backward, x=layer, y=grads, colors=backward_colors,
               marker="circle" if np.isfinite(grads).all() else None)
        log_axis(self.log_scale, self.backward_y, grads)
