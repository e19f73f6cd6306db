"""The babysitting assistant: read a run's snapshot and history, say what looks wrong.

    from initlab import diagnose
    for finding in diagnose(run):
        print(finding.severity, finding.message)

`diagnose(run)` returns a list of `Finding`, worst first.  It reads only what the run already has:
its cached snapshot (taken once per redraw anyway) and its history.  It never runs the network, so
it costs well under a millisecond and can follow every redraw.

Each rule is a small function with named thresholds.  A threshold says where it comes from: the
lecture (ln C at the start, updates about 1e-3 of the weights, small batches and batch norm), or a
measurement in this lab (the healthy default over seeds 0-4 and the lecture's failing presets; see
tests/unit/test_diagnose.py, which pins both sides of every threshold).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from initlab.core.config import Config
from initlab.core.snapshot import History, Snapshot
from initlab.nn.activations import ACTIVATIONS
from initlab.nn.init import SCHEMES

SEVERITIES = ("problem", "warning", "info")     # worst first

# Codes in the order a student should read them when two have the same severity.
CODES = ("diverged", "initial_loss", "exploding_gradients", "vanishing_gradients", "saturation",
         "dead_units", "update_ratio_high", "update_ratio_low", "loss_flat", "small_batch_norm",
         "overfitting")

# ---- thresholds -----------------------------------------------------------------------------
# Lecture: the loss at step 0 should be about ln C (every class equally likely).  Measured: the
# healthy default starts at 1.0-1.6 x ln C over seeds 0-4; N(0, 1) on the 10x500 tanh net at 14x.
INITIAL_LOSS_WARNING = 2.0      # x ln C
INITIAL_LOSS_PROBLEM = 5.0      # x ln C
INITIAL_LOSS_STEPS = 100        # after this many steps the start is history: told as "info"
# Measured: after 300 steps the default ReLU net has at most 27% dead units in a layer (seeds 0-4);
# the "dead relus" preset (SGD, lr 3) ends with 88-94%.  Once the training loss is ~0 (circles,
# seed 1: 41% dead at 100% accuracy) dead units and saturation are only "info".
DEAD_INFO = 0.15                # share of a layer's units
DEAD_WARNING = 0.4
DEAD_PROBLEM = 0.7
# Measured: Xavier tanh at step 0 has no saturated unit, N(0, 1) tanh has 93%; batch norm on the
# same tiny init keeps it at 5-14%.  ("Saturated": within 2% of a bound, see probe.py.)
SATURATION_WARNING = 0.3        # share of a layer's activations
SATURATION_PROBLEM = 0.6
# How much the backward signal dL/da changes from the last hidden layer to the first.  Measured:
# the default stays within 0.9-8x; N(0, 0.01) tanh shrinks it 1e-6x, 12 sigmoid layers 1e-7x,
# N(0, 1) tanh at width 500 grows it 9e4x (claim 16: slope ~0.04 times weight scale ~22 > 1).
VANISHING_RATIO = 1e-2
EXPLODING_RATIO = 1e2
# Lecture: ||update|| / ||weights|| about 1e-3 per step.  Measured (median of the last 20 steps):
# Adam at lr 0.01 on the default net is at 0.013-0.014 over its first 20 steps, at most 0.012
# after 30-50 and settles near 1e-4 once the loss is ~0 (seeds 0-4); the "dead relus" preset
# reaches 0.07, SGD at lr 3 with clipping 0.09.  SGD at lr 1e-5 sits at 2e-6, lr 1e-4 at 2e-5.
UPDATE_RATIO_LOW = 1e-5         # 100x below the band
UPDATE_RATIO_HIGH = 3e-2        # 30x above it: Adam's first steps must not count as a problem
UPDATE_WINDOW = 20              # recent steps whose ratios are summarised (median)
MIN_STEPS = 20                  # fewer steps than this say nothing about the update size yet
# Measured: SGD at lr 1e-5 lowers the loss 0.7% in 200 steps, at lr 1e-4 11%; the default 100%.
LOSS_FLAT_STEPS = 100
LOSS_FLAT_DROP = 0.05           # relative drop from the first to the last steps
LOSS_WINDOW = 20
CONVERGED_LOSS = 0.1            # x ln C: below this a small loss change or update is just done
# Measured: 400 steps on 60 noisy spiral points leave a 17% train/validation gap (with 600
# points: 4-9%); the default's gap is 0.  A validation loss rising far above its best also counts.
OVERFIT_GAP = 0.15              # train accuracy minus validation accuracy, last evaluations
OVERFIT_EVALS = 3
VAL_LOSS_RISE = 2.0             # x the best validation loss so far ...
VAL_LOSS_RISE_MIN = 0.25        # ... and at least this x ln C above it
# Lecture (batch norm and batch size): a batch of a few examples gives noisy statistics.
SMALL_BATCH = 4


@dataclass(frozen=True)
class Finding:
    """One thing the assistant noticed.

    code: what kind (see CODES); severity: "info", "warning" or "problem";
    message: what is wrong, why, what to try, in plain words;
    evidence: the numbers the rule read (floats, or lists of floats per layer);
    fix: Config changes of a one-knob fix (None if there is no single knob); fix_label: the
    button's words for it (e.g. "switch init to He"), "" without a fix.
    """
    code: str
    severity: str
    message: str
    evidence: dict[str, Any] = field(default_factory=dict)
    fix: dict[str, Any] | None = None
    fix_label: str = ""


def diagnose(run, snapshot: Snapshot | None = None) -> list[Finding]:
    """Findings about `run` (an initlab Run), worst first.

    Reads run.config, run.history, run.step_count, run.status and the run's snapshot (the cached
    one; pass `snapshot` to use one you already hold).  Never steps or probes the network itself
    beyond what run.snapshot() caches.
    """
    if run.status == "out_of_memory":
        return []          # the status line says what happened and what to lower; the weights
                           # may be half-updated, so nothing else can be read from them
    snap = snapshot if snapshot is not None else run.snapshot()
    facts = _Facts(run.config, snap, run.history, run.step_count, run.status == "diverged",
                   run.message)
    rules = [_diverged, _small_batch_norm] if facts.diverged else RULES
    findings = [f for rule in rules if (f := rule(facts)) is not None]
    findings = [_checked_fix(f, run.config) for f in findings]
    return sorted(findings, key=lambda f: (SEVERITIES.index(f.severity), CODES.index(f.code)))


@dataclass
class _Facts:
    config: Config
    snap: Snapshot
    history: History
    steps: int
    diverged: bool
    message: str

    @property
    def ln_c(self) -> float:
        return self.snap.expected_initial_loss

    def recent_loss(self) -> float:
        return float(np.mean(self.history.loss[-LOSS_WINDOW:]))

    def learned(self) -> bool:
        """The training loss is near 0: what is left of a problem no longer blocks learning."""
        return len(self.history.loss) >= MIN_STEPS and (
            self.recent_loss() < CONVERGED_LOSS * self.ln_c)


def _checked_fix(finding: Finding, config: Config) -> Finding:
    """Drop a fix that changes nothing or that the Config would refuse."""
    if finding.fix is None:
        return finding
    try:
        fixed = config.replace(**finding.fix)
    except ValueError:
        fixed = config
    if fixed == config:
        return Finding(finding.code, finding.severity, finding.message, finding.evidence)
    return finding


# ---- one-knob fixes -------------------------------------------------------------------------
def _init_fix(config: Config) -> tuple[dict, str]:
    """The init that suits the activation (its entry's recommended_init): He for the ReLU
    family, Xavier for tanh and sigmoid, LeCun for maxout."""
    best = ACTIVATIONS[config.activation].recommended_init
    return {"init": best}, f"switch init to {SCHEMES[best].label}"


def _hand_picked_init(config: Config) -> bool:
    return not SCHEMES[config.init].scaled_by_fan          # zeros, constant, gaussian


def _lower_lr(config: Config) -> tuple[dict, str]:
    return {"lr": config.lr / 10}, "lower the learning rate 10x"


def _raise_lr(config: Config) -> tuple[dict, str]:
    return {"lr": min(config.lr * 10, 10.0)}, "raise the learning rate 10x"


def _layers(values: np.ndarray) -> list[float]:
    return [float(v) for v in values]


def _finding(code: str, severity: str, message: str, evidence: dict,
             fix: tuple[dict, str] | None = None) -> Finding:
    if fix is None:
        return Finding(code, severity, message, evidence)
    return Finding(code, severity, message, evidence, fix[0], fix[1])


# ---- rules ----------------------------------------------------------------------------------
def _diverged(f: _Facts) -> Finding | None:
    if not f.diverged:
        return None
    # Run.message reads "diverged at step N: the loss <what>; <hint>": keep the what.
    what = f.message.split(": ", 1)[-1].split(";")[0] if ": " in f.message else (
        "the loss is no longer a finite number")
    return _finding(
        "diverged", "problem",
        f"Training blew up at step {f.steps}: {what}. Each update overshot so far that the next "
        "one was even bigger. A smaller learning rate (or gradient clipping) keeps the steps in "
        "check; change it, then press reset.",
        {"step": f.steps, "lr": f.config.lr}, _lower_lr(f.config))


def _initial_loss(f: _Facts) -> Finding | None:
    h = f.history
    first = h.loss[0] if h.loss else (f.snap.loss if f.snap.step == 0 else None)
    if first is None or not math.isfinite(first):
        return None
    ratio = first / f.ln_c
    if ratio < INITIAL_LOSS_WARNING:
        return None
    severity = "problem" if ratio >= INITIAL_LOSS_PROBLEM else "warning"
    if f.steps >= INITIAL_LOSS_STEPS:
        severity = "info"
    fix = _init_fix(f.config) if _hand_picked_init(f.config) else None
    return _finding(
        "initial_loss", severity,
        f"The loss started at {first:.3g}, {ratio:.3g} times ln C = {f.ln_c:.3g}. An untrained "
        "net should find every class about equally likely, which gives ln C. Far more means the "
        "first scores are huge: the weights start too large. "
        + ("Try a scale set by the layer sizes." if fix else "Try a smaller initial scale.")
        + (" (This loss includes the L1/L2 penalty, which adds to it.)"
           if f.config.l1 > 0 or f.config.l2 > 0 else ""),
        {"initial_loss": float(first), "ln_c": f.ln_c, "ratio": float(ratio)}, fix)


def _dead_units(f: _Facts) -> Finding | None:
    if not f.snap.units_can_die or not f.snap.layers:
        return None
    share = f.snap.column("dead_fraction")
    worst = int(np.argmax(share))
    top = float(share[worst])
    if top < DEAD_INFO:
        return None
    severity = ("problem" if top >= DEAD_PROBLEM else "warning" if top >= DEAD_WARNING
                else "info")
    evidence = {"dead_fraction": _layers(share), "worst_layer": worst + 1}
    if severity != "info" and f.learned():
        return _finding(
            "dead_units", "info",
            f"{top:.0%} of layer {worst + 1}'s units are dead: off for every probe example. The "
            "net has learned the training set anyway, but those units are wasted width.",
            evidence)
    if severity == "info":
        return _finding(
            "dead_units", "info",
            f"{top:.0%} of layer {worst + 1}'s units are dead: off for every probe example, so "
            "they get no gradient. A few dead units are normal in a ReLU net that learns well.",
            evidence)
    if f.steps == 0:
        why = "They start off the data cloud, so no example ever switches them on."
        fix = ({"activation": "leaky_relu"}, "switch to leaky ReLU")
    else:
        why = ("Big updates pushed them off the data cloud; they get no gradient there and can "
               "never come back.")
        fix = _lower_lr(f.config)
    return _finding(
        "dead_units", severity,
        f"{top:.0%} of layer {worst + 1}'s units are dead: their input is negative for every "
        f"example. {why} A leaky ReLU or a smaller learning rate keeps units alive.",
        evidence, fix)


def _saturation(f: _Facts) -> Finding | None:
    if not f.snap.layers:
        return None
    share = f.snap.column("saturation")
    worst = int(np.argmax(share))
    top = float(share[worst])
    if not top >= SATURATION_WARNING:
        return None
    severity = "problem" if top >= SATURATION_PROBLEM else "warning"
    cfg = f.config
    if f.learned():
        return _finding(
            "saturation", "info",
            f"{top:.0%} of layer {worst + 1}'s {cfg.activation} outputs sit at their limits, "
            "where little gradient passes. The net has learned the training set already, so "
            "this no longer holds it back.",
            {"saturation": _layers(share), "worst_layer": worst + 1})
    if _hand_picked_init(cfg):
        fix = _init_fix(cfg)
    elif cfg.norm == "none":
        fix = ({"norm": "batch"}, "add batch norm")
    else:
        fix = _lower_lr(cfg)
    return _finding(
        "saturation", severity,
        f"{top:.0%} of layer {worst + 1}'s {cfg.activation} outputs sit at their limits. There "
        "the curve is flat, its slope is ~0, and almost no gradient passes back through. The "
        "pre-activations are too large: a smaller weight scale or batch norm brings them back "
        "to the curved middle.",
        {"saturation": _layers(share), "worst_layer": worst + 1}, fix)


def _gradient_ratio(f: _Facts) -> tuple[float, np.ndarray] | None:
    """dL/da std of the first hidden layer over the last one, and the per-layer stds."""
    if len(f.snap.layers) < 2:
        return None
    signal = f.snap.column("act_grad_std")
    if not np.all(np.isfinite(signal)) or signal[-1] <= 0:
        return None
    return float(signal[0] / signal[-1]), signal


def _vanishing(f: _Facts) -> Finding | None:
    got = _gradient_ratio(f)
    if got is None or got[0] > VANISHING_RATIO:
        return None
    ratio, signal = got
    cfg = f.config
    if _hand_picked_init(cfg):
        fix = _init_fix(cfg)
    elif ACTIVATIONS[cfg.activation].bounds is not None and not cfg.residual:   # saturating
        fix = ({"residual": True}, "add skip connections")
    elif cfg.norm == "none":
        fix = ({"norm": "batch"}, "add batch norm")
    else:
        fix = None
    size = (f"is {ratio:.1g} times the one leaving the last of {len(signal)} layers"
            if ratio > 0 else f"is zero, while the one leaving the last of {len(signal)} "
            "layers is not (a layer of dead units passes nothing back, and a small enough "
            "number rounds to 0)")
    return _finding(
        "vanishing_gradients", "problem" if ratio < VANISHING_RATIO ** 2 else "warning",
        f"The gradient reaching the first layer {size}. Every layer multiplies it by its "
        "weights and the slope of its non-linearity; when that product is below 1 it shrinks "
        "layer after layer, and the first layers hardly learn.",
        {"ratio": ratio, "act_grad_std": _layers(signal),
         "grad_norm": _layers(f.snap.column("grad_norm"))}, fix)


def _exploding(f: _Facts) -> Finding | None:
    got = _gradient_ratio(f)
    if got is None or got[0] < EXPLODING_RATIO:
        return None
    ratio, signal = got
    cfg = f.config
    if _hand_picked_init(cfg):
        fix = _init_fix(cfg)
    elif cfg.norm == "none":
        fix = ({"norm": "batch"}, "add batch norm")
    elif cfg.grad_clip == 0:
        fix = ({"grad_clip": 5.0}, "clip gradients at norm 5")
    else:
        fix = None
    return _finding(
        "exploding_gradients", "problem" if ratio > EXPLODING_RATIO ** 2 else "warning",
        f"The gradient reaching the first layer is {ratio:.2g} times the one leaving the last "
        f"of {len(signal)} layers. Each layer multiplies it by its weights and its slope; when "
        "that product is above 1 it grows layer after layer, and the first layers take wild "
        "steps. Smaller weights (or batch norm, or clipping) tame it.",
        {"ratio": ratio, "act_grad_std": _layers(signal),
         "grad_norm": _layers(f.snap.column("grad_norm"))}, fix)


def _recent_update_ratio(f: _Facts) -> float | None:
    """Median over layers of each layer's median ||dW|| / ||W|| over the last steps."""
    if f.steps < MIN_STEPS or len(f.history.update_ratio) < MIN_STEPS:
        return None
    recent = np.asarray(f.history.update_ratio[-UPDATE_WINDOW:], dtype=np.float64)
    if recent.ndim != 2 or recent.shape[1] == 0:
        return None
    value = float(np.median(np.median(recent, axis=0)))
    return value if math.isfinite(value) else None


def _update_ratio_high(f: _Facts) -> Finding | None:
    ratio = _recent_update_ratio(f)
    if ratio is None or ratio < UPDATE_RATIO_HIGH:
        return None
    return _finding(
        "update_ratio_high", "warning",
        f"Each step changes the weights by {ratio:.2g} of their size; about 0.001 is healthy. "
        "Steps that large jump across the valley instead of going down it (and can knock ReLUs "
        "off for good). Lower the learning rate.",
        {"update_ratio": ratio, "band": 1e-3}, _lower_lr(f.config))


def _update_ratio_low(f: _Facts) -> Finding | None:
    ratio = _recent_update_ratio(f)
    if ratio is None or ratio > UPDATE_RATIO_LOW:
        return None
    if f.recent_loss() < CONVERGED_LOSS * f.ln_c:
        return None                  # nothing left to learn: small steps are right
    return _finding(
        "update_ratio_low", "warning",
        f"Each step changes the weights by only {ratio:.2g} of their size; about 0.001 is "
        "healthy. At this pace the net needs thousands of times more steps. Raise the learning "
        "rate.",
        {"update_ratio": ratio, "band": 1e-3}, _raise_lr(f.config))


def _loss_flat(f: _Facts) -> Finding | None:
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
    ratio = _recent_update_ratio(f)
    fix = _raise_lr(f.config) if ratio is not None and ratio < 1e-3 else None
    return _finding(
        "loss_flat", "warning",
        f"After {f.steps} steps the loss went from {start:.3g} to {end:.3g} ({drop:.0%} lower). "
        "Either the steps are too small (learning rate too low) or little gradient reaches the "
        "weights (look at the gradients across depth).",
        {"start_loss": start, "recent_loss": end, "drop": drop, "steps": f.steps}, fix)


def _overfitting(f: _Facts) -> Finding | None:
    h = f.history
    if len(h.eval_steps) < OVERFIT_EVALS:
        return None
    gap = float(np.mean(h.train_acc[-OVERFIT_EVALS:]) - np.mean(h.val_acc[-OVERFIT_EVALS:]))
    best, last = float(min(h.val_loss)), float(h.val_loss[-1])
    rising = last > VAL_LOSS_RISE * best and last - best > VAL_LOSS_RISE_MIN * f.ln_c
    if gap < OVERFIT_GAP and not rising:
        return None
    cfg = f.config
    fix = ({"l2": 0.01}, "add an L2 penalty (0.01)") if cfg.l2 < 0.01 else (
        ({"dropout": 0.3}, "add dropout 0.3") if cfg.dropout == 0 else None)
    return _finding(
        "overfitting", "warning",
        f"Training accuracy is {gap:.0%} above validation accuracy, and the validation loss "
        f"is {last:.3g} against its best {best:.3g}. The net is memorising its training "
        "examples instead of learning what generalises. More data, a smaller net, or "
        "regularisation (L2, dropout) narrow the gap.",
        {"accuracy_gap": gap, "val_loss": last, "best_val_loss": best}, fix)


def _small_batch_norm(f: _Facts) -> Finding | None:
    cfg = f.config
    if cfg.norm != "batch" or cfg.batch_size > SMALL_BATCH:
        return None
    return _finding(
        "small_batch_norm", "warning",
        f"Batch norm estimates each unit's mean and spread from the batch, and a batch of "
        f"{cfg.batch_size} is too few examples for that: the estimates jump from step to step "
        "and differ from the running averages used at test time. Use a bigger batch, or layer "
        "norm, which needs no batch.",
        {"batch_size": cfg.batch_size}, ({"batch_size": 32}, "raise the batch size to 32"))


RULES: list[Callable[[_Facts], Finding | None]] = [
    _diverged, _initial_loss, _exploding, _vanishing, _saturation, _dead_units,
    _update_ratio_high, _update_ratio_low, _loss_flat, _small_batch_norm, _overfitting,
]
