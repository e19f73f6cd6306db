"""Named experiments: each builds, round-trips through a URL, and shows what it claims (each
lesson's numbers on seeds 0-4: tests/unit/test_experiments.py)."""
import numpy as np
import pytest

from initlab import Config, Run
from initlab.core.links import from_query
from initlab.lessons.presets import PRESETS


@pytest.mark.parametrize("name", list(PRESETS))
def test_preset_round_trips_through_its_link(name):
    preset = PRESETS[name]
    assert from_query(preset.query) == (preset.config, None)
    assert len(preset.lesson) > 20


def test_low_learning_rate_preset_updates_far_below_the_rule_of_thumb():
    run = Run(PRESETS["learning rate too low"].config)
    run.step(50)
    assert np.nanmax(run.snapshot().column("update_ratio")) < 1e-4


def test_high_learning_rate_preset_diverges():
    run = Run(PRESETS["learning rate too high"].config)
    run.step(100)
    assert run.diverged
