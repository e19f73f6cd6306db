"""Non-linearities, each a forward/backward pair with the facts the panels need.

``get_activation(name)`` returns an :class:`Activation`.  ``forward(z)`` maps pre-activations
``z`` (N, units) to activations ``a`` and a cache; ``backward(da, cache)`` maps dL/da to dL/dz.
ACTIVATIONS is the one registry of names: a new non-linearity is one subclass with a ``name``,
decorated with ``@registered_name(ACTIVATIONS)``, and Config accepts it at once.
Maxout is the one exception to "same shape in and out": its z is (N, width * k), its a (N, width).
Every function keeps the dtype of its input (float32 stays float32).
"""
from __future__ import annotations

import math

import numpy as np

from .registry import Registry, not_allowed, registered_name

ACTIVATIONS = Registry("activation")
NAMES = ACTIVATIONS            # the registered names, in order (iterate it like a tuple)


class Activation:
    """Base class: a non-linearity and what the panels need to know about it.

    name: config name; hist_range: fixed (lo, hi) of the activation histogram; bounds: the values
    the output saturates at (tanh, sigmoid) or None; relu_like: a unit is "dead" when its
    pre-activation is <= 0 on every example; fan_out_factor: pre-activations per output unit.
    """
    name = "identity"
    hist_range: tuple[float, float] = (-3.0, 3.0)
    bounds: tuple[float, float] | None = None
    relu_like = False
    dies = False          # zero gradient for every negative input: a unit off the data is dead
    fan_out_factor = 1

    @classmethod
    def build(cls, *, leaky_slope: float = 0.01, pieces: int = 2) -> "Activation":
        """An instance from the Config's knobs (most activations have none)."""
        return cls()

    @classmethod
    def init_gain(cls, leaky_slope: float = 0.01) -> float:
        """Recommended init gain: weight std = gain / sqrt(fan_in) keeps activations' spread."""
        return 1.0

    def forward(self, z: np.ndarray) -> tuple[np.ndarray, object]:
        return z, None

    def backward(self, da: np.ndarray, cache: object) -> np.ndarray:
        return da

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


@registered_name(ACTIVATIONS)
class ReLU(Activation):
    name, hist_range, relu_like, dies = "relu", (0.0, 3.0), True, True

    @classmethod
    def init_gain(cls, leaky_slope=0.01):
        return math.sqrt(2.0)            # half the units are off

    def forward(self, z):
        return np.maximum(z, 0), z

    def backward(self, da, z):
        return da * (z > 0)             # the kink at 0 gets gradient 0, like CS231n


@registered_name(ACTIVATIONS)
class LeakyReLU(Activation):
    name, hist_range, relu_like = "leaky_relu", (-0.5, 3.0), True

    def __init__(self, slope: float = 0.01):
        self.slope = float(slope)

    @classmethod
    def build(cls, *, leaky_slope=0.01, pieces=2):
        return cls(leaky_slope)

    @classmethod
    def init_gain(cls, leaky_slope=0.01):
        return math.sqrt(2.0 / (1.0 + leaky_slope ** 2))

    def forward(self, z):
        a = self.slope * z
        # max(z, slope z) for slope <= 1 (min for a steeper slope); cheaper than np.where
        (np.maximum if self.slope <= 1 else np.minimum)(z, a, out=a)
        return a, z

    def backward(self, da, z):
        d = (z > 0).astype(da.dtype)    # 1 on the positive side, slope on the negative
        d *= 1 - self.slope
        d += self.slope
        d *= da
        return d

    def __repr__(self):
        return f"LeakyReLU(slope={self.slope})"


@registered_name(ACTIVATIONS)
class ELU(Activation):
    """ELU with alpha = 1: z for z > 0, exp(z) - 1 otherwise."""
    name, hist_range, relu_like = "elu", (-1.0, 3.0), True

    def forward(self, z):
        a = np.minimum(z, 0)
        np.expm1(a, out=a)
        a += np.maximum(z, 0)
        return a, a

    def backward(self, da, a):
        d = np.minimum(a, 0)            # a + 1 = exp(z) on the negative side, 1 on the positive
        d += 1
        d *= da
        return d


