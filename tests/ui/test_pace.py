"""Time you can watch: Play's speed (steps per second) and its stop at a chosen step.

The browser's Play ticks the kernel about every 50 ms; here a test clock stands in for the wall
clock, so that a tick "at 2.0 s" trains what 2.0 s of Play would, on a machine of any speed.
"""
from __future__ import annotations

import numpy as np
import pytest

from initlab.ui.app import Lab
from initlab.ui.live import DEFAULT_SPEED, MAX_LAG, SPEEDS, Pace


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def play(lab: Lab, seconds: float, interval: float = 0.05) -> None:
    """Play for `seconds` of the test clock, one browser tick every `interval` s."""
    end = lab.clock.now + seconds
    while lab.player.playing and lab.clock.now < end - 1e-9:
        lab.clock.now += interval
        lab.player.timer.value += 1


def lab_on_test_clock(**fields) -> Lab:
    lab = Lab(**fields)
    lab.clock = Clock()
    return lab


@pytest.mark.parametrize("speed", [1, 2, 5, 10, 50, 1000])
def test_ticks_at_any_rhythm_train_the_set_steps_per_second(speed):
    rng = np.random.default_rng(speed)
    pace, now, steps = Pace(speed), 0.0, 0
    pace.start(now, 0)
    while now < 4.0:
        now = min(4.0, now + rng.uniform(0.02, 0.2))     # a browser's uneven ticks
        steps += pace.due(now, steps)
    assert steps == 4 * speed


def test_a_late_tick_owes_at_most_half_a_second_of_steps():
    pace = Pace(10)
    pace.start(0.0, 0)
    assert pace.due(30.0, 0) == MAX_LAG * 10              # the browser stalled 30 s: no burst


@pytest.mark.parametrize("speed", [2, 10, 20])
def test_playing_at_a_speed_trains_that_many_steps_per_second(speed):
    lab = lab_on_test_clock()
    lab.pace_controls.speed.value = f"{speed}/s"
    assert lab.pace.speed == speed
    lab.play()
    play(lab, 3.0)
    lab.pause()
    assert lab.run.step_count == 3 * speed
    train_steps = np.atleast_2d(lab.panels["loss"].loss.x)[0]
    assert train_steps[-1] == 3 * speed                 # and the picture shows the last one


def test_both_runs_in_compare_mode_keep_the_pace():
    lab = lab_on_test_clock()
    lab.compare(activation="tanh")
    lab.pace_controls.speed.value = "10/s"
    lab.play()
    play(lab, 2.0)
    lab.pause()
    assert [r.step_count for r in lab.runs] == [20, 20]


@pytest.mark.parametrize("speed", ["5/s", "max"])
def test_play_stops_exactly_at_the_chosen_step_both_runs(speed):
    lab = lab_on_test_clock()
    lab.compare(lr=0.003)
    lab.pace_controls.speed.value = speed
    lab.pace_controls.stop.value = 37
    lab.play()
    play(lab, 60.0)
    assert not lab.player.playing and lab.play_button.value is False
    assert [r.step_count for r in lab.runs] == [37, 37]
    assert "step 37" in lab.status.line.value
    lab.play()                                    # at the stop already: Play goes on past it
    play(lab, 1.0)
    assert lab.run.step_count > 37


def test_max_speed_trains_as_many_steps_as_a_tick_budget_holds():
    lab = lab_on_test_clock()
    lab.pace_controls.speed.value = "max"
    assert lab.pace.speed is None and SPEEDS[-1] is None
    lab.play()
    play(lab, 0.15)
    assert lab.run.step_count > 10                # three ticks of ~30 ms of training each


@pytest.mark.parametrize("seed", range(5))
def test_at_the_default_speed_the_default_net_learns_over_five_to_ten_seconds(seed):
    """The learning is watchable: 90% validation accuracy after 5-10 s of Play, not at once."""
    lab = lab_on_test_clock(seed=seed)
    assert lab.pace.speed == DEFAULT_SPEED
    lab.play()
    start = lab.clock.now
    while not (lab.run.history.val_acc and lab.run.history.val_acc[-1] > 0.9):
        play(lab, 0.05)
        assert lab.clock.now - start < 20
    assert 5.0 <= lab.clock.now - start <= 10.0
