"""Data loss (softmax cross-entropy) and weight penalties (L1, L2).

The model applies the penalties to dense weights only, never to biases or norm parameters.
"""
from __future__ import annotations

import numpy as np


def softmax_cross_entropy(scores: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """Mean cross-entropy of softmax(scores) against integer labels.

    scores (N, C), y (N,) ints in [0, C) -> (loss, dL/dscores (N, C), probs (N, C)).  Shifting by
    the row max keeps exp from overflowing; the loss at init should be about ln C.
    """
    n = scores.shape[0]
    rows = np.arange(n)
    shifted = scores - scores.max(axis=1, keepdims=True)
    probs = np.exp(shifted)
    total = probs.sum(axis=1, keepdims=True)
    probs /= total
    log_p = shifted[rows, y] - np.log(total[:, 0])  # log-softmax of the true class, no log(0)
    loss = -float(log_p.mean())
    dscores = probs.copy()
    dscores[rows, y] -= 1
    dscores /= n
    return loss, dscores, probs


def l1_penalty(weights: list[np.ndarray], l1: float) -> tuple[float, list[np.ndarray]]:
    """l1 * sum |W| over all matrices, and its (sub)gradients l1 * sign(W)."""
    l1 = float(l1)
    value = l1 * sum(float(np.abs(w).sum()) for w in weights)
    return value, [l1 * np.sign(w) for w in weights]


def l2_penalty(weights: list[np.ndarray], l2: float) -> tuple[float, list[np.ndarray]]:
    """0.5 * l2 * sum W^2 over all matrices, and its gradients l2 * W."""
    l2 = float(l2)
    value = 0.5 * l2 * sum(float(np.vdot(w, w)) for w in weights)
    return value, [l2 * w for w in weights]
