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
    assert f"{init} std " in lab.controls.implied.value


def test_the_slider_follows_the_data_sets_input_size():
    lab = Lab(dataset="digits", n_classes=10, panels=[])
    assert lab.controls.widgets["weight_std"].value == pytest.approx(math.sqrt(2 / 64))


def test_a_browser_snapping_the_shown_std_to_its_step_keeps_the_scheme():
    lab = Lab(init="xavier_normal", panels=[])
    slider = lab.controls.widgets["weight_std"]
    snapped = 10 ** (round(math.log10(slider.value) / slider.step) * slider.step)
    slider.value = snapped
    assert lab.config == Config(init="xavier_normal")


@pytest.mark.parametrize("fields, note", [
    (dict(), "he_normal std 0.177 (fan-in 64); suits relu"),
    (dict(activation="tanh"), "he_normal std 0.177 (fan-in 64); tanh suits Xavier"),
    (dict(activation="tanh", init="lecun"), "lecun std 0.125 (fan-in 64); suits tanh"),
    (dict(activation="relu", init="xavier_normal"),
     "xavier_normal std 0.125 (fan-in 64); relu suits He"),
    (dict(activation="maxout", init="he_normal"),
     "he_normal std 0.177 (fan-in 64); maxout suits LeCun"),
    (dict(init="gaussian", weight_std=0.5), "relu suits He: std 0.177 (fan-in 64)"),
])
def test_the_init_note_says_which_init_suits_the_activation_in_one_short_line(fields, note):
    lab = Lab(panels=[], **fields)
    text = html.unescape(lab.controls.implied.value)
    shown = text[text.index(">") + 1:text.rindex("<")]
    assert shown == note and len(shown) <= 62


def test_a_control_is_live_exactly_when_the_entry_says_it_reads_that_knob():
    from initlab.nn.activations import ACTIVATIONS, LeakyReLU
    from initlab.nn.optim import RULES, Rule, sgd

    class Bent(LeakyReLU):                   # a new activation that reads the leaky slope
        name = "bent_for_test"
    ACTIVATIONS.register("bent_for_test", Bent)
    RULES.register("heavy_for_test", Rule(sgd, state_arrays=0, knobs=("momentum",)))
    try:
        lab = Lab(panels=[])
        widgets = lab.controls.widgets
        lab.set(activation="bent_for_test", optimizer="heavy_for_test")
        assert not widgets["leaky_slope"].disabled and widgets["maxout_pieces"].disabled
        assert not widgets["momentum"].disabled
        lab.set(activation="relu", optimizer="sgd")
        assert widgets["leaky_slope"].disabled and widgets["momentum"].disabled
    finally:
        ACTIVATIONS.unregister("bent_for_test")
        RULES.unregister("heavy_for_test")
