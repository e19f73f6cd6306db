"""What every rule reads and returns: Finding, the facts of one diagnosis, one-knob fixes."""
from __future__ import annotations

import math
import weakref
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from initlab.core.config import Config
from initlab.core.snapshot import History, Snapshot
from initlab.nn.activations import get_activation
from initlab.nn.init import SCHEMES, implied_std

from initlab.nn.optim import get_rule

from .thresholds import (CLIP_BINDS, CONVERGED_LOSS, LEARNS_ACC, LOSS_WINDOW, MIN_STEPS,
                         SYMMETRY_RTOL, UPDATE_WINDOW)

# Inits that fit an activation family: the recommended one and its equivalents.
INIT_FAMILY = {"he_normal": ("he_normal", "he_uniform", "orthogonal"),
               "xavier_normal": ("xavier_normal", "xavier_uniform", "lecun", "orthogonal"),
               "lecun": ("lecun",)}
WORDS = {"he_normal": "He", "xavier_normal": "Xavier", "lecun": "LeCun"}


@dataclass(frozen=True)
class Finding:
    """One thing the assistant noticed.

    code: what kind (see CODES); severity: "info", "warning" or "problem";
    message: what is wrong, why, what to try, in plain words;
    evidence: the numbers the rule read (floats, or lists of floats per layer);
    fix: Config changes of a one-knob fix (None if there is no single knob that would help);
    fix_label: the button's words for it (e.g. "switch init to He"), "" without a fix.
    """
    code: str
    severity: str
    message: str
    evidence: dict[str, Any] = field(default_factory=dict)
    fix: dict[str, Any] | None = None
    fix_label: str = ""

    def without_fix(self) -> "Finding":
        return Finding(self.code, self.severity, self.message, self.evidence)


@dataclass
class Facts:
    """What one diagnosis reads: the run's config, snapshot, history and weights (never the
    network's forward or backward pass)."""
    run: Any
    snap: Snapshot

    @property
    def config(self) -> Config:
        return self.run.config

    @property
    def history(self) -> History:
        return self.run.history

    @property
    def steps(self) -> int:
        return self.run.step_count

    @property
    def ln_c(self) -> float:
        return self.snap.expected_initial_loss

    @cached_property
    def activation(self):
        return get_activation(self.config.activation, leaky_slope=self.config.leaky_slope,
                              pieces=self.config.maxout_pieces)

    def recent_loss(self) -> float:
        return float(np.mean(self.history.loss[-LOSS_WINDOW:]))

    def learned(self) -> bool:
        """The training loss is near 0: what is left of a problem no longer blocks learning."""
        return len(self.history.loss) >= MIN_STEPS and (
            self.recent_loss() < CONVERGED_LOSS * self.ln_c)

    def train_accuracy(self) -> float | None:
        """Mean training accuracy of the last evaluations (None before three)."""
        acc = self.history.train_acc
        return float(np.mean(acc[-3:])) if len(acc) >= 3 else None

    def learning_well(self) -> bool:
        """Learned, or already gets most training examples right."""
        acc = self.train_accuracy()
        return self.learned() or (acc is not None and acc >= LEARNS_ACC)

    @cached_property
    def update_ratios(self) -> np.ndarray | None:
        """Each weight layer's median ||dW|| / ||W|| over the last steps, or None."""
        if self.steps < MIN_STEPS or len(self.history.update_ratio) < MIN_STEPS:
            return None
        recent = np.asarray(self.history.update_ratio[-UPDATE_WINDOW:], dtype=np.float64)
        if recent.ndim != 2 or recent.shape[1] == 0:
            return None
        return np.median(recent, axis=0)

    def update_ratio(self, moving_only: bool = False) -> float | None:
        """Median over layers of update_ratios; moving_only leaves out layers whose weights do
        not move at all (nothing reaches them: not a learning-rate matter)."""
        per_layer = self.update_ratios
        if per_layer is None:
            return None
        if moving_only:
            per_layer = per_layer[per_layer > 0]
            if per_layer.size == 0:
                return None
        value = float(np.median(per_layer))
        return value if math.isfinite(value) else None

    def clip_scale(self) -> float | None:
        """The median share of the gradient's size that clipping left over the recent steps,
        when it cuts most of them and the optimiser's step follows the gradient's size (SGD,
        momentum; an adaptive rule divides the scale out); else None."""
        cfg = self.config
        if cfg.grad_clip <= 0 or get_rule(cfg.optimizer).adaptive:
            return None
        recent = self.history.clip_scale[-UPDATE_WINDOW:]
        if len(recent) < MIN_STEPS:
            return None
        scale = float(np.median(recent))
        return scale if scale < CLIP_BINDS else None

    @property
    def penalty(self) -> float:
        """The L1/L2 penalty of the current weights (value only; remembered per run and step,
        since a redraw without a step asks again)."""
        cfg, run = self.config, self.run
        key = (run.step_count, cfg.l1, cfg.l2)
        hit = _PENALTIES.get(run)
        if hit is not None and hit[0] == key:
            return hit[1]
        value = 0.0
        for dense in run.model.dense:
            w = dense.params["w"].ravel()
            if cfg.l2 > 0:
                value += 0.5 * cfg.l2 * float(np.dot(w, w))
            if cfg.l1 > 0:
                value += cfg.l1 * float(np.abs(w).sum())
        _PENALTIES[run] = (key, value)
        return value

    @cached_property
    def symmetric_layers(self) -> list[int]:
        """1-based hidden layers whose units are copies of each other (same incoming weights and
        bias): a zero or constant init that nothing has broken.  Reads two weight rows and the
        bias per layer, so it costs O(width)."""
        out = []
        for i, dense in enumerate(self.run.model.dense[:-1]):
            w, b = dense.params["w"], dense.params["b"]
            if w.shape[1] < 2:
                continue
            rows = (w[0], w[-1], b)
            if all(_all_equal(r) for r in rows):
                out.append(i + 1)
        return out


