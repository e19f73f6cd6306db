"""Panels draw exactly what a hand-made Snapshot/History holds, send nothing unchanged, and keep
the Panel contract; every registered panel is checked, not a hand-kept list."""
from __future__ import annotations

import math

import bqplot as bq
import ipywidgets as w
import numpy as np
import pytest
from conftest import make_history, make_snapshot, marks_of, views

from initlab.core.snapshot import History
from initlab.ui.panels import (PANELS, DeadUnits, DecisionBoundary, DepthProfile, Panel,
                               TrainingCurves, UpdateRatio)
from initlab.ui.panels.base import CLASS_SHAPES, RUN_COLORS, RUN_TINTS, assign, series_rows


# ---- the contract, for every registered panel -------------------------------------------------
@pytest.mark.parametrize("name", list(PANELS))
def test_every_panel_keeps_the_contract(name):
    panel = PANELS[name]()
    assert isinstance(panel, Panel) and panel.name == name
    assert panel.title and len(panel.hint) > 40 and panel.rows in (1, 2)
    assert isinstance(panel.widget, w.DOMWidget)
    panel.update(views((make_snapshot(), make_history())))
    figures = panel.figures()
    assert figures and all(isinstance(f, bq.Figure) for f in figures)
    assert all(f.animation_duration == 0 for f in figures)
    for mark in marks_of(panel):                 # every data array is compact float32 or text
        for trait in ("x", "y", "color"):
            value = getattr(mark, trait, None)
            if isinstance(value, np.ndarray) and value.size and value.dtype.kind == "f":
                assert value.dtype == np.float32, (name, type(mark).__name__, trait)


@pytest.mark.parametrize("name", list(PANELS))
def test_every_panel_draws_a_second_run_in_the_same_marks(name):
    panel = PANELS[name]()
    panel.update(views((make_snapshot(), make_history())))
    marks = marks_of(panel)
    panel.update(views((make_snapshot(), make_history()),
                       (make_snapshot(depth=2, hist_bin=20), make_history(steps=10))))
    assert marks_of(panel) == marks                # no new marks: a second series in the old ones
    panel.update(views((make_snapshot(), make_history())))  # and back to one run


@pytest.mark.parametrize("name", list(PANELS))
def test_no_mark_is_resent_when_nothing_changed(name):
    panel = PANELS[name]()
    snap, hist = make_snapshot(), make_history()
    panel.update(views((snap, hist)))
    sent = []
    widgets = [panel.widget, *panel.figures()]
    for fig in panel.figures():
        widgets += [*fig.marks, *fig.axes] + [s for m in fig.marks for s in m.scales.values()]
    for widget in widgets:
        widget.observe(lambda change: sent.append(change["name"]))
    panel.update(views((make_snapshot(), hist)))          # equal numbers in new array objects
    assert sent == []


def test_only_the_curves_are_resent_after_one_more_step():
    panels = [cls() for cls in PANELS.values()]
    snap, hist = make_snapshot(), make_history()
    for p in panels:
        p.update(views((snap, hist)))
    sent = []
    for p in panels:
        for m in marks_of(p):
            m.observe(lambda change: sent.append(change["name"]), ["x", "y", "color"])
    hist.steps.append(21), hist.loss.append(0.01), hist.lr.append(0.01)
    hist.update_ratio.append(np.full(4, 1e-3, np.float32))
    for p in panels:
        p.update(views((snap, hist)))
    # the loss and ratio lines only: the learning rate is drawn up to the last accuracy
    # measurement, so it is resent with the accuracy, not at every step
    assert sorted(set(sent)) == ["x", "y"] and len(sent) == 4