@registered_name(ACTIVATIONS)
class GELU(Activation):
    """GELU, tanh approximation: 0.5 z (1 + tanh(u)), u = c (z + 0.044715 z^3), c = sqrt(2/pi).

    Computed as z * sigmoid(2u), the same function, which keeps full precision for z << 0 where
    1 + tanh(u) would cancel.
    """
    name, hist_range, relu_like = "gelu", (-0.5, 3.0), True
    _c = math.sqrt(2.0 / math.pi)
    _k = 0.044715

    def forward(self, z):
        s = z * z
        s *= -2 * self._c * self._k
        s -= 2 * self._c
        s *= z                          # s = -2u, constants folded to save passes
        with np.errstate(over="ignore"):   # exp -> inf gives sigmoid 0, the right limit
            np.exp(s, out=s)
        s += 1
        np.reciprocal(s, out=s)         # s = sigmoid(2u)
        return z * s, (z, s)

    def backward(self, da, cache):
        z, s = cache
        # d/dz z s(2u) = s + z s (1 - s) 2u',  2u' = 2c (1 + 3k z^2)
        d = z * z
        d *= 6 * self._c * self._k
        d += 2 * self._c
        d *= z
        q = np.subtract(1, s)
        q *= s
        d *= q
        d += s
        d *= da
        return d


@registered_name(ACTIVATIONS)
class Tanh(Activation):
    name, hist_range, bounds = "tanh", (-1.0, 1.0), (-1.0, 1.0)

    def forward(self, z):
        a = np.tanh(z)
        return a, a

    def backward(self, da, a):
        d = a * a
        np.subtract(1, d, out=d)
        d *= da
        return d


@registered_name(ACTIVATIONS)
class Sigmoid(Activation):
    name, hist_range, bounds = "sigmoid", (0.0, 1.0), (0.0, 1.0)

    def forward(self, z):
        # 1 / (1 + exp(-z)): exp may overflow to inf for z << 0, and 1 / inf = 0 is the right
        # answer, so only the warning is silenced; no NaN, full relative precision on both sides
        a = np.negative(z)
        with np.errstate(over="ignore"):
            np.exp(a, out=a)
        a += 1
        np.reciprocal(a, out=a)
        return a, a

    def backward(self, da, a):
        d = np.subtract(1, a)
        d *= a
        d *= da
        return d


@registered_name(ACTIVATIONS)
class Maxout(Activation):
    """Maxout with k pieces: z (N, width * k) seen as (N, width, k), max over the pieces."""
    name, hist_range = "maxout", (-3.0, 3.0)

    def __init__(self, pieces: int = 2):
        if int(pieces) < 1:
            raise not_allowed("maxout_pieces", pieces, "an integer >= 1")
        self.fan_out_factor = int(pieces)

    @classmethod
    def build(cls, *, leaky_slope=0.01, pieces=2):
        return cls(pieces)

    def forward(self, z):
        n, m = z.shape
        k = self.fan_out_factor
        z3 = z.reshape(n, m // k, k)
        # a loop over the k pieces (not over samples) beats argmax along a tiny axis
        a = z3[:, :, 0].copy()
        idx = np.zeros(a.shape, np.int8)
        for j in range(1, k):
            better = z3[:, :, j] > a    # ties keep the first piece, like argmax
            # j exceeds every earlier index, so max() records the new winner (masked writes are slow)
            np.maximum(idx, np.multiply(better, j, dtype=np.int8), out=idx)
            np.maximum(a, z3[:, :, j], out=a)
        return a, (idx, z.shape)

    def backward(self, da, cache):
        idx, shape = cache
        n, m = shape
        k = self.fan_out_factor
        dz = np.empty((n, m // k, k), dtype=da.dtype)
        for j in range(k):
            np.multiply(da, idx == j, out=dz[:, :, j])   # only the winning piece learns
        return dz.reshape(shape)

    def __repr__(self):
        return f"Maxout(pieces={self.fan_out_factor})"


ACTIVATIONS.register("identity", Activation)


def get_activation(name: str, *, leaky_slope: float = 0.01, pieces: int = 2) -> Activation:
    """The activation called ``name`` (a registered one); ValueError naming 'activation' else."""
    return ACTIVATIONS.get(name).build(leaky_slope=leaky_slope, pieces=pieces)


def gain(name: str, leaky_slope: float = 0.01) -> float:
    """Recommended init gain: weight std = gain / sqrt(fan_in) keeps activations' spread.

    relu sqrt(2) (half the units are off), leaky_relu sqrt(2 / (1 + slope^2)), everything else 1.
    tanh gets 1, not PyTorch's 5/3, so that Xavier on tanh is the lecture's Xavier.
    """
    return ACTIVATIONS.get(name).init_gain(leaky_slope)
