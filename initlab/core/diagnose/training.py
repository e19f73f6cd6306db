"""Rules on how training goes: divergence, the update size against the learning-rate band, a flat
loss, regularisation too strong or too weak, batch norm on tiny batches."""
from __future__ import annotations

import math

import numpy as np

from .base import Facts, Finding, finding, loosen_clip, lower_lr, raise_lr
from .thresholds import (CONVERGED_LOSS, DEAD_WARNING, DIVERGED_EARLY, LOSS_FLAT_DROP,
                         LOSS_FLAT_STEPS, LOSS_WINDOW, OVERFIT_EVALS, OVERFIT_GAP,
                         REGULARISATION_CUT, SLOW_STEPS, SMALL_BATCH, STRONG_DROPOUT,
                         STRONG_PENALTY, UNDERFIT_ACC, UNDERFIT_STEPS,
                         UPDATE_BAND, UPDATE_RATIO_HIGH, UPDATE_RATIO_LOW, UPDATE_RULE,
                         VAL_LOSS_RISE, VAL_LOSS_RISE_MIN, VANISHING_RATIO)

KINDS = {"nan": "the loss became NaN", "inf": "the loss became infinite"}


def diverged(f: Facts) -> Finding | None:
    d = f.run.divergence
    if d is None:
        return None
    what = KINDS.get(d.kind) or f"the loss exploded to {d.loss:.3g} (it started at " \
                                 f"{d.start_loss:.3g})"
    lr = f.config.lr
    if d.step <= DIVERGED_EARLY:
        fix = ({"lr": lr / 100}, "lower the learning rate 100x")
        how = ("Blowing up within the first steps means the learning rate is orders of "
               "magnitude too large: a 100x smaller one")
    else:
        fix, how = lower_lr(f.config), "A smaller learning rate"
    return finding(
        "diverged", "problem",
        f"Training blew up at step {d.step}: {what}. Each update overshot so far that the next "
        f"one was even bigger. {how} (or gradient clipping) keeps the steps in check; change "
        "it, then press reset.",
        {"step": d.step, "lr": lr, "loss": float(d.loss)}, fix)


def update_ratio_high(f: Facts) -> Finding | None:
    ratio = f.update_ratio()
    if ratio is None or ratio < UPDATE_RATIO_HIGH:
        return None
    share, knob, cut = strong_penalty(f)
    if cut is not None:                # the penalty shrinks the weights under the steps
        return finding(
            "update_ratio_high", "warning",
            f"Each step changes the weights by {ratio:.2g} of their size; about "
            f"{UPDATE_RULE:g} is healthy. Here the {knob.upper()} penalty is {share:.0%} of "
            "the loss: every step pulls each weight towards 0, so the weights stay small "
            "for their steps and the net learns little from the data. Lower the penalty.",
            {"update_ratio": ratio, "band": list(UPDATE_BAND), "penalty_share": share}, cut)
    return finding(
        "update_ratio_high", "warning",
        f"Each step changes the weights by {ratio:.2g} of their size; about {UPDATE_RULE:g} is "
        f"healthy (the band {UPDATE_BAND[0]:g} .. {UPDATE_BAND[1]:g}). Steps that large jump "
        "across the valley instead of going down it (and can knock ReLUs off for good). Lower "
        "the learning rate.",
        {"update_ratio": ratio, "band": list(UPDATE_BAND)}, lower_lr(f.config))


def gradient_free(f: Facts) -> bool:
    """Little or nothing reaches the weights: small updates are then not the learning rate's
    fault (a dead layer, a vanished gradient, identical units)."""
    if f.symmetric_layers:
        return True
    if f.snap.layers:
        if f.snap.units_can_die and float(f.snap.column("dead_fraction").max()) >= DEAD_WARNING:
            return True
        signal = f.snap.column("act_grad_std")
        if np.all(np.isfinite(signal)) and signal[-1] > 0 and (
                signal[0] / signal[-1] < VANISHING_RATIO):
            return True
    ratios = f.update_ratios
    return ratios is not None and bool(np.any(ratios == 0))


