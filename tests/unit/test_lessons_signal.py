"""Claims 1-19 of the lessons (shared LESSONS.md): activations, preprocessing and
initialisation, each a number checked on the five seeds of demos.SEEDS (claims 20-30, the
normalisations, are in test_lessons_norm.py).

A claim that depends on random draws must hold on at least 4 of the 5 seeds (most hold on all 5
and say so); exact identities are checked once.  Failures print every seed's value.  The deep
experiments use the lecture's 10 x 500 network on the standardised 8x8 digits.
"""
from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from initlab import Config, Run
from initlab.lessons import demos
from initlab.nn.activations import get_activation
from initlab.data.datasets import PREPROCESSING, Preprocessor

from claims import DEEP, SEEDS, deep_flow, deep_snapshot, holds_on, small_init_accuracy


# ---- activations (claims 1-8) ----------------------------------------------------------------
def test_sigmoid_saturates_and_passes_about_zero_gradient_for_large_inputs():
    """Claim 1: sigmoid's slope is at most 0.25 and ~0 for large |x|; in a wide sigmoid layer
    fed large pre-activations most values pass almost no gradient."""
    x = np.array([-10.0, -5.0, 0.0, 5.0, 10.0])
    _, slope = demos.curve("sigmoid", x)
    assert slope[2] == 0.25 and max(slope[[0, 4]]) < 5e-5 and max(slope[[1, 3]]) < 7e-3

    def flat_share(seed):
        run = Run(Config(**{**DEEP, "depth": 2}, activation="sigmoid", init="gaussian",
                         weight_std=1.0, seed=seed))
        return demos.gradient_flow(run)["flat_share"][1]
    holds_on([flat_share(s) for s in SEEDS], lambda share: share > 0.7)


def test_all_positive_inputs_give_same_sign_updates_and_a_zig_zag():
    """Claim 2: with all-positive inputs (sigmoid outputs) every update moves both weights the
    same way, and reaching a (+, -) target takes at least twice as long as with zero-centred
    (tanh) inputs.  In the lab: on raw digit pixels every first-layer unit's one-example update
    has a single sign; on standardised pixels almost none does."""
    def measure(seed):
        pre = np.random.default_rng(seed).normal(0.0, 2.0, (300, 2))
        positive, up_pos = demos.zigzag(get_activation("sigmoid").forward(pre)[0], (1.0, -1.0))
        centred, up_cen = demos.zigzag(get_activation("tanh").forward(pre)[0], (1.0, -1.0))
        same_sign = np.mean(np.sign(up_pos[:, 0]) == np.sign(up_pos[:, 1]))
        near = [np.flatnonzero(np.linalg.norm(p - (1.0, -1.0), axis=1) < 0.1) for p in
                (positive, centred)]
        slow, fast = (int(n[0]) if len(n) else 10**6 for n in near)
        return same_sign, slow, fast
    values = [measure(s) for s in SEEDS]
    holds_on(values, lambda v: v[0] == 1.0)                   # two quadrants only, every step
    holds_on(values, lambda v: v[2] < 10**6 and 2 * v[2] < v[1])

    def in_the_lab(seed):
        # raw digit pixels are all >= 0: each unit's one-example update has a single sign
        shares = []
        for prep in ("none", "standardize"):
            run = Run(Config(dataset="digits", n_classes=10, n_samples=600, preprocessing=prep,
                             depth=1, width=32, seed=seed))
            shares.append(demos.one_sign_share(run))
        return shares
    holds_on([in_the_lab(s) for s in SEEDS], lambda v: v[0] == 1.0 and v[1] < 0.1)


def test_tanh_is_zero_centred_and_still_saturates():
    """Claim 3: tanh outputs of symmetric inputs average ~0 (sigmoid's ~0.5); tanh's slope
    is 1 at 0 and below 1e-8 at |x| = 10."""
    x = np.array([-10.0, 0.0, 10.0])
    f, slope = demos.curve("tanh", x)
    assert np.array_equal(f[::-1], -f) and slope[1] == 1.0 and max(slope[[0, 2]]) < 1e-8

    def means(seed):
        z = np.random.default_rng(seed).normal(0.0, 2.0, 2000)
        return demos.curve("tanh", z)[0].mean(), demos.curve("sigmoid", z)[0].mean()
    holds_on([means(s) for s in SEEDS], lambda m: abs(m[0]) < 0.05 and abs(m[1] - 0.5) < 0.03)


