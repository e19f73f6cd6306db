"""Every experiment says what its numbers show, on seeds 0-4 (issue 20, honest experiments).

In each comparison A is the problem and B the fix.  Each test checks the numbers its lesson text
states, and that diagnose() raises no "problem" a lesson would contradict: the fix (B, or a
healthy single experiment) gets none, and the problem run only the ones its lesson describes.
The deep (10 x 500) lessons speak of step 0: training them takes minutes (benchmarks measure it).
"""
from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import pytest

from initlab import Config, Run
from initlab.core.diagnose import diagnose
from initlab.lessons.presets import PRESETS

SEEDS = range(5)
PLAY = 300            # "press play": the steps the trained lessons are checked after


@lru_cache(maxsize=None)
def run_of(name: str, which: str, seed: int, steps: int = 0) -> Run:
    """The experiment's run A or B on `seed`, trained `steps` steps."""
    preset = PRESETS[name]
    config = preset.config if which == "A" else preset.compare_config
    run = Run(config.replace(seed=seed))
    run.step(steps)
    return run


def column(name: str, which: str, seed: int, stat: str, steps: int = 0) -> np.ndarray:
    return run_of(name, which, seed, steps).snapshot().column(stat)


def problems(run: Run) -> set[str]:
    return {f.code for f in diagnose(run) if f.severity == "problem"}


def per_layer(values: np.ndarray) -> float:
    """Median factor from one layer to the next."""
    return float(np.median(values[1:] / values[:-1]))


def val_acc(name: str, which: str, seed: int) -> float:
    return run_of(name, which, seed, PLAY).history.val_acc[-1]


def test_every_comparison_differs_only_in_its_fix_and_names_a_and_b():
    for preset in PRESETS.values():
        if preset.compare is None:
            assert "B:" not in preset.lesson
            continue
        assert preset.compare_config != preset.config
        assert set(preset.config.changed_fields(preset.compare_config)) == set(preset.compare)
        assert "A:" in preset.lesson and "B:" in preset.lesson


@pytest.mark.parametrize("seed", SEEDS)
def test_default_learns_the_spiral_in_a_few_hundred_steps(seed):
    assert val_acc("default", "A", seed) >= 0.95
    assert problems(run_of("default", "A", seed)) == set()
    assert problems(run_of("default", "A", seed, PLAY)) == set()


@pytest.mark.parametrize("seed", SEEDS)
def test_small_init_collapses(seed):
    name = "small init collapses"
    std, grad = column(name, "A", seed, "act_std"), column(name, "A", seed, "act_grad_std")
    assert 1 / 5 < per_layer(std) < 1 / 4 and np.all(np.diff(std) < 0)    # about 4.5x a layer
    assert std[-1] < 1e-6                                                  # all ~0 by the tenth
    assert 1 / 5 < 1 / per_layer(grad) < 1 / 4 and grad[0] / grad[-1] < 1e-5   # the same way back
    assert problems(run_of(name, "A", seed)) <= {"vanishing_gradients"}
    xavier = column(name, "B", seed, "act_std")
    assert xavier[-1] / xavier[0] > 0.4 and problems(run_of(name, "B", seed)) == set()


@pytest.mark.parametrize("seed", SEEDS)
def test_large_init_saturates_yet_its_gradient_explodes(seed):
    name = "large init saturates"
    a, b = run_of(name, "A", seed), run_of(name, "B", seed)
    assert a.snapshot().column("saturation")[1:].min() > 0.9               # over 90% from layer 2
    z = a.probe().z[1:]
    slopes = np.concatenate([(1 - np.tanh(layer) ** 2).ravel() for layer in z])
    assert np.median(slopes) < 1e-3                                        # slope ~0
    scale = a.model.weights[1].std() / b.model.weights[1].std()
    assert 20 < scale < 25                                                 # ~22x Xavier's
    grad = a.snapshot().column("grad_norm")
    assert grad[0] / grad[-1] > 1e4                                        # explodes going down
    assert problems(a) <= {"saturation", "exploding_gradients", "initial_loss"}
    assert "vanishing_gradients" not in {f.code for f in diagnose(a)}
    assert b.snapshot().column("saturation").max() < 0.05 and problems(b) == set()


@pytest.mark.parametrize("seed", SEEDS)
def test_xavier_holds_tanh(seed):
    name = "xavier holds tanh"
    std = column(name, "A", seed, "act_std")
    assert 0.9 < per_layer(std) < 1.0                          # a few percent per layer
    assert column(name, "A", seed, "saturation").max() < 0.01  # none saturate
    assert 0.45 < std[-1] / std[0] < 0.65                      # the tenth keeps about half
    assert problems(run_of(name, "A", seed)) == set()


@pytest.mark.parametrize("seed", SEEDS)
def test_xavier_shrinks_relu_and_he_holds_it(seed):
    name = "xavier shrinks relu"
    std = column(name, "A", seed, "act_std")
    assert 0.65 < per_layer(std) < 0.75                        # std x0.7: the variance halves
    assert 0.03 < std[-1] / std[0] < 0.05                      # 4% by the tenth
    he = column(name, "B", seed, "act_std")
    assert he[-1] / he[0] > 0.85 and per_layer(he) > 0.95
    assert problems(run_of(name, "A", seed)) == problems(run_of(name, "B", seed)) == set()


