"""What the pictures' hints say is what the pictures draw, and true of real runs (seeds 0-4).

Every colour word of a hint is checked against the colour the panel actually draws for it
(read from its marks and scales after an update, named by hue and lightness), and the teaching
sentences no other test covers are checked on real runs: a spike at 0 means a vanished signal
only with a tiny sigma (ReLU's off units always pile at 0), pink (no first-layer unit on) means
nothing reaches the next layer only for ReLU, a dead unit gets no gradient from the probe batch,
ReLU never saturates, and the histograms come from one fixed batch.
"""
from __future__ import annotations

import colorsys
import re

import numpy as np
import pytest
from conftest import make_history, make_snapshot, views

from initlab.core.config import Config
from initlab.core.run import Run
from initlab.core.snapshot import History
from initlab.lessons import demos
from initlab.lessons.presets import PRESETS
from initlab.nn.losses import softmax_cross_entropy
from initlab.ui.panels import PANELS
from initlab.ui.panels import neurons as nm
from initlab.ui.panels.plane import DeadUnits

SEEDS = range(5)
WORDS = re.compile(r"\b(dark grey|blue|orange|green|purple|red|pink|white|grey|black|pale|light)\b",
                   re.IGNORECASE)


def looks(color: str) -> set[str]:
    """The colour words a hex colour answers to: its hue name, and pale/light/dark/white."""
    r, g, b = (int(color[i:i + 2], 16) / 255 for i in (1, 3, 5))
    h, l, s = colorsys.rgb_to_hls(r, g, b)
    words = set()
    if l >= 0.85:
        words |= {"pale", "light"}
    if l >= 0.93:
        words.add("white")
    if s < 0.15 or l < 0.1 or l > 0.97:
        words.add("black" if l < 0.1 else "grey" if l < 0.93 else "white")
        if 0.1 <= l < 0.45:
            words.add("dark grey")
        return words
    deg = h * 360
    hue = ("red" if deg < 12 or deg >= 345 else "orange" if deg < 45 else "yellow" if deg < 70
           else "green" if deg < 170 else "blue" if deg < 255 else "purple" if deg < 300
           else "pink")
    words.add("pink" if hue == "red" and l > 0.7 else hue)
    return words


def lighter(a: str, b: str) -> bool:
    """True when colour a is lighter than colour b."""
    def light(c):
        return colorsys.rgb_to_hls(*(int(c[i:i + 2], 16) / 255 for i in (1, 3, 5)))[1]
    return light(a) > light(b)


def hint_words(name: str) -> set[str]:
    return {m.lower() for m in WORDS.findall(PANELS[name].hint)}


def scale_colour(scale, value: float) -> str:
    """The stop a ColorScale with evenly spread stops puts at `value` (values on a stop)."""
    stops = scale.colors
    at = (value - scale.min) / (scale.max - scale.min) * (len(stops) - 1)
    assert abs(at - round(at)) < 1e-9, (value, at)
    return stops[int(round(at))]


def diverged() -> tuple:
    snap = make_snapshot()
    snap.status = "diverged"
    return snap, History(steps=[1], loss=[1.0], lr=[0.1], diverged_step=2,
                         diverged_loss=float("nan"))


