"""Claims 31-45 of LESSONS.md (babysitting, search, optimisers, regularisation), each a number
checked on seeds 0-4 (vanishing and exploding gradients and practice: test_lessons_gradients.py).

A seed fixes the data draw, the initial weights, the minibatch order (and, for the toys, the
start point or the random activations).  Each test measures its quantity on every seed, counts
the seeds on which the claim holds and prints the per-seed table when it fails.  Where the lab
shows something other than the slogan, the test checks what really happens and says so.
"""
from __future__ import annotations

import functools
import math

import numpy as np
import pytest

from initlab import Config, Run
from initlab.lessons import demos, toys
from initlab.core.checks import (best, grid_search, overfit_tiny_subset, random_search,
                                 steps_to_loss, val_accuracy_after)
from initlab.nn.layers import Dropout

from claims import NO_EVAL, SEEDS, table


# ---- babysitting (lecture 6, seed 000) ----------------------------------------------------------
def test_turning_on_regularisation_raises_the_loss():
    """Claim 31: with the same weights, adding an L2 penalty raises the loss by exactly it."""
    plain = [Run(Config(seed=s), **NO_EVAL).loss() for s in SEEDS]
    regularised_runs = [Run(Config(l2=0.1, seed=s), **NO_EVAL) for s in SEEDS]
    regularised = [r.loss() for r in regularised_runs]
    penalty = [r.model.penalty(add_grads=False) for r in regularised_runs]
    rise = np.subtract(regularised, plain)
    assert np.allclose(rise, penalty, rtol=1e-9), table(rise=rise, penalty=penalty)
    assert sum(rise > 0.1) == 5, table(plain=plain, regularised=regularised)


def test_a_tiny_subset_is_overfit_to_zero_loss_on_every_seed():
    """Claim 32: 20 digits, regularisers off: the loss goes to ~0, training accuracy to 100%."""
    runs = [overfit_tiny_subset(Config(dataset="digits", n_classes=10, depth=2, width=64,
                                       seed=s), 20, 300) for s in SEEDS]
    loss = [r.history.loss[-1] for r in runs]
    train = [r.accuracy("train") for r in runs]
    val = [r.accuracy("val") for r in runs]
    holds = [l < 1e-3 and a == 1.0 and v < 0.9 for l, a, v in zip(loss, train, val)]
    assert sum(holds) == 5, table(final_loss=loss, train_acc=train, val_acc=val)


def test_too_low_a_learning_rate_barely_moves_the_loss_while_accuracy_jumps():
    """Claim 33: small weights (N(0, 0.01^2), one hidden layer, the digits), SGD at lr 0.01 for
    100 steps: the loss falls by less than 1%, yet training accuracy rises from about chance to
    above 45%: every score moved a little in the right direction, enough to flip the argmax.
    At lr 0.3 the same net's loss falls by more than 90%: 0.01 was too low."""
    drop, before, after, good_drop = [], [], [], []
    for s in SEEDS:
        cfg = Config(dataset="digits", n_classes=10, depth=1, width=64, init="gaussian",
                     weight_std=0.01, optimizer="sgd", momentum=0.0, lr=0.01, seed=s)
        run = Run(cfg, **NO_EVAL)
        loss0 = run.loss()
        before.append(run.accuracy("train"))
        run.step(100)
        drop.append((loss0 - run.loss()) / loss0)
        after.append(run.accuracy("train"))
        good = Run(cfg.replace(lr=0.3), **NO_EVAL)
        good.step(100)
        good_drop.append((loss0 - good.loss()) / loss0)
    holds = [d < 0.01 and b < 0.25 and a > 0.45 and g > 0.9
             for d, b, a, g in zip(drop, before, after, good_drop)]
    assert sum(holds) == 5, table(loss_drop=drop, acc_before=before, acc_after=after,
                                  drop_at_lr_03=good_drop)


def test_too_high_a_learning_rate_explodes_within_a_few_steps():
    """Claim 34: SGD at lr 50 on the spiral: the loss explodes or turns NaN within 10 steps."""
    runs = [Run(Config(optimizer="sgd", momentum=0.0, lr=50.0, seed=s), **NO_EVAL) for s in SEEDS]
    for run in runs:
        run.step(50)
    at = [run.diverged_at if run.diverged else math.inf for run in runs]
    assert sum(a < 10 for a in at) == 5, table(diverged_at=at)
    assert all("lower the learning rate" in run.message for run in runs)


