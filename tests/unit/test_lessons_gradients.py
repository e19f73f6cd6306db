"""The lessons' claims on vanishing and exploding gradients and on practice (initial loss, the
update ratio), each a number checked on seeds 0-4; per-seed tables on failure (claims.table).
"""
from __future__ import annotations

import functools
import math

import numpy as np
import pytest

from initlab import Config, Run
from initlab.lessons import toys
from initlab.core.checks import (initial_loss, median_update_ratio, steps_to_loss,
                                 val_accuracy_after)
from initlab.nn.optim import clip_gradients

from claims import NO_EVAL, SEEDS, table


# ---- vanishing and exploding gradients (seed 002) -----------------------------------------------
DEEP = dict(depth=12, width=64, optimizer="sgd", lr=0.1)      # the spiral, 12 hidden layers


def _profile(seed: int, **fields) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(dL/da std per hidden layer, rms dL/dW entry per hidden layer, relative weight change of
    each hidden layer after 50 SGD steps) for one seed."""
    run = Run(Config(**DEEP, **fields, seed=seed), **NO_EVAL)
    snap = run.snapshot()
    sizes = np.array([w.size for w in run.model.weights[:-1]], dtype=np.float64)
    rms = snap.column("grad_norm") / np.sqrt(sizes)
    start = [w.copy() for w in run.model.weights[:-1]]
    run.step(50)
    moved = np.array([np.linalg.norm(w - w0) / np.linalg.norm(w0)
                      for w, w0 in zip(run.model.weights, start)])
    return snap.column("act_grad_std"), rms, moved


@functools.lru_cache(maxsize=None)
def _profiles(kind: str) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    fields = {"sigmoid": dict(activation="sigmoid", init="xavier_normal"),
              "relu": dict(activation="relu", init="he_normal"),
              "leaky_relu": dict(activation="leaky_relu", init="he_normal"),
              "residual sigmoid": dict(activation="sigmoid", init="xavier_normal",
                                       residual=True)}[kind]
    return [_profile(s, **fields) for s in SEEDS]


def test_saturating_sigmoid_gradients_vanish_and_early_layers_stay_at_init():
    """Claim 45: 12 sigmoid layers (Xavier): the first layer's weight gradient is a millionth of
    the last hidden layer's, and after 50 SGD steps its weights moved by less than 1e-5 of
    their size (the last hidden layer's by more than 1e-3): it stays where it was initialised."""
    profiles = _profiles("sigmoid")
    grad_ratio = [rms[0] / rms[-1] for _, rms, _ in profiles]
    first_moved = [moved[0] for *_, moved in profiles]
    last_moved = [moved[-1] for *_, moved in profiles]
    holds = [g < 1e-5 and f < 1e-5 and l > 1e-3
             for g, f, l in zip(grad_ratio, first_moved, last_moved)]
    assert sum(holds) == 5, table(dW_first_over_last=grad_ratio, first_moved=first_moved,
                                  last_moved=last_moved)


@pytest.mark.parametrize("activation", ["relu", "leaky_relu"])
def test_non_saturating_activations_keep_the_gradient_and_early_layers_learn(activation):
    """Claim 46: the same 12 layers with ReLU or leaky ReLU (He init): the gradient reaching
    the first layer is within 10x of the last one's, and the first layer's weights move 1e4
    times further than the sigmoid net's in the same 50 steps."""
    profiles = _profiles(activation)
    sigmoid = _profiles("sigmoid")
    flow = [g[0] / g[-1] for g, _, _ in profiles]
    gain = [m[0] / ms[0] for (_, _, m), (_, _, ms) in zip(profiles, sigmoid)]
    holds = [0.1 < f < 10 and k > 1e4 for f, k in zip(flow, gain)]
    assert sum(holds) == 5, table(dA_first_over_last=flow, first_moved_vs_sigmoid=gain)


def test_skip_connections_keep_the_gradient_flowing():
    """Claim 47: the 12-layer sigmoid net with residual connections: the gradient reaching the
    first layer is at least a tenth of the last one's (without: a ten-millionth), and the first
    layer's weights move by more than 5% in 50 steps."""
    plain = _profiles("sigmoid")
    residual = _profiles("residual sigmoid")
    flow = [g[0] / g[-1] for g, _, _ in residual]
    plain_flow = [g[0] / g[-1] for g, _, _ in plain]
    moved = [m[0] for *_, m in residual]
    holds = [f > 0.1 and p < 1e-5 and m > 0.05 for f, p, m in zip(flow, plain_flow, moved)]
    assert sum(holds) == 5, table(dA_ratio_residual=flow, dA_ratio_plain=plain_flow,
                                  first_moved=moved)


def test_too_large_weights_make_the_early_layers_weight_gradients_explode():
    """Claim 48, measured on the parameter gradients dL/dW: 12 ReLU layers with N(0, 0.3^2)
    weights (a gain of ~1.7 per layer).  The first layer's ||dL/dW|| is more than 300 times
    the He-initialised net's and more than 10 times the size of its own weights, so one SGD
    step at lr 0.1 would move it further than its own length.

    What really happens across depth: dL/da grows ~1.7x per layer towards the input (over
    100x in 12 layers), but dL/dW = a_prev^T dL/dz does NOT grow towards the input, because the
    forward activations a_prev shrink towards the input at the same rate.  Every layer's
    weight gradient explodes together (all within 10x of each other)."""
    big_first, he_first, relative, da_growth, spread = [], [], [], [], []
    for s in SEEDS:
        run = Run(Config(depth=12, width=64, activation="relu", init="gaussian",
                         weight_std=0.3, seed=s), **NO_EVAL)
        snap = run.snapshot()
        he = Run(Config(depth=12, width=64, activation="relu", init="he_normal",
                        seed=s), **NO_EVAL).snapshot()
        grad = snap.column("grad_norm")
        big_first.append(grad[0])
        he_first.append(he.layers[0].grad_norm)
        relative.append(grad[0] / np.linalg.norm(run.model.weights[0]))
        da = snap.column("act_grad_std")
        da_growth.append(da[0] / da[-1])
        spread.append(grad.max() / grad.min())
    holds = [b > 300 * h and r > 10 and g > 100 and sp < 10
             for b, h, r, g, sp in zip(big_first, he_first, relative, da_growth, spread)]
    assert sum(holds) == 5, table(first_dW=big_first, he_first_dW=he_first,
                                  dW_over_W=relative, dA_first_over_last=da_growth,
                                  dW_max_over_min=spread)


def test_clipping_bounds_the_step_and_stops_the_explosion():
    """Claim 49: after norm clipping at c the global gradient norm is exactly c (direction
    kept); after value clipping no entry exceeds c.  A 6-layer ReLU net at lr 1 with momentum
    0.9 diverges within 10 steps on every seed; clipped by norm (1) or value (0.1) it trains
    for 100 steps and beats chance (33%) by far."""
    for s in SEEDS:
        rng = np.random.default_rng(s)
        grads = [rng.normal(0, 50.0, (64, 64)), rng.normal(0, 50.0, 64)]
        before = [g.copy() for g in grads]
        norm = clip_gradients(grads, "norm", 1.0)
        after = math.sqrt(sum(float(np.sum(g * g)) for g in grads))
        assert norm > 1.0 and after == pytest.approx(1.0)
        assert np.allclose(grads[0] * norm, before[0])
        clip_gradients(before, "value", 0.1)
        assert max(np.abs(g).max() for g in before) <= 0.1
    fast = dict(depth=6, width=64, activation="relu", optimizer="sgd", momentum=0.9, lr=1.0)
    outcome = {}
    for label, fields in (("none", dict(grad_clip=0.0)),
                          ("norm 1", dict(grad_clip=1.0, clip_mode="norm")),
                          ("value 0.1", dict(grad_clip=0.1, clip_mode="value"))):
        runs = [Run(Config(**fast, **fields, seed=s), **NO_EVAL) for s in SEEDS]
        for run in runs:
            run.step(100)
        outcome[label] = [run.diverged_at if run.diverged else math.inf for run in runs]
        outcome[label + " val acc"] = [run.accuracy("val") for run in runs]
    assert all(a < 10 for a in outcome["none"]), table(**outcome)
    for label in ("norm 1", "value 0.1"):
        assert all(a == math.inf for a in outcome[label]), table(**outcome)
        assert sum(v > 0.6 for v in outcome[label + " val acc"]) >= 4, table(**outcome)


# ---- practice -----------------------------------------------------------------------------------
def test_initial_loss_is_about_ln_c_on_every_seed():
    """Claim 50: with N(0, 0.01^2) weights the loss before training is ln C within 1%, for 2 to
    8 spiral classes and the 10 digits, on every seed."""
    worst = []
    for s in SEEDS:
        errors = []
        for fields in [dict(n_classes=c) for c in (2, 3, 5, 8)] + [
                dict(dataset="digits", n_classes=10)]:
            loss, ln_c = initial_loss(Config(**fields, init="gaussian", weight_std=0.01, seed=s))
            errors.append(abs(loss - ln_c) / ln_c)
        worst.append(max(errors))
    assert all(w < 0.01 for w in worst), table(worst_relative_error=worst)


def test_update_to_weight_ratio_is_about_1e_3_only_at_a_healthy_learning_rate():
    """Claim 51, both sides of the band: plain SGD on the spiral for 200 steps.  At lr 0.1 the
    loss falls more than 10-fold and the median ||dW|| / ||W|| lies in [1e-3, 1e-2]; at lr 1e-5
    the ratio is below 1e-5 and the loss hardly moves; at lr 3 the ratio is above 0.3 and the
    run diverges."""
    numbers = {f"ratio lr {lr:g}": [] for lr in (1e-5, 0.1, 3.0)}
    fall = {lr: [] for lr in (1e-5, 0.1)}
    diverged = []
    for s in SEEDS:
        for lr in (1e-5, 0.1, 3.0):
            run = Run(Config(optimizer="sgd", momentum=0.0, lr=lr, seed=s), **NO_EVAL)
            before = run.loss()
            run.step(200)
            numbers[f"ratio lr {lr:g}"].append(median_update_ratio(run))
            if lr == 3.0:
                diverged.append(run.diverged)
            else:
                fall[lr].append(before / run.loss())
    low, good, high = numbers.values()
    holds = [lo < 1e-5 and f_lo < 1.05 and 1e-3 <= g <= 1e-2 and f_g > 10 and hi > 0.3 and d
             for lo, f_lo, g, f_g, hi, d in zip(low, fall[1e-5], good, fall[0.1], high, diverged)]
    assert sum(holds) == 5, table(**numbers, loss_fall_low=fall[1e-5], loss_fall_good=fall[0.1])


# ---- the helpers the claims use ------------------------------------------------------------------
def test_babysitting_helpers_report_what_they_measured():
    """checks' helpers: nan or None when there is nothing to report, never an exception."""
    run = Run(Config(optimizer="sgd", momentum=0.0, lr=1e-5), **NO_EVAL)
    assert math.isnan(median_update_ratio(run))                       # no step yet
    assert steps_to_loss(run, 1e-3, 30) is None and run.step_count == 30
    assert 0 < median_update_ratio(run) == median_update_ratio(run, 30) < 1e-5
    blown = val_accuracy_after(Config(optimizer="sgd", momentum=0.0, lr=50.0), [1, 2])
    assert all(math.isnan(v) for v in blown)                          # diverged: no score
    with pytest.raises(ValueError, match="window=0"):
        steps_to_loss(run, 0.1, 10, window=0)


def test_toys_refuse_bad_input_and_tables_show_every_seed():
    with pytest.raises(ValueError, match="steps=-1"):
        toys.descend("sgd", (2.0, 0.0), steps=-1)
    with pytest.raises(ValueError, match="draws=0"):
        toys.dropout_average(np.ones(3), 0.5, 0, np.random.default_rng(0), inverted=True)
    with pytest.raises(ValueError, match=r"rows\['loss'\] has 2 values"):
        toys.seed_table({"loss": [1.0, 2.0]})
    text = toys.seed_table({"loss": [0.5, 1.0, math.nan, 2.0, 4.0]}, ".2g")
    assert "nan" in text and text.splitlines()[1].endswith("0.5 / 1.5 / 4")   # finite spread
    many = toys.descend("momentum", toys.hillside_start(np.random.default_rng(0), 7), 50)
    one = toys.descend("momentum", toys.hillside_start(np.random.default_rng(0), 7)[3], 50)
    assert many.shape == (51, 7, 2) and np.allclose(many[:, 3], one)  # side by side = one by one
