"""Rules on choices that hold the net back whatever its weights: a net with no non-linearity, and
a learning-rate schedule that has spent the rate before the net has learned."""
from __future__ import annotations

import numpy as np

from .base import Facts, Finding, finding
from .thresholds import (SCHEDULE_SPENT, UNDERFIT_ACC, UNDERFIT_STEPS, UPDATE_RATIO_LOW,
                         UPDATE_WINDOW)


def linear_net(f: Facts) -> Finding | None:
    """Every hidden layer is linear, so the whole net is one linear map (a product of matrices is
    a matrix): its classes are regions cut by straight lines.  A warning once that visibly keeps
    it from fitting its own training set, an info note otherwise."""
    if not getattr(f.activation, "linear", False) or f.run.divergence:
        return None
    what = ("Every hidden layer is linear (activation 'identity'), so the whole net computes one "
            "linear map, however deep: a product of weight matrices is again a matrix, and its "
            "classes are regions cut by straight lines.")
    acc = f.train_accuracy()
    ratio = f.update_ratio(moving_only=True)
    stuck = (f.steps >= UNDERFIT_STEPS and acc is not None and acc < UNDERFIT_ACC
             and not (ratio is not None and ratio < UPDATE_RATIO_LOW))   # else: the lr's fault
    if not stuck:
        return finding("linear_net", "info",
                       what + " Fine for data a straight line separates; curved boundaries need "
                       "a non-linearity.", {"train_accuracy": acc})
    return finding(
        "linear_net", "warning",
        what + f" After {f.steps} steps it gets only {acc:.0%} of its training examples right: "
        "this data needs curved boundaries. Choose a non-linearity (ReLU, with He init).",
        {"train_accuracy": acc}, ({"activation": "relu", "init": "he_normal"},
                                  "switch to ReLU with He init"))


def lr_decayed(f: Facts) -> Finding | None:
    """The schedule has cut the learning rate to almost nothing while the net has not learned."""
    cfg, lrs = f.config, f.history.lr
    if cfg.lr_schedule == "constant" or len(lrs) < UPDATE_WINDOW or f.run.divergence:
        return None
    recent = np.asarray(lrs[-UPDATE_WINDOW:], dtype=np.float64)
    if not np.all(recent < SCHEDULE_SPENT * cfg.lr) or f.learning_well():
        return None
    acc = f.train_accuracy()
    now = float(recent[-1])
    got = f", and the net gets only {acc:.0%} of its training examples right" if acc is not None \
        else ""
    return finding(
        "lr_decayed", "warning",
        f"The {cfg.lr_schedule} schedule has cut the learning rate from {cfg.lr:g} to {now:.2g} "
        f"({now / cfg.lr:.1g} times the chosen rate){got}: training has all but stopped. Decay is for the end "
        "of training: keep the rate constant until the loss stops falling, then decay it more "
        "slowly (a decay factor nearer 1, or more steps per decay).",
        {"lr": now, "base_lr": cfg.lr, "train_accuracy": acc},
        ({"lr_schedule": "constant"}, "keep the learning rate constant"))