def test_a_few_epochs_on_validation_data_separate_good_learning_rates():
    """Claim 35: five learning rates, one hidden layer of 32 on the spiral.  After 5 epochs
    the validation accuracy already names the rate that is best after 40 epochs, and the rates
    that end poorly (too low, or diverging) are at least 0.15 behind it."""
    rates = (1e-3, 1e-2, 1e-1, 1.0, 10.0)
    base = Config(dataset="spiral", depth=1, width=32, optimizer="sgd", momentum=0.0)
    holds, lead, end_gap = [], [], []
    for s in SEEDS:
        scores = {lr: val_accuracy_after(base.replace(lr=lr, seed=s), [5, 40]) for lr in rates}
        quick = {lr: 0.0 if math.isnan(v[0]) else v[0] for lr, v in scores.items()}
        final = {lr: 0.0 if math.isnan(v[1]) else v[1] for lr, v in scores.items()}
        pick = max(quick, key=quick.get)
        poor = [lr for lr in rates if final[lr] < 0.7]
        lead.append(quick[pick] - max(quick[lr] for lr in poor))
        end_gap.append(max(final.values()) - final[pick])
        holds.append(end_gap[-1] <= 0.02 and lead[-1] >= 0.15 and len(poor) >= 3)
    assert sum(holds) == 5, table(lead_after_5_epochs=lead, pick_behind_best_at_40=end_gap)


def test_random_search_beats_the_grid_on_most_draws():
    """Claim 36: 9 trials over (learning rate, L2) where only the learning rate matters.  The
    grid tries 3 learning rates, random search 9.  Each trial trains 40 steps, short enough that
    no trial reaches 100% (at 150 steps both searches' best trials score 0.9-1.0, a few points
    apart either way, which shows nothing).  On each of 5 data seeds, 5 random searches are scored against the grid: random
    finds a strictly better learning rate on most of them (measured: 24 of 25 draws, by 0.29-0.45
    in validation accuracy at the median)."""
    space = {"lr": (1e-3, 1e2), "l2": (1e-6, 1e-4)}
    wins, margin, grid_scores = [], [], []
    for s in SEEDS:
        base = Config(dataset="spiral", depth=1, width=32, optimizer="sgd", momentum=0.0, seed=s)
        grid = grid_search(base, space, 9, steps=40)
        assert len({t.params["lr"] for t in grid}) == 3
        grid_scores.append(best(grid).score)
        draws = [best(random_search(base, space, 9, steps=40, seed=k)).score for k in SEEDS]
        wins.append(sum(d > best(grid).score for d in draws))
        margin.append(np.median(draws) - best(grid).score)
    assert max(grid_scores) < 0.95, table(grid_best=grid_scores)   # the ceiling is not reached
    assert sum(w >= 3 for w in wins) >= 4, table(random_wins_of_5=wins, median_margin=margin)
    assert sum(wins) >= 18, table(random_wins_of_5=wins)
    assert sum(m > 0.1 for m in margin) >= 4, table(median_margin=margin)


# ---- optimisers (seed 001) ----------------------------------------------------------------------
def _bowl_start(seed: int) -> tuple[float, float]:
    rng = np.random.default_rng(seed)
    return (float(rng.uniform(-4.5, -2.0)), float(rng.choice([-1, 1]) * rng.uniform(0.2, 0.5)))


def test_sgd_jitters_across_the_steep_direction_and_crawls_along_the_shallow_one():
    """Claim 37: on a bowl 100 times steeper in w1 than in w0, SGD at its largest stable rate
    flips the sign of w1 at every step (jitter) while w0 keeps over 30% of its start after 50
    steps, although w1 has shrunk more than 100-fold by then."""
    steep_shrink, shallow_left, flips = [], [], []
    for s in SEEDS:
        path = demos.trajectory("sgd", start=_bowl_start(s), lr=0.019, steps=50)
        w1 = path[:, 1]
        flips.append(np.mean(np.sign(w1[1:]) != np.sign(w1[:-1])))
        steep_shrink.append(abs(w1[0] / w1[-1]))
        shallow_left.append(path[-1, 0] / path[0, 0])
    holds = [f == 1.0 and k > 100 and r > 0.3
             for f, k, r in zip(flips, steep_shrink, shallow_left)]
    assert sum(holds) == 5, table(sign_flips=flips, steep_shrink=steep_shrink,
                                  shallow_left=shallow_left)