def test_relu_passes_no_gradient_below_zero_and_all_of_it_above():
    """Claim 4 (exact): ReLU's slope is exactly 0 for every negative input, 1 for every
    positive one."""
    x = np.concatenate([-np.logspace(-8, 3, 50), np.logspace(-8, 3, 50)])
    _, slope = demos.curve("relu", x)
    assert np.all(slope[:50] == 0.0) and np.all(slope[50:] == 1.0)


def test_a_relu_off_the_data_cloud_never_fires_and_never_updates():
    """Claim 5: eight first-layer units pushed past the edge of the data cloud output 0 on
    every training example and keep their weights bit for bit through 200 steps, while the
    others learn."""
    def measure(seed):
        run = Run(Config(dataset="spiral", depth=2, width=32, seed=seed))
        off = np.arange(8)
        demos.push_off_cloud(run, off)
        dense = run.model.dense[0]
        before = dense.params["w"].copy(), dense.params["b"].copy()
        run.step(200)
        z = run.data.x_train @ dense.params["w"] + dense.params["b"]
        fired = int(np.count_nonzero(z[:, off] > 0))
        frozen = (np.array_equal(dense.params["w"][:, off], before[0][:, off])
                  and np.array_equal(dense.params["b"][off], before[1][off]))
        others_moved = np.abs(dense.params["w"][:, 8:] - before[0][:, 8:]).max()
        return fired, frozen, others_moved
    holds_on([measure(s) for s in SEEDS], lambda v: v[0] == 0 and v[1] and v[2] > 0.01)


def test_an_initialisation_that_misses_the_data_cloud_starts_with_dead_relus():
    """Claim 6: zero biases put every first-layer line through the origin; with the spiral
    moved 3 units off the origin (no centring) about 20 or more of 64 ReLUs are negative on
    every training example at init, and stay exactly where they are through 200 steps.
    Centred, none start dead."""
    def measure(seed):
        cfg = Config(dataset="spiral", depth=2, width=64, preprocessing="none", seed=seed)
        centred = Run(cfg).snapshot().layers[0].dead_units
        run = Run(cfg, data=demos.moved_data(Run(cfg).data, 3.0))
        drawn = run.snapshot().layers[0].dead_units          # on the probe batch
        dense = run.model.dense[0]
        dead = np.all(run.data.x_train @ dense.params["w"] + dense.params["b"] <= 0, axis=0)
        w0 = dense.params["w"][:, dead].copy()
        run.step(200)
        still = np.array_equal(dense.params["w"][:, dead], w0)
        return centred, drawn, int(dead.sum()), still
    holds_on([measure(s) for s in SEEDS], lambda v: v[0] == 0 and v[2] >= 20 and v[3])


# Plain SGD with strong momentum at a learning rate far too high; clipping keeps the loss finite
# so that what happens is units dying, not the run exploding.
KILL = dict(dataset="spiral", depth=2, width=64, optimizer="sgd", lr=3.0, momentum=0.9,
            grad_clip=5.0, clip_mode="norm")


@lru_cache(maxsize=None)
def knocked_off(activation: str, seed: int) -> tuple[int, int, int, float]:
    """150 steps at lr 3, then 200 at lr 0.1.  Returns (off units at the start, off and dead
    units after the high rate, the smallest weight change of those units during recovery)."""
    run = Run(Config(**KILL, activation=activation, seed=seed))
    fresh = run.snapshot().layers[0].off_units
    run.step(150)
    stats = run.snapshot().layers[0]
    dense = run.model.dense[0]                   # no norm layer: z = x w + b on the probe batch
    z = run.data.x_train[run.probe_index] @ dense.params["w"] + dense.params["b"]
    off = np.all(z <= 0, axis=0)
    before = run.model.weights[0][:, off].copy()
    run.apply(run.config.replace(lr=0.1))
    run.step(200)
    moved = np.abs(run.model.weights[0][:, off] - before).max(axis=0)
    return fresh, stats.off_units, stats.dead_units, float(moved.min()) if off.any() else math.nan


def test_a_too_high_learning_rate_knocks_relus_off_the_data_cloud():
    """Claim 7: a fresh ReLU network has no dead first-layer units; 150 steps at lr 3 kill at
    least 8 of 64 (20-53 measured), and a lower rate does not bring any back."""
    values = [knocked_off("relu", s) for s in SEEDS]
    holds_on(values, lambda v: v[0] == 0 and v[2] >= 8 and v[1] == v[2] and v[3] == 0.0)


