"""Rules on the signal through the net: the start's loss, identical units, gradients across
depth, saturated and dead units.  Each is a function of Facts returning a Finding or None."""
from __future__ import annotations

import math

import numpy as np

from .base import (Facts, Finding, finding, hand_picked_init, init_fits, init_fix,
                   init_scale_moves, layers, lower_lr)
from .thresholds import (DEAD_INFO, DEAD_PROBLEM, DEAD_WARNING, EXPLODING_RATIO,
                         INITIAL_LOSS_PROBLEM, INITIAL_LOSS_STEPS, INITIAL_LOSS_WARNING,
                         SATURATION_PROBLEM, SATURATION_WARNING, VANISHING_RATIO)

# Inputs not scaled to unit spread: their size goes straight into the first scores.
UNSCALED = ("none", "center", "pca")


def initial_loss(f: Facts) -> Finding | None:
    """The data loss at the start against ln C (the penalty is told apart: it adds to it).

    Before any step: the probe batch's (no dropout).  Later: the first minibatch's, unless that
    step ran with dropout, whose rescaled units inflate it (then the start is not judged)."""
    data = f.snap.loss if f.snap.step == 0 else (
        f.run.start_data_loss if f.config.dropout == 0 else None)
    if data is None or not math.isfinite(data):
        return None
    ratio = data / f.ln_c
    if ratio < INITIAL_LOSS_WARNING:
        return None
    severity = "problem" if ratio >= INITIAL_LOSS_PROBLEM else "warning"
    if f.steps >= INITIAL_LOSS_STEPS:
        severity = "info"
    cfg = f.config
    if (hand_picked_init(cfg) or not init_fits(f)) and cfg.norm != "none":
        # Normalised hidden layers: N(0,1) trains as fast as He over the first 30 steps
        # (batch and layer norm, depth 3 and 10, seeds 0-4: tests/unit/test_diagnose_choices.py),
        # so the finding names the cause and offers no button.
        fix = None
        what = (f"{cfg.norm.capitalize()} norm rescales every hidden layer, so it is the output "
                "layer's weights that make them huge. That costs little here: the net trains "
                "as fast from this start as from He init. A scale set by the layer sizes "
                "would start at ln C.")
    elif hand_picked_init(cfg) or not init_fits(f):
        fix, what = init_fix(f), "Try a scale set by the layer sizes."
    elif cfg.preprocessing in UNSCALED:
        fix = ({"preprocessing": "standardize"}, "standardise the inputs")
        what = ("The inputs are not scaled to unit spread, and their size goes straight into "
                "the scores: standardise them.")
    else:
        fix, what = None, "Try a smaller initial scale."
    evidence = {"initial_data_loss": float(data), "ln_c": f.ln_c, "ratio": float(ratio)}
    penalty = ""
    if cfg.l1 > 0 or cfg.l2 > 0:
        evidence["initial_penalty"] = (float(f.history.loss[0]) - float(data) if f.history.loss
                                       else f.penalty)
        penalty = (f" (The L1/L2 penalty, {evidence['initial_penalty']:.3g} at the start, is "
                   "not in this number: it adds to the total, as it should.)")
    return finding(
        "initial_loss", severity,
        f"The data loss started at {data:.3g}, {ratio:.3g} times ln C = {f.ln_c:.3g}. An "
        "untrained net should find every class about equally likely, which gives ln C. Far "
        f"more means the first scores are huge. {what}{penalty}", evidence, fix)


def symmetry(f: Facts) -> Finding | None:
    same = f.symmetric_layers
    if not same:
        return None
    cfg = f.config
    return finding(
        "symmetry", "problem",
        f"Every unit of layer{'s' if len(same) > 1 else ''} {_join(same)} has the same weights, "
        "so all units of a layer compute the same thing, get the same gradient and stay copies "
        "of one unit: the layer is one unit wide. A zero or constant init never breaks this "
        "symmetry; random weights scaled by the layer sizes do.",
        {"identical_layers": [float(i) for i in same], "units": float(cfg.width)},
        init_fix(f))


def _join(numbers: list[int]) -> str:
    return ", ".join(str(n) for n in numbers)


def dead_units(f: Facts) -> Finding | None:
    if not f.snap.units_can_die or not f.snap.layers:
        return None
    share = f.snap.column("dead_fraction")
    worst = int(np.argmax(share))
    top = float(share[worst])
    if top < DEAD_INFO:
        return None
    severity = ("problem" if top >= DEAD_PROBLEM else "warning" if top >= DEAD_WARNING
                else "info")
    evidence = {"dead_fraction": layers(share), "worst_layer": worst + 1}
    head = f"{top:.0%} of layer {worst + 1}'s units are dead: off for every probe example, "
    if severity != "info" and f.learning_well():
        return finding("dead_units", "info", head + "yet the net gets its training examples "
                       "right; those units are only wasted width.", evidence)
    if severity == "info":
        return finding("dead_units", "info", head + "so they get no gradient. A few dead units "
                       "are normal in a ReLU net that learns well.", evidence)
    if f.steps == 0:
        return finding(
            "dead_units", "info",
            head + "before any step. Off units can still come back as the layers below them "
            "move (deep nets start with some); watch whether the share falls while training.",
            evidence)
    return finding(
        "dead_units", severity,
        head + "so they get no gradient. Big updates pushed them off the data cloud; such units "
        "rarely recover. A smaller learning rate (or a leaky ReLU) keeps units alive.",
        evidence, lower_lr(f.config))


