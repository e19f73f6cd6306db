"""The lecture's sanity checks on one Config, each with a verdict, its number and, when it fails,
the likely cause (a diagnose Finding, with the assistant's one-knob fix where there is one).

    for check in SANITY_CHECKS:          # one at a time: the lab's checks view runs them so
        result = check(config)
        print(result.name, result.passed, result.value, result.text)

- initial_loss_check: the untrained net's DATA loss against ln C (the loss with the penalty too)
- gradient_check_whole_net: the largest relative error of analytic against numeric gradients
- overfit_check: 20 training examples, no regularisation: does training accuracy reach 100%?
- update_ratio_check: ||delta W|| / ||W|| over the first steps, against the lecture's ~1e-3

Thresholds are named here or read from initlab.core.diagnose (the assistant's), so that a check
and the assistant never disagree about the same number.  Fixes are the assistant's: a failing
check carries diagnose()'s finding on the run it measured, or for a symmetric start (zero or
constant init) diagnose's init fix.  Pure NumPy, no widgets.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from initlab.core import checks
from initlab.core.config import Config
from initlab.core.diagnose import Finding, diagnose
from initlab.core.diagnose import thresholds as assistant
from initlab.core.run import Run
from initlab.nn.losses import softmax_cross_entropy

# CS231n notes (gradient checks): a relative error above 1e-4 should make you uneasy; below it
# is usually fine for nets with kinks (ReLU), and below 1e-7 is the happy case.  Measured here:
# the default net (ReLU, He) at most 4e-6 over seeds 0-4.
GRADIENT_THRESHOLD = 1e-4
GRADIENT_EXAMPLES = 6
# The lecture: overfit about 20 examples with regularisation off; the loss should reach ~0 and
# training accuracy 100%.  Measured: the default net gets there within 300 steps on seeds 0-4.
TINY_EXAMPLES = 20
TINY_STEPS = 300
# The update/weight ratio over the first steps, judged by the assistant's own band.
RATIO_STEPS = assistant.MIN_STEPS
SYMMETRIC_INITS = ("zeros", "constant")


@dataclass(frozen=True)
class CheckResult:
    """One check's outcome.  value: its number (e.g. 1.88); text: the number in words, with its
    reference; cause: why it failed, '' if it passed; findings: the assistant's findings that
    name the cause (their `fix` is the one-knob fix the lab offers as a button)."""
    name: str
    title: str
    passed: bool
    value: float
    text: str
    cause: str = ""
    findings: tuple[Finding, ...] = ()
    evidence: dict = field(default_factory=dict)     # the numbers the text gives, by name


def _coded(findings: list[Finding], *codes: str) -> tuple[Finding, ...]:
    return tuple(f for f in findings if f.code in codes)


def _symmetric(config: Config, run: Run) -> tuple[str, tuple[Finding, ...]]:
    """The cause of a failure from a zero or constant init: the assistant's symmetry finding on
    the run (with its init fix)."""
    cause = (f"init={config.init!r}: every unit of a layer starts the same, gets the same "
             "gradient and stays the same (and ReLUs at exactly 0 pass no gradient at all): "
             "the net cannot learn, not even 20 examples.")
    return cause, _coded(diagnose(run), "symmetry")


def initial_loss_check(config: Config) -> CheckResult:
    """The data loss before training against ln C: passes under diagnose's INITIAL_LOSS_WARNING
    times ln C.  The loss with the L1/L2 penalty is given beside it (it is what training sees)."""
    run = Run(config)
    with np.errstate(all="ignore"):
        scores = run.model.forward(run.data.x_train, "eval")
        data_loss = float(softmax_cross_entropy(scores, run.data.y_train)[0])
        penalty = float(run.model.penalty(add_grads=False))
    ln_c = math.log(run.data.n_classes)
    ratio = data_loss / ln_c
    passed = math.isfinite(ratio) and ratio < assistant.INITIAL_LOSS_WARNING
    text = (f"data loss {data_loss:.3g} = {ratio:.2f} x ln C ({ln_c:.3g}); with the penalty "
            f"{data_loss + penalty:.3g}. Passes under {assistant.INITIAL_LOSS_WARNING:g} x ln C.")
    cause, found = "", ()
    if not passed:
        cause = ("The untrained net is confidently wrong: its first class scores are far "
                 "from equal because the weights start too large.")
        found = _coded(diagnose(run), "initial_loss")
    return CheckResult("initial_loss", "loss at the start", passed, ratio, text, cause, found,
                       {"data_loss": data_loss, "with_penalty": data_loss + penalty,
                        "ln_c": ln_c})


def gradient_check_whole_net(config: Config) -> CheckResult:
    """The largest relative error between backprop and centred differences over every
    parameter of the whole net (checks.gradient_check_details, always in float64 as the
    frameworks' gradcheck wants double precision; entries whose step crossed a kink of ReLU or
    maxout are skipped, as the CS231n notes advise): passes under GRADIENT_THRESHOLD."""
    errors, skipped, total = checks.gradient_check_details(config, n_examples=GRADIENT_EXAMPLES)
    worst_name = max(errors, key=errors.get)
    worst = errors[worst_name]
    passed = math.isfinite(worst) and worst < GRADIENT_THRESHOLD
    precision = ("computed in float64, not the run's float32 (in float32 the numeric gradient "
                 "is mostly rounding error)" if config.dtype == "float32" else
                 "computed in float64")
    kinks = (f"; {skipped} of {total} entries skipped: their numeric step crossed a kink "
             "(ReLU at 0, maxout's winner)" if skipped else "")
    text = (f"max relative error {worst:.1e} (in {worst_name}), {precision}{kinks}; passes "
            f"under {GRADIENT_THRESHOLD:.0e}.")
    cause = "" if passed else (
        "The backward pass does not match the loss: a bug in a layer's gradient. No setting "
        "fixes a wrong gradient.")
    return CheckResult("gradient", "gradient check", passed, worst, text, cause,
                       evidence={"skipped": skipped, "entries": total})


def _regularisation_off(config: Config) -> str:
    """' (L2 1 and dropout 0.9 switched off for this check)', '' without regularisation."""
    off = [f"{label} {getattr(config, name):g}" for name, label in
           (("l1", "L1"), ("l2", "L2"), ("dropout", "dropout")) if getattr(config, name) > 0]
    return f" ({' and '.join(off)} switched off for this check, as the lecture does)" if off else ""


def _overfit_cause(config: Config, found: tuple[Finding, ...]) -> str:
    """Why the tiny run failed, in the words of the assistant's findings on it."""
    codes = {f.code for f in found}
    if "diverged" in codes:
        return ("The run blew up: the learning rate is far too high for this net. Lower it.")
    if "update_ratio_high" in codes:
        return ("The steps are too big for the weights: lower the learning rate.")
    if "small_batch_norm" in codes and config.batch_size <= 2:
        return ("Batch norm on a batch this small cannot estimate a unit's mean and spread.")
    if any("clip_scale" in f.evidence for f in found):
        return ("Gradient clipping cuts every step, so the weights barely move: raise its "
                "threshold.")
    if "update_ratio_low" in codes or "loss_flat" in codes:
        return ("The steps are too small to memorise even 20 examples: raise the learning "
                "rate.")
    return ("A net that cannot memorise 20 examples has a bug or cannot learn at these "
            "settings: look at what the assistant says about this run.")