def update_ratio_low(f: Facts) -> Finding | None:
    ratio = f.update_ratio(moving_only=True)
    if ratio is None or ratio >= UPDATE_RULE:
        return None
    acc = f.train_accuracy()
    slow = f.steps >= SLOW_STEPS and acc is not None and acc < UNDERFIT_ACC
    if ratio >= UPDATE_RATIO_LOW and not slow:
        return None                  # inside the band, and not holding the net back
    if f.recent_loss() < CONVERGED_LOSS * f.ln_c or gradient_free(f):
        return None                  # nothing left to learn, or nothing reaches the weights
    where = (f"below the band {UPDATE_BAND[0]:g} .. {UPDATE_BAND[1]:g}"
             if ratio < UPDATE_RATIO_LOW else
             f"at the band's low end, and after {f.steps} steps the net gets only {acc:.0%} of "
             "its training examples right")
    clip = f.clip_scale()
    if clip is not None:
        cfg = f.config
        return finding(
            "update_ratio_low", "warning",
            f"Each step changes the weights by only {ratio:.2g} of their size, {where} (about "
            f"{UPDATE_RULE:g} is healthy), and it is the clipping that keeps them small: "
            f"clipping by {cfg.clip_mode} at {cfg.grad_clip:g} leaves {100 * clip:.2g}% of the "
            f"gradient on a typical step, and with {cfg.optimizer} the step follows the "
            "gradient's size. Clipping is for the rare outlier step: raise its threshold "
            "(a higher learning rate would only fight it).",
            {"update_ratio": ratio, "band": list(UPDATE_BAND), "clip_scale": clip},
            loosen_clip(cfg, clip))
    return finding(
        "update_ratio_low", "warning",
        f"Each step changes the weights by only {ratio:.2g} of their size, {where} (about "
        f"{UPDATE_RULE:g} is healthy). At this pace the net needs many times more steps. "
        "Raise the learning rate.",
        {"update_ratio": ratio, "band": list(UPDATE_BAND)}, raise_lr(f.config))


def loss_flat(f: Facts) -> Finding | None:
    loss = f.history.loss
    if f.steps < LOSS_FLAT_STEPS or len(loss) < LOSS_FLAT_STEPS:
        return None
    start = float(np.mean(loss[:10]))
    end = f.recent_loss()
    if not (math.isfinite(start) and math.isfinite(end)) or start <= 0:
        return None
    drop = (start - end) / start
    if drop >= LOSS_FLAT_DROP or end < CONVERGED_LOSS * f.ln_c:
        return None
    return finding(
        "loss_flat", "warning",
        f"After {f.steps} steps the loss went from {start:.3g} to {end:.3g} ({drop:.0%} lower). "
        "Either the steps are too small (learning rate too low), little gradient reaches the "
        "weights (look at the gradients across depth), or regularisation holds the net back; "
        "the other findings say which.",
        {"start_loss": start, "recent_loss": end, "drop": drop, "steps": f.steps})


def strong_penalty(f: Facts) -> tuple[float, str, tuple[dict, str] | None]:
    """(the L1/L2 penalty's share of the recent loss, the knob that dominates it, its cut as a
    fix when the share is strong, else None)."""
    cfg = f.config
    if cfg.l1 <= 0 and cfg.l2 <= 0:
        return 0.0, "", None
    total = f.recent_loss()
    share = f.penalty / total if total > 0 else 0.0
    knob = "l1" if cfg.l1 * 10 >= cfg.l2 and cfg.l1 > 0 else "l2"
    if share < STRONG_PENALTY:
        return share, knob, None
    value = getattr(cfg, knob) / REGULARISATION_CUT
    return share, knob, ({knob: value}, f"lower {knob.upper()} to {value:g}")


