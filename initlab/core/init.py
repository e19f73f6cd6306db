"""Weight initialisation schemes, one registry.

Every scheme returns a (fan_in, fan_out) float64 matrix drawn only from the Generator passed in;
``init_weights`` casts it to the run's dtype, so float32 and float64 runs with the same seed start
from the same weights up to rounding.  Biases are not this module's business (the model zeros them).
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np

from .activations import gain


def _zeros(fan_in, fan_out, rng, **kw):
    return np.zeros((fan_in, fan_out))          # breaks nothing but symmetry


def _constant(fan_in, fan_out, rng, *, weight_std, **kw):
    return np.full((fan_in, fan_out), float(weight_std))


def _gaussian(fan_in, fan_out, rng, *, weight_std, **kw):
    return rng.normal(0.0, weight_std, (fan_in, fan_out))


def _xavier_normal(fan_in, fan_out, rng, **kw):
    return rng.normal(0.0, math.sqrt(2.0 / (fan_in + fan_out)), (fan_in, fan_out))


def _xavier_uniform(fan_in, fan_out, rng, **kw):
    a = math.sqrt(6.0 / (fan_in + fan_out))     # U(-a, a) has std a / sqrt(3)
    return rng.uniform(-a, a, (fan_in, fan_out))


def _he_normal(fan_in, fan_out, rng, *, activation, leaky_slope, **kw):
    return rng.normal(0.0, gain(activation, leaky_slope) / math.sqrt(fan_in), (fan_in, fan_out))


def _he_uniform(fan_in, fan_out, rng, *, activation, leaky_slope, **kw):
    a = gain(activation, leaky_slope) * math.sqrt(3.0 / fan_in)
    return rng.uniform(-a, a, (fan_in, fan_out))


def _lecun(fan_in, fan_out, rng, **kw):
    return rng.normal(0.0, 1.0 / math.sqrt(fan_in), (fan_in, fan_out))


def _orthogonal(fan_in, fan_out, rng, *, activation, leaky_slope, **kw):
    rows, cols = max(fan_in, fan_out), min(fan_in, fan_out)
    q, r = np.linalg.qr(rng.standard_normal((rows, cols)))
    q *= np.where(np.diag(r) < 0, -1.0, 1.0)    # sign fix makes Q uniform over orthogonal matrices
    if fan_in < fan_out:
        q = q.T                                  # orthonormal rows instead of columns
    return gain(activation, leaky_slope) * q


SCHEMES: dict[str, Callable[..., np.ndarray]] = {
    "zeros": _zeros,
    "constant": _constant,
    "gaussian": _gaussian,
    "xavier_normal": _xavier_normal,
    "xavier_uniform": _xavier_uniform,
    "he_normal": _he_normal,
    "he_uniform": _he_uniform,
    "lecun": _lecun,
    "orthogonal": _orthogonal,
}


def _check(scheme: str) -> None:
    if scheme not in SCHEMES:
        raise ValueError(f"init={scheme!r} is not allowed: expected one of "
                         + ", ".join(repr(s) for s in SCHEMES))


def init_weights(scheme: str, fan_in: int, fan_out: int, rng: np.random.Generator, *,
                 weight_std: float = 0.01, activation: str = "relu", leaky_slope: float = 0.01,
                 dtype=np.float64) -> np.ndarray:
    """A (fan_in, fan_out) weight matrix of ``dtype`` drawn by ``scheme`` from ``rng``.

    weight_std is the std of 'gaussian' and the value of 'constant'; activation and leaky_slope
    set the gain of 'he_*' and 'orthogonal'.
    """
    _check(scheme)
    w = SCHEMES[scheme](fan_in, fan_out, rng, weight_std=weight_std, activation=activation,
                        leaky_slope=leaky_slope)
    return w.astype(dtype, copy=False)


def implied_std(scheme: str, fan_in: int, fan_out: int, *, weight_std: float = 0.01,
                activation: str = "relu", leaky_slope: float = 0.01) -> float:
    """The standard deviation of the weights ``scheme`` draws for this layer shape.

    'zeros' and 'constant' give 0 (every weight is equal); orthogonal gives the RMS of its entries,
    gain / sqrt(max(fan_in, fan_out)).
    """
    _check(scheme)
    if scheme in ("zeros", "constant"):
        return 0.0
    if scheme == "gaussian":
        return float(weight_std)
    if scheme in ("xavier_normal", "xavier_uniform"):
        return math.sqrt(2.0 / (fan_in + fan_out))
    if scheme == "lecun":
        return 1.0 / math.sqrt(fan_in)
    g = gain(activation, leaky_slope)
    if scheme == "orthogonal":
        return g / math.sqrt(max(fan_in, fan_out))
    return g / math.sqrt(fan_in)                 # he_normal, he_uniform
