"""docs/teaching.md: the numbers the lesson plan tells a TA to expect hold on seeds 0-4.

Each test builds the runs a section describes (both runs of a comparison as compare mode makes
them: one seed, B from A's draws) and checks the ranges the plan quotes.  The ten-layer nets'
accuracies after 100 steps were measured the same way but are not re-run here (minutes of CPU);
everything at step 0, and the small nets' training, is.
"""
import math
import re
from pathlib import Path

import numpy as np
import pytest

from initlab.core.compare import Pair
from initlab.core.config import Config
from initlab.core.run import Run
from initlab.lessons.presets import PRESETS

SEEDS = range(5)
PLAN = Path(__file__).resolve().parents[2] / "docs" / "teaching.md"
DEEP = dict(dataset="digits", n_classes=10, n_samples=600, depth=10, width=500, lr=1e-3)
SPIRAL_RELU = dict(dataset="spiral", depth=2, width=64, optimizer="sgd", momentum=0.9,
                   grad_clip=5.0)
SIGMOID = dict(depth=12, width=64, activation="sigmoid", init="xavier_normal", optimizer="sgd",
               lr=0.1)
SHRINKING = dict(depth=12, width=64, activation="tanh", init="gaussian", weight_std=0.05,
                 optimizer="sgd", lr=0.1)


def pair(seed: int, a: dict, b: dict) -> Pair:
    config_a = Config(**a, seed=seed)
    return Pair(config_a, config_a.replace(**b))


def col(run: Run, name: str) -> np.ndarray:
    return run.snapshot().column(name)


def between(values, lo, hi) -> bool:
    values = np.atleast_1d(np.asarray(values, dtype=float))
    return bool(np.all((values >= lo) & (values <= hi)))


def test_every_experiment_the_plan_names_is_in_the_menu():
    named = set(re.findall(r'experiment "([^"]+)"', PLAN.read_text()))
    assert len(named) >= 9 and named <= set(PRESETS), named - set(PRESETS)


@pytest.mark.parametrize("seed", SEEDS)
def test_default_starts_above_ln3_and_learns_with_some_dead_units(seed):
    run = Run(Config(seed=seed))
    assert math.log(3) < run.snapshot().loss <= 1.95                       # 1.15-1.93
    run.step(100)
    dead = col(run, "dead_fraction")
    assert run.history.val_acc[-1] == 1.0
    assert dead[0] == 0 and between(dead[1:], 0.115, 0.305)                # 12-30% each


@pytest.mark.parametrize("seed", SEEDS)
def test_small_init_collapses_and_xavier_holds(seed):
    tiny, xavier = pair(seed, dict(DEEP, activation="tanh", init="gaussian", weight_std=0.01),
                        dict(init="xavier_normal")).runs
    snap = tiny.snapshot()
    std = snap.column("act_std")
    assert abs(snap.loss - math.log(10)) < 1e-3                                # 2.303 = ln 10
    assert between(std[0], 0.07, 0.08) and between(std[4], 1.5e-4, 2.5e-4)
    assert between(std[9], 0.9e-7, 1.2e-7)
    assert between(snap.column("grad_norm"), 4e-7, 5e-7)
    assert between(col(xavier, "act_std")[[0, 4, 9]], [0.36, 0.25, 0.19], [0.38, 0.27, 0.21])
    assert between(col(xavier, "grad_norm"), 0.88, 1.4)                        # 0.9-1.4


@pytest.mark.parametrize("seed", SEEDS)
def test_large_init_saturates_and_the_weight_gradient_grows_toward_the_input(seed):
    big = Run(Config(**DEEP, activation="tanh", init="gaussian", weight_std=1.0, seed=seed))
    snap = big.snapshot()
    saturation, grad = snap.column("saturation"), snap.column("grad_norm")
    assert between(saturation[0], 0.765, 0.785) and between(saturation[1:], 0.925, 0.94)
    assert between(snap.loss, 32, 34.5)                                      # ln 10 = 2.3
    assert between(grad[0], 2e5, 4e5) and between(grad[-1], 5.5, 7)       # about 3e5 and 6


