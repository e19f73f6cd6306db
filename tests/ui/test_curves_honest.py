"""The loss picture shows what happened (issue 20, honest pictures; issue 16, a log step axis):
train and validation loss, the learning rate over steps (schedules show), a diverging run's
last losses and where it diverged, in one run and in compare mode."""
from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import make_history, make_snapshot, views

from initlab.core.config import Config
from initlab.core.run import Run
from initlab.core.snapshot import History
from initlab.ui.app import Lab
from initlab.ui.panels import TrainingCurves
from initlab.ui.panels.markers import STOP_COLOR


def finite(a: np.ndarray) -> np.ndarray:
    return a[np.isfinite(a)]


def rows(mark) -> tuple[np.ndarray, np.ndarray]:
    """(rows, n) x and y of a Lines mark, whatever bqplot squeezed.  A row's trailing copies of
    its last point (base.end_on_points: where bqplot places the row's label) read as nan: they
    draw nothing."""
    y = np.array(np.atleast_2d(mark.y), dtype=float)
    x = np.asarray(mark.x)
    x = np.array(np.broadcast_to(x, y.shape) if x.ndim == 1 else x, dtype=float)
    for r in range(y.shape[0]):
        k = y.shape[1] - 1
        while k > 0 and x[r, k] == x[r, k - 1] and y[r, k] == y[r, k - 1]:
            x[r, k] = y[r, k] = np.nan
            k -= 1
    return x, y


@pytest.mark.parametrize("seed", range(5))
def test_a_diverging_run_draws_its_last_losses_and_a_red_marker_where_it_diverged(seed):
    run = Run(Config(optimizer="sgd", momentum=0.0, lr=50.0, seed=seed))
    run.step(100)
    assert run.diverged
    h = run.history
    panel = TrainingCurves()
    panel.update(views((run.snapshot(), h)))
    x, y = rows(panel.loss)
    train_x, train_y = finite(x[0]), y[0][np.isfinite(x[0])]
    # every recorded loss, then the one that stopped the run at the next step (or, not
    # finite, nothing there: the curve ends at the last finite loss)
    assert list(train_x[:len(h)]) == h.steps and h.diverged_step == run.step_count + 1
    np.testing.assert_allclose(train_y[:len(h)], np.float32(h.loss), rtol=1e-6)
    stop = h.diverged_loss
    if math.isfinite(stop) and stop < np.finfo(np.float32).max:
        assert train_x[-1] == h.diverged_step and train_y[-1] == pytest.approx(stop, rel=1e-6)
        assert stop > 50 * h.loss[0]                      # the explosion itself is drawn
    markers = panel.loss_markers
    assert markers.lines.visible and STOP_COLOR in markers.lines.colors
    k = markers.lines.colors.index(STOP_COLOR)
    assert np.atleast_2d(markers.lines.x)[k, 0] == h.diverged_step
    label = list(markers.labels.text)[k]
    # a finite loss is drawn (the axis gives its size); one that is not is named
    assert label == ("diverged" if math.isfinite(stop) else
                     "diverged: loss NaN" if math.isnan(stop) else "diverged: loss infinite")
    assert panel.x_linear.max >= 1.3 * h.diverged_step            # room for the label


def test_a_run_that_diverges_at_its_first_step_still_shows_where():
    # 20 layers of N(0, 100^2) weights overflow float32 at once: the first loss is not finite
    run = Run(Config(init="gaussian", weight_std=100.0, depth=20, dtype="float32"))
    run.step(5)
    assert run.diverged and run.step_count == 0 and len(run.history) == 0
    panel = TrainingCurves()
    panel.update(views((run.snapshot(), run.history)))
    assert not panel.loss.visible                          # nothing finite to draw ...
    assert panel.loss_markers.lines.visible                # ... but where it stopped, and why
    assert np.atleast_2d(panel.loss_markers.lines.x)[0, 0] == 1
    what = "NaN" if math.isnan(run.history.diverged_loss) else "infinite"
    assert list(panel.loss_markers.labels.text) == [f"diverged: loss {what}"]


def test_validation_loss_is_drawn_beside_the_training_loss():
    run = Run(Config(dataset="spiral", n_samples=60, noise=0.3, val_fraction=0.5, seed=1))
    run.step(400)
    h = run.history
    panel = TrainingCurves()
    panel.update(views((run.snapshot(), h)))
    x, y = rows(panel.loss)
    np.testing.assert_array_equal(finite(x[1]), np.float32(h.eval_steps))
    np.testing.assert_allclose(finite(y[1]), np.float32(h.val_loss), rtol=1e-6)
    assert panel.loss.labels == ["train loss", "validation loss"]
    assert panel.loss.colors[0] != panel.loss.colors[1]


def test_a_step_schedule_shows_as_steps_of_the_learning_rate_line():
    run = Run(Config(optimizer="sgd", lr=0.1, lr_schedule="step", lr_decay=0.5,
                     decay_steps=50))
    run.step(200)
    panel = TrainingCurves()
    panel.update(views((run.snapshot(), run.history)))
    assert panel.lr.visible and panel.lr_axis.visible and panel.lr.line_style == "dotted"
    x, y = finite(np.asarray(panel.lr.x)), finite(np.asarray(panel.lr.y))
    # the recorded rates at the drawn steps: four levels, each drawn from its first to last step
    recorded = dict(zip(run.history.steps, run.history.lr))
    np.testing.assert_allclose(y, [recorded[int(s)] for s in x], rtol=1e-6)
    assert sorted(set(np.round(y, 6)), reverse=True) == [0.1, 0.05, 0.025, 0.0125]
    assert x[0] == 1 and x[-1] == run.history.eval_steps[-1] == 200
    assert len(x) == 8                                     # ends of 4 levels, not 200 points
    assert panel.lr_scale.min <= 0.0125 and panel.lr_scale.max >= 0.1


