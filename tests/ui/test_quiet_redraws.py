"""Nothing is sent to the page that it already shows.

Every widget message costs the browser a model update and often a re-render (DESIGN.md,
"Performance budget"), so the kernel sends a trait only when its value changed: a redraw with
nothing new sends no message at all, a training step sends only what the step changed (not the
titles, labels, colours or visibility it left as they were), and Play's redraws send nothing from
the share box while the settings stay the same.  Messages are counted where ipywidgets sends
them (`Widget.send_state`, which every trait change and every `hold_sync` goes through, and
`Widget._send`, which also carries the echo of a change made in the page).
"""
from __future__ import annotations

import json
import warnings

import ipywidgets as w
import pytest
from ipywidgets.widgets.widget import _remove_buffers

from initlab.core import links
from initlab.ui.app import Lab


class Clock:
    """A test clock standing in for the wall clock (tests/ui/test_pace.py)."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _encoded(name: str, value) -> tuple[str, list[bytes]]:
    """A trait's value as the page receives it: its JSON and its binary buffers."""
    state, _, buffers = _remove_buffers({name: value})
    return json.dumps(state, sort_keys=True, default=str), [bytes(b) for b in buffers]


def _widgets() -> list[w.Widget]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)    # Widget.widgets: still the registry
        return list(w.Widget.widgets.values())


def _models() -> int:
    return len(_widgets())


class Messages:
    """Every widget state message sent while active: (widget, trait names), and the traits that
    were sent with the value the page already had (`repeats`)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.sent: list[tuple[w.Widget, tuple[str, ...]]] = []
        self.repeats: list[tuple[str, str]] = []
        self.echoes = 0
        self._known: dict[tuple[int, str], tuple] = {}
        send_state, send = w.Widget.send_state, w.Widget._send
        messages = self

        def recording_send_state(widget, key=None):
            state = widget.get_state(key=key)
            if state:
                messages.sent.append((widget, tuple(sorted(state))))
                for name, value in state.items():
                    known = messages._known.get((id(widget), name))
                    now = _encoded(name, value)
                    if known == now:
                        messages.repeats.append((type(widget).__name__, name))
                    messages._known[(id(widget), name)] = now
            return send_state(widget, key)

        def recording_send(widget, msg, buffers=None):
            if msg.get("method") == "echo_update":
                messages.echoes += 1
            return send(widget, msg, buffers)

        monkeypatch.setattr(w.Widget, "send_state", recording_send_state)
        monkeypatch.setattr(w.Widget, "_send", recording_send)

    def start(self) -> None:
        """Forget what was sent; remember what every widget holds now (what the page shows)."""
        self.sent.clear()
        self.repeats.clear()
        self.echoes = 0
        self._known = {(id(m), name): _encoded(name, value)
                       for m in _widgets()
                       for name, value in m.get_state().items()}

    def of(self, widget: w.Widget) -> list[tuple[str, ...]]:
        return [traits for sender, traits in self.sent if sender is widget]


@pytest.fixture
def messages(monkeypatch):
    return Messages(monkeypatch)


def _comparing(**fields) -> Lab:
    lab = Lab()
    lab.compare(**fields)
    return lab


def _units_raster() -> Lab:
    lab = Lab()
    lab.panels["dead_relu"].view_choice.value = True    # the unit raster instead of the maps
    return lab


LABS = {
    "default": Lab,
    "comparing": lambda: _comparing(init="xavier_normal"),
    "tanh, depth 6": lambda: Lab(activation="tanh", depth=6),
    "the unit raster on top": _units_raster,
    "digits, tanh, batch norm": lambda: Lab(dataset="digits", n_classes=10, depth=2, width=32,
                                            activation="tanh", norm="batch"),
}


@pytest.mark.parametrize("name", LABS)
def test_a_second_identical_redraw_sends_no_message(messages, name):
    lab = LABS[name]()
    lab.step(3)
    models = _models()
    messages.start()
    lab._redraw_now()                                  # nothing changed since the last one
    lab.set(lr=lab.config.lr)                          # a control set to the value it has
    lab.pause()                                        # pausing while paused
    assert messages.sent == []
    assert _models() == models                        # and no widget is made anew


@pytest.mark.parametrize("name", LABS)
def test_a_step_sends_only_the_traits_it_changed(messages, name):
    lab = LABS[name]()
    lab.step(1)
    messages.start()
    for i in range(12):
        lab.step(1 + i % 3)
    lab.set(width=48)                                  # a rebuild
    lab.step(2)
    lab.set(lr=0.05)                                   # a live change
    lab.step(3)
    assert messages.sent                               # the steps were drawn ...
    assert messages.repeats == []                      # ... each trait only when it changed


def test_playing_sends_nothing_from_the_share_box_until_a_setting_changes(messages):
    lab = Lab()
    lab.clock = Clock()
    lab.pace_controls.speed.value = "50/s"
    query = lab.share.query
    messages.start()
    lab.play()
    status = lab.status.line.value
    for _ in range(20):                                # a second of Play, a tick every 50 ms
        lab.clock.now += 0.05
        lab.player.timer.value += 1
    assert lab.status.line.value != status and lab.run.step_count >= 40   # drawn while playing
    assert lab.coalescer.redraws >= 10
    assert messages.of(lab.share.widget) == []
    assert lab.share.query == query
    lab.set(lr=0.05)                                   # a setting changed: the link follows once
    assert messages.of(lab.share.widget) == [("value",)]
    assert links.from_query(lab.share.query)[0] == lab.config
    assert "lr=0.05" in lab.share.widget.value
    for _ in range(10):
        lab.clock.now += 0.05
        lab.player.timer.value += 1
    lab.pause()
    assert messages.of(lab.share.widget) == [("value",)]


def test_play_ticks_are_not_echoed_back_to_the_page(messages):
    """A tick is the page's own timer moving: the page has that value already."""
    lab = Lab()
    lab.clock = Clock()
    messages.start()
    lab.play()
    timer = lab.player.timer
    for _ in range(5):
        lab.clock.now += 0.05
        # as a message from the page (Widget.set_state is what the comm handler calls)
        timer.set_state({"value": timer.value + 1})
    assert lab.player.ticks == 5
    assert messages.echoes == 0
    lab.pause()