# ---- colour words ---------------------------------------------------------------------------
def drawn_colours(name: str) -> dict[str, list[str]]:
    """Per colour word of panel `name`'s hint, the colours the panel draws for what it names."""
    panel = PANELS[name]()
    if name == "depth":
        panel.update(views((make_snapshot(), History())))
        one = list(panel.forward.colors) + list(panel.backward.colors)   # mean, std, dW, da
        panel.update(views((make_snapshot(), History()), (make_snapshot(), History())))
        a_mean, a_std, b_mean, b_std = panel.forward.colors
        a_dw, a_da, b_dw, b_da = panel.backward.colors
        assert lighter(a_std, a_mean) and lighter(b_std, b_mean)          # light: std
        assert lighter(a_da, a_dw) and lighter(b_da, b_dw)                # ... and dL/da
        return {"blue": [one[0], a_mean, a_dw], "orange": [one[1], b_mean, b_dw],
                "green": [one[2]], "purple": [one[3]], "light": []}
    if name == "loss":
        panel.update(views(diverged()))
        lines = panel.loss_markers.lines
        assert lines.visible and "diverged" in " ".join(panel.loss_markers.labels.text)
        return {"red": list(lines.colors)}
    if name == "histograms":
        snap = make_snapshot(depth=2)
        snap.layers[0].act_outside = snap.layers[0].act_above = 0.2
        panel.update(views((snap, History())))
        arrows = [c for t, c in zip(panel.stats.text, panel.stats.colors) if "\u25b8" in t]
        assert arrows
        return {"red": arrows}
    if name == "dead_relu":
        panel.update(views((make_snapshot(activation="relu"), History())))
        s = panel.neurons.color_scale
        count = panel.count_scale
        panel.view_choice.value = True
        r = panel.raster.color_scale
        return {"blue": [scale_colour(s, -1.0), scale_colour(r, 1.0), scale_colour(count, 1.0)],
                "white": [scale_colour(s, 0.0), *panel.points.colors],
                "orange": [scale_colour(s, 1.0), scale_colour(r, 2.0)],
                "dark grey": [scale_colour(s, nm.DEAD_VALUE)],
                "black": [scale_colour(s, nm.FRAME_VALUE)],
                "red": [scale_colour(r, -1.0), *panel.dead.colors],
                "pale": [scale_colour(count, 0.0), scale_colour(r, 0.0)],
                "pink": [scale_colour(count, -1.0)]}
    if name == "boundary":
        panel.update(views((make_snapshot(n_classes=3), History())))
        stops = panel.region_scale.colors                  # per class: unsure, then sure
        assert all(lighter(stops[2 * k], stops[2 * k + 1]) for k in range(3))
        return {"pale": stops[0::2]}
    return {}


@pytest.mark.parametrize("name", list(PANELS))
def test_every_colour_a_hint_names_is_the_colour_the_panel_draws(name):
    drawn = drawn_colours(name)
    assert hint_words(name) <= set(drawn), f"{name}: a colour word with no check: " \
                                           f"{hint_words(name) - set(drawn)}"
    for word, colours in drawn.items():
        for colour in colours:
            assert word in looks(colour), (name, word, colour, looks(colour))


def test_the_colour_namer_tells_the_lab_palette_apart():
    assert looks("#d62728") >= {"red"} and "pink" not in looks("#d62728")
    assert "pink" in looks("#f4b6b6") and "pale" in looks("#f7f9fc")
    assert "dark grey" in looks("#4d4d4d") and "black" in looks("#000000")
    assert "blue" in looks("#1f77b4") and "orange" in looks("#ff7f0e")
    assert "purple" in looks("#9467bd") and "green" in looks("#2ca02c")
    assert "white" in looks("#ffffff") and "blue" not in looks("#e66101")


def test_dashed_dotted_and_dashed_red_are_what_the_hints_say():
    loss = PANELS["loss"]()
    loss.update(views((make_snapshot(), make_history())))
    assert "dashed: ln C" in loss.hint and loss.start.line_style == "dashed"
    assert "dotted, right axis" in loss.hint and loss.lr.line_style == "dotted"
    dead = DeadUnits()
    dead.update(views((make_snapshot(activation="relu"), History())))
    assert "dead lines red and dashed" in dead.hint and dead.dead.line_style == "dashed"


# ---- the teaching sentences, on real runs ---------------------------------------------------
@pytest.mark.parametrize("seed", SEEDS)
def test_a_spike_at_0_means_a_vanished_signal_only_with_a_tiny_sigma(seed):
    """A healthy He-initialised ReLU net has its tallest bin at 0 in every layer (its off units)
    with a spread near 1; the tiny init's deep tanh layers pile at 0 with sigma ~0."""
    assert "spike at 0 with a tiny \u03c3" in PANELS["histograms"].hint
    relu = Run(Config(activation="relu", init="he_normal", seed=seed)).snapshot()
    for stats in relu.layers:
        assert np.argmax(stats.act_hist) == 0 and stats.act_hist[0] > 0.3
        assert stats.act_std > 0.3
    collapsed = Run(PRESETS["small init collapses"].config.replace(seed=seed)).snapshot()
    last = collapsed.layers[-1]
    zero = int(np.searchsorted(collapsed.act_edges, 0.0))          # the bins either side of 0
    assert last.act_hist[zero - 1:zero + 1].sum() > 0.99 and last.act_std < 1e-4


