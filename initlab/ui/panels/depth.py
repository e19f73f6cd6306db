"""Depth profile: how the forward signal and the backward gradient change from layer to layer.

Left: mean and std of each hidden layer's activations (the forward pass).  Right: the norm of each
layer's weight gradient and the std of the gradient flowing into its activations, on a log axis,
so that vanishing (falling to the left) and exploding gradients show as a slope.
"""
from __future__ import annotations

import bqplot as bq
import ipywidgets as w
import numpy as np

from initlab.core.snapshot import History, Snapshot
from initlab.ui.panels.base import assign, axis, f32, figure, log_axis, nice_range


class DepthProfile:
    name = "depth"
    width = 610
    title = "Signal through depth"
    hint = ("Forward: activation spread per layer. Backward: gradient size per layer (log scale); "
            "a steep slope means vanishing or exploding gradients.")

    def __init__(self) -> None:
        x = bq.LinearScale()
        y = self.forward_y = bq.LinearScale()
        self.forward = bq.Lines(x=np.zeros(0, np.float32), y=np.zeros((2, 0), np.float32),
                                scales={"x": x, "y": y}, colors=["#1f77b4", "#ff7f0e"],
                                labels=["mean", "std"], marker="circle", marker_size=20)
        self.forward_x = axis(x, "hidden layer", tick_format="d")
        self.forward_y_axis = axis(y, "activation", vertical=True, tick_format=".2g")
        self.forward_figure = figure(
            [self.forward], [self.forward_x, self.forward_y_axis],
            title="forward: activation mean (blue), std (orange)", width=300)
        gx = bq.LinearScale()
        gy = bq.LogScale()
        self.backward = bq.Lines(x=np.zeros(0, np.float32), y=np.zeros((2, 0), np.float32),
                                 scales={"x": gx, "y": gy}, colors=["#2ca02c", "#9467bd"],
                                 labels=["|dL/dW|", "std dL/da"], marker="circle",
                                 marker_size=20)
        self.log_scale = gy
        self.backward_x = axis(gx, "hidden layer", tick_format="d")
        self.backward_y = axis(gy, "gradient (log)", vertical=True, tick_format=".0e")
        self.backward_figure = figure(
            [self.backward], [self.backward_x, self.backward_y],
            title="backward: |dL/dW| (green), std of dL/da (purple)", width=300)
        self.widget = w.HBox([self.forward_figure, self.backward_figure])

    def update(self, snapshot: Snapshot, history: History) -> None:
        layer = f32(np.arange(1, len(snapshot.layers) + 1))
        ticks = layer if len(layer) <= 10 else layer[::2]
        assign(self.forward_x, tick_values=ticks)
        assign(self.backward_x, tick_values=ticks)
        forward = f32([snapshot.column("act_mean"), snapshot.column("act_std")])
        finite = forward[np.isfinite(forward)]
        nice_range(self.forward_y, float(finite.min(initial=0.0)), float(finite.max(initial=1.0)),
                   self.forward_y_axis)
        assign(self.forward, x=layer, y=forward)
        grads = f32([snapshot.column("grad_norm"), snapshot.column("act_grad_std")])
        grads[~(grads > 0)] = np.nan           # a log axis cannot show zero: leave a gap
        assign(self.backward, x=layer, y=grads)
        log_axis(self.log_scale, self.backward_y, grads)
