"""The multi-layer perceptron built from a Config.

Each hidden block is  dense -> [batch/layer norm] -> activation -> [dropout],  and with
`residual` the blocks whose input and output widths match add their input back: h + f(h).
The output layer is a dense layer producing class scores.

Modes of the forward pass:
  "train"  batch statistics (running averages updated), dropout on
  "eval"   running averages for batch norm, no dropout (how the model is used at test time)
  "probe"  batch statistics without touching the running averages, no dropout: what the panels
           look at, so that a picture never changes the model
"""
from __future__ import annotations

import numpy as np

from initlab.core.activations import get_activation
from initlab.core.config import Config
from initlab.core.init import init_weights
from initlab.core.layers import ActivationLayer, BatchNorm, Dense, Dropout, LayerNorm
from initlab.core.losses import l1_penalty, l2_penalty

MODES = ("train", "eval", "probe")


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
        # The classifier uses the same scheme with a linear gain (He on scores would be arbitrary).
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

    # ---- passes -----------------------------------------------------------------------------
    def forward(self, x: np.ndarray, mode: str = "train") -> np.ndarray:
        """x (N, D) -> class scores (N, C)."""
        if mode not in MODES:
            raise ValueError(f"mode={mode!r} is not allowed: expected one of {MODES}")
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
