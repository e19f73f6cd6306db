"""Layers as objects: ``forward(x, train)`` caches what ``backward(dy)`` needs.

Every layer has ``params`` and ``grads`` dicts (empty when it has no parameters).  Shapes are
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
        self.grads = {"w": np.zeros_like(w), "b": np.zeros_like(b)}
        self.x: np.ndarray | None = None

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


class _Norm:
    """Shared parts of batch and layer norm: y = gamma * xhat + beta."""

    def __init__(self, dim: int, eps: float, dtype):
        self.eps = float(eps)
        self.params = {"gamma": np.ones(dim, dtype), "beta": np.zeros(dim, dtype)}
        self.grads = {"gamma": np.zeros(dim, dtype), "beta": np.zeros(dim, dtype)}
        self.xhat: np.ndarray | None = None
        self.inv_std: np.ndarray | None = None

    def _scale_shift(self, xc: np.ndarray, inv_std: np.ndarray) -> np.ndarray:
        xc *= inv_std                                  # xc becomes xhat in place
        self.xhat, self.inv_std = xc, inv_std
        y = xc * self.params["gamma"]
        y += self.params["beta"]
        return y

    def _param_grads(self, dy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        dgamma, dbeta = self.grads["gamma"], self.grads["beta"]
        np.einsum("ij,ij->j", dy, self.xhat, out=dgamma)
        np.sum(dy, axis=0, out=dbeta)
        return dgamma, dbeta


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
        if train:
            mean = x.mean(axis=0)
            xc = x - mean
            var = np.einsum("ij,ij->j", xc, xc) / x.shape[0]
            if update_running:
                m = self.momentum
                self.running_mean *= m
                self.running_mean += (1 - m) * mean
                self.running_var *= m
                self.running_var += (1 - m) * var
        else:
            xc = x - self.running_mean
            var = self.running_var
        var = var + self.eps
        return self._scale_shift(xc, np.reciprocal(np.sqrt(var, out=var), out=var))

    def backward(self, dy: np.ndarray) -> np.ndarray:
        """dy (N, dim) -> dx (N, dim); fills grads."""
        dgamma, dbeta = self._param_grads(dy)
        scale = self.params["gamma"] * self.inv_std
        if not self._train:                           # running stats are constants
            return dy * scale
        n = dy.shape[0]
        # compact form: dx = gamma / std * (dy - sum(dy) / N - xhat * sum(dy * xhat) / N)
        dx = self.xhat * (dgamma / n)
        dx += dbeta / n
        np.subtract(dy, dx, out=dx)
        dx *= scale
        return dx


class LayerNorm(_Norm):
    """Layer normalisation: per-example mean and variance over the dim units; same in train/eval."""

    def __init__(self, dim: int, eps: float = 1e-5, dtype=np.float64):
        super().__init__(dim, eps, dtype)

    def forward(self, x: np.ndarray, train: bool = True) -> np.ndarray:
        """x (N, dim) -> y (N, dim)."""
        xc = x - x.mean(axis=1, keepdims=True)
        var = np.einsum("ij,ij->i", xc, xc)[:, None] / x.shape[1]
        var += self.eps
        return self._scale_shift(xc, np.reciprocal(np.sqrt(var, out=var), out=var))

    def backward(self, dy: np.ndarray) -> np.ndarray:
        """dy (N, dim) -> dx (N, dim); fills grads."""
        self._param_grads(dy)
        d = dy.shape[1]
        g = dy * self.params["gamma"]                  # dL/dxhat
        # dx = 1 / std * (g - mean_units(g) - xhat * mean_units(g * xhat))
        g_mean = g.sum(axis=1, keepdims=True)
        g_mean /= d
        gx_mean = np.einsum("ij,ij->i", g, self.xhat)[:, None]
        gx_mean /= d
        dx = self.xhat * gx_mean
        dx += g_mean
        np.subtract(g, dx, out=g)
        g *= self.inv_std
        return g


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

    def forward(self, x: np.ndarray, train: bool = True) -> np.ndarray:
        """z (N, units * fan_out_factor) -> a (N, units)."""
        self.z = x
        self.a, self._cache = self.act.forward(x)
        return self.a

    def backward(self, da: np.ndarray) -> np.ndarray:
        return self.act.backward(da, self._cache)