def test_momentum_reaches_a_low_loss_in_fewer_steps_than_sgd():
    """Claim 38: on the bowl (5 random starts) momentum at lr 0.01 reaches loss 1e-3 in fewer
    than half the steps SGD needs at its best rate; on the spiral (the default net, lr 0.1,
    5 seeds) momentum 0.9 gets the minibatch loss below 0.2 at least 1.5 times sooner."""
    bowl_sgd, bowl_momentum, net_sgd, net_momentum = [], [], [], []
    for s in SEEDS:
        start = _bowl_start(s)
        bowl_sgd.append(demos.steps_to_reach(demos.trajectory("sgd", start, 400, lr=0.019)))
        bowl_momentum.append(demos.steps_to_reach(
            demos.trajectory("momentum", start, 400, lr=0.01, momentum=0.9)))
        for rule, out in (("sgd", net_sgd), ("momentum", net_momentum)):
            run = Run(Config(optimizer=rule, lr=0.1, momentum=0.9, seed=s), **NO_EVAL)
            out.append(steps_to_loss(run, 0.2, 400))
    bowl = [m is not None and g is not None and 2 * m < g
            for m, g in zip(bowl_momentum, bowl_sgd)]
    net = [m is not None and (g is None or 1.5 * m < g) for m, g in zip(net_momentum, net_sgd)]
    numbers = table(bowl_sgd=bowl_sgd, bowl_momentum=bowl_momentum,
                    spiral_sgd=[math.nan if g is None else g for g in net_sgd],
                    spiral_momentum=[math.nan if m is None else m for m in net_momentum])
    assert sum(bowl) == 5 and sum(net) == 5, numbers


def test_sgd_stalls_in_a_local_minimum_and_at_a_saddle_where_momentum_carries_on():
    """Claim 39: on toys' surface (a shallow dip, a saddle, a deeper minimum), started on the
    hillside above the dip: SGD comes to rest in the dip on every seed, momentum (same lr)
    carries through to the deeper minimum.  Started beside the saddle: SGD lingers on the
    plateau, momentum leaves it at least 3 times sooner."""
    sgd_end, momentum_end, sgd_leave, momentum_leave = [], [], [], []
    saddle = toys.critical_points()["saddle"]
    for s in SEEDS:
        start = toys.hillside_start(np.random.default_rng(s))
        sgd_end.append(toys.nearest_minimum(toys.descend("sgd", start)[-1]))
        momentum_end.append(toys.nearest_minimum(toys.descend("momentum", start)[-1]))
        near = toys.saddle_start(np.random.default_rng(s))
        sgd_leave.append(toys.steps_to_leave(toys.descend("sgd", near, 600), saddle))
        momentum_leave.append(toys.steps_to_leave(toys.descend("momentum", near, 600), saddle))
    stalls = [e == "local minimum" for e in sgd_end]
    carries = [e == "global minimum" for e in momentum_end]
    faster = [m is not None and (g is None or 3 * m <= g)
              for m, g in zip(momentum_leave, sgd_leave)]
    numbers = table(sgd_in_dip=stalls, momentum_through=carries,
                    sgd_steps_at_saddle=[math.nan if g is None else g for g in sgd_leave],
                    momentum_steps_at_saddle=momentum_leave)
    assert sum(stalls) == 5 and sum(carries) >= 4 and sum(faster) == 5, numbers


