"""The status line as pure functions of the runs on screen (statusline.py), without a Lab."""
from __future__ import annotations

import html
import math

import pytest

from initlab.core.config import Config
from initlab.core.run import Run
from initlab.ui.controller import Shown, run_tags
from initlab.ui.statusline import described, differences, loss_text, restarts, status_html

SMALL = dict(depth=2, width=16, n_samples=200)
COLORS = {"A": "#0000aa", "B": "#aa0000", "C": "#00aa00"}


def _shown(*configs: Config) -> list[Shown]:
    runs = [Run(c) for c in configs]
    return [Shown(tag, run, run.snapshot()) for tag, run in zip(run_tags(len(runs)), runs)]


@pytest.mark.parametrize("seed", range(5))
def test_a_run_alone_shows_step_epoch_and_its_loss_beside_ln_c_at_the_start(seed):
    shown = _shown(Config(seed=seed, **SMALL))
    text = html.unescape(status_html(shown, COLORS))
    loss = shown[0].snapshot.loss
    assert f"step 0 · epoch 0.0 · loss {loss:.3f} (ln C = {math.log(3):.3f})" in text
    assert "<b style='color:" not in text                 # no run tag for a run alone
    shown[0].run.step(3)
    again = Shown("", shown[0].run, shown[0].run.snapshot())
    assert "ln C" not in status_html([again], COLORS) and "step 3" in status_html([again], COLORS)


def test_a_diverged_run_alone_shows_its_message_in_red():
    run = Run(Config(lr=10.0, optimizer="sgd", momentum=0.0))
    run.step(200)
    assert run.diverged
    text = status_html([Shown("", run, run.snapshot())], COLORS)
    assert "#b00020" in text and html.escape(run.message) in text


def test_compared_runs_get_a_line_each_in_their_colour_and_what_differs():
    a = Config(**SMALL)
    shown = _shown(a, a.replace(init="xavier_normal"))
    text = html.unescape(status_html(shown, COLORS))
    for tag in "AB":
        assert f"<b style='color:{COLORS[tag]}'>{tag}</b> step 0 · loss" in text
    assert "A: init=he_normal · B: init=xavier_normal" in text
    assert "same settings: change a control to set B" in differences(_shown(a, a))
    assert differences(_shown(a)) == ""


def test_three_runs_take_the_same_path():
    a = Config(**SMALL)
    shown = _shown(a, a.replace(lr=0.003), a.replace(depth=3))
    text = html.unescape(status_html(shown, COLORS))
    assert all(f"color:{COLORS[t]}'>{t}</b>" in text for t in "ABC")
    assert "A: depth=2, lr=0.01 · B: depth=2, lr=0.003 · C: depth=3, lr=0.01" in text
    sr = described(shown)
    assert all(f"run {t}, " in sr for t in "ABC") and "role='status'" in sr
    assert restarts(1) == "the run restarts" and restarts(2) == "both runs restart"
    assert restarts(3) == "all 3 runs restart"


def test_a_huge_loss_is_printed_in_three_significant_digits():
    assert loss_text(1.9331) == "1.933" and loss_text(6.409e56) == "6.41e+56"
