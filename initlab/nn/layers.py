"""Layers as objects: ``forward(x, train)`` caches what ``backward(dy)`` needs.

Every layer has ``params`` and ``grads`` dicts (empty when it has no parameters), and
``clear_cache()`` drops what its last forward kept (a run that ran out of memory frees it).  Shapes are
(N, units) with N examples in the batch.  Nothing upcasts: float32 inputs and parameters give
float32 outputs and gradients.  Gradient arrays are allocated once and overwritten by each
``backward`` (copy them if you need last step's values).
"""
from __future__ import annotations

import numpy as np

from .activations import Activation


class Dense:
    """Affine layer y = x @ w + b, with w (fan_in, fan_out) and b (fan_out,)."""

    def __init__(self, w: np.ndarray, b: np.ndarray):
        self.params = {"w": w, "b": b}
        # np.zeros (calloc) leaves the pages untouched until the first backward writes them
        self.grads = {"w": np.zeros(w.shape, w.dtype), "b": np.zeros(b.shape, b.dtype)}
        self.x: np.ndarray | None = None

    def clear_cache(self) -> None:
        self.x = None

    def forward(self, x: np.ndarray, train: bool = True) -> np.ndarray:
        """x (N, fan_in) -> y (N, fan_out)."""
        self.x = x
        y = x @ self.params["w"]
        y += self.params["b"]
        return y

    def backward(self, dy: np.ndarray, need_dx: bool = True) -> np.ndarray | None:
        """dy (N, fan_out) -> dx (N, fan_in); fills grads. need_dx=False skips the first layer's dx."""
        w, gw, gb = self.params["w"], self.grads["w"], self.grads["b"]
        if gw.shape != w.shape or gw.dtype != w.dtype:      # params were swapped for new arrays
            self.grads["w"] = gw = np.empty_like(w)
            self.grads["b"] = gb = np.empty_like(self.params["b"])
        np.matmul(self.x.T, dy, out=gw)
        np.sum(dy, axis=0, out=gb)
        return dy @ w.T if need_dx else None


def batch_norm_forward(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float,
                       mean: np.ndarray | None = None, var: np.ndarray | None = None
                       ) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """y = gamma * (x - mean) / sqrt(var + eps) + beta per unit; x, y (N, dim).

    mean and var default to the batch's own (biased) statistics.  Returns (y, cache) with
    cache = (xhat (N, dim), inv_std (dim,)) for batch_norm_backward.
    """
    if mean is None:
        xc, _, var = batch_statistics(x)
    else:
        xc = x - mean
    return _normalise(xc, var, eps, gamma, beta)


