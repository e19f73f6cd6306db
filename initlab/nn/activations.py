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
    """Base class: a non-linearity and every per-name fact the lab reads about it.

    The rules of the assistant, the budget and the controls read these facts from the entry, so a
    new activation is one subclass that states them (those it leaves out take the defaults below).

    name: config name; hist_range: fixed (lo, hi) of the activation histogram; bounds: the values
    the output saturates at (tanh, sigmoid) or None; relu_like: of the ReLU family (positive
    side linear, He init suits it); fan_out_factor: pre-activations per output unit (maxout's k).
    dies: zero gradient for every input <= 0, so a unit off the whole data cloud is dead (ReLU,
    and leaky ReLU built with slope 0).  negative_slope: the slope a on the negative side that
    He init divides by (PyTorch's kaiming_normal_ ``a``; 0 for everything but leaky ReLU).
    he_gain: He's std is he_gain / sqrt(fan_in): sqrt(2 / (1 + a^2)) for every non-linearity.
    gain: weight std = gain / sqrt(fan_in) keeps the spread of the activations (the gain of
    ``recommended_init`` and of the orthogonal scheme).
    recommended_init: the init scheme (a name in initlab.nn.init.SCHEMES) that suits it.
    cost: element-wise passes per activation value, forward + backward, relative to ReLU (the
    budget prices a step with it; measured by benchmarks/budget.py).  knobs: the Config fields
    ``build`` reads (their controls are greyed out for other activations).  linear: the output is
    a linear function of the input, so a net of such layers is one linear map (identity).
    note: where the lab's definition is one of several the frameworks offer, which one (shown
    under the init controls while the activation is chosen); "" where there is no choice.
    """
    name = "identity"
    hist_range: tuple[float, float] = (-3.0, 3.0)
    bounds: tuple[float, float] | None = None
    relu_like = False
    dies = False
    negative_slope = 0.0
    fan_out_factor = 1
    recommended_init = "xavier_normal"
    cost = 4.0            # an activation that does not say is priced like the dearest one
    knobs: tuple[str, ...] = ()
    linear = False
    note = ""

    @classmethod
    def build(cls, *, leaky_slope: float = 0.01, pieces: int = 2) -> "Activation":
        """An instance from the Config's knobs (most activations have none)."""
        return cls()

    @property
    def he_gain(self) -> float:
        """He (Kaiming) init's gain, the same for every non-linearity: sqrt(2 / (1 + a^2)),
        a = negative_slope (PyTorch's kaiming_normal_(a=a), Keras's he_normal for a = 0)."""
        return math.sqrt(2.0 / (1.0 + self.negative_slope ** 2))

    @property
    def gain(self) -> float:
        """Weight std = gain / sqrt(fan_in) keeps the activations' spread: He's gain for the
        ReLU family (half the units off), 1 otherwise (tanh gets 1, not PyTorch's 5/3, so that
        Xavier on tanh is the lecture's Xavier)."""
        return self.he_gain if self.relu_like else 1.0

    def forward(self, z: np.ndarray) -> tuple[np.ndarray, object]:
        return z, None

    def backward(self, da: np.ndarray, cache: object) -> np.ndarray:
        return da

    def kinks(self, z: np.ndarray, cache: object) -> np.ndarray | None:
        """Which side of its kinks each value is on (None: smooth).  A gradient check's step
        that changes this crossed a kink, where the numeric gradient is meaningless (the CS231n
        notes: track the winners of every max): ReLU's z > 0, maxout's winning piece."""
        return None

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


@registered_name(ACTIVATIONS)
class ReLU(Activation):
    name, hist_range, relu_like, dies = "relu", (0.0, 3.0), True, True
    recommended_init, cost = "he_normal", 1.0

    def forward(self, z):
        return np.maximum(z, 0), z

    def backward(self, da, z):
        return da * (z > 0)             # the kink at 0 gets gradient 0, like CS231n

    def kinks(self, z, cache):
        return z > 0


@registered_name(ACTIVATIONS)
class LeakyReLU(Activation):
    name, hist_range, relu_like = "leaky_relu", (-0.5, 3.0), True
    recommended_init, cost, knobs = "he_normal", 1.5, ("leaky_slope",)

    def __init__(self, slope: float = 0.01):
        self.slope = float(slope)

    @classmethod
    def build(cls, *, leaky_slope=0.01, pieces=2):
        return cls(leaky_slope)

    @property
    def negative_slope(self) -> float:
        return self.slope

    @property
    def dies(self) -> bool:
        """With slope 0 it is a ReLU: no gradient below 0, so an off unit is dead."""
        return self.slope == 0

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

    def kinks(self, z, cache):
        return z > 0


@registered_name(ACTIVATIONS)
class ELU(Activation):
    """ELU with alpha = 1: z for z > 0, exp(z) - 1 otherwise."""
    name, hist_range, relu_like = "elu", (-1.0, 3.0), True
    recommended_init, cost = "he_normal", 3.0

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
    recommended_init, cost = "he_normal", 4.0
    # measured: max |tanh form - erf form| = 4.7e-4, at z = -2.70 (tests/unit/test_activations.py)
    note = ("GELU here is the tanh approximation, PyTorch's GELU(approximate='tanh'); the exact "
            "erf form (PyTorch's and Keras's default) differs by less than 5e-4")
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
    recommended_init, cost = "xavier_normal", 3.0

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
    recommended_init, cost = "xavier_normal", 3.0

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
    """Maxout with k pieces: z (N, width * k) seen as (N, width, k), max over the pieces.

    Init convention: the layer is one (fan_in, width * k) matrix, as PyTorch counts an
    nn.Linear(fan_in, width * k) followed by the max: fan_in is the layer's inputs, fan_out
    counts every piece.  So He and LeCun do not depend on k; Xavier does.  LeCun suits it: the
    max of two independent N(0, s^2) pieces has E[a^2] = s^2 exactly (max^2 + min^2 = z1^2 + z2^2
    and the two are equally distributed), so gain 1 keeps the spread with 2 pieces; more pieces
    grow it a little (E[max^2] = 1.28 s^2 for 3, 1.55 s^2 for 4).
    """
    name, hist_range = "maxout", (-3.0, 3.0)
    recommended_init, cost, knobs = "lecun", 2.5, ("maxout_pieces",)

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

    def kinks(self, z, cache):
        return cache[0]

    def __repr__(self):
        return f"Maxout(pieces={self.fan_out_factor})"


@registered_name(ACTIVATIONS)
class Identity(Activation):
    """No non-linearity: a = z (a linear net; the model also draws its classifier, which feeds
    the softmax, as a layer of this kind).  He's gain is 1 here, PyTorch's
    kaiming_normal_(nonlinearity='linear'): no unit is ever off, so nothing halves the spread."""
    name, cost, he_gain, linear = "identity", 0.7, 1.0, True


def get_activation(name: str, *, leaky_slope: float = 0.01, pieces: int = 2) -> Activation:
    """The activation called ``name`` (a registered one); ValueError naming 'activation' else."""
    return ACTIVATIONS.get(name).build(leaky_slope=leaky_slope, pieces=pieces)


def gain(name: str, leaky_slope: float = 0.01) -> float:
    """The activation's gain (see Activation.gain): weight std = gain / sqrt(fan_in) keeps the
    activations' spread.  relu, elu, gelu sqrt(2), leaky_relu sqrt(2 / (1 + slope^2)), tanh,
    sigmoid, maxout and identity 1."""
    return get_activation(name, leaky_slope=leaky_slope).gain