# ---- the other panels ---------------------------------------------------------------------------
def test_depth_profile_shows_forward_stats_and_log_gradients():
    panel = DepthProfile()
    panel.update(views((make_snapshot(depth=4, grad_norms=[1.0, 0.1, 0.0, 1e-3]), History())))
    np.testing.assert_allclose(panel.forward.y[1], [1.0, 1.1, 1.2, 1.3], rtol=1e-6)
    grads = panel.backward.y[0]
    np.testing.assert_allclose(grads[[0, 1, 3]], [1.0, 0.1, 1e-3], rtol=1e-6)
    assert np.isnan(grads[2])                    # zero cannot sit on a log axis: a gap
    assert panel.backward.marker is None         # (and a dot there cannot be placed)
    key = panel.key.value                        # each line's colour is named under the figures
    for color, name in zip(panel.forward.colors + panel.backward.colors,
                           ["mean", "std", "|dL/dW|", "std dL/da"]):
        assert f"color:{color}'>\u25cf</b>&nbsp;{name}" in key
    panel.update(views((make_snapshot(depth=4), History()), (make_snapshot(depth=2), History())))
    # B's rows end at its last layer: the points beyond repeat it (bqplot places a row's label
    # at its last point, and a nan there is a console error); its dots go while rows differ
    assert panel.forward.y.shape == (4, 4) and (panel.forward.y[3, 2:] == panel.forward.y[3, 1]).all()
    assert (panel.forward.x[3, 2:] == 2).all() and panel.forward.marker is None
    assert panel.forward.colors[0] == RUN_COLORS["A"] and panel.forward.colors[2] == RUN_COLORS["B"]
    assert f"color:{RUN_COLORS['B']}'>\u25cf</b>&nbsp;B" in panel.key.value


def test_every_layers_units_are_one_raster_dead_first_saturated_last():
    snap = make_snapshot(depth=3, activation="relu", units=4)
    snap.layers[1].unit_active = np.array([0.5, 0.0, 0.9, 0.0], np.float32)
    snap.layers[2].unit_saturated = np.array([0.0, 0.0, 0.8, 0.0], np.float32)
    panel = DeadUnits()
    panel.view_choice.value = True              # the unit raster on top (default: neurons)
    panel.update(views((snap, History())))
    cells = panel.raster.cells.color
    assert cells.shape == (3, 4) and cells.dtype == np.float32
    np.testing.assert_allclose(cells[1], [-1.0, -1.0, 0.5, 29 / 32], rtol=1e-6)  # dead first
    np.testing.assert_array_equal(cells[2], [0.5, 0.5, 0.5, 2.0])        # saturated last
    assert panel.raster.figure.title == "units: 2 dead, 1 saturated of 12"
    b = make_snapshot(depth=3, activation="relu", units=4)
    panel.update(views((snap, History()), (b, History())))      # comparing: short enough to read
    assert panel.raster.figure.title == "A: 2 dead, 1 saturated; B: 0 dead (of 12)"
    np.testing.assert_allclose(panel.raster.cells.y, [1, 1.5, 2, 2.5, 3, 3.5])   # A, B per layer
    np.testing.assert_allclose(panel.raster.y_axis.tick_values, [1.25, 2.25, 3.25])  # between
    assert panel.raster.y_axis.label == "layer: A over B"
    panel.update(views((snap, History())))
    np.testing.assert_allclose(panel.raster.y_axis.tick_values, [1, 2, 3])
    assert panel.raster.y_axis.label == "layer"
    # x is the share of a layer's units: cell centres on [0, 1], one frame for every width
    np.testing.assert_allclose(panel.raster.cells.x, [0.125, 0.375, 0.625, 0.875])
    panel.update(views((make_snapshot(depth=3, activation="relu", units=8), History())))
    np.testing.assert_allclose(panel.raster.cells.x, (np.arange(8) + 0.5) / 8)
    assert (panel.raster.x.min, panel.raster.x.max) == (0.0, 1.0)
    np.testing.assert_array_equal(panel.raster.x_axis.tick_values, [0.0, 0.5, 1.0])
    tanh = make_snapshot(depth=1, activation="tanh", units=4)
    tanh.layers[0].unit_active = np.zeros(4, np.float32)
    panel.update(views((tanh, History())))
    np.testing.assert_array_equal(panel.raster.cells.color, np.zeros((2, 4)))   # off, not dead