def overfit_check(config: Config) -> CheckResult:
    """TINY_EXAMPLES training examples, no L1/L2/dropout, TINY_STEPS steps
    (checks.overfit_tiny_subset): passes when training accuracy reaches 100%."""
    run = checks.overfit_tiny_subset(config, n_examples=TINY_EXAMPLES, steps=TINY_STEPS)
    acc = math.nan if run.diverged else float(run.accuracy("train"))
    passed = acc == 1.0
    loss = run.history.loss[-1] if run.history.loss else math.nan
    off = _regularisation_off(config)
    text = (f"training accuracy {acc:.0%} on {TINY_EXAMPLES} examples after {TINY_STEPS} steps "
            f"(loss {loss:.3g}){off}; passes at 100%." if not run.diverged else
            f"diverged at step {run.diverged_at} on {TINY_EXAMPLES} examples{off}.")
    cause, found = "", ()
    if passed:
        return CheckResult("overfit", "overfit 20 examples", True, acc, text)
    if config.init in SYMMETRIC_INITS:
        cause, found = _symmetric(config, run)
    else:
        found = tuple(f for f in diagnose(run) if f.code != "overfitting")
        cause = _overfit_cause(config, found)
    return CheckResult("overfit", "overfit 20 examples", False, acc, text, cause, found)


