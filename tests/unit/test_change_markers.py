"""Live changes during a run leave a labelled marker in the history, for the curves to draw."""
from __future__ import annotations

from initlab.core.config import Config
from initlab.core.run import Run


def test_raising_the_learning_rate_mid_run_is_marked_at_that_step():
    run = Run(Config())
    run.step(30)
    assert run.apply(run.config.replace(lr=0.1)) == "adjusted"
    run.step(10)
    run.apply(run.config.replace(optimizer="sgd", l2=0.001))
    assert run.history.changes == [(30, "lr 0.01 -> 0.1"),
                                   (40, "optimizer adam -> sgd, l2 0 -> 0.001")]


def test_changes_before_the_first_step_or_that_rebuild_leave_no_marker():
    run = Run(Config())
    run.apply(run.config.replace(lr=0.1))
    assert run.history.changes == []
    run.step(5)
    run.apply(run.config.replace(depth=2))               # a new run: its curves start again
    assert run.history.changes == [] and run.step_count == 0


def test_a_slider_drag_while_paused_makes_one_marker_from_first_to_last_value():
    run = Run(Config())
    run.step(10)
    for lr in (0.02, 0.05, 0.1):
        run.apply(run.config.replace(lr=lr))
    assert run.history.changes == [(10, "lr 0.01 -> 0.1")]
    run.apply(run.config.replace(lr=0.01))               # dragged back: nothing changed
    assert run.history.changes == []