def test_leaky_relu_units_off_the_cloud_keep_a_gradient_and_keep_learning():
    """Claim 8: the same high rate pushes as many leaky units off the cloud, but every one of
    them still moves when training continues (ReLU's dead ones moved by exactly 0 above)."""
    values = [knocked_off("leaky_relu", s) for s in SEEDS]
    holds_on(values, lambda v: v[1] >= 8 and v[2] == 0 and v[3] > 0.0)


# ---- preprocessing (claims 9-10) -------------------------------------------------------------
def test_zero_centring_and_normalising_the_inputs():
    """Claim 9: fitted on training data, 'center' gives zero means, 'standardize' unit
    variances, 'whiten' the identity covariance."""
    def measure(seed):
        cloud = demos.correlated_cloud(500, np.random.default_rng(seed))
        out = {k: Preprocessor(k).fit_transform(cloud) for k in PREPROCESSING}
        return (np.abs(out["center"].mean(axis=0)).max(),
                np.abs(out["standardize"].var(axis=0) - 1).max(),
                np.abs(np.cov(out["whiten"].T, bias=True) - np.eye(2)).max())
    holds_on([measure(s) for s in SEEDS], lambda v: v[0] < 1e-12 and v[1] < 1e-9 and v[2] < 1e-3)


def test_standardised_inputs_train_faster_than_raw_pixels():
    """Claim 10: on the digits (raw pixels in [0, 1], all positive) a 2-layer ReLU net with
    momentum SGD reaches less than half the training loss after 150 steps when the inputs are
    standardised, at each of two learning rates (measured 3-8x lower)."""
    def loss(prep, lr, seed):
        run = Run(Config(dataset="digits", n_classes=10, n_samples=600, preprocessing=prep,
                         depth=2, width=64, optimizer="momentum", lr=lr, seed=seed))
        run.step(150)
        return run.loss()
    for lr in (0.01, 0.03):
        values = [(loss("none", lr, s), loss("standardize", lr, s)) for s in SEEDS]
        holds_on(values, lambda v: v[1] < 0.5 * v[0])


# ---- initialisation (claims 11-19) -----------------------------------------------------------
def test_constant_init_leaves_every_unit_of_a_layer_identical():
    """Claim 11: from equal weights the 16 units of each hidden layer stay copies (to 1e-9;
    measured: bit for bit) after 200 SGD steps, although the weights move."""
    def measure(seed):
        run = Run(Config(init="constant", weight_std=0.1, activation="tanh", depth=2, width=16,
                         optimizer="sgd", lr=0.5, seed=seed))
        start = run.model.weights[0].copy()
        run.step(200)
        spread = max(np.ptp(w, axis=1).max() for w in run.model.weights[:-1])
        return spread, np.abs(run.model.weights[0] - start).max()
    holds_on([measure(s) for s in SEEDS], lambda v: v[0] < 1e-9 and v[1] > 0.01)


def test_small_init_collapses_deep_tanh_activations_on_every_seed():
    """Claim 12: with N(0, 0.01^2) the activation std shrinks at every layer, by ~0.2 per
    layer, to below 1e-4 of the first layer's by the tenth."""
    def measure(seed):
        std = deep_snapshot("tanh", "small", seed).column("act_std")
        return std[-1] / std[0], bool(np.all(np.diff(std) < 0))
    holds_on([measure(s) for s in SEEDS], lambda v: v[0] < 1e-4 and v[1])


def test_small_init_leaves_every_weight_gradient_near_zero():
    """Claim 13: with N(0, 0.01^2) every layer's weight gradient is below 1e-5 (~4e-7: the
    layer's shrunken input times the shrunken gradient arriving from above), a million times
    below Xavier's."""
    def measure(seed):
        small = deep_snapshot("tanh", "small", seed).column("grad_norm")
        xavier = deep_snapshot("tanh", "xavier", seed).column("grad_norm")
        return small.max(), xavier.min() / small.max()
    holds_on([measure(s) for s in SEEDS], lambda v: v[0] < 1e-5 and v[1] > 1e5)


def test_small_init_is_fine_for_a_small_net_but_not_a_deep_one():
    """Claim 14: N(0, 0.01^2) trains a 2-layer tanh net on the spiral (> 85% validation
    accuracy) while the same init leaves an 8-layer net at chance (1/3)."""
    values = [(small_init_accuracy(2, s), small_init_accuracy(8, s)) for s in SEEDS]
    holds_on(values, lambda v: v[0] > 0.85 and v[1] < 0.4)


def test_large_init_saturates_deep_tanh_on_every_seed():
    """Claim 15: with N(0, 1) over 80% of the activations of layers 2-10 sit within 2% of
    +-1 (measured 93%)."""
    holds_on([deep_snapshot("tanh", "large", s).column("saturation")[1:].min() for s in SEEDS],
             lambda share: share > 0.8)