@pytest.mark.parametrize("seed", SEEDS)
def test_relu_never_saturates_even_where_tanh_would(seed):
    """Weights 20x too large: tanh units pin at +-1, ReLU units count as saturated nowhere; its
    values beyond the drawn range get the red arrow's share instead."""
    big = dict(init="gaussian", weight_std=1.0, depth=4, width=64, seed=seed)
    tanh = Run(Config(activation="tanh", **big)).snapshot()
    relu = Run(Config(activation="relu", **big)).snapshot()
    assert max(s.saturation for s in tanh.layers) > 0.5
    assert all((s.unit_saturated == 0).all() for s in relu.layers)
    assert max(s.act_above for s in relu.layers) > 0.1


@pytest.mark.parametrize("seed", SEEDS)
def test_the_histograms_come_from_one_fixed_batch(seed):
    run = Run(Config(seed=seed))
    before = run.probe_index.copy()
    hist = run.snapshot().layers[0].act_hist.copy()
    run.step(20)
    np.testing.assert_array_equal(run.probe_index, before)
    twin = Run(Config(seed=seed))
    np.testing.assert_array_equal(twin.snapshot().layers[0].act_hist, hist)
    assert not np.array_equal(run.snapshot().layers[0].act_hist, hist)   # the net moved


def pink_scores(activation: str, seed: int) -> np.ndarray:
    """The network's scores at the shade's pink cells (no first-layer unit on), every
    first-layer unit pushed off the data cloud after 20 steps of training."""
    run = Run(Config(dataset="spiral", depth=2, width=16, activation=activation, seed=seed))
    run.step(20)
    demos.push_off_cloud(run, np.arange(16))              # drops the cached snapshot
    panel = DeadUnits()
    panel.update(views((run.snapshot(), run.history)))
    p = run.snapshot().plane
    pink = panel.counts.color == -1.0                  # row i is active_y[i]
    assert pink.sum() >= 10
    yy, xx = np.nonzero(pink)
    points = np.stack([p.active_x[xx], p.active_y[yy]], axis=1).astype(np.float64)
    return run.model.scores(points)


@pytest.mark.parametrize("seed", SEEDS)
def test_pink_means_nothing_reaches_the_next_layer_with_relu_only(seed):
    """Where no first-layer ReLU is on the first layer outputs 0, so the net's scores are the
    same everywhere pink; tanh's off units still pass their negative outputs on."""
    hint = PANELS["dead_relu"].hint
    assert "pink: none: with ReLU nothing reaches the next layer" in hint
    relu = pink_scores("relu", seed)
    np.testing.assert_allclose(relu, np.broadcast_to(relu[0], relu.shape), rtol=0, atol=1e-9)
    tanh = pink_scores("tanh", seed)
    assert np.ptp(tanh, axis=0).max() > 1e-2


@pytest.mark.parametrize("seed", SEEDS)
def test_a_dead_unit_gets_no_gradient_from_the_probe_batch(seed):
    """'dead (ReLU off on every probe example: no gradient from them...)': after the dead-relus
    lesson's 300 steps, every unit the raster paints red has exactly zero weight and bias
    gradient on the probe batch, in every layer (that they rarely come back:
    tests/unit/test_experiments.py)."""
    assert "off on every probe example: no gradient from them" in PANELS["dead_relu"].hint
    run = Run(PRESETS["dead relus"].config.replace(seed=seed))
    run.step(300)
    snap = run.snapshot()
    x, y = run.data.x_train[run.probe_index], run.data.y_train[run.probe_index]
    _, dscores, _ = softmax_cross_entropy(run.model.forward(x, "train"), y)
    run.model.backward(dscores)
    dead_total = 0
    for i, stats in enumerate(snap.layers):
        dead = stats.unit_active == 0
        dead_total += int(dead.sum())
        grads = run.model.dense[i].grads
        assert (grads["w"][:, dead] == 0).all() and (grads["b"][dead] == 0).all()
        assert np.abs(grads["w"][:, ~dead]).max() > 0          # the live ones do learn
    assert dead_total > 0


