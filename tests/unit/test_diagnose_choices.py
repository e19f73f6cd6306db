"""The two rules on choices (initlab/core/diagnose/choices.py), on seeds 0-4: a linear net is
told it is one linear map, loudly only where that keeps it from fitting; a schedule that has
spent the learning rate is named only while the net has not learned."""
from __future__ import annotations

import pytest

from initlab import diagnose
from initlab.core.config import Config
from initlab.core.run import Run
from initlab.nn.activations import ACTIVATIONS

SEEDS = range(5)
LINEAR = dict(activation="identity", init="xavier_normal")
FAST_DECAY = dict(optimizer="sgd", lr=0.1, lr_schedule="step", lr_decay=0.01, decay_steps=10)


def findings(steps: int, **fields) -> dict:
    run = Run(Config(**fields))
    run.step(steps)
    return {f.code: f for f in diagnose(run)}


def test_only_the_identity_is_linear():
    assert [name for name in ACTIVATIONS.names() if ACTIVATIONS.get(name).linear] == ["identity"]


@pytest.mark.parametrize("seed", SEEDS)
def test_a_linear_net_that_cannot_fit_the_spiral_is_told_to_use_a_non_linearity(seed):
    found = findings(300, seed=seed, **LINEAR)["linear_net"]
    assert found.severity == "warning" and found.evidence["train_accuracy"] < 0.8
    assert found.fix == {"activation": "relu", "init": "he_normal"}
    assert "one linear map" in found.message


@pytest.mark.parametrize("seed", SEEDS)
def test_a_linear_net_on_separable_blobs_gets_a_note_only(seed):
    found = findings(300, seed=seed, dataset="blobs", **LINEAR)
    assert found["linear_net"].severity == "info" and found["linear_net"].fix is None
    assert [f for f in found.values() if f.severity != "info"] == []


def test_a_linear_net_is_noted_before_it_trains():
    assert findings(0, **LINEAR)["linear_net"].severity == "info"


@pytest.mark.parametrize("seed", SEEDS)
def test_a_spent_schedule_is_named_as_the_cause_and_its_symptoms_are_notes(seed):
    found = findings(300, seed=seed, **FAST_DECAY)
    assert found["lr_decayed"].severity == "warning"
    assert found["lr_decayed"].fix == {"lr_schedule": "constant"}
    assert found["lr_decayed"].evidence["lr"] < 1e-3 * 0.1
    assert [f.code for f in found.values() if f.severity != "info"] == ["lr_decayed"]


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("schedule", [dict(lr_schedule="cosine", decay_steps=100),
                                      dict(lr_schedule="step"), dict(lr_schedule="exponential"),
                                      dict(lr_schedule="inverse_time")])
def test_healthy_schedules_are_not_called_spent(seed, schedule):
    """A cosine cycle's dip to 0 at its end included (300 steps = three cycles of 100)."""
    assert "lr_decayed" not in findings(300, seed=seed, **schedule)


@pytest.mark.parametrize("seed", SEEDS)
def test_a_schedule_spent_after_the_net_has_learned_is_not_a_finding(seed):
    """Decay is for the end of training: once the net fits, a tiny rate is what decay is for."""
    assert "lr_decayed" not in findings(600, seed=seed, lr_schedule="step", lr_decay=0.01,
                                        decay_steps=100)


# ---- gradient clipping that cuts every step ---------------------------------------------------
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_clip_that_cuts_every_step_is_named_and_loosened_not_the_learning_rate(seed):
    run = Run(Config(optimizer="sgd", lr=0.1, grad_clip=1e-4, clip_mode="value", seed=seed))
    run.step(300)
    low = [f for f in diagnose(run) if f.code == "update_ratio_low"]
    assert len(low) == 1 and "clipping" in low[0].message, [f.code for f in diagnose(run)]
    assert set(low[0].fix) == {"grad_clip"} and low[0].fix["grad_clip"] >= 0.1
    assert low[0].evidence["clip_scale"] < 0.05
    # the share left is said to two digits ("0.28%"), not rounded to "0%"
    assert f"leaves {100 * low[0].evidence['clip_scale']:.2g}% of" in low[0].message


