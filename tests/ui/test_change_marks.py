"""Change markers drawn: a live change during a run puts a labelled vertical line on the loss,
accuracy and update-ratio curves, two marks per figure however many changes there are."""
from __future__ import annotations

import numpy as np

from initlab.ui.app import Lab
from initlab.ui.panels.base import run_views
from initlab.ui.panels.markers import ChangeMarkers


def test_a_learning_rate_change_marks_loss_accuracy_and_ratio_at_its_step():
    lab = Lab(panels=["loss", "ratio"])
    lab.step(20)
    lab.set(lr=0.001)
    lab.step(10)
    loss, ratio = lab.panels["loss"], lab.panels["ratio"]
    for markers in (loss.loss_markers, loss.acc_markers, ratio.markers):
        assert markers.lines.visible and markers.labels.visible
        assert np.allclose(markers.lines.x, [20, 20])          # one vertical segment at step 20
        assert np.allclose(markers.lines.y, [0, 1])            # bottom to top of the plot
        assert list(markers.labels.text) == ["lr 0.01 -> 0.001"]
    assert loss.loss_markers.labels in loss.loss_figure.marks       # made at the first change
    assert ratio.markers.lines in ratio.figure.marks


def test_a_change_while_paused_shows_before_the_next_step():
    lab = Lab(panels=["loss"])
    lab.step(15)
    lab.set(l2=0.01)
    assert list(lab.panels["loss"].loss_markers.labels.text) == ["l2 0 -> 0.01"]


def test_many_changes_stay_two_marks_and_a_rebuild_clears_them():
    lab = Lab(panels=["loss"])
    for k, lr in enumerate((0.02, 0.005, 0.001)):
        lab.step(10)
        lab.set(lr=lr)
    markers = lab.panels["loss"].loss_markers
    figure_marks = lab.panels["loss"].loss_figure.marks
    assert len(markers.labels.text) == 3
    assert np.asarray(markers.lines.x).shape == (3, 2)
    assert len(figure_marks) == 5                   # loss, ln C, lr, marker lines and labels
    lab.set(depth=4)                                           # a rebuild starts a new history
    assert not markers.lines.visible and not markers.labels.visible


def test_comparing_two_runs_tags_and_colours_each_runs_markers(history_factory,
                                                               snapshot_factory):
    a, b = history_factory(), history_factory()
    a.changes.append((5, "lr 0.01 -> 0.1"))
    b.changes.append((8, "optimizer adam -> sgd"))
    markers = ChangeMarkers(__import__("bqplot").LinearScale())
    snap = snapshot_factory()
    markers.update(run_views([(snap, a), (snap, b)]))
    assert list(markers.labels.text) == ["A: lr 0.01 -> 0.1", "B: optimizer adam -> sgd"]
    assert markers.lines.colors == ["#1f5fbf", "#e8590c"]
