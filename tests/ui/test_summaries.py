"""Every picture has a text a screen reader can say, computed from what the picture draws."""
from __future__ import annotations

import html
import re

import numpy as np
import pytest
from conftest import make_history, make_snapshot

from initlab.ui import summaries
from initlab.ui.app import Lab


def test_the_histogram_text_gives_each_layers_mean_std_and_share_beyond_the_bins():
    snap = make_snapshot(depth=3)
    snap.layers[2].act_outside, snap.layers[2].act_above = 0.11, 0.11
    text = summaries.histograms_text(snap)
    assert "layer 1: mean 0.00, std 1.00" in text
    assert "layer 3: mean 0.20, std 1.20, 11% beyond 1" in text
    assert text.count("layer") == 3


def test_units_boundary_curves_and_ratio_texts_follow_the_snapshot_and_history():
    snap = make_snapshot(depth=2, n_classes=3)
    snap.layers[0].dead_units = 2
    assert summaries.units_text(snap) == "units: 2 dead, 0 saturated of 8"
    pred = np.asarray(snap.plane.grid_pred).ravel()
    shares = np.bincount(pred, minlength=3) / pred.size
    assert summaries.boundary_text(snap).endswith(
        ", ".join(f"class {c + 1} {s:.0%}" for c, s in enumerate(shares)))
    h = make_history(steps=20, eval_every=5)
    assert summaries.curves_text(snap, h) == ("loss 0.05 after 20 steps; accuracy after 20 steps:"
                                             " train 100%, validation 50%")
    assert summaries.ratio_text(h) == ("update / weight ratio after 20 steps: 1.0e-03 to 4.0e-03 "
                                       "(about 1e-3 is healthy)")
    assert "not drawn" in summaries.boundary_text(make_snapshot(plane=False))


@pytest.mark.parametrize("seed", range(3))
def test_the_lab_puts_the_texts_in_a_live_region_and_updates_them_with_the_pictures(seed):
    lab = Lab(seed=seed)
    def region():
        value = lab.status.line.value
        match = re.search(r"<div class='il-sr' role='status' aria-live='polite'[^>]*>(.*)</div>",
                          value)
        return [html.unescape(p) for p in re.findall(r"<p>(.*?)</p>", match.group(1))]
    before = region()
    assert before == summaries.summaries(lab.snapshot, lab.run.history)
    lab.step(30)
    after = region()
    assert after == summaries.summaries(lab.snapshot, lab.run.history) and after != before
    assert "after 30 steps" in after[4]
    lab.compare(activation="tanh")
    assert [t[:6] for t in region()] == ["run A,"] * 6 + ["run B,"] * 6