def test_the_surface_has_a_dip_a_saddle_and_a_deeper_minimum():
    """Claim 39's toy: the gradient matches the loss, and the three critical points are what
    their names say (Hessian signs)."""
    w, h = np.array([0.7, -0.2]), 1e-6
    numeric = [(toys.surface_loss(w + h * e) - toys.surface_loss(w - h * e)) / (2 * h)
               for e in np.eye(2)]
    assert np.allclose(toys.surface_grad(w), numeric, atol=1e-8)
    points = toys.critical_points()
    for name, p in points.items():
        assert np.allclose(toys.surface_grad(p), 0.0, atol=1e-12), name
    curvature_x = {name: 3 * p[0] ** 2 - 1 for name, p in points.items()}   # d2L/dx2; d2L/dy2 > 0
    assert curvature_x["saddle"] < 0 < min(curvature_x["local minimum"],
                                           curvature_x["global minimum"])
    assert toys.surface_loss(points["global minimum"]) < toys.surface_loss(points["local minimum"])
    xs, ys = toys.surface_contours([0.5])
    inside = np.isfinite(ys[0])
    assert np.allclose(toys.surface_loss(np.stack([xs[0][inside], ys[0][inside]], -1)), 0.5)


def test_learning_rate_decay_lets_a_high_learning_rate_settle():
    """Claim 40: SGD at lr 3 (batch 16, one hidden layer of 32, the spiral) keeps rattling at a
    training loss of about 0.6-0.9 for 600 steps; the same start with the rate halved every 100
    steps settles more than 5 times lower, on every seed."""
    base = Config(dataset="spiral", depth=1, width=32, optimizer="sgd", momentum=0.0, lr=3.0,
                  batch_size=16)
    constant, decayed = [], []
    for s in SEEDS:
        for out, fields in ((constant, {}), (decayed, dict(lr_schedule="exponential",
                                                           lr_decay=0.5, decay_steps=100))):
            run = Run(base.replace(seed=s, **fields), **NO_EVAL)
            run.step(600)
            out.append(math.inf if run.diverged else run.loss())
    holds = [d < c / 5 for c, d in zip(constant, decayed)]
    assert sum(holds) == 5, table(constant_lr=constant, decayed_lr=decayed)


# ---- regularisation (seed 001) ------------------------------------------------------------------
# 50 noisy training points and a network far bigger than needed: it overfits.  The validation
# split is large (450 points) so that one seed's measurement is not noise: with 50 validation
# points one example is 2% of accuracy, and L1/L2 "failed" on seeds they were not tuned on.
OVERFIT = dict(dataset="circles", n_classes=2, n_samples=500, noise=0.8, val_fraction=0.9,
               depth=3, width=64, optimizer="momentum", lr=0.05, batch_size=32)
REGULARISERS = {"none": {}, "L2 0.01": dict(l2=0.01), "L1 0.001": dict(l1=0.001),
                "dropout 0.5": dict(dropout=0.5)}


@functools.lru_cache(maxsize=None)
def _overfit(name: str, seed: int) -> dict[str, float]:
    run = Run(Config(**OVERFIT, **REGULARISERS[name], seed=seed), **NO_EVAL)
    run.step(800)
    d = run.data
    return dict(train=run.accuracy("train"), val=run.accuracy("val"),
                val_loss=run.evaluate(d.x_val, d.y_val)[1])


def _regularised(name: str) -> tuple[list[bool], list[bool], dict[str, list[float]]]:
    plain = [_overfit("none", s) for s in SEEDS]
    reg = [_overfit(name, s) for s in SEEDS]
    gap = [r["train"] - r["val"] for r in reg]
    plain_gap = [p["train"] - p["val"] for p in plain]
    lower_loss = [r["val_loss"] < 0.8 * p["val_loss"] for r, p in zip(reg, plain)]
    narrower = [g < pg for g, pg in zip(gap, plain_gap)]
    numbers = dict(val_loss_none=[p["val_loss"] for p in plain],
                   val_loss=[r["val_loss"] for r in reg], gap_none=plain_gap, gap=gap,
                   val_acc_gain=[r["val"] - p["val"] for r, p in zip(reg, plain)])
    return lower_loss, narrower, numbers