def test_first_layer_lines_are_drawn_dead_red_dashed_and_counted():
    panel = DeadUnits()
    panel.update(views((make_snapshot(activation="relu", units=4, dead=(1,)), History())))
    assert panel.figure.title == "1 dead of 4 first-layer units"
    # one path each: alive lines (units 0 and 2; unit 3's line is off view) then their ticks
    # from each line's middle into its active side, every piece ended by a nan gap
    nan = np.nan
    np.testing.assert_array_equal(panel.alive.x, [-1, 1, nan, -1, 1, nan, 0, 0, nan, 0, 0])
    assert panel.alive.x.ndim == 1 and panel.alive.opacities == [0.7]
    np.testing.assert_array_equal(panel.dead.x, [-1, 1])
    assert panel.alive.visible and panel.dead.visible
    panel.update(views((make_snapshot(activation="tanh", units=4), History())))     # nothing dead
    assert not panel.dead.visible and len(panel.dead.x) == 2     # hidden, never sent empty
    assert panel.dead.line_style == "dashed" and panel.dead.colors == ["#d62728"]
    # the shade: units on per cell of its own (coarser) grid as a share (-1: none on)
    counts = np.arange(25).reshape(5, 5) % 5                 # conftest: 0..4 of 4 units on
    expected = np.where(counts == 0, -1.0, counts / 4).astype(np.float32)
    np.testing.assert_array_equal(panel.counts.color, expected)
    np.testing.assert_array_equal(panel.counts.x, np.linspace(-1, 1, 5).astype(np.float32))
    assert panel.count_scale.min == -1.0 and panel.count_scale.max == 1.0
    cloud = panel.cloud
    assert (cloud.x.min, cloud.x.max, cloud.y.min, cloud.y.max) == (-1.0, 1.0, -2.0, 2.0)


def test_wide_data_is_drawn_on_its_principal_components_with_the_note():
    snap = make_snapshot()
    snap.plane.axis_labels, snap.plane.note = ("PC 1", "PC 2"), "A slice through the 64-D inputs"
    panel, boundary = DeadUnits(), DecisionBoundary()
    panel.update(views((snap, History())))
    boundary.update(views((snap, History())))
    assert (panel.cloud.x_axis.label, panel.cloud.y_axis.label) == ("PC 1", "PC 2")
    assert (boundary.x_axis.label, boundary.y_axis.label) == ("PC 1", "PC 2")
    assert "A slice through the 64-D inputs" in panel.note.value


def test_decision_boundary_colours_class_and_confidence():
    panel = DecisionBoundary()
    snap = make_snapshot(n_classes=3)
    snap.plane.grid_conf[0, 0] = 1.0 / 3        # a pure guess: the palest shade of its class
    panel.update(views((snap, History())))
    color = panel.regions.color
    assert color.shape == (5, 5) and color.dtype == np.float32
    assert color[0, 0] == 0.0 and color[0, 1] == 3.0      # class 0 unsure, class 1 certain
    assert panel.region_scale.max == 5.0 and len(panel.region_scale.colors) == 6
    np.testing.assert_array_equal(panel.points.color, [0, 1, 2])
    # the second cue: each class its own shape, the same shape for the same class
    assert list(panel.points.text) == CLASS_SHAPES[:3] and len(set(CLASS_SHAPES)) == 10


def test_two_d_panels_show_the_reason_without_a_plane():
    for panel in (DeadUnits(), DecisionBoundary()):
        box = panel.cloud.box if isinstance(panel, DeadUnits) else panel.box
        panel.update(views((make_snapshot(plane=False), History())))
        assert box.children == (panel.reason,)
        assert "needs 2-D inputs" in panel.reason.value
        panel.update(views((make_snapshot(plane=True), History())))
        assert box.children == (panel.figure,)


def test_curves_draw_the_history_and_the_ln_c_line():
    panel = TrainingCurves()
    panel.update(views((make_snapshot(n_classes=3), make_history(steps=20))))
    train, val = panel.loss.y                          # one mark: train and validation loss
    np.testing.assert_allclose(train, 1.0 / np.arange(1, 21), rtol=1e-6)
    np.testing.assert_allclose(panel.loss.x[1, :4], [5, 10, 15, 20])
    np.testing.assert_allclose(val[:4], 1.0 / np.array([5, 10, 15, 20]), rtol=1e-6)
    # the validation row ends at its last measurement (step 20): the points beyond repeat it
    assert (panel.loss.x[1, 4:] == 20).all() and (val[4:] == val[3]).all()
    assert panel.loss.labels == ["train loss", "validation loss"]
    np.testing.assert_allclose(panel.start.y, np.log(3), rtol=1e-6)
    assert panel.accuracy.y.shape == (2, 4)
    assert (panel.y_linear.min, panel.y_linear.max) == (0.0, 1.5)       # round, above ln 3
    panel.log_y.value = True
    assert panel.loss.scales["y"] is panel.y_log and panel.y_axis.scale is panel.y_log
    assert (panel.y_log.min, panel.y_log.max) == (0.01, 10.0)            # decades: 1/20 .. ln 3
    np.testing.assert_allclose(panel.y_axis.tick_values, [0.01, 0.1, 1.0, 10.0])


