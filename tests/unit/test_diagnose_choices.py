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
