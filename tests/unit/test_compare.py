"""Paired runs: B starts from A's seed, data and random draws, and trains in lockstep with A."""
from __future__ import annotations

import math

import numpy as np
import pytest

from initlab.core.compare import Pair, same_draws, start_scales
from initlab.core.config import Config
from initlab.core.run import Run

TANH = dict(activation="tanh", depth=4, width=50)


def test_b_with_unit_std_starts_from_a_small_init_draw_times_one_hundred():
    a = Run(Config(**TANH, init="gaussian", weight_std=0.01))
    b = Run(Config(**TANH, init="gaussian", weight_std=1.0))
    for wa, wb in zip(a.model.weights, b.model.weights):
        np.testing.assert_allclose(wb, 100 * wa, rtol=1e-12)
    assert start_scales(a, b) == pytest.approx([100.0] * 5)


def test_he_starts_from_xavier_draws_scaled_by_the_relu_gain():
    a, b = Run(Config(init="xavier_normal")), Run(Config(init="he_normal"))
    scales = start_scales(a, b)
    # hidden 64 -> 64 layers: Xavier std sqrt(2 / 128), He sqrt(2) / sqrt(64): ratio sqrt(2)
    assert scales[1] == pytest.approx(math.sqrt(2)) and scales[2] == pytest.approx(math.sqrt(2))
    # first layer 2 -> 64: Xavier sqrt(2 / 66), He sqrt(2 / 2)
    assert scales[0] == pytest.approx(math.sqrt(66 / 2))
    ua, ub = Run(Config(init="xavier_uniform")), Run(Config(init="he_uniform"))
    assert start_scales(ua, ub)[1] == pytest.approx(math.sqrt(2))


def test_batch_norm_and_residual_change_nothing_in_the_first_draws():
    a = Run(Config(**TANH, init="xavier_normal"))
    b = Run(Config(**TANH, init="xavier_normal", norm="batch", residual=True))
    assert start_scales(a, b) == pytest.approx([1.0] * 5)


@pytest.mark.parametrize("change", [dict(width=60), dict(seed=1), dict(init="xavier_uniform"),
                                    dict(activation="maxout")])
def test_different_shapes_seeds_or_families_are_not_called_the_same_draws(change):
    a = Config(**TANH, init="xavier_normal")
    assert not same_draws(a, a.replace(**change))
    assert start_scales(Run(a), Run(a.replace(**change))) is None


def test_a_pair_shares_one_data_object_and_trains_in_lockstep():
    pair = Pair(Config(init="xavier_normal"), Config(init="he_normal"))
    a, b = pair.runs
    assert b.data is a.data
    np.testing.assert_array_equal(a.probe_index, b.probe_index)
    assert pair.step(5) == (5, 5)
    assert pair.step_for(0.05)[0] == b.step_count - 5
    assert a.step_count == b.step_count
    assert a.history.loss != b.history.loss            # different init, different path


def test_same_config_twice_gives_the_same_numbers_in_a_pair():
    pair = Pair(Config(), Config())
    pair.step(20)
    assert pair.run_a.history.loss == pair.run_b.history.loss


def test_a_diverging_b_stops_while_a_goes_on():
    pair = Pair(Config(optimizer="sgd", lr=0.1), Config(optimizer="sgd", lr=50.0, momentum=0.0))
    done_a, done_b = pair.step(30)
    assert done_a == 30 and done_b < 30 and pair.run_b.diverged
    assert pair.step_for(0.02)[1] == 0


def test_changing_b_leaves_a_alone_and_reset_restarts_both():
    pair = Pair(Config(), Config())
    pair.step(10)
    loss_a = list(pair.run_a.history.loss)
    assert pair.apply_b(Config(depth=2)) == "rebuilt"
    assert pair.run_b.data is pair.run_a.data and pair.run_b.step_count == 0
    assert pair.run_a.history.loss == loss_a and pair.run_a.step_count == 10
    pair.reset()
    assert pair.run_a.step_count == 0 and pair.run_b.step_count == 0
    assert pair.apply_b(Config(depth=2, lr=0.1)) == "adjusted"


def test_b_asking_for_other_data_gets_its_own():
    pair = Pair(Config(), Config(noise=0.3))
    assert pair.run_b.data is not pair.run_a.data
    np.testing.assert_array_equal(pair.run_a.data.y_train, Run(Config()).data.y_train)