def test_a_series_of_one_point_gets_a_dot_and_loses_it_at_the_second():
    panel, ratio = TrainingCurves(), UpdateRatio()
    one = History(steps=[1], loss=[1.1], update_ratio=[np.full(4, 1e-3, np.float32)],
                  eval_steps=[1], train_acc=[0.3], val_acc=[0.2], val_loss=[1.0])
    panel.update(views((make_snapshot(), one)))
    ratio.update(views((make_snapshot(depth=3), one)))
    assert panel.loss.marker == panel.accuracy.marker == ratio.lines.marker == "circle"
    assert panel.accuracy.y.shape == (2, 2)             # train and validation: two dots
    panel.update(views((make_snapshot(), make_history(steps=20))))
    ratio.update(views((make_snapshot(depth=3), make_history(steps=20, layers=4))))
    assert panel.loss.marker is panel.accuracy.marker is ratio.lines.marker is None


def test_an_empty_accuracy_picture_says_when_accuracy_is_first_measured():
    panel = TrainingCurves()
    panel.update(views((make_snapshot(), History(steps=[1, 2], loss=[1.1, 1.0], eval_every=10))))
    assert panel.accuracy_figure.title == "accuracy: measured every 10 steps, none yet"
    panel.update(views((make_snapshot(), make_history(steps=20))))
    assert panel.accuracy_figure.title == "accuracy: train (blue), validation (orange)"
    stopped = make_snapshot()
    stopped.status = "diverged"                 # it will never be measured: no promise
    panel.update(views((stopped, History(steps=[1], loss=[1e9]))))
    assert panel.accuracy_figure.title == "accuracy: train (blue), validation (orange)"


def test_comparing_draws_four_loss_curves_and_four_accuracy_curves():
    panel = TrainingCurves()
    panel.update(views((make_snapshot(), make_history(steps=20)), (make_snapshot(),
                                                                 make_history(steps=10))))
    # B's train loss ends at step 10: the points beyond repeat its last one (a row's label sits
    # at its last point; a nan there is a console error)
    assert panel.loss.y.shape == (4, 20) and (panel.loss.x[2, 10:] == 10).all()
    assert (panel.loss.y[2, 10:] == panel.loss.y[2, 9]).all()
    np.testing.assert_allclose(panel.loss.y[2, :10], 1.0 / np.arange(1, 11), rtol=1e-6)
    assert panel.loss.labels == ["train loss A", "validation loss A", "train loss B",
                                 "validation loss B"]
    assert panel.loss.colors == [RUN_COLORS["A"], RUN_TINTS["A"], RUN_COLORS["B"],
                                 RUN_TINTS["B"]]
    assert panel.accuracy.y.shape == (4, 4)
    assert panel.accuracy.labels == ["train A", "validation A", "train B", "validation B"]
    assert panel.lr.colors == [RUN_COLORS["A"], RUN_COLORS["B"]] and panel.lr.y.shape[0] == 2
    assert panel.loss_figure.title == "loss A, B · lr (dotted)"
    panel.update(views((make_snapshot(), make_history(steps=20))))
    assert panel.loss.y.shape == (2, 20) and panel.loss_figure.title == "loss · lr (dotted)"


def test_update_ratio_draws_one_line_per_weight_layer():
    panel = UpdateRatio()
    panel.update(views((make_snapshot(depth=3), make_history(steps=10, layers=4))))
    assert panel.lines.y.shape == (4, 10)
    np.testing.assert_allclose(panel.lines.y[:, -1], [1e-3, 2e-3, 3e-3, 4e-3], rtol=1e-6)
    assert panel.lines.labels[-1] == "output"
    np.testing.assert_allclose(panel.band.y, [[1e-4, 1e-4], [1e-2, 1e-2]], rtol=1e-6)
    panel.update(views((make_snapshot(depth=3), make_history(steps=10, layers=4)),
                       (make_snapshot(depth=3), make_history(steps=10, layers=4))))
    assert panel.lines.y.shape == (8, 10) and panel.lines.colors[4] == RUN_COLORS["B"]