def over_regularised(f: Facts) -> Finding | None:
    """The net cannot fit its own training set while dropout or the penalty is strong."""
    h, cfg = f.history, f.config
    if f.steps < UNDERFIT_STEPS or len(h.train_acc) < OVERFIT_EVALS or f.run.divergence:
        return None
    train_acc = float(np.mean(h.train_acc[-OVERFIT_EVALS:]))
    if train_acc >= UNDERFIT_ACC:
        return None
    evidence = {"train_accuracy": train_acc, "dropout": cfg.dropout}
    penalty_share, knob, fix = strong_penalty(f)
    if cfg.l1 > 0 or cfg.l2 > 0:
        evidence["penalty_share"] = float(penalty_share)
    ratio = f.update_ratio(moving_only=True)
    slow = ratio is not None and ratio < UPDATE_RATIO_LOW     # then the learning rate is suspect
    if fix is not None and not slow:
        evidence["update_ratio"] = ratio
        why = (f"the {knob.upper()} penalty is {penalty_share:.0%} of the loss, so the cheapest "
               "way down is to shrink the weights rather than to fit the data")
    elif cfg.dropout >= STRONG_DROPOUT:
        value = round(cfg.dropout / 2, 2) if cfg.dropout < 0.8 else 0.1
        fix = ({"dropout": value}, f"lower dropout to {value:g}")
        why = (f"dropout removes {cfg.dropout:.0%} of the units at every step, so the rest "
               "cannot learn the classes")
    else:
        return None
    return finding(
        "over_regularised", "warning",
        f"The net gets only {train_acc:.0%} of its own training examples right: "
        f"{why}. Regularisation is there to close a gap between training and validation; "
        "here there is nothing fitted to close. Regularise less.", evidence, fix)


def overfitting(f: Facts) -> Finding | None:
    h = f.history
    if len(h.eval_steps) < OVERFIT_EVALS:
        return None
    gap = float(np.mean(h.train_acc[-OVERFIT_EVALS:]) - np.mean(h.val_acc[-OVERFIT_EVALS:]))
    best, last = float(min(h.val_loss)), float(h.val_loss[-1])
    rising = last > VAL_LOSS_RISE * best and last - best > VAL_LOSS_RISE_MIN * f.ln_c
    if gap < OVERFIT_GAP and not (rising and training_loss_fell(f)):
        # without a gap, a validation loss that rose with the training loss is a run knocked
        # off course (momentum at lr 0.3 killing ReLUs), not memorising
        return None
    cfg = f.config
    fix = ({"l2": 0.01}, "add an L2 penalty (0.01)") if cfg.l2 < 0.01 else (
        ({"dropout": 0.3}, "add dropout 0.3") if cfg.dropout == 0 else None)
    return finding(
        "overfitting", "warning",
        (f"Training accuracy is {gap:.0%} above validation accuracy, and the validation loss "
         f"is {last:.3g} against its best {best:.3g}." if gap >= OVERFIT_GAP else
         f"The validation loss is {last:.3g} against its best {best:.3g}, while the training "
         "loss kept falling.") + " The net is memorising its training "
        "examples instead of learning what generalises. More data, a smaller net, or "
        "regularisation (L2, dropout) narrow the gap.",
        {"accuracy_gap": gap, "val_loss": last, "best_val_loss": best}, fix)


def training_loss_fell(f: Facts) -> bool:
    """The training loss is lower now than around the evaluation of the best validation loss."""
    h = f.history
    at = h.eval_steps[int(np.argmin(h.val_loss))]
    steps, loss = np.asarray(h.steps), np.asarray(h.loss, dtype=np.float64)
    then = loss[steps <= at][-LOSS_WINDOW:]
    return bool(then.size) and f.recent_loss() < float(np.mean(then))


def small_batch_norm(f: Facts) -> Finding | None:
    cfg = f.config
    if cfg.norm != "batch" or cfg.batch_size > SMALL_BATCH:
        return None
    return finding(
        "small_batch_norm", "warning",
        f"Batch norm estimates each unit's mean and spread from the batch, and a batch of "
        f"{cfg.batch_size} is too few examples for that: the estimates jump from step to step "
        "and differ from the running averages used at test time. Use a bigger batch, or layer "
        "norm, which needs no batch.",
        {"batch_size": cfg.batch_size}, ({"batch_size": 32}, "raise the batch size to 32"))
