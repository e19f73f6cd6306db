"""Update rules, learning-rate schedules and gradient clipping.

RULES and SCHEDULES are the registries Config reads its choices from.  Every rule has one
signature, ``delta = RULES[name](dw, state, lr=, momentum=, t=)``: it returns
the change to add to the weight (``w += delta``) and keeps what it remembers (velocity, caches) in
``state``, a dict per parameter that starts empty.  t is the 1-based step number of this rule's
own steps (a Run counts from the last switch of optimiser, so a new rule starts fresh).

A rule's entry is a :class:`Rule` that also carries the facts the lab reads by name: how many
arrays of the weight's size its state keeps (the budget prices them), which Config knobs it reads
(a control is greyed out for rules that ignore it) and whether its step is scaled per weight.
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np

from .registry import Registry, not_allowed

EPS = 1e-8                             # RMSProp's and Adam's eps, as in PyTorch
ADAGRAD_EPS = 1e-10                    # torch.optim.Adagrad's default eps
RULES = Registry("optimizer")          # update rules, one per name (see the module docstring)
SCHEDULES = Registry("lr_schedule")    # lr(base_lr, t, decay, T) per schedule name


def sgd(dw, state, *, lr, momentum, t):
    """Plain SGD: step against the gradient."""
    return -lr * dw


def momentum_update(dw, state, *, lr, momentum, t):
    """Momentum: v = mu v - lr dw; the velocity is the step, so a consistent slope builds speed."""
    v = state.get("v")
    if v is None:
        v = state["v"] = np.zeros_like(dw)
    v *= momentum
    v -= lr * dw
    return v.copy()


def nesterov(dw, state, *, lr, momentum, t):
    """Nesterov momentum in CS231n's form on the current parameters:
    v_new = mu v - lr dw;  w += -mu v + (1 + mu) v_new."""
    v = state.get("v")
    if v is None:
        v = state["v"] = np.zeros_like(dw)
    delta = v * -momentum
    v *= momentum
    v -= lr * dw
    delta += (1 + momentum) * v
    return delta


def adagrad(dw, state, *, lr, momentum, t):
    """Adagrad: per-weight step lr / (sqrt(sum of all past dw^2) + eps), eps 1e-10 as in
    torch.optim.Adagrad (initial sum 0, no lr decay)."""
    cache = state.get("cache")
    if cache is None:
        cache = state["cache"] = np.zeros_like(dw)
    cache += dw * dw
    return -lr * dw / (np.sqrt(cache) + ADAGRAD_EPS)


def rmsprop(dw, state, *, lr, momentum, t):
    """RMSProp: Adagrad with a leaky cache.  Decay = momentum when 0 < momentum < 1, else 0.99
    (the config has one momentum knob; it doubles as RMSProp's decay rate)."""
    decay = momentum if 0 < momentum < 1 else 0.99
    cache = state.get("cache")
    if cache is None:
        cache = state["cache"] = np.zeros_like(dw)
    cache *= decay
    cache += (1 - decay) * dw * dw
    return -lr * dw / (np.sqrt(cache) + EPS)


def adam(dw, state, *, lr, momentum, t):
    """Adam: momentum (beta1 = momentum) on an RMSProp-scaled step (beta2 = 0.999), with bias
    correction so the first steps are not too small; t >= 1."""
    if t < 1:
        raise not_allowed("t", t, "a step number >= 1 (Adam's bias correction)")
    b1, b2 = momentum, 0.999
    m, v = state.get("m"), state.get("v")
    if m is None:
        m = state["m"] = np.zeros_like(dw)
        v = state["v"] = np.zeros_like(dw)
    m *= b1
    m += (1 - b1) * dw
    v *= b2
    v += (1 - b2) * dw * dw
    denom = np.sqrt(v / (1 - b2 ** t))
    denom += EPS
    return (-lr / (1 - b1 ** t)) * m / denom


class Rule:
    """An update rule with its facts; calling it updates: ``delta = rule(dw, state, lr=,
    momentum=, t=)`` (lr and momentum are passed on as Python floats: a NumPy float64 scalar
    would upcast float32 arrays).

    state_arrays: arrays of the weight's shape its state keeps (Adam 2: m and v);
    knobs: the Config fields besides lr it reads ("momentum"); adaptive: the step is divided
    per weight by a running size of its gradients, so its size follows lr, not the gradient's
    scale (Adagrad, RMSProp, Adam).
    """

    def __init__(self, update: Callable[..., np.ndarray], *, state_arrays: int,
                 knobs: tuple[str, ...] = (), adaptive: bool = False):
        self.update, self.state_arrays = update, int(state_arrays)
        self.knobs, self.adaptive = tuple(knobs), bool(adaptive)
        self.__name__, self.__doc__ = update.__name__, update.__doc__

    def __call__(self, dw, state, *, lr, momentum, t):
        return self.update(dw, state, lr=float(lr), momentum=float(momentum), t=t)

    def __repr__(self) -> str:
        return f"Rule({self.__name__}, state_arrays={self.state_arrays})"


RULES.register("sgd", Rule(sgd, state_arrays=0))
RULES.register("momentum", Rule(momentum_update, state_arrays=1, knobs=("momentum",)))
RULES.register("nesterov", Rule(nesterov, state_arrays=1, knobs=("momentum",)))
RULES.register("adagrad", Rule(adagrad, state_arrays=1, adaptive=True))
RULES.register("rmsprop", Rule(rmsprop, state_arrays=1, knobs=("momentum",), adaptive=True))
RULES.register("adam", Rule(adam, state_arrays=2, knobs=("momentum",), adaptive=True))


def get_rule(name: str) -> Rule:
    """RULES[name], or ValueError naming 'optimizer'."""
    return RULES.get(name)


class Schedule:
    """A learning-rate schedule: ``schedule(lr, t, decay, steps)`` is the rate at 0-based step t
    (steps = decay_steps >= 1); knobs: the Config fields it reads besides lr."""

    def __init__(self, rate: Callable[[float, int, float, int], float], *,
                 knobs: tuple[str, ...] = ()):
        self.rate, self.knobs = rate, tuple(knobs)

    def __call__(self, lr, t, decay, steps) -> float:
        return self.rate(lr, t, decay, steps)


_DECAY = ("lr_decay", "decay_steps")
SCHEDULES.register("constant", Schedule(lambda lr, t, decay, steps: lr))
SCHEDULES.register("step", Schedule(lambda lr, t, decay, steps: lr * decay ** (t // steps),
                                    knobs=_DECAY))
SCHEDULES.register("exponential", Schedule(lambda lr, t, decay, steps:
                                           lr * decay ** (t / steps), knobs=_DECAY))
SCHEDULES.register("inverse_time", Schedule(lambda lr, t, decay, steps: lr / (1 + t / steps),
                                            knobs=("decay_steps",)))
SCHEDULES.register("cosine", Schedule(lambda lr, t, decay, steps:
                                      lr * 0.5 * (1 + math.cos(math.pi * (t % steps) / steps)),
                                      knobs=("decay_steps",)))


def learning_rate(base_lr: float, step: int, schedule: str, decay: float,
                  decay_steps: int) -> float:
    """Learning rate at 0-based ``step``.

    constant: lr;  step: lr * decay ** floor(t / T);  exponential: lr * decay ** (t / T);
    inverse_time: lr / (1 + t / T);  cosine: lr * (1 + cos(pi * (t mod T) / T)) / 2, from lr down
    towards 0 and back to lr every T steps (warm restarts).  T = decay_steps.
    """
    return float(SCHEDULES.get(schedule)(base_lr, step, decay, max(int(decay_steps), 1)))


def global_norm(arrays: list[np.ndarray]) -> float:
    """sqrt(sum of the squares of every entry of every array): the L2 norm of them all as one
    vector (one array: its Frobenius norm).  One dot product per array; again in float64 when
    float32 squares could underflow or overflow."""
    total = sum(float(np.vdot(a, a)) for a in arrays)
    if not 1e-28 < total < 1e36 and any(a.dtype != np.float64 for a in arrays):
        total = sum(float(np.vdot(a, a)) for a in (a.astype(np.float64) for a in arrays))
    return math.sqrt(total)


def clip_gradients(grads: list[np.ndarray], mode: str, threshold: float) -> float:
    """Clip ``grads`` in place; return their global L2 norm before clipping.

    norm: if the global norm exceeds threshold, scale every array by threshold / norm (direction
    kept).  value: clip every entry to [-threshold, threshold].  threshold 0 turns clipping off.
    """
    if mode not in ("norm", "value"):
        raise not_allowed("clip_mode", mode, ("norm", "value"))
    norm = global_norm(grads)
    threshold = float(threshold)
    if threshold <= 0:
        return norm
    if mode == "norm":
        if math.isfinite(norm) and norm > threshold:
            scale = threshold / norm
            for g in grads:
                g *= scale
    else:
        for g in grads:
            np.clip(g, -threshold, threshold, out=g)
    return norm