@pytest.mark.parametrize("seed", SEEDS)
def test_relu_spread_shrinks_under_xavier_and_holds_under_he(seed):
    xavier, he = pair(seed, dict(DEEP, activation="relu", init="xavier_normal"),
                      dict(init="he_normal")).runs
    x, h = col(xavier, "act_std"), col(he, "act_std")
    assert between(x[0], 0.255, 0.285) and between(x[4], 0.06, 0.075)
    assert between(x[9], 0.0105, 0.0125)
    assert between(h[0], 0.765, 0.825) and between(h[4], 0.725, 0.885)
    assert between(h[9], 0.725, 0.795)
    dead = col(he, "dead_fraction").max()
    assert between(dead, 0.115, 0.175) and col(xavier, "dead_fraction").max() == dead


@pytest.mark.parametrize("seed", SEEDS)
def test_batch_norm_keeps_the_spread_of_a_tiny_init(seed):
    tiny, normed = pair(seed, dict(DEEP, activation="tanh", init="gaussian", weight_std=0.01),
                        dict(norm="batch")).runs
    assert between(col(normed, "act_std"), 0.595, 0.645)
    assert between(col(normed, "grad_norm"), 1.95, 3.35)
    assert col(tiny, "act_std")[-1] < 1.5e-7


@pytest.mark.parametrize("seed", SEEDS)
def test_a_learning_rate_of_3_kills_relus_and_0_3_keeps_them(seed):
    runs = pair(seed, dict(SPIRAL_RELU, lr=3.0), dict(lr=0.3))
    runs.step(300)
    high, low = runs.runs
    assert between(col(high, "dead_fraction")[1], 0.915, 0.955)
    assert col(low, "dead_fraction").max() <= 0.08 and low.history.val_acc[-1] == 1.0
    runs.step(700)
    assert between(col(high, "dead_fraction").max(), 0.965, 1.0)
    assert between(high.history.val_acc[-1], 0.33, 0.445)


@pytest.mark.parametrize("seed", SEEDS)
def test_leaky_relu_at_the_same_high_rate_keeps_every_unit(seed):
    runs = pair(seed, dict(SPIRAL_RELU, lr=3.0), dict(activation="leaky_relu"))
    runs.step(1000)
    relu, leaky = runs.runs
    assert col(leaky, "dead_fraction").max() == 0
    assert between(leaky.history.val_acc[-1], 0.79, 1.0)
    assert leaky.history.val_acc[-1] > relu.history.val_acc[-1]


@pytest.mark.parametrize("seed", SEEDS)
def test_learning_rate_too_high_diverges_at_step_1_too_low_barely_moves(seed):
    high = Run(Config(optimizer="sgd", lr=50.0, momentum=0.0, seed=seed))
    high.step(10)
    assert high.diverged and high.diverged_at == 1
    low = Run(Config(optimizer="sgd", lr=1e-5, momentum=0.0, seed=seed))
    start = low.snapshot().loss
    low.step(1000)
    assert between(np.nanmax(col(low, "update_ratio")), 5e-7, 2.5e-6)       # "about 1e-6"
    assert between(start - low.snapshot().loss, 0.02, 0.14)                    # 0.03-0.13


@pytest.mark.parametrize("seed", SEEDS)
def test_deep_sigmoid_starves_its_first_layer_relu_with_he_does_not(seed):
    runs = pair(seed, SIGMOID, dict(activation="relu", init="he_normal"))
    sigmoid, relu = runs.runs
    g, r = col(sigmoid, "grad_norm"), col(relu, "grad_norm")
    assert between(g[0] / g[-1], 2.5e-8, 7e-8)
    assert between(r[0] / r[-1], 0.09, 0.23)
    runs.step(300)
    assert relu.history.val_acc[-1] == 1.0
    runs.step(700)
    assert sigmoid.history.val_acc[-1] == pytest.approx(1 / 3)


@pytest.mark.parametrize("seed", SEEDS)
def test_skip_connections_carry_a_shrinking_tanh_net(seed):
    runs = pair(seed, SHRINKING, dict(residual=True))
    plain, skip = runs.runs
    assert between(col(plain, "act_std")[-1], 2e-6, 3e-6)
    assert np.max(col(plain, "grad_norm")) < 1e-5
    assert between(col(skip, "act_std")[-1], 0.04, 0.08)
    assert abs(skip.snapshot().loss - math.log(3)) < 0.05                    # 1.096-1.132
    runs.step(300)
    assert skip.history.val_acc[-1] == 1.0
    runs.step(700)
    assert plain.history.val_acc[-1] == pytest.approx(1 / 3)
