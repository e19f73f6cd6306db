"""Weight initialisation schemes, one registry (SCHEMES): a new scheme is one decorated function.

The named schemes are the frameworks' (PyTorch's torch.nn.init, Keras's initializers), with W of
shape (fan_in, fan_out):
  xavier_normal   std sqrt(2 / (fan_in + fan_out))      xavier_normal_(gain=1), glorot_normal
  xavier_uniform  U(-a, a), a = sqrt(6 / (fan_in + fan_out))   xavier_uniform_(gain=1)
  he_normal       std sqrt(2 / ((1 + s^2) fan_in))      kaiming_normal_(a=s), he_normal
  he_uniform      U(-a, a), a = sqrt(6 / ((1 + s^2) fan_in))   kaiming_uniform_(a=s)
  lecun           std sqrt(1 / fan_in)                  lecun_normal
  lecun_uniform   U(-a, a), a = sqrt(3 / fan_in)        lecun_uniform
  orthogonal      gain * an orthogonal matrix           orthogonal_(gain=the activation's gain)
He is the same for every non-linearity; s is the activation's negative_slope, which only leaky
ReLU has (0 elsewhere, as in PyTorch's default); with no non-linearity ('identity', also the
classifier's scores) He's gain is 1, PyTorch's nonlinearity='linear'.  (Keras draws its *_normal
from a truncated normal with the same std; here the normal is plain, as in PyTorch.)

Every scheme returns a (fan_in, fan_out) float64 matrix drawn only from the Generator passed in;
``init_weights`` casts it to the run's dtype, so float32 and float64 runs with the same seed start
from the same weights up to rounding.  Biases are not this module's business (the model zeros them).
"""
from __future__ import annotations

import math
from collections import OrderedDict
from typing import Any, Callable

import numpy as np

from .activations import get_activation
from .registry import Registry


# ---- remembered draws ----------------------------------------------------------------------------
DRAW_CACHE_BYTES = 32 * 2**20   # at most this much of standard-normal draws is kept (LRU)
_draws: OrderedDict[tuple, tuple[np.ndarray, dict]] = OrderedDict()


def _frozen(state: Any) -> Any:
    """A hashable copy of a bit generator's state (dicts, ints, arrays)."""
    if isinstance(state, dict):
        return tuple(sorted((k, _frozen(v)) for k, v in state.items()))
    if isinstance(state, np.ndarray):
        return state.tobytes()
    return state