@pytest.mark.parametrize("name", ["L2 0.01", "L1 0.001"])
def test_l1_and_l2_reduce_overfitting(name):
    """Claim 41: on every seed, L2 (0.01) and L1 (0.001) lower the validation loss by at least
    20% (measured: 1.5-3x lower); the train/validation accuracy gap narrows on at least 4 of 5
    seeds.  Honest size: validation accuracy gains only 0-4 points; mostly the regularised
    net stops being confidently wrong."""
    lower_loss, narrower, numbers = _regularised(name)
    assert sum(lower_loss) == 5 and sum(narrower) >= 4, table(**numbers)
    assert np.mean(numbers["val_acc_gain"]) > 0 and min(numbers["val_acc_gain"]) > -0.02, \
        table(**numbers)


def test_dropout_zeroes_random_units_and_reduces_overfitting():
    """Claim 42: a training pass of the lab's dropout zeroes a share p of the units, a different
    share each pass; with p = 0.5 the validation loss is at least 20% lower than without on
    every seed and the accuracy gap narrows on at least 4."""
    zeroed, overlap = [], []
    a = np.ones((64, 64))
    for s in SEEDS:
        layer = Dropout(0.5, np.random.default_rng(s))
        first = layer.forward(a, train=True) == 0
        second = layer.forward(a, train=True) == 0
        zeroed.append(first.mean())
        overlap.append((first & second).mean())                 # independent draws: ~p^2
    assert all(abs(z - 0.5) < 0.02 for z in zeroed), table(zeroed=zeroed)
    assert all(abs(o - 0.25) < 0.02 for o in overlap), table(both_passes=overlap)
    lower_loss, narrower, numbers = _regularised("dropout 0.5")
    assert sum(lower_loss) == 5 and sum(narrower) >= 4, table(**numbers)


def test_inverted_dropout_needs_no_test_time_scaling():
    """Claim 43: the lab's inverted dropout scales kept units by 1/(1 - p) in training, so the
    average of many training passes equals the plain evaluation pass (within 1%), and a
    network's evaluation pass is the same with dropout 0.5 or without."""
    ratio = []
    for s in SEEDS:
        rng = np.random.default_rng(s)
        a = rng.uniform(0.0, 2.0, (20, 30))
        ratio.append(demos.dropout_mean(a, 0.5, 2000, rng).sum() / a.sum())
    assert all(abs(r - 1) < 0.01 for r in ratio), table(train_mean_over_eval=ratio)
    with_dropout = Run(Config(dropout=0.5), **NO_EVAL)
    without = Run(Config(dropout=0.0), **NO_EVAL)
    x = with_dropout.data.x_val
    assert np.array_equal(with_dropout.model.forward(x, "eval"), without.model.forward(x, "eval"))


def test_plain_dropout_must_scale_by_the_keep_probability_at_test_time():
    """Claim 44: plain (non-inverted) dropout only zeroes units, so in training a unit's output
    is on average (1 - p) times its full value.  An unscaled test pass is then 1/(1 - p) times
    too large (2x at p = 0.5); multiplying by the keep probability 1 - p (the seed's "p") at
    test time matches the training average within 2%.  Inverted dropout needs neither."""
    p = 0.5
    unscaled, scaled, inverted = [], [], []
    for s in SEEDS:
        rng = np.random.default_rng(s)
        a = rng.uniform(0.0, 2.0, (20, 30))
        w = rng.normal(0.0, 1.0, (30, 5))
        a[:, :3] += 5.0                       # a few strong units so no output averages to ~0
        train_mean = toys.dropout_average(a, p, 2000, rng, inverted=False) @ w
        unscaled.append(np.median((a @ w) / train_mean))
        scaled.append(np.median((toys.dropout_test_pass(a, p, inverted=False) @ w) / train_mean))
        inv_mean = toys.dropout_average(a, p, 2000, rng, inverted=True) @ w
        inverted.append(np.median((toys.dropout_test_pass(a, p, inverted=True) @ w) / inv_mean))
    holds = [abs(u - 2.0) < 0.04 and abs(k - 1) < 0.02 and abs(i - 1) < 0.02
             for u, k, i in zip(unscaled, scaled, inverted)]
    assert sum(holds) == 5, table(unscaled_over_train=unscaled, scaled_over_train=scaled,
                                  inverted_over_train=inverted)
    with pytest.raises(ValueError, match="p=1.0"):
        toys.dropout_pass(a, 1.0, rng, inverted=False)
