"""The Lab while playing: the loss curve grows, live changes keep it, the plane pictures redraw
every second tick, a diverging run stops Play, and a failing callback or tick is shown while the
lab goes on."""
from __future__ import annotations

import numpy as np
from conftest import assert_panels_match, loss_end, ridge_heights, tick, timer_fires

from initlab.core.config import Config
from initlab.ui.app import Lab

def test_playing_grows_the_loss_curve_and_live_changes_keep_it():
    lab = Lab()
    lab.play()
    assert lab.player.playing and lab.play_button.description == "Pause"
    tick(lab, 3)
    steps = loss_end(lab)                          # each tick draws, then trains
    assert steps > 10 and lab.run.step_count > steps
    lab.pause()
    assert loss_end(lab) == lab.run.step_count     # however many steps it took
    lab.play()
    lab.controls.widgets["lr"].value = 0.001       # live: the curve goes on
    tick(lab, 2)
    assert loss_end(lab) > steps                   # (its length may halve: long curves thin)
    assert "step" in lab.status.line.value and "val acc" in lab.status.line.value
    lab.controls.widgets["depth"].value = 2        # rebuild: the curve starts again
    timer_fires(lab)
    assert len(lab.panels["loss"].loss.x) == 0 and lab.player.playing
    lab.pause()
    assert not lab.player.playing
    before = lab.run.step_count
    tick(lab)                                      # a late tick after pause trains nothing
    assert lab.run.step_count == before


def test_playing_redraws_the_plane_pictures_every_second_tick_and_pausing_redraws_all():
    lab = Lab()
    boundary = lab.panels["boundary"]
    assert boundary.heavy and lab.panels["dead_relu"].heavy and not lab.panels["loss"].heavy
    lab.play()
    drawn = []
    play_round, lab.player.work_s = lab.player.tick, 60.0   # at full speed a tick is two rounds

    def recorded():
        play_round()
        # the loss curve's last step (its length can halve: a long curve is thinned)
        drawn.append((loss_end(lab), boundary.regions.color.copy()))

    lab.player.tick = recorded
    tick(lab, 2)
    loss_ends = [n for n, _ in drawn]
    assert loss_ends == sorted(set(loss_ends))                # the loss curve: every tick
    changed = [not np.array_equal(a, b) for (_, a), (_, b) in zip(drawn, drawn[1:])]
    assert changed in ([False, True, False], [True, False, True])    # the raster: every second
    assert lab.player.ticks == 2 and len(drawn) == 4
    lab.pause()                                    # the paused picture is the run's, every panel
    grid = lab.run.snapshot().plane
    sure = np.clip((grid.grid_conf - 1 / 3) * 1.5, 0, 1)
    np.testing.assert_allclose(boundary.regions.color, 2 * grid.grid_pred + sure, rtol=1e-5)
    assert loss_end(lab) == lab.run.step_count     # however many steps it took


def test_a_huge_loss_is_shown_in_three_significant_digits():
    from initlab.ui.app import loss_text
    assert loss_text(1.9331) == "1.933" and loss_text(6.409e56) == "6.41e+56"
    lab = Lab(init="gaussian", weight_std=100.0, depth=20, residual=True)
    shown = lab.status.line.value.split("<div class='il-sr'")[0]   # less the screen-reader text
    assert "e+" in shown and len(shown) < 200


def test_too_high_a_learning_rate_diverges_stops_play_and_reset_recovers():
    lab = Lab(optimizer="sgd", momentum=0.0)
    lab.set(lr=10.0)
    lab.play()
    tick(lab, 5)
    assert lab.run.status == "diverged"
    assert not lab.player.playing and lab.play_button.value is False
    assert "diverged" in lab.status.line.value and "reset" in lab.status.line.value
    lab.play()                                     # nothing to train until reset
    assert not lab.player.playing
    lab.set(lr=0.1)
    lab.reset()
    assert lab.run.status == "ok" and lab.run.step_count == 0
    assert "diverged" not in lab.status.line.value
    lab.step(20)
    assert lab.run.status == "ok" and loss_end(lab) == 20


def test_a_failing_callback_is_shown_and_the_lab_keeps_working(monkeypatch):
    lab = Lab()
    depth = lab.panels["depth"]
    original = depth.update

    def broken(views):
        raise RuntimeError("injected failure")
    monkeypatch.setattr(depth, "update", broken)
    lab.controls.widgets["width"].value = 16
    assert "injected failure" in lab.status.notice.value
    assert "details (traceback)" in lab.status.notice.value
    assert "RuntimeError" in lab.status.trace and "Traceback" in lab.status.trace
    assert ridge_heights(lab.panels["histograms"]).shape[0] == 3     # other panels still drew
    monkeypatch.setattr(depth, "update", original)
    lab.controls.widgets["width"].value = 8
    timer_fires(lab)
    assert lab.status.notice.value == "" and lab.status.trace == ""
    assert_panels_match(lab, Config(width=8))


def test_a_failing_tick_is_shown_and_play_goes_on(monkeypatch):
    lab = Lab()
    lab.play()
    monkeypatch.setattr(lab.run, "step", lambda *a, **k: 1 / 0)       # what a tick trains with
    tick(lab)
    assert "ZeroDivisionError" in lab.status.notice.value
    monkeypatch.undo()
    tick(lab)
    assert lab.run.step_count > 0