def standard_normal(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    """rng.standard_normal(shape) (read-only), remembered by the generator's state and the shape.

    A rebuild with the same seed and layer shapes (moving the weight-std slider, switching the
    activation) gets the very same numbers without drawing them again, and rng is left exactly
    where drawing would leave it.  Drawing is most of the cost of building a big net.
    """
    key = (_frozen(rng.bit_generator.state), tuple(shape))
    hit = _draws.get(key)
    if hit is not None:
        _draws.move_to_end(key)
        z, end = hit
        rng.bit_generator.state = end
        return z
    z = rng.standard_normal(shape)
    z.flags.writeable = False
    _draws[key] = (z, rng.bit_generator.state)
    total = sum(v[0].nbytes for v in _draws.values())
    while total > DRAW_CACHE_BYTES and len(_draws) > 1:
        total -= _draws.popitem(last=False)[1][0].nbytes
    return z


def _normal(rng: np.random.Generator, std: float, shape: tuple[int, int]) -> np.ndarray:
    """N(0, std^2) draws: the same numbers as rng.normal(0.0, std, shape), which computes
    0 + std * z from the same standard-normal z."""
    return float(std) * standard_normal(rng, shape)


# ---- the schemes --------------------------------------------------------------------------------
class Scheme:
    """An init scheme: draw(fan_in, fan_out, rng, *, weight_std, activation, leaky_slope) -> W,
    and std(fan_in, fan_out, *, weight_std, activation, leaky_slope) -> the std it implies.
    Calling a Scheme draws.

    Facts the lab reads from the entry: label (its name in words, "He"); uses_weight_std (its
    scale is the weight-std knob: the slider sets it by hand); symmetric (every weight equal, so
    the units of a layer stay identical copies of each other); scaled_by_fan (its scale comes
    from the layer's fan-in / fan-out, not from a hand-picked number); draws: "normal" or
    "uniform" when it scales the same standard-normal / uniform draws as the other schemes of
    that family (one seed gives proportional weights), else the scheme's own name or None.
    """

    def __init__(self, draw: Callable[..., np.ndarray], std: Callable[..., float], *,
                 label: str, draws: str | None, uses_weight_std: bool = False,
                 symmetric: bool = False, scaled_by_fan: bool = True):
        self.draw, self.std = draw, std
        self.label, self.draws, self.uses_weight_std = label, draws, uses_weight_std
        self.symmetric, self.scaled_by_fan = symmetric, scaled_by_fan
        self.__doc__ = draw.__doc__

    def __call__(self, fan_in, fan_out, rng, **kw) -> np.ndarray:
        return self.draw(fan_in, fan_out, rng, **kw)


SCHEMES = Registry("init")


def scheme(name: str, std: Callable[..., float], **facts):
    """Decorator: register the draw function below it as init scheme `name` (facts: see
    Scheme)."""
    def decorate(draw):
        SCHEMES.register(name, Scheme(draw, std, **facts))
        return draw
    return decorate


def _gain(activation: str, leaky_slope: float) -> float:
    return get_activation(activation, leaky_slope=leaky_slope).gain


def _he_std(fan_in, fan_out, *, activation, leaky_slope, **kw):
    """sqrt(2 / ((1 + a^2) fan_in)) whatever the non-linearity (a: its negative slope);
    1 / sqrt(fan_in) for 'identity' (no non-linearity, PyTorch's nonlinearity='linear')."""
    return get_activation(activation, leaky_slope=leaky_slope).he_gain / math.sqrt(fan_in)


def _xavier_std(fan_in, fan_out, **kw):
    return math.sqrt(2.0 / (fan_in + fan_out))


@scheme("zeros", std=lambda *a, **kw: 0.0, label="zeros", draws=None, symmetric=True,
        scaled_by_fan=False)
def _zeros(fan_in, fan_out, rng, **kw):
    return np.zeros((fan_in, fan_out))          # breaks nothing but symmetry


@scheme("constant", std=lambda *a, **kw: 0.0,   # every weight equal: no spread
        label="constant", draws=None, uses_weight_std=True, symmetric=True, scaled_by_fan=False)
def _constant(fan_in, fan_out, rng, *, weight_std, **kw):
    return np.full((fan_in, fan_out), float(weight_std))


@scheme("gaussian", std=lambda fan_in, fan_out, *, weight_std, **kw: float(weight_std),
        label="N(0, weight std\u00b2)", draws="normal", uses_weight_std=True, scaled_by_fan=False)
def _gaussian(fan_in, fan_out, rng, *, weight_std, **kw):
    return _normal(rng, weight_std, (fan_in, fan_out))


@scheme("xavier_normal", std=_xavier_std, label="Xavier", draws="normal")
def _xavier_normal(fan_in, fan_out, rng, **kw):
    return _normal(rng, math.sqrt(2.0 / (fan_in + fan_out)), (fan_in, fan_out))


@scheme("xavier_uniform", std=_xavier_std, label="Xavier (uniform)", draws="uniform")
def _xavier_uniform(fan_in, fan_out, rng, **kw):
    a = math.sqrt(6.0 / (fan_in + fan_out))     # U(-a, a) has std a / sqrt(3)
    return rng.uniform(-a, a, (fan_in, fan_out))


@scheme("he_normal", std=_he_std, label="He", draws="normal")
def _he_normal(fan_in, fan_out, rng, **kw):
    return _normal(rng, _he_std(fan_in, fan_out, **kw), (fan_in, fan_out))


@scheme("he_uniform", std=_he_std, label="He (uniform)", draws="uniform")
def _he_uniform(fan_in, fan_out, rng, **kw):
    a = math.sqrt(3.0) * _he_std(fan_in, fan_out, **kw)
    return rng.uniform(-a, a, (fan_in, fan_out))


def _lecun_std(fan_in, fan_out, **kw):
    return 1.0 / math.sqrt(fan_in)


@scheme("lecun", std=_lecun_std, label="LeCun", draws="normal")
def _lecun(fan_in, fan_out, rng, **kw):
    return _normal(rng, _lecun_std(fan_in, fan_out), (fan_in, fan_out))


@scheme("lecun_uniform", std=_lecun_std, label="LeCun (uniform)", draws="uniform")
def _lecun_uniform(fan_in, fan_out, rng, **kw):
    a = math.sqrt(3.0 / fan_in)
    return rng.uniform(-a, a, (fan_in, fan_out))


# orthogonal: the RMS of its entries, gain / sqrt(max(fan_in, fan_out))
@scheme("orthogonal", std=lambda fan_in, fan_out, *, activation, leaky_slope, **kw:
        _gain(activation, leaky_slope) / math.sqrt(max(fan_in, fan_out)), label="orthogonal",
        draws="orthogonal")
def _orthogonal(fan_in, fan_out, rng, *, activation, leaky_slope, **kw):
    rows, cols = max(fan_in, fan_out), min(fan_in, fan_out)
    q, r = np.linalg.qr(standard_normal(rng, (rows, cols)))
    q *= np.where(np.diag(r) < 0, -1.0, 1.0)    # sign fix makes Q uniform over orthogonal matrices
    if fan_in < fan_out:
        q = q.T                                  # orthonormal rows instead of columns
    return _gain(activation, leaky_slope) * q


def init_weights(scheme: str, fan_in: int, fan_out: int, rng: np.random.Generator, *,
                 weight_std: float = 0.01, activation: str = "relu", leaky_slope: float = 0.01,
                 dtype=np.float64) -> np.ndarray:
    """A (fan_in, fan_out) weight matrix of ``dtype`` drawn by ``scheme`` from ``rng``.

    weight_std is the std of 'gaussian' and the value of 'constant'; activation and leaky_slope
    set leaky ReLU's slope in 'he_*' and the gain of 'orthogonal'.
    """
    w = SCHEMES.get(scheme).draw(fan_in, fan_out, rng, weight_std=weight_std,
                                 activation=activation, leaky_slope=leaky_slope)
    return w.astype(dtype, copy=False)


def implied_std(scheme: str, fan_in: int, fan_out: int, *, weight_std: float = 0.01,
                activation: str = "relu", leaky_slope: float = 0.01) -> float:
    """The standard deviation of the weights ``scheme`` draws for this layer shape.

    'zeros' and 'constant' give 0 (every weight is equal); orthogonal gives the RMS of its entries,
    gain / sqrt(max(fan_in, fan_out)).
    """
    return float(SCHEMES.get(scheme).std(fan_in, fan_out, weight_std=weight_std,
                                         activation=activation, leaky_slope=leaky_slope))
