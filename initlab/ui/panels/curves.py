"""Training curves: minibatch loss (linear or log y) and train/validation accuracy over steps.

The dashed line is the loss a fresh classifier should start at, ln(C): the first babysitting check.
"""
from __future__ import annotations

import bqplot as bq
import ipywidgets as w
import numpy as np

from initlab.core.snapshot import History, Snapshot
from initlab.ui.panels.base import assign, axis, figure, log_axis, nice_range

MIN_STEPS = 10          # the step axis starts out 0..10
MAX_POINTS = 1000       # points per curve sent (History thins evenly and keeps the last)


class TrainingCurves:
    name = "loss"
    width = 660
    title = "Loss and accuracy"
    hint = ("Loss per minibatch (dashed: ln C, where an untrained classifier starts) and accuracy "
            "on training and validation data. A widening gap means overfitting.")

    def __init__(self) -> None:
        self.x = bq.LinearScale()
        self.y_linear = bq.LinearScale()
        self.y_log = bq.LogScale()
        self.loss = bq.Lines(x=np.zeros(0, np.float32), y=np.zeros(0, np.float32),
                             scales={"x": self.x, "y": self.y_linear}, colors=["#444444"],
                             stroke_width=1.5)
        self.start = bq.Lines(x=np.array([0.0, 1.0], np.float32), y=np.zeros(2, np.float32),
                              scales={"x": bq.LinearScale(min=0.0, max=1.0), "y": self.y_linear},
                              colors=["#999999"], line_style="dashed")
        self.y_axis = axis(self.y_linear, "loss", vertical=True, tick_format=".2g")
        self.x_axis = axis(self.x, "step", tick_format="d")
        self.loss_figure = figure([self.loss, self.start], [self.x_axis, self.y_axis],
                                  title="loss", width=320)
        self.log_y = w.ToggleButton(value=False, description="log y",
                                    tooltip="Logarithmic loss axis",
                                    layout=w.Layout(width="70px"))
        self.log_y.observe(self._on_log_y, "value")
        ax = self.acc_x = bq.LinearScale()
        ay = bq.LinearScale(min=0.0, max=1.0)
        self.accuracy = bq.Lines(x=np.zeros(0, np.float32), y=np.zeros((2, 0), np.float32),
                                 scales={"x": ax, "y": ay}, colors=["#1f77b4", "#ff7f0e"],
                                 labels=["train", "validation"])
        self.acc_x_axis = axis(ax, "step", tick_format="d")
        self.accuracy_figure = figure([self.accuracy], [self.acc_x_axis,
                                                        axis(ay, "accuracy", vertical=True,
                                                             tick_format=".1f")],
                                      title="accuracy: train (blue), validation (orange)",
                                      width=320)
        self.widget = w.HBox([w.VBox([self.loss_figure, self.log_y]), self.accuracy_figure])
        self._history: History | None = None
        self._drawn: tuple = ()

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

    def update(self, snapshot: Snapshot, history: History) -> None:
        assign(self.start, y=np.full(2, snapshot.expected_initial_loss, np.float32))
        # History only grows (a rebuild makes a new one): same object and length, nothing new.
        key = (len(history), len(history.eval_steps))
        if history is self._history and key == self._drawn:
            return
        self._history, self._drawn = history, key
        steps, loss = history.series("loss", MAX_POINTS)
        last_step = max(float(steps[-1]) if len(steps) else 0.0, MIN_STEPS)
        nice_range(self.x, 0.0, last_step, self.x_axis)
        nice_range(self.acc_x, 0.0, last_step, self.acc_x_axis)
        self._fit_y(loss)
        assign(self.loss, x=steps, y=loss, visible=len(steps) > 0)
        at, train = history.series("train_acc", MAX_POINTS)
        _, val = history.series("val_acc", MAX_POINTS)
        assign(self.accuracy, x=at, y=np.ascontiguousarray(np.stack([train, val])),
               visible=len(at) > 0)
