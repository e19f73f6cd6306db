"""Numeric gradients by centred differences, and the relative error that compares them."""
from __future__ import annotations

from typing import Callable

import numpy as np


def numeric_gradient(f: Callable[[np.ndarray], object], x: np.ndarray, df: np.ndarray | None = None,
                     h: float = 1e-5) -> np.ndarray:
    """d(f)/dx by centred differences, one entry of x at a time (x is perturbed in place and restored).

    f(x) returns a scalar, or an array when df (the upstream gradient, f's output shape) is given:
    then the result is the gradient of sum(f(x) * df).  Returns an array shaped like x (float64).
    """
    grad = np.zeros(x.shape, dtype=np.float64)
    it = np.nditer(x, flags=["multi_index"], op_flags=[["readwrite"]])
    while not it.finished:
        i = it.multi_index
        old = x[i]
        x[i] = old + h
        plus = np.array(f(x), dtype=np.float64, copy=True)
        x[i] = old - h
        minus = np.array(f(x), dtype=np.float64, copy=True)
        x[i] = old
        diff = plus - minus
        grad[i] = (diff if df is None else np.sum(diff * df)) / (2 * h)
        it.iternext()
    return grad


def rel_error(a: np.ndarray, b: np.ndarray) -> float:
    """max |a - b| / max(1e-12, |a| + |b|), elementwise (CS231n's form)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b) / np.maximum(1e-12, np.abs(a) + np.abs(b))))

