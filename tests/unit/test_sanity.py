"""The checks view's numbers: the lecture's sanity checks pass on the default net and fail for
the broken settings they are meant to catch (seeds 0-4)."""
import math

import numpy as np

import pytest

from initlab.core.diagnose import thresholds as diagnose
from initlab.core.config import Config
from initlab.core.sanity import (GRADIENT_THRESHOLD, SANITY_CHECKS, gradient_check_whole_net,
                                 initial_loss_check, overfit_check, run_checks,
                                 update_ratio_check)
from initlab.lessons.demos import SEEDS


@pytest.mark.parametrize("seed", SEEDS)
def test_every_sanity_check_passes_on_the_default_net(seed):
    results = run_checks(Config(seed=seed))
    assert [r.name for r in results] == ["initial_loss", "gradient", "overfit", "update_ratio"]
    for r in results:
        assert r.passed, (r.name, r.text)
        assert r.cause == "" and r.findings == ()
        assert math.isfinite(r.value)
    loss, grad, overfit, ratio = results
    assert loss.value < diagnose.INITIAL_LOSS_WARNING
    assert grad.value < GRADIENT_THRESHOLD
    assert overfit.value == 1.0
    assert diagnose.UPDATE_RATIO_LOW <= ratio.value <= diagnose.UPDATE_RATIO_HIGH


@pytest.mark.parametrize("seed", SEEDS)
def test_zero_init_cannot_overfit_twenty_examples_and_the_fix_is_the_init(seed):
    config = Config(init="zeros", seed=seed)
    result = overfit_check(config)
    assert not result.passed and result.value < 1.0
    assert "every unit of a layer starts the same" in result.cause
    (finding,) = result.findings
    assert finding.fix == {"init": "he_normal"}
    # the offered fix works: the same check passes with it
    assert overfit_check(config.replace(**finding.fix)).passed


@pytest.mark.parametrize("seed", SEEDS)
def test_zero_init_passes_the_loss_and_gradient_checks_the_gradient_is_right(seed):
    config = Config(init="zeros", seed=seed)
    assert initial_loss_check(config).passed           # exactly ln C
    assert abs(initial_loss_check(config).value - 1.0) < 1e-9
    assert gradient_check_whole_net(config).passed


@pytest.mark.parametrize("seed", SEEDS)
def test_huge_init_fails_the_initial_loss_check_with_the_assistants_fix(seed):
    config = Config(init="gaussian", weight_std=1.0, depth=3, width=64, seed=seed)
    result = initial_loss_check(config)
    assert not result.passed and result.value >= diagnose.INITIAL_LOSS_WARNING
    assert [f.code for f in result.findings] == ["initial_loss"]
    assert result.findings[0].fix == {"init": "he_normal"}
    assert "with the penalty" in result.text


def test_the_penalty_is_reported_beside_the_data_loss():
    plain = initial_loss_check(Config())
    penalised = initial_loss_check(Config(l2=1.0))
    assert plain.value == penalised.value               # the verdict reads the DATA loss
    assert plain.evidence["with_penalty"] == plain.evidence["data_loss"]
    assert penalised.evidence["with_penalty"] > penalised.evidence["data_loss"] + 1.0
    assert penalised.evidence["ln_c"] == math.log(3)


@pytest.mark.parametrize("seed", SEEDS)
def test_a_tiny_learning_rate_fails_the_update_ratio_check_and_the_fix_raises_it(seed):
    config = Config(optimizer="sgd", momentum=0.0, lr=1e-5, seed=seed)
    result = update_ratio_check(config)
    assert not result.passed and result.value < diagnose.UPDATE_RATIO_LOW
    assert [f.code for f in result.findings] == ["update_ratio_low"]
    assert result.findings[0].fix["lr"] > config.lr


def test_checks_are_listed_in_the_lectures_order():
    assert [c.__name__ for c in SANITY_CHECKS] == [
        "initial_loss_check", "gradient_check_whole_net", "overfit_check", "update_ratio_check"]


def test_the_update_ratio_check_blames_a_clip_that_cuts_every_step_not_the_rate():
    clipped = update_ratio_check(Config(optimizer="sgd", lr=0.1, grad_clip=1e-4,
                                        clip_mode="value"))
    assert not clipped.passed and "clipping" in clipped.cause
    assert [f.fix for f in clipped.findings] == [{"grad_clip": 1.0}]
    slow = update_ratio_check(Config(optimizer="sgd", lr=1e-4))
    assert not slow.passed and "raise the learning rate" in slow.cause
    assert [f.fix for f in slow.findings] == [{"lr": 1e-3}]


@pytest.mark.parametrize("seed", SEEDS)
def test_skipping_kinks_and_rounding_still_fails_a_wrong_gradient(seed, monkeypatch):
    # a ReLU whose backward leaks 1% below 0 (a leaky ReLU's gradient on a ReLU's forward) and
    # a dense layer whose bias gradient is 1% too big: the check must still catch both
    from initlab.nn import activations, layers
    correct = gradient_check_whole_net(Config(seed=seed))
    assert correct.passed
    monkeypatch.setattr(activations.ReLU, "backward",
                        lambda self, da, z: da * np.where(z > 0, 1.0, 0.01))
    leaky = gradient_check_whole_net(Config(seed=seed))
    assert not leaky.passed and "bug" in leaky.cause
    monkeypatch.undo()
    backward = layers.Dense.backward

    def biased(self, dout, *args, **kwargs):
        out = backward(self, dout, *args, **kwargs)
        self.grads["b"] *= 1.01
        return out
    monkeypatch.setattr(layers.Dense, "backward", biased)
    wrong_bias = gradient_check_whole_net(Config(seed=seed))
    assert not wrong_bias.passed and wrong_bias.value > 1e-3