def test_the_clip_scale_is_what_is_left_of_the_gradient():
    run = Run(Config(optimizer="sgd", lr=0.1, grad_clip=0.01))      # by norm: threshold / norm
    run.step(5)
    assert all(0 < s < 1 for s in run.history.clip_scale)
    free = Run(Config(optimizer="sgd", lr=0.1, grad_clip=100.0))     # never reached
    free.step(5)
    assert free.history.clip_scale == [1.0] * 5
    off = Run(Config(optimizer="sgd", lr=0.1))
    off.step(5)
    assert off.history.clip_scale == [1.0] * 5


@pytest.mark.parametrize("optimizer, lr", [("adam", 1e-5), ("rmsprop", 1e-5), ("adagrad", 1e-4)])
def test_an_adaptive_optimiser_under_a_tight_clip_is_told_its_rate_is_low(optimizer, lr):
    # Adam and its kin divide the gradient's size out: the clip cuts >99% of the gradient here,
    # yet the step is set by the learning rate, which is what the finding must name.
    run = Run(Config(optimizer=optimizer, lr=lr, grad_clip=1e-4, clip_mode="value"))
    run.step(300)
    low = [f for f in diagnose(run) if f.code == "update_ratio_low"]
    assert low and low[0].fix == {"lr": lr * 10} and "clip_scale" not in low[0].evidence


# ---- a normalised net's high first loss ------------------------------------------------------
@pytest.mark.parametrize("norm", ["batch", "layer"])
@pytest.mark.parametrize("depth", [3, 10])
def test_a_normalised_net_from_large_weights_trains_as_fast_as_from_he(norm, depth):
    """initial_loss says so, and offers no init button, when the hidden layers are normalised."""
    from initlab.lessons.exam import final_val
    large = dict(norm=norm, depth=depth, init="gaussian", weight_std=1.0)
    found = [f for f in diagnose(Run(Config(**large))) if f.code == "initial_loss"]
    assert found and found[0].fix is None and "as fast" in found[0].message
    pairs = [(final_val(large, 30, s)[0], final_val({**large, "init": "he_normal"}, 30, s)[0])
             for s in range(5)]
    assert sum(a >= b - 0.05 for a, b in pairs) >= 4, pairs


# ---- an init fix only where it moves the scale the right way ----------------------------------
@pytest.mark.parametrize("config, bigger, smaller", [
    (dict(activation="sigmoid"), False, True),                 # He is larger than Xavier
    (dict(init="gaussian", weight_std=0.01), True, False),     # far below He
    (dict(init="gaussian", weight_std=1.0), False, True),      # far above He
    (dict(init="xavier_normal"), True, False),                 # Xavier under ReLU: He is larger
    (dict(), False, False),                                    # He under ReLU: it fits
])
def test_the_fitting_inits_scale_is_compared_with_the_current_one(config, bigger, smaller):
    from initlab.core.diagnose.base import Facts, init_scale_moves
    run = Run(Config(**config))
    facts = Facts(run, run.snapshot())
    assert init_scale_moves(facts, bigger=True) is bigger
    assert init_scale_moves(facts, bigger=False) is smaller


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_deep_sigmoid_net_under_he_is_not_told_to_shrink_its_weights(seed):
    """Xavier suits sigmoid but is smaller than He: the vanishing gradient's fix is elsewhere."""
    found = [f for f in diagnose(Run(Config(activation="sigmoid", depth=10, seed=seed)))
             if f.code == "vanishing_gradients"]
    assert found and "init" not in (found[0].fix or {}), found


# ---- overfitting needs the training side to keep improving ------------------------------------
@pytest.mark.parametrize("seed", range(5))
def test_a_validation_loss_that_rose_with_the_training_loss_is_not_overfitting(seed):
    # momentum at lr 0.3 knocks the run off course (dead ReLUs): both losses rise, train and
    # validation accuracy stay level; it was called overfitting with an L2 button
    run = Run(Config(optimizer="momentum", lr=0.3, seed=seed))
    run.step(100)
    assert "overfitting" not in {f.code for f in diagnose(run)}


def test_a_widening_gap_is_still_overfitting():
    from initlab.lessons.diagnosis_cases import CASES
    from initlab.lessons.exam import findings_at
    [row] = [c for c in CASES if c.name == "digits, 150 samples"]
    assert "overfitting" in {f.code for f in findings_at(row)}