def batch_statistics(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(x - mean (N, dim), mean (dim,), biased variance (dim,)) over the batch."""
    mean = x.mean(axis=0)
    xc = x - mean
    return xc, mean, np.einsum("ij,ij->j", xc, xc) / x.shape[0]


def batch_norm_backward(dy: np.ndarray, cache: tuple, gamma: np.ndarray, batch_stats: bool = True,
                        dgamma: np.ndarray | None = None, dbeta: np.ndarray | None = None
                        ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """dy (N, dim) -> (dx (N, dim), dgamma (dim,), dbeta (dim,)).

    batch_stats: the forward pass used the batch's own statistics (train/probe), so they depend
    on x too; False for fixed running averages.  dgamma/dbeta: optional arrays to write into.
    """
    xhat, inv_std = cache
    dgamma = np.einsum("ij,ij->j", dy, xhat, out=dgamma)
    dbeta = np.sum(dy, axis=0, out=dbeta)
    scale = gamma * inv_std
    if not batch_stats:                                # running stats are constants
        return dy * scale, dgamma, dbeta
    n = dy.shape[0]
    # compact form: dx = gamma / std * (dy - sum(dy) / N - xhat * sum(dy * xhat) / N)
    dx = xhat * (dgamma / n)
    dx += dbeta / n
    np.subtract(dy, dx, out=dx)
    dx *= scale
    return dx, dgamma, dbeta


def layer_norm_forward(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float
                       ) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """Per-example normalisation over the dim units: x, y (N, dim).

    Returns (y, cache) with cache = (xhat (N, dim), inv_std (N, 1)) for layer_norm_backward.
    """
    xc = x - x.mean(axis=1, keepdims=True)
    return _normalise(xc, np.einsum("ij,ij->i", xc, xc)[:, None] / x.shape[1], eps, gamma, beta)


def layer_norm_backward(dy: np.ndarray, cache: tuple, gamma: np.ndarray,
                        dgamma: np.ndarray | None = None, dbeta: np.ndarray | None = None
                        ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """dy (N, dim) -> (dx (N, dim), dgamma (dim,), dbeta (dim,))."""
    xhat, inv_std = cache
    dgamma = np.einsum("ij,ij->j", dy, xhat, out=dgamma)
    dbeta = np.sum(dy, axis=0, out=dbeta)
    d = dy.shape[1]
    g = dy * gamma                                     # dL/dxhat
    # dx = 1 / std * (g - mean_units(g) - xhat * mean_units(g * xhat))
    g_mean = g.sum(axis=1, keepdims=True)
    g_mean /= d
    gx_mean = np.einsum("ij,ij->i", g, xhat)[:, None]
    gx_mean /= d
    dx = xhat * gx_mean
    dx += g_mean
    np.subtract(g, dx, out=g)
    g *= inv_std
    return g, dgamma, dbeta


def _normalise(xc: np.ndarray, var: np.ndarray, eps: float, gamma: np.ndarray, beta: np.ndarray
               ) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """Centred xc (consumed: it becomes xhat) -> (gamma * xhat + beta, (xhat, inv_std))."""
    var = var + eps
    inv_std = np.reciprocal(np.sqrt(var, out=var), out=var)
    xc *= inv_std                                      # xc becomes xhat in place
    y = xc * gamma
    y += beta
    return y, (xc, inv_std)


class _Norm:
    """Shared parts of batch and layer norm: y = gamma * xhat + beta."""

    def __init__(self, dim: int, eps: float, dtype):
        self.eps = float(eps)
        self.params = {"gamma": np.ones(dim, dtype), "beta": np.zeros(dim, dtype)}
        self.grads = {"gamma": np.zeros(dim, dtype), "beta": np.zeros(dim, dtype)}
        self.xhat: np.ndarray | None = None
        self.inv_std: np.ndarray | None = None

    def clear_cache(self) -> None:
        self.xhat = self.inv_std = None

    def _keep(self, out: tuple) -> np.ndarray:
        y, (self.xhat, self.inv_std) = out
        return y


class BatchNorm(_Norm):
    """Batch normalisation over the N examples, per unit; running averages for evaluation.

    train: normalise with this batch's mean and (biased) variance, and, if update_running,
    running = momentum * running + (1 - momentum) * batch.  eval: normalise with the running
    averages.  A batch of one gives xhat = 0 (variance 0, + eps), never NaN.
    """

    def __init__(self, dim: int, momentum: float = 0.9, eps: float = 1e-5, dtype=np.float64):
        super().__init__(dim, eps, dtype)
        self.momentum = float(momentum)
        self.running_mean = np.zeros(dim, dtype)
        self.running_var = np.ones(dim, dtype)
        self._train = True

    def forward(self, x: np.ndarray, train: bool = True, update_running: bool = True) -> np.ndarray:
        """x (N, dim) -> y (N, dim)."""
        self._train = train
        gamma, beta = self.params["gamma"], self.params["beta"]
        if not train:
            return self._keep(batch_norm_forward(x, gamma, beta, self.eps,
                                                 self.running_mean, self.running_var))
        if not update_running:
            return self._keep(batch_norm_forward(x, gamma, beta, self.eps))
        xc, mean, var = batch_statistics(x)
        m = self.momentum
        self.running_mean *= m
        self.running_mean += (1 - m) * mean
        self.running_var *= m
        self.running_var += (1 - m) * var
        return self._keep(_normalise(xc, var, self.eps, gamma, beta))

    def backward(self, dy: np.ndarray) -> np.ndarray:
        """dy (N, dim) -> dx (N, dim); fills grads."""
        return batch_norm_backward(dy, (self.xhat, self.inv_std), self.params["gamma"],
                                   self._train, self.grads["gamma"], self.grads["beta"])[0]


class LayerNorm(_Norm):
    """Layer normalisation: per-example mean and variance over the dim units; same in train/eval."""

    def __init__(self, dim: int, eps: float = 1e-5, dtype=np.float64):
        super().__init__(dim, eps, dtype)

    def forward(self, x: np.ndarray, train: bool = True) -> np.ndarray:
        """x (N, dim) -> y (N, dim)."""
        return self._keep(layer_norm_forward(x, self.params["gamma"], self.params["beta"],
                                             self.eps))

    def backward(self, dy: np.ndarray) -> np.ndarray:
        """dy (N, dim) -> dx (N, dim); fills grads."""
        return layer_norm_backward(dy, (self.xhat, self.inv_std), self.params["gamma"],
                                   self.grads["gamma"], self.grads["beta"])[0]


class Dropout:
    """Inverted dropout: in training keep each unit with probability 1 - p and scale by 1/(1 - p),
    so the expected activation is unchanged and evaluation is the identity.

    p may be changed between steps.  set_mask(keep) fixes the keep mask (bool or 0/1, the shape
    of x) for every following forward until set_mask(None); the 1/(1 - p) scale is still applied.
    """

    def __init__(self, p: float, rng: np.random.Generator):
        self.p = float(p)
        self.rng = rng
        self.params: dict = {}
        self.grads: dict = {}
        self.mask: np.ndarray | None = None            # scaled keep mask of the last forward
        self._fixed: np.ndarray | None = None

    def clear_cache(self) -> None:
        self.mask = None

    def set_mask(self, keep: np.ndarray | None) -> None:
        self._fixed = None if keep is None else np.asarray(keep)

    def forward(self, x: np.ndarray, train: bool = True) -> np.ndarray:
        """x (N, units) -> x * mask (training) or x (evaluation, or p == 0)."""
        if not train or self.p == 0:
            self.mask = None
            return x
        if self._fixed is not None:
            keep = self._fixed
        else:
            # float32 draws whatever the run's dtype: same seed, same mask in both precisions
            keep = self.rng.random(x.shape, dtype=np.float32) >= self.p
        mask = keep.astype(x.dtype)
        mask *= 1.0 / (1.0 - self.p)
        self.mask = mask
        return x * mask

    def backward(self, dy: np.ndarray) -> np.ndarray:
        return dy if self.mask is None else dy * self.mask


class ActivationLayer:
    """Applies an Activation; keeps .z (pre-activation) and .a (activation) for the probes."""

    def __init__(self, act: Activation):
        self.act = act
        self.params: dict = {}
        self.grads: dict = {}
        self.z: np.ndarray | None = None
        self.a: np.ndarray | None = None
        self._cache = None

    def clear_cache(self) -> None:
        self.z = self.a = self._cache = None

    def forward(self, x: np.ndarray, train: bool = True) -> np.ndarray:
        """z (N, units * fan_out_factor) -> a (N, units)."""
        self.z = x
        self.a, self._cache = self.act.forward(x)
        return self.a

    def backward(self, da: np.ndarray) -> np.ndarray:
        return self.act.backward(da, self._cache)