def test_saturated_tanh_units_pass_no_gradient_yet_the_layer_gradient_grows():
    """Claim 16, what really happens: with N(0, 1) at width 500, 89% of the tanh slopes in
    layers 2-10 are below 0.01 (median ~1e-12), so a saturated unit passes ~0 gradient.  But
    the few unsaturated values carry weights of scale sqrt(500) * 1 ~ 22: going down one layer
    multiplies the gradient by sqrt(500) * rms(slope) ~ 22 * 0.157 ~ 3.5, so the first layer's
    weight gradient is >1000x the last's.  The gain matches its prediction within 15%."""
    def measure(seed):
        flow = deep_flow("large", seed)
        error = np.abs(flow["gain"][1:] / flow["predicted"][1:] - 1).max()
        return (flow["flat_share"][1:].min(), flow["slope_median"][1:].max(),
                flow["gain"][1:].min(), error, flow["weight_grad"][0] / flow["weight_grad"][-1])
    holds_on([measure(s) for s in SEEDS],
             lambda v: v[0] > 0.8 and v[1] < 1e-6 and v[2] > 2.5 and v[3] < 0.15 and v[4] > 1e3)


def test_xavier_keeps_the_spread_of_deep_tanh_activations():
    """Claim 17: with Xavier init the tenth layer keeps > 40% of the first layer's activation
    std (and > 0.15), and fewer than 5% of activations saturate anywhere."""
    def measure(seed):
        snap = deep_snapshot("tanh", "xavier", seed)
        std = snap.column("act_std")
        return std[-1], std[-1] / std[0], snap.column("saturation").max()
    holds_on([measure(s) for s in SEEDS], lambda v: v[0] > 0.15 and v[1] > 0.4 and v[2] < 0.05)


def test_xavier_halves_the_relu_variance_per_layer():
    """Claim 18: with ReLU, Xavier init keeps 1/sqrt(2) of the std per layer (within 10%)."""
    def per_layer(seed):
        std = deep_snapshot("relu", "xavier", seed).column("act_std")
        return (std[-1] / std[0]) ** (1 / 9)
    holds_on([per_layer(s) for s in SEEDS], lambda r: abs(r * math.sqrt(2) - 1) < 0.1)


def test_he_init_keeps_the_relu_spread_through_depth():
    """Claim 19: He init (variance x2) keeps the tenth ReLU layer's std within 50% of the
    first's."""
    def ratio(seed):
        std = deep_snapshot("relu", "he", seed).column("act_std")
        return std[-1] / std[0]
    holds_on([ratio(s) for s in SEEDS], lambda r: 0.5 < r < 1.5)


def test_each_activation_keeps_its_spread_under_the_init_that_suits_it():
    """Claims 17-19 beyond tanh and ReLU (docs/lessons.md, "Which init suits which activation"):
    He (sqrt(2 / fan_in) whatever the activation) holds ELU and GELU, where gain 1 shrinks
    them; LeCun holds 2-piece maxout, where He compounds a factor 2; on tanh He keeps more
    spread than Xavier but saturates more of it; sigmoid's gradient vanishes under either."""
    def ratio(activation, scale, seed, column="act_std"):
        values = deep_snapshot(activation, scale, seed).column(column)
        return values[-1] / values[0]

    def saturated(activation, scale, seed):
        return deep_snapshot(activation, scale, seed).column("saturation").max()

    for activation in ("elu", "gelu"):
        holds_on([(ratio(activation, "he", s), ratio(activation, "lecun", s)) for s in SEEDS],
                 lambda v: 0.4 < v[0] < 2 and v[1] < 0.35)
    holds_on([(ratio("maxout", "lecun", s), ratio("maxout", "he", s)) for s in SEEDS],
             lambda v: 0.8 < v[0] < 1.25 and v[1] > 15)
    holds_on([(ratio("tanh", "xavier", s), ratio("tanh", "he", s), saturated("tanh", "xavier", s),
               saturated("tanh", "he", s)) for s in SEEDS],
             lambda v: v[0] < v[1] < 1 and v[2] < 0.01 < 0.05 < v[3])
    # the gradient reaching layer 1 over the one leaving layer 10: vanishing under both
    holds_on([(1 / ratio("sigmoid", "xavier", s, "act_grad_std"),
               1 / ratio("sigmoid", "he", s, "act_grad_std")) for s in SEEDS],
             lambda v: v[0] < 1e-4 and v[1] < 1e-3)
