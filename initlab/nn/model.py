"""The multi-layer perceptron built from a Config.

Each hidden block is  dense -> [batch/layer norm] -> activation -> [dropout],  and with
`residual` the blocks whose input and output widths match add their input back: h + f(h).
The output layer is a dense layer producing class scores.

`probe(x, y)` and `scores(x)` are pure: they read the parameters and write nothing (no layer
cache, no gradient, no running average), and return what they compute.

Modes of the forward pass:
  "train"  batch statistics (running averages updated), dropout on
  "eval"   running averages for batch norm, no dropout (how the model is used at test time)
  "probe"  batch statistics without touching the running averages, no dropout: what the panels
           look at, so that a picture never changes the model
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from initlab.nn.activations import get_activation
from initlab.core.config import Config
from initlab.nn.init import init_weights
from initlab.nn.layers import (ActivationLayer, BatchNorm, Dense, Dropout, LayerNorm,
                                 batch_norm_backward, batch_norm_forward, layer_norm_backward,
                                 layer_norm_forward)
from initlab.nn.losses import l1_penalty, l2_penalty, softmax_cross_entropy
from initlab.nn.optim import global_norm
from initlab.nn.registry import not_allowed

MODES = ("train", "eval", "probe")


@dataclass
class ProbeRecord:
    """What one probe pass measured, per hidden layer i, on N examples.

    z[i]         (N, units * k) pre-activation after normalisation (k maxout pieces, else 1)
    a[i]         (N, units) activation, the block's output before any residual sum
    act_grad[i]  (N, units) dL/da[i], the gradient flowing back into layer i
    weight_grad_norm[i]  ||dL/dW_i|| of hidden layer i's dense weights (float)
    scores (N, C) class scores; loss: mean data loss on the batch.  Arrays are in `dtype`.
    """
    z: list[np.ndarray]
    a: list[np.ndarray]
    act_grad: list[np.ndarray]
    weight_grad_norm: list[float]
    scores: np.ndarray
    loss: float
    dtype: np.dtype


class MLP:
    """Hidden layers of `config.width` units, `config.depth` of them, then a linear classifier."""

    def __init__(self, config: Config, input_dim: int, n_classes: int,
                 rng: np.random.Generator, dropout_rng: np.random.Generator) -> None:
        dtype = np.dtype(config.dtype)
        self.config = config
        self.activation = get_activation(config.activation, leaky_slope=config.leaky_slope,
                                         pieces=config.maxout_pieces)
        k = self.activation.fan_out_factor
        self.dense: list[Dense] = []
        self.norms: list[BatchNorm | LayerNorm | None] = []
        self.acts: list[ActivationLayer] = []
        self.drops: list[Dropout] = []
        self.skip: list[bool] = []
        fan_in = input_dim
        for _ in range(config.depth):
            w = init_weights(config.init, fan_in, config.width * k, rng,
                             weight_std=config.weight_std, activation=config.activation,
                             leaky_slope=config.leaky_slope, dtype=dtype)
            self.dense.append(Dense(w, np.zeros(config.width * k, dtype)))
            if config.norm == "batch":
                self.norms.append(BatchNorm(config.width * k, momentum=config.bn_momentum,
                                            dtype=dtype))
            elif config.norm == "layer":
                self.norms.append(LayerNorm(config.width * k, dtype=dtype))
            else:
                self.norms.append(None)
            self.acts.append(ActivationLayer(self.activation))
            self.drops.append(Dropout(config.dropout, dropout_rng))
            self.skip.append(config.residual and fan_in == config.width)
            fan_in = config.width
        # The classifier: the same scheme as a layer without non-linearity (He: PyTorch's
        # nonlinearity='linear', std 1 / sqrt(fan_in)), so the scores start small and the loss
        # near ln C, the lecture's sanity check; He's sqrt(2) would double their variance.
        w = init_weights(config.init, fan_in, n_classes, rng, weight_std=config.weight_std,
                         activation="identity", leaky_slope=config.leaky_slope, dtype=dtype)
        self.dense.append(Dense(w, np.zeros(n_classes, dtype)))
        self.act_grads: list[np.ndarray | None] = [None] * config.depth

    # ---- parameters -------------------------------------------------------------------------
    def parameters(self) -> list[tuple[str, object, str]]:
        """(name, layer, key) for every learnable array, e.g. ("dense2.w", layer, "w")."""
        out = []
        for i, d in enumerate(self.dense):
            out += [(f"dense{i}.w", d, "w"), (f"dense{i}.b", d, "b")]
        for i, n in enumerate(self.norms):
            if n is not None:
                out += [(f"norm{i}.gamma", n, "gamma"), (f"norm{i}.beta", n, "beta")]
        return out

    def clear_caches(self) -> None:
        """Drop every array the last forward and backward kept (not parameters or gradients)."""
        for layer in [*self.dense, *self.norms, *self.acts, *self.drops]:
            if layer is not None:
                layer.clear_cache()
        self.act_grads = [None] * len(self.act_grads)

    @property
    def weights(self) -> list[np.ndarray]:
        """Dense weight matrices, hidden layers first, classifier last (the penalised arrays)."""
        return [d.params["w"] for d in self.dense]

    def set_live(self, config: Config) -> None:
        """Apply fields that change without rebuilding (dropout rate, batch-norm momentum)."""
        self.config = config
        for drop in self.drops:
            drop.p = config.dropout
        for norm in self.norms:
            if isinstance(norm, BatchNorm):
                norm.momentum = config.bn_momentum

    # ---- pure passes (nothing written) -------------------------------------------------------
    def cast_params(self, dtype=None) -> list[dict[str, np.ndarray]]:
        """Every dense layer's parameters, with its norm's gamma and beta, in dtype (copies
        when the run's dtype differs): what scores() and probe() compute with."""
        dtype = np.dtype(self.config.dtype if dtype is None else dtype)
        out = []
        for i, d in enumerate(self.dense):
            p = {k: v.astype(dtype, copy=False) for k, v in d.params.items()}
            norm = self.norms[i] if i < len(self.norms) else None
            if norm is not None:
                p.update({k: v.astype(dtype, copy=False) for k, v in norm.params.items()})
            out.append(p)
        return out

    def _pure_forward(self, x: np.ndarray, params: list[dict], batch_stats: bool, keep: bool
                      ) -> tuple[np.ndarray, list[tuple]]:
        """Scores (N, C) and, with keep, per layer (input, z, a, norm cache, activation cache)."""
        trace = []
        h = x
        for i in range(len(self.acts)):
            p, norm = params[i], self.norms[i]
            u = h @ p["w"]
            u += p["b"]
            norm_cache = None
            if isinstance(norm, BatchNorm):
                stats = () if batch_stats else (norm.running_mean.astype(x.dtype, copy=False),
                                               norm.running_var.astype(x.dtype, copy=False))
                u, norm_cache = batch_norm_forward(u, p["gamma"], p["beta"], norm.eps, *stats)
            elif isinstance(norm, LayerNorm):
                u, norm_cache = layer_norm_forward(u, p["gamma"], p["beta"], norm.eps)
            a, act_cache = self.activation.forward(u)
            if keep:
                trace.append((h, u, a, norm_cache, act_cache))
            h = h + a if self.skip[i] else a
        scores = h @ params[-1]["w"]
        scores += params[-1]["b"]
        return scores, trace

    def scores(self, x: np.ndarray, params: list[dict] | None = None) -> np.ndarray:
        """Class scores (N, C) for x (N, D) as at test time (running averages, no dropout),
        writing nothing; params from cast_params(dtype) compute in that dtype."""
        params = params or self.cast_params()
        dtype = params[0]["w"].dtype
        return self._pure_forward(x.astype(dtype, copy=False), params, False, False)[0]

    def scores_and_outputs(self, x: np.ndarray, params: list[dict] | None = None
                           ) -> tuple[np.ndarray, list[np.ndarray]]:
        """scores(x, params) and, from the same pass, every hidden layer's output (N, units)
        (the activation's, before a skip connection adds; maxout: each unit's max)."""
        params = params or self.cast_params()
        dtype = params[0]["w"].dtype
        scores, trace = self._pure_forward(x.astype(dtype, copy=False), params, False, True)
        return scores, [t[2] for t in trace]

    def probe(self, x: np.ndarray, y: np.ndarray, params: list[dict] | None = None
              ) -> ProbeRecord:
        """One forward and backward pass in probe mode (batch statistics, no dropout, running
        averages untouched) on x (N, D), y (N,); params from cast_params(dtype) compute in
        that dtype (default: the run's).

        Pure: returns what it measured and writes nothing (no layer cache, gradient or average).
        """
        params = params or self.cast_params()
        dtype = params[0]["w"].dtype
        scores, trace = self._pure_forward(x.astype(dtype, copy=False), params, True, True)
        loss, dscores, _ = softmax_cross_entropy(scores, y)
        depth = len(trace)
        act_grad: list[np.ndarray] = [None] * depth
        grad_norm = [0.0] * depth
        dh = dscores @ params[-1]["w"].T
        for i in reversed(range(depth)):
            h, _, _, norm_cache, act_cache = trace[i]
            act_grad[i] = dh
            dz = self.activation.backward(dh, act_cache)
            norm = self.norms[i]
            if isinstance(norm, BatchNorm):
                dz = batch_norm_backward(dz, norm_cache, params[i]["gamma"])[0]
            elif isinstance(norm, LayerNorm):
                dz = layer_norm_backward(dz, norm_cache, params[i]["gamma"])[0]
            grad_norm[i] = global_norm([h.T @ dz])         # ||dL/dW_i||
            if i > 0:
                dx = dz @ params[i]["w"].T
                dh = dx + dh if self.skip[i] else dx
        return ProbeRecord(z=[t[1] for t in trace], a=[t[2] for t in trace], act_grad=act_grad,
                           weight_grad_norm=grad_norm, scores=scores, loss=loss, dtype=dtype)

    # ---- passes -----------------------------------------------------------------------------
    def forward(self, x: np.ndarray, mode: str = "train") -> np.ndarray:
        """x (N, D) -> class scores (N, C)."""
        if mode not in MODES:
            raise not_allowed("mode", mode, MODES)
        train = mode == "train"
        h = x
        for i in range(len(self.acts)):
            z = self.dense[i].forward(h, train)
            norm = self.norms[i]
            if isinstance(norm, BatchNorm):
                z = norm.forward(z, mode != "eval", update_running=train)
            elif norm is not None:
                z = norm.forward(z, train)
            a = self.acts[i].forward(z, train)
            a = self.drops[i].forward(a, train)
            h = h + a if self.skip[i] else a
        return self.dense[-1].forward(h, train)

    def backward(self, dscores: np.ndarray) -> None:
        """Fill every layer's grads from dL/dscores (N, C); keeps dL/da per hidden layer."""
        dh = self.dense[-1].backward(dscores)
        for i in reversed(range(len(self.acts))):
            self.act_grads[i] = dh
            da = self.drops[i].backward(dh)
            dz = self.acts[i].backward(da)
            if self.norms[i] is not None:
                dz = self.norms[i].backward(dz)
            if i == 0:                 # nothing upstream needs dL/dx of the input
                self.dense[0].backward(dz, need_dx=False)
                break
            dx = self.dense[i].backward(dz)
            dh = dx + dh if self.skip[i] else dx

    def penalty(self, add_grads: bool = True) -> float:
        """L1 + L2 penalty on dense weights (never biases or norm parameters).

        With add_grads, adds the penalty's gradient to each dense layer's grads["w"].
        """
        total = 0.0
        for strength, fn in ((self.config.l1, l1_penalty), (self.config.l2, l2_penalty)):
            if strength > 0:
                value, grads = fn(self.weights, strength)
                total += float(value)
                if add_grads:
                    for d, g in zip(self.dense, grads):
                        d.grads["w"] += g
        return total