def saturation(f: Facts) -> Finding | None:
    if not f.snap.layers:
        return None
    share = f.snap.column("saturation")
    worst = int(np.argmax(share))
    top = float(share[worst])
    if not top >= SATURATION_WARNING:
        return None
    severity = "problem" if top >= SATURATION_PROBLEM else "warning"
    cfg = f.config
    evidence = {"saturation": layers(share), "worst_layer": worst + 1}
    if f.learning_well():
        return finding(
            "saturation", "info",
            f"{top:.0%} of layer {worst + 1}'s {cfg.activation} outputs sit at their limits, "
            "where the local slope is ~0. The net gets its training examples right anyway, so "
            "this does not hold it back.", evidence)
    if hand_picked_init(cfg) or not init_fits(f):
        fix = init_fix(f)
    elif cfg.norm == "none":
        fix = ({"norm": "batch"}, "add batch norm")
    else:
        fix = lower_lr(cfg)
    return finding(
        "saturation", severity,
        f"{top:.0%} of layer {worst + 1}'s {cfg.activation} outputs sit at their limits. There "
        "the curve is flat: its local slope is ~0, so a saturated unit passes almost nothing "
        "back to its own weights and inputs (what reaches the first layer can still be large "
        "when the weights are). The pre-activations are too large: a smaller weight scale or "
        "batch norm brings them back to the curved middle.", evidence, fix)


def _gradient_ratio(f: Facts) -> tuple[float, np.ndarray] | None:
    """dL/da std of the first hidden layer over the last one, and the per-layer stds."""
    if len(f.snap.layers) < 2:
        return None
    signal = f.snap.column("act_grad_std")
    if not np.all(np.isfinite(signal)) or signal[-1] <= 0:
        return None
    return float(signal[0] / signal[-1]), signal


def vanishing(f: Facts) -> Finding | None:
    got = _gradient_ratio(f)
    if got is None or got[0] > VANISHING_RATIO:
        return None
    ratio, signal = got
    cfg = f.config
    if (hand_picked_init(cfg) or not init_fits(f)) and init_scale_moves(f, bigger=True):
        fix = init_fix(f)
    elif f.activation.bounds is not None and not cfg.residual:      # saturating
        fix = ({"residual": True}, "add skip connections")
    elif cfg.norm == "none":
        fix = ({"norm": "batch"}, "add batch norm")
    else:
        fix = None
    size = (f"is {ratio:.1g} times the one leaving the last of {len(signal)} layers"
            if ratio > 0 else f"is zero, while the one leaving the last of {len(signal)} "
            "layers is not (a layer of dead units passes nothing back, and a small enough "
            "number rounds to 0)")
    return finding(
        "vanishing_gradients", "problem" if ratio < VANISHING_RATIO ** 2 else "warning",
        f"The gradient reaching the first layer {size}. Every layer multiplies it by its "
        "weights and the slope of its non-linearity; when that product is below 1 it shrinks "
        "layer after layer, and the first layers hardly learn.",
        {"ratio": ratio, "act_grad_std": layers(signal),
         "grad_norm": layers(f.snap.column("grad_norm"))}, fix)


def exploding(f: Facts) -> Finding | None:
    got = _gradient_ratio(f)
    if got is None or got[0] < EXPLODING_RATIO:
        return None
    ratio, signal = got
    cfg = f.config
    if (hand_picked_init(cfg) or not init_fits(f)) and init_scale_moves(f, bigger=False):
        fix = init_fix(f)
    elif cfg.norm == "none":
        fix = ({"norm": "batch"}, "add batch norm")
    elif cfg.grad_clip == 0:
        fix = ({"grad_clip": 5.0}, "clip gradients at norm 5")
    else:
        fix = None
    grad_norm = f.snap.column("grad_norm")
    return finding(
        "exploding_gradients", "problem" if ratio > EXPLODING_RATIO ** 2 else "warning",
        f"The gradient reaching the first layer is {ratio:.2g} times the one leaving the last "
        f"of {len(signal)} layers (the first layer's weight gradient has norm "
        f"{grad_norm[0]:.2g}). Each layer multiplies it by its weights and its slope; when that "
        "product is above 1 it grows layer after layer, and the first layers take wild steps. "
        "Smaller weights (or batch norm, or clipping) tame it.",
        {"ratio": ratio, "act_grad_std": layers(signal), "grad_norm": layers(grad_norm)}, fix)
