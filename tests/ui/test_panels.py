"""Panels draw exactly what a hand-made Snapshot/History holds, and send nothing unchanged."""
from __future__ import annotations

import numpy as np

from initlab.core.snapshot import History
from initlab.ui.panels import (ActivationHistograms, DeadUnits, DecisionBoundary, DepthProfile,
                               TrainingCurves, UpdateRatio)


def test_histograms_draw_one_figure_per_layer_with_the_snapshots_bins(snapshot_factory):
    panel = ActivationHistograms()
    snap = snapshot_factory(depth=7)
    panel.update(snap, History())
    figures = panel.figures()
    assert len(figures) == 7
    assert [len(row.children) for row in panel.widget.children] == [5, 2]   # wrapped rows
    for i, fig in enumerate(figures):
        bars = fig.marks[0]
        assert bars.y.dtype == np.float32 and bars.x.dtype == np.float32
        assert int(np.argmax(bars.y)) == i                                   # layer i's bin
        assert bars.x[0] == np.float32(-0.975) and bars.x[-1] == np.float32(0.975)
        assert f"layer {i + 1}  mean {i / 10:.2f}  std {1 + i / 10:.2f}" == fig.title
    assert figures[0].marks[0].colors != figures[-1].marks[0].colors         # colour per layer


def test_histogram_figures_are_reused_when_depth_changes(snapshot_factory):
    panel = ActivationHistograms()
    panel.update(snapshot_factory(depth=4), History())
    first = panel.figures()
    panel.update(snapshot_factory(depth=2), History())
    assert panel.figures() == first[:2]
    panel.update(snapshot_factory(depth=5), History())
    assert panel.figures()[:4] == first


def test_unchanged_marks_are_not_resent(snapshot_factory, history_factory):
    panels = [ActivationHistograms(), DepthProfile(), DeadUnits(), DecisionBoundary(),
              TrainingCurves(), UpdateRatio()]
    snap, hist = snapshot_factory(), history_factory()
    for p in panels:
        p.update(snap, hist)
    sent = []
    marks = [m for p in panels for fig in _figures(p) for m in fig.marks]
    for m in marks:
        m.observe(lambda change: sent.append(change["name"]), ["x", "y", "color"])
    for p in panels:
        p.update(snapshot_factory(), hist)       # equal numbers in new array objects
    assert sent == []
    hist.steps.append(21), hist.loss.append(0.01), hist.lr.append(0.01)
    hist.update_ratio.append(np.full(4, 1e-3, np.float32))
    for p in panels:
        p.update(snap, hist)
    assert sorted(set(sent)) == ["x", "y"] and len(sent) == 4   # loss and ratio lines only


def test_depth_profile_shows_forward_stats_and_log_gradients(snapshot_factory):
    panel = DepthProfile()
    panel.update(snapshot_factory(depth=4, grad_norms=[1.0, 0.1, 0.0, 1e-3]), History())
    np.testing.assert_allclose(panel.forward.y[1], [1.0, 1.1, 1.2, 1.3], rtol=1e-6)
    grads = panel.backward.y[0]
    np.testing.assert_allclose(grads[[0, 1, 3]], [1.0, 0.1, 1e-3], rtol=1e-6)
    assert np.isnan(grads[2])                    # zero cannot sit on a log axis: a gap


def test_dead_units_are_drawn_red_dashed_and_counted(snapshot_factory):
    panel = DeadUnits()
    panel.update(snapshot_factory(activation="relu", units=4, dead=(1,)), History())
    assert panel.figure.title == "1 dead of 4 first-layer units"
    assert np.atleast_2d(panel.alive.x).shape == (2, 2)      # unit 3's line is off view
    assert np.atleast_2d(panel.dead.x).shape == (1, 2)
    assert panel.dead.line_style == "dashed" and panel.dead.colors == ["#d62728"]
    assert panel.count_scale.max == 4.0
    np.testing.assert_array_equal(panel.points.color, [0, 2, 4])
    assert len(panel.sides.x) == 2               # alive units whose line is in view
    assert (panel.x.min, panel.x.max, panel.y.min, panel.y.max) == (-1.0, 1.0, -2.0, 2.0)


def test_decision_boundary_colours_class_and_confidence(snapshot_factory):
    panel = DecisionBoundary()
    snap = snapshot_factory(n_classes=3)
    snap.plane.grid_conf[0, 0] = 1.0 / 3        # a pure guess: the palest shade of its class
    panel.update(snap, History())
    color = panel.regions.color
    assert color.shape == (5, 5) and color.dtype == np.float32
    assert color[0, 0] == 0.0 and color[0, 1] == 3.0      # class 0 unsure, class 1 certain
    assert panel.region_scale.max == 5.0 and len(panel.region_scale.colors) == 6
    np.testing.assert_array_equal(panel.points.color, [0, 1, 2])


def test_two_d_panels_show_the_reason_without_a_plane(snapshot_factory):
    for panel in (DeadUnits(), DecisionBoundary()):
        panel.update(snapshot_factory(plane=False), History())
        assert panel.widget.children == (panel.reason,)
        assert "needs 2-D inputs" in panel.reason.value
        panel.update(snapshot_factory(plane=True), History())
        assert panel.widget.children == (panel.figure,)


def test_curves_draw_the_history_and_the_ln_c_line(snapshot_factory, history_factory):
    panel = TrainingCurves()
    panel.update(snapshot_factory(n_classes=3), history_factory(steps=20))
    np.testing.assert_allclose(panel.loss.y, 1.0 / np.arange(1, 21), rtol=1e-6)
    np.testing.assert_allclose(panel.start.y, np.log(3), rtol=1e-6)
    assert panel.accuracy.y.shape == (2, 4)
    assert (panel.y_linear.min, panel.y_linear.max) == (0.0, 1.5)       # round, above ln 3
    panel.log_y.value = True
    assert panel.loss.scales["y"] is panel.y_log and panel.y_axis.scale is panel.y_log
    assert (panel.y_log.min, panel.y_log.max) == (0.01, 10.0)            # decades: 1/20 .. ln 3
    np.testing.assert_allclose(panel.y_axis.tick_values, [0.01, 0.1, 1.0, 10.0])


def test_update_ratio_draws_one_line_per_weight_layer(snapshot_factory, history_factory):
    panel = UpdateRatio()
    panel.update(snapshot_factory(depth=3), history_factory(steps=10, layers=4))
    assert panel.lines.y.shape == (4, 10)
    np.testing.assert_allclose(panel.lines.y[:, -1], [1e-3, 2e-3, 3e-3, 4e-3], rtol=1e-6)
    assert panel.lines.labels[-1] == "output"
    np.testing.assert_allclose(panel.band.y, [[1e-4, 1e-4], [1e-2, 1e-2]], rtol=1e-6)


def _figures(panel):
    for name in ("figures",):
        if hasattr(panel, name):
            return panel.figures()
    return [v for v in vars(panel).values() if type(v).__name__ == "Figure"]


def test_a_collapsed_layer_title_shows_its_tiny_std_not_zero(snapshot_factory):
    snap = snapshot_factory(depth=2)
    snap.layers[1].act_std = 3.1e-7
    panel = ActivationHistograms()
    panel.update(snap, History())
    assert panel.figures()[1].title.endswith("std 3e-07")
    assert "std 1.00" in panel.figures()[0].title
