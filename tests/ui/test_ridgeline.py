"""The ridgeline of activation histograms: one Lines mark, a row per layer (first on top), every
row's shape kept at any scale, shares outside the bins marked at the row's end, runs side by side."""
from __future__ import annotations

import numpy as np
import pytest
from conftest import make_snapshot, marks_of, ridge_heights, shares, views

from initlab.core.snapshot import History
from initlab.ui.panels import ActivationHistograms
from initlab.ui.panels import histograms as hist_mod
from initlab.ui.panels.base import RUN_COLORS


# ---- the ridgeline ------------------------------------------------------------------------------
def test_histograms_are_one_lines_mark_with_a_row_per_layer_first_layer_on_top():
    panel = ActivationHistograms()
    panel.update(views((make_snapshot(depth=7), History())))
    assert len(panel.figures()) == 1 and panel.figures()[0].marks[0] is panel.curves
    heights = ridge_heights(panel)
    assert heights.shape == (7, 40) and panel.curves.y.dtype == np.float32
    assert [int(np.argmax(row)) for row in heights] == list(range(7))    # layer i in bin i
    baselines = panel.curves.y[:, 0]
    assert np.all(np.diff(baselines) < 0)                                # layer 1 highest
    np.testing.assert_allclose(panel.curves.x[[0, -1]], [-1.0, 1.0])     # the fixed edges
    assert list(panel.names.text) == [f"layer {i}" for i in range(1, 8)]
    assert list(panel.stats.text)[2] == "\u03bc 0.20 \u03c3 1.20"
    assert panel.curves.colors[0] != panel.curves.colors[-1]             # colour per layer
    assert heights.max() < 1.0                                           # rows never overlap


def test_depth_twenty_costs_one_mark_like_depth_three():
    panel = ActivationHistograms()
    panel.update(views((make_snapshot(depth=3), History())))
    marks = marks_of(panel)
    panel.update(views((make_snapshot(depth=20, hist_bin=5), History())))
    assert marks_of(panel) == marks and ridge_heights(panel).shape == (20, 40)


def test_a_row_keeps_its_shape_at_any_scale():
    snap = make_snapshot(depth=2)
    spread = np.linspace(1, 2, 40).astype(np.float32)
    snap.layers[1].act_hist = spread / spread.sum()
    panel = ActivationHistograms()
    panel.update(views((snap, History())))
    np.testing.assert_allclose(shares(ridge_heights(panel))[1], snap.layers[1].act_hist,
                               rtol=1e-5)


def test_values_outside_the_bins_get_a_marked_share_at_the_rows_end():
    snap = make_snapshot(depth=3, activation="relu")
    snap.act_edges = np.linspace(0, 3, 41).astype(np.float32)
    snap.layers[2].act_outside, snap.layers[2].act_above = 0.18, 0.18
    snap.layers[0].act_outside, snap.layers[0].act_above = 0.05, 0.0     # below the range
    panel = ActivationHistograms()
    panel.update(views((snap, History())))
    # after the three rows' statistics, in the same mark: the shares, red, at the rows' ends
    assert list(panel.stats.text[3:]) == ["\u25c2 5% < 0", "18% > 3 \u25b8"]
    assert panel.stats.colors == ["#333333"] * 3 + ["#b91c1c"] * 2
    assert panel.stats.x[3] == 0.0 and panel.stats.align == "start"   # from the left end
    assert 1.5 < panel.stats.x[4] < 3.0                                 # in the right half
    assert panel.stats.y[4] == pytest.approx(panel.stats.y[2] + 0.05)    # on layer 3's row
    panel.update(views((make_snapshot(depth=3), History())))
    assert len(panel.stats.text) == 3


def test_the_share_above_the_bins_ends_inside_the_narrowest_plot():
    """The share at a row's right end starts at its point (one mark, align start): it must end
    before the plot's right edge, where the statistics begin, in the narrowest plot the lab
    lays out, at either font size."""
    for depth, size in ((3, 10.0), (13, 8.0)):
        snap = make_snapshot(depth=depth, activation="relu")
        snap.act_edges = np.linspace(0, 3, 41).astype(np.float32)
        snap.layers[0].act_outside = snap.layers[0].act_above = 1.0       # the widest: 100%
        panel = ActivationHistograms()
        panel.update(views((snap, History())))
        text, x = panel.stats.text[depth], float(panel.stats.x[depth])
        assert text == "100% > 3 \u25b8" and panel.stats.default_size == size
        for plot_px in (hist_mod.PLOT_PX, 170.0, 199.0, 383.0):       # 1280x900, 1366, 1920
            start = x / 3.0 * plot_px + hist_mod.GAP_PX
            end = start + hist_mod.text_px(text, size)
            assert start > 0.5 * plot_px and end <= plot_px - hist_mod.GAP_PX + 1e-3, plot_px


def test_the_hint_says_only_bounded_activations_saturate():
    hint = ActivationHistograms.hint
    assert "tanh" in hint and "ReLU never saturates" in hint


def test_a_collapsed_layer_shows_its_tiny_std_not_zero():
    snap = make_snapshot(depth=2)
    snap.layers[1].act_std = 3.1e-7
    panel = ActivationHistograms()
    panel.update(views((snap, History())))
    assert panel.stats.text[1].endswith("\u03c3 3e-07")
    assert panel.stats.text[0].endswith("\u03c3 1.00")


def test_comparing_puts_rows_of_a_and_b_side_by_side_in_their_colours():
    panel = ActivationHistograms()
    a, b = make_snapshot(depth=3), make_snapshot(depth=3, hist_bin=39)
    panel.update(views((a, History()), (b, History())))
    heights = ridge_heights(panel)
    assert heights.shape == (6, 40)
    assert [int(np.argmax(r)) for r in heights] == [0, 39, 1, 39, 2, 39]   # 1A 1B 2A 2B 3A 3B
    assert list(panel.names.text) == ["1 A", "1 B", "2 A", "2 B", "3 A", "3 B"]
    assert panel.curves.colors == [RUN_COLORS["A"], RUN_COLORS["B"]] * 3
    panel.update(views((a, History())))
    assert ridge_heights(panel).shape == (3, 40)


def test_a_diverged_snapshot_draws_flat_rows_not_nan():
    snap = make_snapshot(depth=2)
    snap.layers[0].act_hist = np.full(40, np.nan, np.float32)
    panel = ActivationHistograms()
    panel.update(views((snap, History())))
    assert np.isfinite(panel.curves.y).all() and ridge_heights(panel)[0].max() == 0
