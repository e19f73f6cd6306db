"""Training curves: minibatch loss (linear or log y) and train/validation accuracy over steps.

The dashed line is the loss a fresh classifier should start at, ln(C): the first babysitting check.
Comparing two runs, each mark holds both: loss A and B, accuracy train/validation of A and of B.
"""
from __future__ import annotations

import bqplot as bq
import ipywidgets as w
import numpy as np

from initlab.core.snapshot import History, Snapshot
from initlab.ui import lean
from initlab.ui.panels.markers import ChangeMarkers
from initlab.ui.panels.base import (FILL, RUN_COLORS, RUN_TINTS, Other, Panel, assign, axis, figure,
                                    log_axis, lone_point_dots, nice_range, register, runs,
                                    series_rows, unit_scale)

MIN_STEPS = 10          # the step axis starts out 0..10
MAX_POINTS = 600        # at most this many points per curve sent (History.series thins):
                        # about two per pixel of the widest plot; the browser's cost grows with them
LOSS_COLOR = "#444444"
ACCURACY_COLORS = ["#1f77b4", "#ff7f0e"]      # one run: train, validation


@register
class TrainingCurves(Panel):
    name = "loss"
    title = "Loss and accuracy"
    hint = ("Loss per minibatch (dashed: ln C, where an untrained classifier starts) and accuracy "
            "on training and validation data. A widening gap means overfitting.")

    def __init__(self) -> None:
        self.x = bq.LinearScale()
        self.y_linear = bq.LinearScale()
        self.y_log = bq.LogScale()
        self.loss = bq.Lines(x=np.zeros(0, np.float32), y=np.zeros(0, np.float32),
                             scales={"x": self.x, "y": self.y_linear}, colors=[LOSS_COLOR],
                             stroke_width=1.3)
        self.start = bq.Lines(x=np.array([0.0, 1.0], np.float32), y=np.zeros(2, np.float32),
                              scales={"x": unit_scale("x"), "y": self.y_linear},
                              colors=["#999999"], line_style="dashed")
        self.y_axis = axis(self.y_linear, "loss", vertical=True, tick_format=".2g")
        self.x_axis = axis(self.x, "step", tick_format="d")
        self.loss_markers = ChangeMarkers(self.x)     # live changes: a labelled vertical line
        self.loss_figure = figure([self.loss, self.start], [self.x_axis, self.y_axis],
                                  title="loss")
        self.loss_markers.figure = self.loss_figure
        self.log_y = w.ToggleButton(value=False, description="log loss",
                                    tooltip="Logarithmic loss axis",
                                    layout=lean.layout(),
                                    style=lean.style(lean.ToggleButtonStyle))
        self.log_y.observe(self._on_log_y, "value")
        self.tools = [self.log_y]
        ax = self.acc_x = self.x                   # the same steps as the loss
        ay = unit_scale("y")
        self.accuracy = bq.Lines(x=np.zeros(0, np.float32), y=np.zeros((2, 0), np.float32),
                                 scales={"x": ax, "y": ay}, colors=ACCURACY_COLORS,
                                 labels=["train", "validation"])
        self.acc_x_axis = axis(ax, "step", tick_format="d")
        self.acc_markers = ChangeMarkers(ax)
        self.accuracy_figure = figure([self.accuracy], [self.acc_x_axis,
                                                        axis(ay, "accuracy", vertical=True,
                                                             tick_format=".1f")],
                                      title="accuracy: train (blue), validation (orange)")
        self.acc_markers.figure = self.accuracy_figure
        self.widget = lean.vbox([self.loss_figure, self.accuracy_figure, self.log_y], **FILL)
        self._drawn: tuple = ()

    def figures(self) -> list[bq.Figure]:
        return [self.loss_figure, self.accuracy_figure]

    def _on_log_y(self, change) -> None:
        y = self.y_log if change["new"] else self.y_linear
        with self.loss_figure.hold_sync():
            self.loss.scales = {"x": self.x, "y": y}
            self.start.scales = {**self.start.scales, "y": y}
            self.y_axis.scale = y
            self.y_axis.tick_format = ".0e" if change["new"] else ".2g"
            self._fit_y(self.loss.y)

    def _fit_y(self, loss: np.ndarray) -> None:
        """Round y-axis ends (and ticks) around the loss and the ln C line."""
        if self.log_y.value:
            log_axis(self.y_log, self.y_axis, loss, self.start.y)
        else:
            finite = loss[np.isfinite(loss)]
            nice_range(self.y_linear, 0.0, max(float(finite.max(initial=0.0)),
                                               float(self.start.y[0])), self.y_axis)

    def update(self, snapshot: Snapshot, history: History, other: Other = None) -> None:
        assign(self.start, y=np.full(2, snapshot.expected_initial_loss, np.float32))
        drawn = runs(snapshot, history, other)
        # A History only grows (a rebuild makes a new one): same objects and lengths, nothing new.
        key = (tuple((id(h), len(h), len(h.eval_steps)) for _, _, h in drawn),
               self.loss_markers.key(drawn))
        if key == self._drawn:
            return
        self._drawn = key
        self.loss_markers.update(drawn)
        self.acc_markers.update(drawn)
        loss = [h.series("loss", MAX_POINTS) for _, _, h in drawn]
        # the last point half a step inside the axis: a point on its end is cut in half
        last_step = max([float(x[-1]) + 0.5 for x, _ in loss if len(x)] + [MIN_STEPS])
        nice_range(self.x, 0.0, last_step, self.x_axis)
        assign(self.acc_x_axis, tick_values=self.x_axis.tick_values)
        loss_x, loss_y = series_rows(loss)
        self._fit_y(loss_y)
        accuracy = []
        for _, _, h in drawn:
            at, train = h.series("train_acc", MAX_POINTS)
            _, val = h.series("val_acc", MAX_POINTS)
            accuracy.append((at, np.stack([train, val])))
        acc_x, acc_y = series_rows(accuracy)
        if other is None:
            loss_colors, acc_colors = [LOSS_COLOR], ACCURACY_COLORS
            acc_labels = ["train", "validation"]
            acc_title = "accuracy: train (blue), validation (orange)"
        else:
            loss_colors = [RUN_COLORS["A"], RUN_COLORS["B"]]
            acc_colors = [c for r in ("A", "B") for c in (RUN_COLORS[r], RUN_TINTS[r])]
            acc_labels = [f"{what} {r}" for r in ("A", "B") for what in ("train", "validation")]
            acc_title = "accuracy: train (dark), validation (light)"
        assign(self.loss, x=loss_x, y=loss_y, colors=loss_colors,
               visible=bool(np.isfinite(loss_x).any()), **lone_point_dots(loss))
        assign(self.accuracy, x=acc_x, y=acc_y, colors=acc_colors, labels=acc_labels,
               visible=bool(np.isfinite(acc_x).any()), **lone_point_dots(accuracy))
        assign(self.loss_figure, title="loss" if other is None else "loss: A (blue), B (orange)")
        waiting = [h for _, snap, h in drawn if not h.eval_steps and snap.status == "ok"]
        if waiting:     # before the first measurement the axes are empty: say why, not just blank
            acc_title = f"accuracy: measured every {waiting[0].eval_every} steps, none yet"
        assign(self.accuracy_figure, title=acc_title)