def test_a_live_learning_rate_change_shows_on_the_lr_line():
    lab = Lab(panels=["loss"])
    lab.step(30)
    lab.set(lr=0.001)
    lab.step(30)
    panel = lab.panels["loss"]
    y = finite(np.asarray(panel.lr.y))
    assert y[0] == pytest.approx(0.01) and y[-1] == pytest.approx(0.001)


def test_comparing_draws_both_runs_losses_rates_and_a_diverged_b():
    lab = Lab(panels=["loss"], optimizer="sgd", momentum=0.0, lr=0.1)
    lab.compare(lr=50.0)
    lab.step(40)
    a, b = lab.runs
    assert not a.diverged and b.diverged
    panel = lab.panels["loss"]
    x, y = rows(panel.loss)
    assert y.shape[0] == 4                                 # train, validation of A, then of B
    assert finite(x[0])[-1] == 40 and finite(x[2])[-1] == b.history.diverged_step
    lr_y = np.atleast_2d(panel.lr.y)
    assert finite(lr_y[0])[0] == pytest.approx(0.1) and finite(lr_y[1])[0] == pytest.approx(50)
    labels = list(panel.loss_markers.labels.text)
    assert len(labels) == 1 and labels[0].startswith("B: diverged")
    assert panel.x_linear.max >= 1.3 * b.history.diverged_step      # room for B's label
    lab.runs[0].step(600)                  # A goes on: the axis follows A, not B's room
    lab.step(0)
    assert panel.x_linear.max == 800                # the round end above A's step 640


def test_the_log_step_axis_toggle_swaps_every_step_scale_and_keeps_the_curves():
    lab = Lab(panels=["loss"])
    lab.step(300)
    lab.set(lr=0.005)                                       # a marker to carry over as well
    lab.step(20)
    panel = lab.panels["loss"]
    assert panel.log_x in panel.tools and panel.log_y in panel.tools
    linear_x = finite(np.atleast_2d(panel.loss.x)[0])
    panel.log_x.value = True
    marks = [panel.loss, panel.lr, panel.accuracy, *panel.loss_markers.marks,
             *panel.acc_markers.marks]
    assert all(m.scales["x"] is panel.x_log for m in marks)
    assert panel.x_axis.scale is panel.x_log and panel.acc_x_axis.scale is panel.x_log
    assert (panel.x_log.min, panel.x_log.max) == (1.0, 1000.0)     # whole decades
    np.testing.assert_allclose(panel.x_axis.tick_values, [1, 10, 100, 1000])
    log_x = finite(np.atleast_2d(panel.loss.x)[0])
    assert log_x[0] == 1 and log_x[-1] == linear_x[-1] == 320
    lab.step(5)                                            # still drawn on the log axis
    assert finite(np.atleast_2d(panel.loss.x)[0])[-1] == 325
    panel.log_x.value = False
    assert all(m.scales["x"] is panel.x_linear for m in marks)
    assert (panel.x_linear.min, panel.x_linear.max) == (0.0, 400.0)


def test_a_long_history_on_a_log_axis_keeps_the_first_steps_dense():
    h = History()
    for t in range(1, 100_001):
        h.record(t, 1.0 / t, 0.01, np.zeros(2, np.float32))
        if t % 10 == 0:
            h.record_eval(t, 0.5, 0.5, 1.0 / t)
    panel = TrainingCurves()
    panel.update(views((make_snapshot(), h)))
    linear = finite(rows(panel.loss)[0][0])
    assert linear[0] == 1 and linear[-1] == 100_000 and linear[1] > 100     # evenly thinned
    panel.log_x.value = True
    log = finite(rows(panel.loss)[0][0])
    assert log[-1] == 100_000 and list(log[:10]) == list(range(1, 11))     # every early step
    per_decade = np.histogram(log, bins=[1, 10, 100, 1000, 10_000, 100_001])[0]
    assert per_decade[1:].min() > 0.5 * per_decade[1:].max()               # even per decade


def test_the_learning_rate_line_and_its_axis_are_made_at_the_first_recorded_step():
    panel = TrainingCurves()
    panel.update(views((make_snapshot(n_classes=3), History())))
    assert not panel.loss.visible and panel.lr is None and panel.x_log is None   # no models yet
    panel.update(views((make_snapshot(n_classes=3), make_history(steps=20))))
    assert panel.loss.visible and panel.lr.visible and panel.lr in panel.loss_figure.marks
    assert panel.lr_axis in panel.loss_figure.axes and panel.lr_axis.side == "right"
    np.testing.assert_allclose(panel.lr.y, [0.01, 0.01])      # constant: its two ends
    assert (panel.lr_scale.min, panel.lr_scale.max) == (1e-3, 0.1)   # mid-axis, whole decades


def test_a_run_out_of_memory_is_marked_where_it_stopped():
    panel = TrainingCurves()
    snap = make_snapshot()
    snap.status, snap.step = "out_of_memory", 20
    panel.update(views((snap, make_history(steps=20))))
    assert list(panel.loss_markers.labels.text) == ["out of memory"]
    assert np.atleast_2d(panel.loss_markers.lines.x)[0, 0] == 21
