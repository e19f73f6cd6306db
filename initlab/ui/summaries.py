"""What each picture shows now, in a sentence a screen reader can say.

Pure functions of the Snapshot and History the panels draw (no widgets): the lab puts them in the
page, visually hidden, beside the status line (app.py), and tests check them without a browser.
Numbers are the ones the pictures are drawn from, rounded as the pictures' labels round them.
"""
from __future__ import annotations

import numpy as np

from initlab.core.snapshot import History, Snapshot
from initlab.ui.panels.histograms import short


def share(value: float) -> str:
    """'11%', '<1%' for a small but present share, '0%' for none."""
    if not np.isfinite(value):
        return "unknown"
    return "<1%" if 0 < value < 0.005 else f"{value:.0%}"


def histograms_text(snap: Snapshot) -> str:
    """'activations: layer 1: mean 0.86, std 1.55, 11% beyond 3; layer 2: ...'"""
    lo, hi = (float(v) for v in snap.act_edges[[0, -1]])
    parts = []
    for s in snap.layers:
        above, below = float(s.act_above), float(s.act_outside - s.act_above)
        beyond = []
        if above > 0:
            beyond.append(f"{share(above)} beyond {hi:g}")
        if below > 0:
            beyond.append(f"{share(below)} below {lo:g}")
        parts.append(f"layer {s.index + 1}: mean {short(s.act_mean)}, std {short(s.act_std)}"
                     + ("".join(f", {b}" for b in beyond)))
    return "activations: " + "; ".join(parts)


def depth_text(snap: Snapshot) -> str:
    """The gradient's size at the first and last layer (the slope the log picture shows)."""
    grads = snap.column("grad_norm")
    if len(grads) == 0:
        return "gradients: no layers"
    first, last = float(grads[0]), float(grads[-1])
    return (f"gradients: |dL/dW| {first:.1e} at layer 1, {last:.1e} at layer {len(grads)}"
            f"; activation std {short(snap.layers[0].act_std)} at layer 1, "
            f"{short(snap.layers[-1].act_std)} at layer {len(grads)}")


def units_text(snap: Snapshot) -> str:
    """Dead and saturated units over all layers, as the units picture counts them."""
    units = sum(len(s.unit_active) for s in snap.layers)
    dead = sum(int(s.dead_units) for s in snap.layers)
    saturated = sum(int(np.count_nonzero(np.nan_to_num(s.unit_saturated) >= 0.5))
                    for s in snap.layers)
    return f"units: {dead} dead, {saturated} saturated of {units}"


def boundary_text(snap: Snapshot) -> str:
    """The share of the plane the net gives each class."""
    if snap.plane is None:
        return f"decision boundary: not drawn ({snap.plane_reason})"
    pred = np.asarray(snap.plane.grid_pred).ravel()
    counts = np.bincount(pred, minlength=snap.n_classes)[:snap.n_classes] / max(pred.size, 1)
    classes = ", ".join(f"class {c + 1} {share(float(v))}" for c, v in enumerate(counts))
    return f"decision boundary: share of the plane per class: {classes}"


def curves_text(snap: Snapshot, history: History) -> str:
    """The last loss and accuracies ("after N steps": the status line alone says "step N")."""
    if not history.steps:
        return f"loss {snap.loss:.3g} before training (ln C = {snap.expected_initial_loss:.3f})"
    text = f"loss {history.loss[-1]:.3g} after {history.steps[-1]} steps"
    if history.eval_steps:
        text += (f"; accuracy after {history.eval_steps[-1]} steps: train "
                 f"{share(history.train_acc[-1])}, validation {share(history.val_acc[-1])}")
    return text


def ratio_text(history: History) -> str:
    """The last step's update / weight ratio, smallest and largest over the layers."""
    if not history.update_ratio:
        return "update / weight ratio: no step yet"
    last = np.asarray(history.update_ratio[-1], float)
    last = last[np.isfinite(last)]
    if last.size == 0:
        return "update / weight ratio: not measured"
    return (f"update / weight ratio after {history.steps[-1]} steps: {last.min():.1e} to "
            f"{last.max():.1e} (about 1e-3 is healthy)")


def summaries(snap: Snapshot, history: History, run: str = "") -> list[str]:
    """One sentence per picture, in the lab's reading order; `run` ("A", "B") prefixes each."""
    lines = [histograms_text(snap), depth_text(snap), units_text(snap), boundary_text(snap),
             curves_text(snap, history), ratio_text(history)]
    return [f"run {run}, {line}" if run else line for line in lines]
