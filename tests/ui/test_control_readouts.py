"""A slider shows the value the run uses.  A link, a preset or a typed number can be finer than a
slider's step (grad_clip 1e-4 on a 0.5 step): the readout then showed 0.0, which says clipping is
off, and the browser snapped the handle to 0.0 while the run clipped at 1e-4."""
from __future__ import annotations

import sys

import ipywidgets as w
import pytest

from initlab.core.config import Config
from initlab.ui.controls import SPECS, Controls

FINE = {"grad_clip": 1e-4, "l2": 3e-4, "l1": 2.5e-5, "dropout": 0.33, "momentum": 0.995,
        "bn_momentum": 0.955, "leaky_slope": 0.015, "noise": 0.125, "lr_decay": 0.375,
        "val_fraction": 0.125}


def on_grid(value: float, lo: float, step: float) -> bool:
    k = round((value - lo) / step)
    return abs(lo + k * step - value) <= 1e-9 * max(1.0, abs(value))


def test_every_linear_float_control_is_covered():
    linear = {n for n in SPECS if isinstance(Controls(Config(), print, [n]).widgets[n],
                                             w.FloatSlider)}
    assert linear == set(FINE)


@pytest.mark.parametrize("name", sorted(FINE))
def test_a_value_finer_than_the_step_is_shown_and_held_as_it_is(name):
    config = Config(**{name: FINE[name]})
    controls = Controls(config, print, [name])
    slider = controls.widgets[name]
    shown = format(slider.value, slider.readout_format)
    assert float(shown) == FINE[name], (shown, slider.readout_format)
    assert on_grid(FINE[name], slider.min, slider.step), (slider.min, slider.step)
    decimals = int(slider.readout_format[1:-1])           # and no more digits than it needs
    assert float(format(FINE[name], f".{decimals - 1}f")) != FINE[name], slider.readout_format
    # back on the slider's own grid: its own step and format again
    plain = SPECS[name]
    controls.show(Config(**{name: plain.lo + 2 * plain.step}))
    assert (slider.step, slider.readout_format) == (plain.step, plain.fmt)


@pytest.mark.parametrize("name, value", [("n_samples", 605), ("decay_steps", 125)])
def test_an_integer_off_the_sliders_step_is_held_as_it_is(name, value):
    controls = Controls(Config(**{name: value}), print, [name])
    slider = controls.widgets[name]
    assert slider.value == value and (value - slider.min) % slider.step == 0
    controls.show(Config(**{name: SPECS[name].lo + 3 * SPECS[name].step}))
    assert slider.step == SPECS[name].step


@pytest.mark.parametrize("name, value", [("grad_clip", 1e-12), ("l2", 1e-9)])
def test_a_value_finer_than_any_step_is_still_said(name, value):
    slider = Controls(Config(**{name: value}), print, [name]).widgets[name]
    assert float(format(slider.value, slider.readout_format)) == value, slider.readout_format


@pytest.mark.parametrize("value", [5e-324, 1e-310, 1e-300])
def test_a_denormal_never_makes_a_zero_or_denormal_step(value):
    # 10 ** -324 is 0.0: a slider with step 0 froze the page of a link carrying l2=5e-324
    slider = Controls(Config(l2=value), print, ["l2"]).widgets["l2"]
    assert slider.step >= sys.float_info.min