@pytest.mark.parametrize("seed", SEEDS)
def test_he_holds_relu(seed):
    name = "he holds relu"
    run = run_of(name, "A", seed)
    std = run.snapshot().column("act_std")
    assert std[-1] / std[0] > 0.85 and per_layer(std) > 0.95
    w = run.model.weights[1]                                   # a square 500 x 500 layer
    assert w.var() == pytest.approx(2 * (2 / (500 + 500)), rel=0.02)   # twice Xavier's
    assert problems(run) == set()


@pytest.mark.parametrize("seed", SEEDS)
def test_batch_norm_rescues_the_tiny_init(seed):
    name = "batch norm rescues"
    assert PRESETS[name].config == PRESETS["small init collapses"].config
    assert column(name, "A", seed, "act_std")[-1] < 1e-6
    std = column(name, "B", seed, "act_std")
    # unit-variance inputs to every tanh: each layer's spread is that of tanh(N(0, 1))
    z = np.linspace(-8, 8, 160_001)
    density = np.exp(-z ** 2 / 2) / math.sqrt(2 * math.pi)
    tanh_std = math.sqrt(np.trapezoid(np.tanh(z) ** 2 * density, z))
    np.testing.assert_allclose(std, tanh_std, rtol=0.05)
    assert problems(run_of(name, "B", seed)) == set()


def dead_units(run: Run) -> list[np.ndarray]:
    return [layer.unit_active == 0 for layer in run.snapshot().layers]


@pytest.mark.parametrize("seed", SEEDS)
def test_dead_relus_rarely_come_back_and_a_lower_rate_keeps_them(seed):
    name = "dead relus"
    run = Run(PRESETS[name].config.replace(seed=seed))
    run.step(PLAY)
    dead = dead_units(run)
    assert run.snapshot().units_can_die
    total = sum(d.sum() for d in dead)
    assert total > 0.5 * sum(d.size for d in dead)                 # most units
    assert run.history.val_acc[-1] <= 0.7                          # far from the spiral
    assert problems(run) <= {"dead_units"}
    run.step(PLAY)                                                 # play on: rarely back
    revived = sum((d & ~now).sum() for d, now in zip(dead, dead_units(run)))
    assert revived <= 0.05 * total
    fixed = run_of(name, "B", seed, PLAY)
    assert fixed.snapshot().column("dead_fraction").max() <= 0.1   # almost every unit alive
    assert fixed.history.val_acc[-1] >= 0.95 and problems(fixed) == set()


@pytest.mark.parametrize("seed", SEEDS)
def test_learning_rate_too_high_explodes_at_the_second_step(seed):
    run = run_of("learning rate too high", "A", seed, PLAY)
    h = run.history
    assert run.diverged and h.diverged_step == 2
    assert h.diverged_loss > 1000 * h.loss[0]                      # thousands of times
    assert problems(run) == {"diverged"}


@pytest.mark.parametrize("seed", SEEDS)
def test_learning_rate_too_low_barely_moves_the_loss(seed):
    run = run_of("learning rate too low", "A", seed, PLAY)
    loss = run.history.loss
    assert 1 - np.mean(loss[-20:]) / np.mean(loss[:20]) < 0.03     # under 3% in 300 steps
    ratio = np.nanmax(run.snapshot().column("update_ratio"))
    assert 5e-7 < ratio < 5e-6                                     # near 1e-6
    assert problems(run) == set()


@pytest.mark.parametrize("seed", SEEDS)
def test_deep_sigmoid_vanishes_and_relu_with_he_passes_the_gradient(seed):
    name = "deep sigmoid vanishes"
    grad = column(name, "A", seed, "grad_norm")
    back = column(name, "A", seed, "act_grad_std")
    assert np.all(np.diff(back) > 0)                   # smaller at every layer going back
    assert grad[0] / grad[-1] < 1e-6                   # under a millionth
    assert val_acc(name, "A", seed) <= 0.4             # chance is 1/3
    assert problems(run_of(name, "A", seed)) <= {"vanishing_gradients"}
    assert problems(run_of(name, "A", seed, PLAY)) <= {"vanishing_gradients"}
    relu = column(name, "B", seed, "grad_norm")
    assert relu[0] / relu[-1] > 0.05 and val_acc(name, "B", seed) >= 0.95
    assert problems(run_of(name, "B", seed)) == problems(run_of(name, "B", seed, PLAY)) == set()


@pytest.mark.parametrize("seed", SEEDS)
def test_residual_connections_carry_signal_and_gradient_through_a_shrinking_net(seed):
    name = "residual keeps gradients"
    std, back = column(name, "A", seed, "act_std"), column(name, "A", seed, "act_grad_std")
    assert np.all(np.diff(std) < 0) and np.all(np.diff(back) > 0)     # both shrink every layer
    assert std[-1] / std[0] < 1e-3 and back[0] / back[-1] < 1e-3
    assert val_acc(name, "A", seed) <= 0.4
    assert problems(run_of(name, "A", seed)) <= {"vanishing_gradients"}
    assert problems(run_of(name, "A", seed, PLAY)) <= {"vanishing_gradients"}
    skip = run_of(name, "B", seed)
    std, back = skip.snapshot().column("act_std"), skip.snapshot().column("act_grad_std")
    assert std[-1] / std[0] > 0.5 and back[0] / back[-1] > 0.5        # both reach every layer
    snap = skip.snapshot()
    assert snap.loss < 1.1 * snap.expected_initial_loss               # starts at ln C
    assert val_acc(name, "B", seed) >= 0.95
    assert problems(skip) == problems(run_of(name, "B", seed, PLAY)) == set()