def test_every_lines_row_ends_on_a_point_its_scales_can_place():
    """A nan (or, on a log axis, a zero) at a row's end is a 'translate(x, NaN)' console error:
    bqplot places the row's label there.  The row ends at its last good point instead."""
    lines = bq.Lines(x=np.zeros(1), y=np.zeros(1), scales={"x": bq.LinearScale(),
                                                          "y": bq.LogScale()})
    assign(lines, x=np.arange(4.0), y=np.array([[1.0, 2.0, 0.0, np.nan], [1.0, np.nan, 3.0, 4.0],
                                                [np.nan] * 4]))
    np.testing.assert_array_equal(lines.y[0], [1, 2, 2, 2])
    np.testing.assert_array_equal(lines.x[0], [0, 1, 1, 1])
    np.testing.assert_array_equal(lines.y[1], [1, np.nan, 3, 4])      # a gap inside stays a gap
    np.testing.assert_array_equal(lines.y[2], [1] * 4)               # nothing: the first point
    assert lines.visible
    assign(lines, x=np.arange(4.0), y=np.zeros((2, 4)))              # nothing placeable: hidden
    assert not lines.visible
    assign(lines, x=np.arange(4.0), y=np.ones((2, 4)))
    assert lines.visible and lines.x.ndim == 1


def test_series_rows_pads_runs_of_different_length_with_nan():
    x, y = series_rows([(np.arange(3.0), np.ones(3)), (np.arange(2.0), np.zeros(2))])
    assert x.shape == y.shape == (2, 3) and math.isnan(y[1, 2]) and math.isnan(x[1, 2])
    x, y = series_rows([(np.array([10.0]), np.array([[0.2], [0.1]]))])   # one point, 2 rows
    assert x.shape == (2,) and y.shape == (2, 2)          # not (2, 1): bqplot would squeeze it
    np.testing.assert_allclose(y, [[0.2, 0.2], [0.1, 0.1]], rtol=1e-6)
    x, y = series_rows([(np.arange(3.0), np.ones((2, 3)))])
    assert x.shape == (3,) and y.shape == (2, 3)


def test_comparing_the_boundary_switches_between_a_and_b():
    panel = DecisionBoundary()
    a, b = make_snapshot(n_classes=3), make_snapshot(n_classes=3)
    b.plane.grid_pred = np.zeros((5, 5), int)                 # B predicts class 0 everywhere
    panel.update(views((a, History()), (b, History())))
    assert panel.box.children == (panel.figure, panel.run_choice)
    assert panel.figure.title == "decision boundary of B (3 classes)"
    assert np.all(panel.regions.color // 2 == 0)
    panel.run_choice.value = "A"
    assert panel.figure.title == "decision boundary of A (3 classes)"
    assert np.any(panel.regions.color // 2 > 0)
    panel.update(views((a, History())))
    assert panel.box.children == (panel.figure,) and panel.figures() == [panel.figure]


def test_the_unit_raster_is_not_resent_for_changes_too_small_to_see():
    panel = DeadUnits()
    panel.view_choice.value = True              # the unit raster on top (default: neurons)
    snap = make_snapshot(depth=2, activation="relu", units=4)
    snap.layers[0].unit_active = np.array([0.0, 0.3, 0.5, 0.9], np.float32)
    panel.update(views((snap, History())))
    sent = []
    panel.raster.cells.observe(lambda change: sent.append(change["name"]), "color")
    snap.layers[0].unit_active = np.array([0.0, 0.301, 0.499, 0.9], np.float32)
    panel.update(views((snap, History())))
    assert sent == []
    snap.layers[0].unit_active = np.array([0.0, 0.004, 0.5, 0.9], np.float32)
    panel.update(views((snap, History())))
    assert sent == ["color"] and panel.raster.cells.color[0, 1] == np.float32(1 / 32)