def test_a_play_tick_sends_its_redraw_before_it_trains(messages):
    """The browser draws the last tick's steps while the kernel trains the next ones: within a
    tick the picture messages leave first (ipykernel's IOPub thread sends them at once) and the
    training comes after, so the page has the picture while the kernel is still busy, and its
    next tick is not held back until the page has drawn."""
    lab = Lab()
    lab.clock = Clock()
    lab.pace_controls.speed.value = "max"
    ticks = []                                          # per tick: messages sent by its start,
    tick, step_for = lab.player.tick, lab._runs.step_for   # and by the start of its training

    def timed_tick():
        ticks.append([len(messages.sent), None, None])
        tick()

    def training(budget, max_steps):
        ticks[-1][1:] = len(messages.sent), lab.run.step_count
        assert f"step {lab.run.step_count} " in lab.status.line.value   # every step drawn
        return step_for(budget, max_steps=max_steps)

    lab.player.tick, lab._runs.step_for = timed_tick, training
    lab.play()
    messages.start()
    for _ in range(6):
        lab.clock.now += 0.05
        lab.player.timer.value += 1
    lab.pause()
    assert len(ticks) == lab.player.calls >= 6 and all(t[1] is not None for t in ticks)
    for start, before_training, step in ticks[1:]:
        assert before_training > start, ticks          # drawn first, in the same tick
    assert ticks[-1][2] > ticks[0][2]


def test_at_full_speed_a_timer_event_draws_and_trains_twice(messages):
    """The round trip between two timer events is paid once per two redraws at full speed; at a
    set speed a timer event is one tick, and a stop reached in the first round ends the event."""
    lab = Lab()
    lab.clock = Clock()
    lab.player.work_s = 60.0                           # however slow this machine is
    lab.pace_controls.speed.value = "max"
    lab.play()
    lab.clock.now += 0.05
    lab.player.timer.value += 1                        # the first event: trains, draws, trains
    redraws, steps = lab.coalescer.redraws, lab.run.step_count
    lab.clock.now += 0.05
    lab.player.timer.value += 1
    assert lab.player.ticks == 2 and lab.player.calls == 4
    assert lab.coalescer.redraws - redraws == 2 and lab.run.step_count > steps
    assert f"step {lab.run.step_count} " not in lab.status.line.value   # the last round's steps
    lab.pause()                                                         # ... drawn at pause
    assert f"step {lab.run.step_count} " in lab.status.line.value

    lab.pace_controls.speed.value = "50/s"
    lab.play()
    calls = lab.player.calls
    for _ in range(3):
        lab.clock.now += 0.05
        lab.player.timer.value += 1
    assert lab.player.calls - calls == 3
    lab.pause()

    lab.pace_controls.speed.value = "max"
    lab.pace_controls.stop.value = lab.run.step_count + 3
    lab.play()
    calls = lab.player.calls
    lab.clock.now += 0.05
    lab.player.timer.value += 1
    assert not lab.player.playing and lab.player.calls - calls == 1
    assert f"step {lab.run.step_count} " in lab.status.line.value

    lab.pace_controls.stop.value = 0                   # no stop
    lab.player.work_s = 0.0                            # no time for a second round
    lab.play()
    calls = lab.player.calls
    lab.clock.now += 0.05
    lab.player.timer.value += 1
    assert lab.player.calls - calls == 1
    lab.pause()
