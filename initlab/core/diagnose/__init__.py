"""The babysitting assistant: read a run's snapshot and history, say what looks wrong.

    from initlab import diagnose
    for finding in diagnose(run):
        print(finding.severity, finding.message)

`diagnose(run)` returns a list of `Finding`, worst first.  It reads only what the run already has:
its cached snapshot (taken once per redraw anyway), its history, its divergence record and a few
rows of its weights.  It never runs the network, so it costs well under a millisecond and can
follow every redraw.

The rules live by idea: `signal` (the start's loss, identical units, gradients across depth,
saturated and dead units), `training` (divergence, the update size, a flat loss, too much or
too little regularisation) and `choices` (a net with no non-linearity, a schedule that has
spent the learning rate); every threshold is in `thresholds`, with where it comes from.  The
advice is made consistent here: a finding that names the cause (diverged, identical units,
regularisation too strong, a spent schedule, batch norm on tiny batches) turns the symptoms it explains into
notes without buttons, and one knob gets at most one button.  docs/diagnosis.md lists what the
assistant says on the cases a TA knows (initlab/lessons/diagnosis_cases.py).
"""
from __future__ import annotations

from typing import Callable

from initlab.core.snapshot import Snapshot

from . import choices, signal, training
from .base import Facts, Finding

SEVERITIES = ("problem", "warning", "info")     # worst first

# Codes in the order a student should read them when two have the same severity.
CODES = ("diverged", "symmetry", "initial_loss", "over_regularised", "lr_decayed", "linear_net",
         "exploding_gradients", "vanishing_gradients", "saturation", "dead_units",
         "update_ratio_high", "update_ratio_low", "loss_flat", "small_batch_norm", "overfitting")

# A finding that names the cause: the symptoms' own fixes would not help while it stands (batch
# norm on a batch of 2 also starves the update: raising the learning rate is not the cure).
CAUSES = ("diverged", "symmetry", "over_regularised", "lr_decayed", "small_batch_norm")

RULES: list[Callable[[Facts], Finding | None]] = [
    training.diverged, signal.symmetry, signal.initial_loss, training.over_regularised,
    choices.lr_decayed, choices.linear_net,
    signal.exploding, signal.vanishing, signal.saturation, signal.dead_units,
    training.update_ratio_high, training.update_ratio_low, training.loss_flat,
    training.small_batch_norm, training.overfitting,
]
AFTER_DIVERGING = [training.diverged, training.small_batch_norm]


def diagnose(run, snapshot: Snapshot | None = None) -> list[Finding]:
    """Findings about `run` (an initlab Run), worst first.

    Reads run.config, run.history, run.step_count, run.status, run.divergence and the run's
    snapshot (the cached one; pass `snapshot` to use one you already hold).  Never steps or
    probes the network itself beyond what run.snapshot() caches.
    """
    if run.status == "out_of_memory":
        return []          # the status line says what happened and what to lower; the weights
                           # may be half-updated, so nothing else can be read from them
    snap = snapshot if snapshot is not None else run.snapshot()
    facts = Facts(run, snap)
    rules = AFTER_DIVERGING if run.status == "diverged" else RULES
    findings = [f for rule in rules if (f := rule(facts)) is not None]
    findings = [_checked_fix(f, run.config) for f in findings]
    findings.sort(key=lambda f: (SEVERITIES.index(f.severity), CODES.index(f.code)))
    return consistent(findings)


def consistent(findings: list[Finding]) -> list[Finding]:
    """One button per knob, and none on a symptom whose cause is named.

    Findings come worst first; the first fix on a knob keeps its button, a later one on the same
    knob loses it (the same change twice is clutter, a different one a contradiction).  While a
    cause (CAUSES) is found, the other findings are its symptoms: they stay as info notes without
    buttons (their own fixes would not help); the small-batch note stays as it is beside another
    cause, being independent of it.
    """
    cause = next((f.code for f in findings if f.code in CAUSES and f.severity != "info"), None)
    taken: set[str] = set()
    out = []
    for f in findings:
        if cause is not None and f.code not in (cause, "small_batch_norm"):
            f = Finding(f.code, "info", f.message, f.evidence)
        if f.fix is not None:
            if taken & set(f.fix):
                f = f.without_fix()
            else:
                taken |= set(f.fix)
        out.append(f)
    out.sort(key=lambda f: (SEVERITIES.index(f.severity), CODES.index(f.code)))
    return out


def _checked_fix(finding: Finding, config) -> Finding:
    """Drop a fix that changes nothing or that the Config would refuse."""
    if finding.fix is None:
        return finding
    try:
        fixed = config.replace(**finding.fix)
    except ValueError:
        fixed = config
    return finding.without_fix() if fixed == config else finding


__all__ = ["diagnose", "consistent", "Finding", "CODES", "SEVERITIES", "CAUSES", "RULES"]