_PENALTIES: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _all_equal(values: np.ndarray) -> bool:
    spread = float(np.max(values) - np.min(values))
    scale = float(np.max(np.abs(values)))
    return math.isfinite(spread) and spread <= SYMMETRY_RTOL * scale


# ---- one-knob fixes -------------------------------------------------------------------------
def recommended_init(activation) -> str:
    """The init that fits the activation (the registry entry's fact where it has one)."""
    named = getattr(activation, "recommended_init", None)
    if named:
        return named
    return "he_normal" if activation.relu_like else "xavier_normal"


def init_fits(f: Facts) -> bool:
    best = recommended_init(f.activation)
    return f.config.init in INIT_FAMILY.get(best, (best,))


def init_fix(f: Facts) -> tuple[dict, str]:
    """The init that suits the activation (He for the ReLU family, Xavier for tanh/sigmoid)."""
    best = recommended_init(f.activation)
    word = getattr(SCHEMES[best], "label", None) or WORDS.get(best, best)
    return {"init": best}, f"switch init to {word}"


def init_scale_moves(f: Facts, bigger: bool) -> bool:
    """Whether the init that fits the activation draws a hidden layer's weights clearly bigger
    (or smaller) than the current one: switching to it only helps a vanishing (exploding)
    signal then.  Sigmoid under He vanishes, and Xavier, which suits sigmoid, is smaller still."""
    cfg = f.config
    fan_out = cfg.width * f.activation.fan_out_factor
    scale = dict(weight_std=cfg.weight_std, activation=cfg.activation,
                 leaky_slope=cfg.leaky_slope)
    now = implied_std(cfg.init, cfg.width, fan_out, **scale)
    best = implied_std(recommended_init(f.activation), cfg.width, fan_out, **scale)
    return best > 1.05 * now if bigger else best < now / 1.05


def hand_picked_init(config: Config) -> bool:
    """A scale not set by the layer sizes: zeros, constant, gaussian."""
    scaled = getattr(SCHEMES[config.init], "scaled_by_fan", None)
    return config.init in ("zeros", "constant", "gaussian") if scaled is None else not scaled


def lower_lr(config: Config) -> tuple[dict, str]:
    return {"lr": config.lr / 10}, "lower the learning rate 10x"


def raise_lr(config: Config) -> tuple[dict, str]:
    return {"lr": min(config.lr * 10, 10.0)}, "raise the learning rate 10x"


def loosen_clip(config: Config, scale: float) -> tuple[dict, str]:
    """A clip threshold that lets the typical step through: the gradients were about
    threshold / scale, so a power-of-ten factor above 3 / scale leaves clipping to outliers."""
    factor = 10.0 ** math.ceil(math.log10(3.0 / scale))
    threshold = float(f"{config.grad_clip * factor:.3g}")
    return {"grad_clip": threshold}, f"clip at {threshold:g} instead of {config.grad_clip:g}"


def layers(values: np.ndarray) -> list[float]:
    return [float(v) for v in values]


def finding(code: str, severity: str, message: str, evidence: dict,
            fix: tuple[dict, str] | None = None) -> Finding:
    if fix is None or severity == "info":          # a button only on a warning or problem
        return Finding(code, severity, message, evidence)
    return Finding(code, severity, message, evidence, fix[0], fix[1])