@pytest.mark.parametrize("seed", SEEDS)
def test_piles_at_the_ends_of_the_range_are_the_saturated_units(seed):
    """N(0, 1) weights: from layer 2 on most of every tanh and sigmoid row sits in the two end
    bins, and its share there is the share the units count as saturated (within 15 points)."""
    for activation in ("tanh", "sigmoid"):
        snap = Run(Config(activation=activation, init="gaussian", weight_std=1.0, depth=5,
                          width=256, seed=seed)).snapshot()
        for stats in snap.layers[1:]:
            ends = float(stats.act_hist[0] + stats.act_hist[-1])
            assert ends > 0.6, (activation, stats.index, ends)
            assert abs(ends - stats.saturation) < 0.15, (activation, ends, stats.saturation)


@pytest.mark.parametrize("seed", SEEDS)
def test_the_tiny_inits_deep_layers_fade_to_white_in_the_neuron_maps(seed):
    """'a layer far weaker than the strongest (a vanishing signal) fades to white': with
    N(0, 0.01) weights the tenth layer's tiles are all within 1% of white on the shared scale,
    while the first layer's reach full colour."""
    snap = Run(PRESETS["small init collapses"].config.replace(seed=seed)).snapshot()
    pic = nm.neuron_picture(views((snap, History())))
    assert len(snap.layers) == 10
    band = pic.image.shape[0] // 10               # a layer's tiles and the gap below them
    first, last = pic.image[:band], pic.image[-band:]
    maps_first, maps_last = first[np.abs(first) <= 1], last[np.abs(last) <= 1]   # not gaps
    assert np.abs(maps_first).max() > 0.9
    assert maps_last.size and np.abs(maps_last).max() < 0.01


@pytest.mark.parametrize("seed", SEEDS)
def test_a_widening_gap_between_training_and_validation_is_overfitting(seed):
    """A big net on 50 noisy examples: the train/validation accuracy gap the panel draws widens
    from the first measurement on, while the validation loss climbs far above its lowest point
    (tests/unit/test_lessons_training.py: regularising narrows the gap)."""
    run = Run(Config(dataset="circles", n_classes=2, n_samples=500, noise=0.8,
                     val_fraction=0.9, depth=3, width=64, optimizer="momentum", lr=0.05,
                     batch_size=32, seed=seed))
    run.step(800)
    h = run.history
    gap = np.array(h.train_acc) - np.array(h.val_acc)
    assert gap[-1] > gap[0] + 0.05 and gap[-1] > 0.1
    assert h.val_loss[-1] > 1.5 * min(h.val_loss) and h.loss[-1] < h.loss[0]


@pytest.mark.parametrize("seed", SEEDS)
def test_the_loss_and_ratio_lines_are_the_minibatch_loss_and_each_steps_relative_change(seed):
    """'Loss on training minibatches' and 'how much each step changes each layer's weights,
    relative to their size': with one batch holding the whole training set, the first recorded
    loss is the cross-entropy there before the step, and each weight layer's ratio is
    ||W_after - W_before|| / ||W_before|| (the output layer last)."""
    run = Run(Config(dataset="spiral", n_samples=300, batch_size=240, val_fraction=0.2,
                     optimizer="sgd", momentum=0.0, lr=0.5, seed=seed))
    assert len(run.data.y_train) == 240
    before = [w.copy() for w in run.model.weights]
    expected_loss, _, _ = softmax_cross_entropy(run.model.forward(run.data.x_train, "train"),
                                                run.data.y_train)
    run.step(1)
    assert run.history.loss[0] == pytest.approx(expected_loss, rel=1e-6)
    expected = [np.linalg.norm(after - w) / np.linalg.norm(w)
                for w, after in zip(before, run.model.weights)]
    np.testing.assert_allclose(run.history.update_ratio[0], expected, rtol=1e-4)
    panel = PANELS["ratio"]()
    panel.update(views((run.snapshot(), run.history)))
    np.testing.assert_allclose(np.atleast_2d(panel.lines.y)[:, 0], expected, rtol=1e-4)