def update_ratio_check(config: Config) -> CheckResult:
    """||delta W|| / ||W|| after RATIO_STEPS steps, as the assistant reads it (median over layers
    of each layer's median over the steps): passes inside diagnose's band
    [UPDATE_RATIO_LOW, UPDATE_RATIO_HIGH]."""
    run = Run(config, **checks.SCORE_ONLY)
    run.step(RATIO_STEPS)
    ratios = np.asarray(run.history.update_ratio[-RATIO_STEPS:], dtype=np.float64)
    ratio = (float(np.median(np.median(ratios, axis=0)))
             if ratios.ndim == 2 and ratios.size else math.nan)
    low, high = assistant.UPDATE_RATIO_LOW, assistant.UPDATE_RATIO_HIGH
    passed = not run.diverged and math.isfinite(ratio) and low <= ratio <= high
    text = (f"update/weight ratio {ratio:.2g} after {RATIO_STEPS} steps (the lecture: about "
            f"1e-3); passes in [{low:.0e}, {high:.0e}].")
    cause, found = "", ()
    if not passed and config.init in SYMMETRIC_INITS:
        cause, found = _symmetric(config, run)
    elif not passed:
        found = _coded(diagnose(run), "diverged", "update_ratio_high",
                       "update_ratio_low", "small_batch_norm")
        clipped = any("clip_scale" in f.evidence for f in found)
        # the assistant's own reading: a high ratio under a penalty that is most of the loss
        # (Adam at lr 0.01 under L2 1.0 moves the weights 0.064-0.067 of their size per step)
        penalised = [k for f in found if "penalty_share" in f.evidence for k in (f.fix or {})]
        if config.norm == "batch" and config.batch_size == 1:
            # one example: z - mean is 0, so nothing reaches the weights below a batch norm
            found = _coded(list(found), "small_batch_norm")
            cause = ("Batch norm over a batch of 1 subtracts the only example from itself: "
                     "every normalised value is 0 and no gradient reaches the weights below "
                     "it. Raise the batch size (or use layer norm).")
        elif clipped:
            cause = ("The steps are too small to learn in any reasonable time, and gradient "
                     "clipping is what keeps them small: raise its threshold.")
        elif math.isfinite(ratio) and ratio < low:
            cause = ("The steps are too small to learn in any reasonable time: raise the "
                     "learning rate.")
        elif penalised and not run.diverged:
            knob = penalised[0]
            name = knob.upper()
            cause = (f"The steps are too big for the weights: {name} "
                     f"{getattr(config, knob):g} pulls every weight towards 0 on every step, "
                     f"and the weights shrink. Lower {name} (or the learning rate).")
        else:
            cause = "The steps are too big for the weights: lower the learning rate."
    return CheckResult("update_ratio", "update/weight ratio", passed, ratio, text, cause, found)


SANITY_CHECKS: tuple[Callable[[Config], CheckResult], ...] = (
    initial_loss_check, gradient_check_whole_net, overfit_check, update_ratio_check)


def run_checks(config: Config) -> list[CheckResult]:
    """Every sanity check on `config`, in the lecture's order."""
    return [check(config) for check in SANITY_CHECKS]
