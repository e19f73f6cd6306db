"""Training curves: the loss (training minibatch and validation; linear or log y), the learning
rate on its own log axis (right), and train/validation accuracy, over steps (linear or log).

The dashed line is the loss a fresh classifier should start at, ln(C): the first babysitting check.
A run that diverged ends its curve at the loss that stopped it (a NaN or inf cannot be drawn: the
curve ends at the last finite one) and a red marker says where and what it was.
Comparing runs, each mark holds them all: loss A and B, accuracy train/validation of A and of B,
each run in its colour (its tint for the validation curve).
"""
from __future__ import annotations

from typing import Sequence

import bqplot as bq
import ipywidgets as w
import numpy as np

from initlab.core.snapshot import History
from initlab.ui import lean
from initlab.ui.panels.markers import ChangeMarkers, axis_end
from initlab.ui.panels.base import (FILL, Panel, RunView, assign, axis, f32, figure, log_axis,
                                    lone_point_dots, nice_range, register, series_rows, tagged,
                                    unit_scale)
from initlab.ui.panels.place import Place

MIN_STEPS = 10          # the step axis starts out 0..10 (1..10 on a log axis)
MAX_POINTS = 600        # at most this many points per curve sent (History.series thins):
                        # about two per pixel of the widest plot; the browser's cost grows with them
ACCURACY_COLORS = ["#1f77b4", "#ff7f0e"]      # one run: train, validation (loss and accuracy)
LR_COLOR = "#555555"
MARGIN = dict(top=24, bottom=34, left=46, right=46)   # room for the lr axis on the right


def _swap_axis(fig: bq.Figure, old: bq.Axis, new: bq.Axis) -> None:
    if old is not new:
        fig.axes = [new if ax is old else ax for ax in fig.axes]


def lr_line(history: History, log: bool) -> tuple[np.ndarray, np.ndarray]:
    """The learning rate's points up to the last accuracy measurement (all steps before the
    first), and of those only the ends and both sides of every change: a constant rate is two
    points, a step schedule four per drop, a smooth one all.  So the line is resent when the
    accuracy is, not at every step (each mark update costs the browser; DESIGN.md)."""
    x, y = history.series("lr", MAX_POINTS, log=log)
    if history.eval_steps:
        upto = x <= history.eval_steps[-1]
        x, y = x[upto], y[upto]
    if len(y) < 3:
        return x, y
    moved = y[1:] != y[:-1]
    keep = np.zeros(len(y), bool)
    keep[[0, -1]] = True
    keep[1:] |= moved
    keep[:-1] |= moved
    return x[keep], y[keep]


