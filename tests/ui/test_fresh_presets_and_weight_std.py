"""Issue 11, items 1-2: an experiment is a fresh start; the weight-std slider works everywhere."""
from __future__ import annotations

import html
import math

import pytest

from initlab.core.config import Config
from initlab.lessons.presets import PRESETS
from initlab.core.run import Run
from initlab.ui.app import Lab


def notice(lab: Lab) -> str:
    return html.unescape(lab.status.notice.value)


@pytest.mark.parametrize("name", ["learning rate too low", "learning rate too high"])
def test_choosing_an_experiment_after_training_starts_a_fresh_run(name):
    lab = Lab(panels=["loss"])
    lab.step(300)
    preset = PRESETS[name]
    assert not lab.config.needs_rebuild(preset.config)     # only live fields differ
    lab.presets.value = name
    assert lab.run.step_count == 0 and len(lab.run.history) == 0 and not lab.run.diverged
    lab.step(5)
    fresh = Run(preset.config)
    fresh.step(5)
    assert lab.run.history.loss == fresh.history.loss      # same seed, same numbers


def test_the_weight_std_slider_is_live_under_he_and_moving_it_switches_to_gaussian():
    lab = Lab(panels=["histograms"])
    slider = lab.controls.widgets["weight_std"]
    assert lab.config.init == "he_normal" and slider.disabled is False
    slider.value = 0.1
    assert lab.config.init == "gaussian" and lab.config.weight_std == pytest.approx(0.1)
    assert "init switched from he_normal to gaussian" in notice(lab)
    assert lab.run.model.weights[0].std() == pytest.approx(0.1, rel=0.2)


@pytest.mark.parametrize("init, first_std", [
    ("he_normal", 1.0),                                   # sqrt(2 / fan-in 2)
    ("xavier_normal", math.sqrt(2 / (2 + 64))),
    ("lecun", math.sqrt(1 / 2)),
])
def test_choosing_a_named_scheme_moves_the_slider_to_its_first_layer_std(init, first_std):
    lab = Lab(init="gaussian", weight_std=0.01, panels=[])
    lab.controls.widgets["init"].value = init
    assert lab.config.init == init
    assert lab.controls.widgets["weight_std"].value == pytest.approx(first_std)
    assert "the slider shows the first layer's (fan-in 2)" in lab.controls.implied.value


def test_the_slider_follows_the_data_sets_input_size():
    lab = Lab(dataset="digits", n_classes=10, panels=[])
    assert lab.controls.widgets["weight_std"].value == pytest.approx(math.sqrt(2 / 64))


def test_a_browser_snapping_the_shown_std_to_its_step_keeps_the_scheme():
    lab = Lab(init="xavier_normal", panels=[])
    slider = lab.controls.widgets["weight_std"]
    snapped = 10 ** (round(math.log10(slider.value) / slider.step) * slider.step)
    slider.value = snapped
    assert lab.config == Config(init="xavier_normal")