@register
class TrainingCurves(Panel):
    name = "loss"
    title = "Loss and accuracy"
    hint = ("Loss on training minibatches and on validation data (dashed: ln C, where an "
            "untrained classifier starts), the learning rate (dotted, right axis), and accuracy "
            "on training and validation data. A widening gap means overfitting; a red line marks "
            "where a run diverged.")
    place = Place(row=2, column=2, rows=2, beside=2, below=4, some_rows=1)

    def __init__(self) -> None:
        self.x_linear = bq.LinearScale()
        self.x_log: bq.LogScale | None = None      # made at the first switch to a log axis
        self.x = self.x_linear                     # the step scale in use
        self.y_linear = bq.LinearScale()
        self.y_log = bq.LogScale()
        self.loss = bq.Lines(x=np.zeros(0, np.float32), y=np.zeros(0, np.float32),
                             scales={"x": self.x, "y": self.y_linear}, colors=ACCURACY_COLORS,
                             stroke_width=1.3)
        self.start = bq.Lines(x=np.array([0.0, 1.0], np.float32), y=np.zeros(2, np.float32),
                              scales={"x": unit_scale("x"), "y": self.y_linear},
                              colors=["#999999"], line_style="dashed")
        # the learning rate: a dotted line on its own log axis (right), made at the first
        # recorded step (every widget model costs page load)
        self.lr: bq.Lines | None = None
        self.lr_axis: bq.Axis | None = None
        self.lr_scale: bq.LogScale | None = None
        self.y_axis = self.y_linear_axis = axis(self.y_linear, "loss", vertical=True,
                                                tick_format=".2g")
        self.y_log_axis: bq.Axis | None = None    # made at the first switch to a log loss
        self.x_axis = axis(self.x, "step", tick_format="d")
        self.loss_markers = ChangeMarkers(self.x)     # live changes and divergence: a line
        self.loss_figure = figure([self.loss, self.start], [self.x_axis, self.y_axis],
                                  title="loss", margin=MARGIN)
        self.loss_markers.figure = self.loss_figure
        self.log_y = w.ToggleButton(value=False, description="log loss",
                                    tooltip="Logarithmic loss axis", layout=lean.layout(),
                                    style=lean.style(lean.ToggleButtonStyle))
        self.log_x = w.ToggleButton(value=False, description="log x",
                                    tooltip="Logarithmic step axis: early and late learning "
                                            "both show", layout=lean.layout(),
                                    style=lean.style(lean.ToggleButtonStyle))
        self.log_x.add_class("il-left")               # floats top left; log loss top right
        self.log_y.observe(self._on_log_y, "value")
        self.log_x.observe(self._on_log_x, "value")
        self.tools = [self.log_y, self.log_x]
        ay = unit_scale("y")
        self.accuracy = bq.Lines(x=np.zeros(0, np.float32), y=np.zeros((2, 0), np.float32),
                                 scales={"x": self.x, "y": ay}, colors=ACCURACY_COLORS,
                                 labels=["train", "validation"])
        self.acc_x_axis = axis(self.x, "step", tick_format="d")
        self.acc_markers = ChangeMarkers(self.x)
        self.accuracy_figure = figure([self.accuracy], [self.acc_x_axis,
                                                        axis(ay, "accuracy", vertical=True,
                                                             tick_format=".1f")],
                                      title="accuracy: train (blue), validation (orange)",
                                      margin=MARGIN)
        self.acc_markers.figure = self.accuracy_figure
        self._x_axes = {"linear": (self.x_axis, self.acc_x_axis)}   # and "log", when made
        self.widget = lean.vbox([self.loss_figure, self.accuracy_figure, *self.tools], **FILL)
        self._drawn: tuple = ()
        self._last: tuple = ()

    def _make_lr(self) -> None:
        self.lr_scale = bq.LogScale()
        self.lr = bq.Lines(x=np.zeros(0, np.float32), y=np.zeros(0, np.float32),
                           scales={"x": self.x, "y": self.lr_scale}, colors=[LR_COLOR],
                           line_style="dotted", stroke_width=1.6)
        # side="right" makes it vertical (bqplot 0.13 has no `orientation` trait: it warned)
        self.lr_axis = bq.Axis(scale=self.lr_scale, label="lr", side="right",
                               tick_format=".0e", label_offset="34px")
        self.loss_figure.axes = [*self.loss_figure.axes, self.lr_axis]
        marks = list(self.loss_figure.marks)
        marks.insert(2, self.lr)                          # under the markers
        self.loss_figure.marks = marks

    def figures(self) -> list[bq.Figure]:
        return [self.loss_figure, self.accuracy_figure]

    # ---- the two axis toggles --------------------------------------------------------------
    def _on_log_y(self, change) -> None:
        """Swap the loss scale of the loss and ln C lines, and the axis (one per scale: the
        browser redraws a swapped axis list, not always an axis whose scale changed)."""
        if change["new"] and self.y_log_axis is None:
            self.y_log_axis = axis(self.y_log, "loss", vertical=True, tick_format=".0e")
        y = self.y_log if change["new"] else self.y_linear
        new = self.y_log_axis if change["new"] else self.y_linear_axis
        with self.loss_figure.hold_sync():
            self.loss.scales = {**self.loss.scales, "y": y}
            self.start.scales = {**self.start.scales, "y": y}
            _swap_axis(self.loss_figure, self.y_axis, new)
            self.y_axis = new
            self._fit_y(self.loss.y)

    def _on_log_x(self, change) -> None:
        """Swap the step scale of every step-based mark and axis, then redraw: a log axis
        gets its points thinned per doubling of the step, not evenly."""
        if change["new"] and self.x_log is None:
            self.x_log = bq.LogScale()
            self._x_axes["log"] = (axis(self.x_log, "step", tick_format="~s"),
                                   axis(self.x_log, "step", tick_format="~s"))
        x = self.x = self.x_log if change["new"] else self.x_linear
        x_axis, acc_x_axis = self._x_axes["log" if change["new"] else "linear"]
        marks = [m for m in (self.loss, self.lr, self.accuracy) if m is not None]
        for markers in (self.loss_markers, self.acc_markers):
            markers.x_scale = x
            marks += markers.marks
        with self.loss_figure.hold_sync(), self.accuracy_figure.hold_sync():
            for mark in marks:
                mark.scales = {**mark.scales, "x": x}
            _swap_axis(self.loss_figure, self.x_axis, x_axis)
            _swap_axis(self.accuracy_figure, self.acc_x_axis, acc_x_axis)
            self.x_axis, self.acc_x_axis = x_axis, acc_x_axis
        if self._last:
            self._drawn = ()
            self.update(self._last)

    def _fit_y(self, loss: np.ndarray) -> None:
        """Round y-axis ends (and ticks) around the loss and the ln C line."""
        if self.log_y.value:
            log_axis(self.y_log, self.y_axis, loss, self.start.y)
        else:
            finite = loss[np.isfinite(loss)]
            nice_range(self.y_linear, 0.0, max(float(finite.max(initial=0.0)),
                                               float(self.start.y[0])), self.y_axis)

    def _fit_x(self, last_step: float) -> None:
        """Round step-axis ends: 0 .. a round number (linear), 1 .. a decade (log)."""
        if self.log_x.value:
            log_axis(self.x_log, self.x_axis, np.array([1.0, max(last_step, MIN_STEPS)]))
        else:
            nice_range(self.x_linear, 0.0, max(last_step, MIN_STEPS), self.x_axis)
        assign(self.acc_x_axis, tick_values=self.x_axis.tick_values)

    def _fit_lr(self, lr: np.ndarray) -> None:
        """Whole decades around the learning rates, half a decade of room each side (a constant
        rate sits mid-axis, not on an edge)."""
        values = lr[np.isfinite(lr) & (lr > 0)]
        if values.size == 0 or self.lr_scale is None:
            return
        lo = float(np.floor(np.log10(values.min()) - 0.5))
        hi = float(np.ceil(np.log10(values.max()) + 0.5))
        assign(self.lr_scale, min=10.0 ** lo, max=10.0 ** hi)
        step = max(1, int(np.ceil((hi - lo) / 4)))
        assign(self.lr_axis, tick_values=10.0 ** np.arange(lo, hi + 1, step))

    # ---- drawing ---------------------------------------------------------------------------
    def update(self, views: Sequence[RunView]) -> None:
        self._last = views
        assign(self.start, y=np.full(2, views[0].snapshot.expected_initial_loss, np.float32))
        key = (tuple((v.tag, v.color, v.tint, id(v.history), v.history.key(), v.snapshot.status)
                     for v in views), self.loss_markers.key(views))
        if key == self._drawn:       # nothing recorded since the last drawing
            return
        self._drawn = key
        self.loss_markers.update(views)
        self.acc_markers.update(views)
        log = self.log_x.value
        loss, lr, accuracy, last_step = [], [], [], 0.0
        for h in (v.history for v in views):
            x, y = h.series("loss", MAX_POINTS, log=log)
            if h.diverged_step is not None:      # the loss that stopped the run, if drawable
                x = np.append(x, f32(h.diverged_step))
                y = np.append(y, f32(h.diverged_loss))
            vx, vy = h.series("val_loss", MAX_POINTS, log=log)
            loss += [(x, y), (vx, vy)]
            lr.append(lr_line(h, log))
            at, train = h.series("train_acc", MAX_POINTS, log=log)
            _, val = h.series("val_acc", MAX_POINTS, log=log)
            accuracy.append((at, np.stack([train, val])))
            last_step = max([last_step, *x[-1:], *at[-1:]])
        # the last point half a step inside the axis: a point on its end is cut in half
        self._fit_x(last_step + 0.5 if self.log_x.value else axis_end(views, last_step + 0.5))
        loss_x, loss_y = series_rows(loss)
        self._fit_y(loss_y)
        lr_x, lr_y = series_rows(lr)
        self._fit_lr(lr_y)
        acc_x, acc_y = series_rows(accuracy)
        # a run alone: train blue, validation orange (loss and accuracy); comparing: each run
        # in its colour, validation in its tint
        loss_colors = acc_colors = [c for v in views for c in
                                    ((v.color, v.tint) if v.comparing else ACCURACY_COLORS)]
        lr_colors = [v.color if v.comparing else LR_COLOR for v in views]
        tags = ", ".join(v.tag for v in views if v.comparing)
        loss_title = f"loss {tags} · lr (dotted)" if tags else "loss · lr (dotted)"
        acc_title = ("accuracy: train (dark), validation (light)" if tags
                     else "accuracy: train (blue), validation (orange)")
        loss_labels = [tagged(what, v) for v in views
                       for what in ("train loss", "validation loss")]
        acc_labels = [tagged(what, v) for v in views for what in ("train", "validation")]
        assign(self.loss, x=loss_x, y=loss_y, colors=loss_colors, labels=loss_labels,
               visible=bool(np.isfinite(loss_y).any()), **lone_point_dots(loss))
        has_lr = bool(np.isfinite(lr_y).any())
        if has_lr and self.lr is None:
            self._make_lr()
            self._fit_lr(lr_y)
        if self.lr is not None:
            assign(self.lr, x=lr_x, y=lr_y, colors=lr_colors, visible=has_lr,
                   labels=[tagged("lr", v) for v in views])
            assign(self.lr_axis, visible=has_lr)
        assign(self.accuracy, x=acc_x, y=acc_y, colors=acc_colors, labels=acc_labels,
               visible=bool(np.isfinite(acc_x).any()), **lone_point_dots(accuracy))
        assign(self.loss_figure, title=loss_title)
        waiting = [v.history for v in views
                   if not v.history.eval_steps and v.snapshot.status == "ok"]
        if waiting:     # before the first measurement the axes are empty: say why, not just blank
            acc_title = f"accuracy: measured every {waiting[0].eval_every} steps, none yet"
        assign(self.accuracy_figure, title=acc_title)
