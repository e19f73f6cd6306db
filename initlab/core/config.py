"""Config: one validated description of an experiment.

Every knob of the lab is a field here, and each field carries its own metadata (group, kind,
allowed values, help text).  The allowed values of a choice are a registry (initlab.nn.registry)
kept where the concept lives, so a newly registered activation, scheme, optimiser, schedule,
preprocessing mode or data set is a valid value at once.  The UI builds its controls from that
metadata, links and JSON files (initlab.core.links, their one reader and writer) are checked
through it, and invalid values raise a FieldError (a ValueError from initlab.nn.registry) whose
`.field`, `.value` and `.allowed` say what was wrong, and whose message says it in words.
"""
from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Iterator

from initlab.nn.activations import ACTIVATIONS
from initlab.data.datasets import DATASETS, PREPROCESSING
from initlab.nn.init import SCHEMES
from initlab.nn.optim import RULES, SCHEDULES
from initlab.nn.registry import FieldError, not_allowed, one_of

from initlab.core import budget

__all__ = ["Config", "FieldError", "FIELDS", "LIVE_FIELDS", "CLASS_RANGE", "allowed",
           "validate_field"]

# Which fields rebuild the run when they change; all others apply to the running model.
LIVE_FIELDS = frozenset(
    {"lr", "momentum", "optimizer", "lr_schedule", "lr_decay", "decay_steps", "batch_size",
     "l1", "l2", "dropout", "grad_clip", "clip_mode", "bn_momentum"}
)



class _ClassRange(Mapping):
    """Allowed class counts per data set, (lo, hi) inclusive: a live view of DATASETS."""

    def __getitem__(self, name: str) -> tuple[int, int]:
        return DATASETS.get(name).classes

    def __iter__(self) -> Iterator[str]:
        return iter(DATASETS)

    def __len__(self) -> int:
        return len(DATASETS)


CLASS_RANGE = _ClassRange()


def _f(default, kind, group, help, *, choices=None, lo=None, hi=None, lo_open=False,
       hi_open=False, label=None):
    """A dataclass field with the metadata that validation and the controls read."""
    meta = dict(kind=kind, group=group, help=help, choices=choices, lo=lo, hi=hi,
                lo_open=lo_open, hi_open=hi_open, label=label)
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class Config:
    # ---- data -----------------------------------------------------------------------------
    dataset: str = _f("spiral", "choice", "data", "Which data set to learn: 2-D toys or 8x8 digits.",
                      choices=DATASETS)
    n_classes: int = _f(3, "int", "data", "Number of classes (spiral/blobs up to 8, circles up to 5, "
                        "moons and xor have 2, digits up to 10).", lo=2, hi=10, label="classes")
    n_samples: int = _f(600, "int", "data", "Total number of examples before the train/validation "
                        "split (digits: at most 1797).", lo=20, hi=20000, label="samples")
    noise: float = _f(0.1, "float", "data", "How much the 2-D toy classes are blurred into each other.",
                      lo=0.0, hi=1.0)
    val_fraction: float = _f(0.2, "float", "data", "Share of the examples held out for validation.",
                             lo=0.0, hi=0.9, lo_open=True, label="validation")
    preprocessing: str = _f("standardize", "choice", "data",
                            "How inputs are transformed, fitted on training data only: zero-centre, "
                            "standardise, PCA (rotate) or PCA whitening.",
                            choices=PREPROCESSING,
                            label="preprocess")
    # ---- network --------------------------------------------------------------------------
    depth: int = _f(3, "int", "network", "Number of hidden layers.", lo=1, hi=20)
    width: int = _f(64, "int", "network", "Units per hidden layer.", lo=1, hi=1024)
    activation: str = _f("relu", "choice", "network", "Non-linearity after every hidden layer.",
                         choices=ACTIVATIONS)
    leaky_slope: float = _f(0.01, "float", "network", "Slope of leaky ReLU for negative inputs.",
                            lo=0.0, hi=1.0, hi_open=True)
    maxout_pieces: int = _f(2, "int", "network", "Linear pieces per maxout unit.", lo=2, hi=5,
                            label="maxout k")
    init: str = _f("he_normal", "choice", "network",
                   "Weight initialisation scheme. 'gaussian' draws N(0, weight_std^2); 'constant' sets "
                   "every weight to weight_std.",
                   choices=SCHEMES)
    weight_std: float = _f(0.01, "logfloat", "network", "Standard deviation of the 'gaussian' "
                           "scheme (and the value of 'constant').", lo=0.0, hi=100.0,
                           label="weight std")
    norm: str = _f("none", "choice", "network", "Normalise pre-activations per unit over the batch "
                   "(batch norm) or per example over the units (layer norm).",
                   choices=("none", "batch", "layer"))
    bn_momentum: float = _f(0.9, "float", "network", "Momentum of batch norm's running mean and "
                            "variance, used at evaluation: running = m * running + (1 - m) * "
                            "batch, as in Keras and CS231n (PyTorch's momentum is 1 - m).", lo=0.0, hi=1.0, hi_open=True,
                            label="BN mom.")   # "BN momentum" is cut at the 84 px label width
    dropout: float = _f(0.0, "float", "network", "Probability of dropping a hidden unit in training "
                        "(inverted dropout: nothing changes at test time).", lo=0.0, hi=1.0,
                        hi_open=True)
    residual: bool = _f(False, "bool", "network", "Add skip connections between hidden layers of "
                        "equal width: h + f(h).")
    # ---- training -------------------------------------------------------------------------
    optimizer: str = _f("adam", "choice", "training", "Update rule.", choices=RULES)
    lr: float = _f(0.01, "logfloat", "training", "Learning rate: the step size of every update.",
                   lo=0.0, hi=100.0, lo_open=True, label="learning rate")
    momentum: float = _f(0.9, "float", "training", "Momentum (and Adam's beta1; RMSProp's decay, 0.99 at 0).",
                         lo=0.0, hi=1.0, hi_open=True)
    lr_schedule: str = _f("constant", "choice", "training", "How the learning rate decays over steps.",
                          choices=SCHEDULES,
                          label="schedule")
    lr_decay: float = _f(0.5, "float", "training", "Decay factor of the step and exponential "
                         "schedules.", lo=0.0, hi=1.0, lo_open=True, label="decay factor")
    decay_steps: int = _f(500, "int", "training", "Steps per decay (cosine: steps per cycle).",
                          lo=1, hi=1_000_000, label="decay steps")
    batch_size: int = _f(64, "int", "training", "Examples per minibatch.", lo=1, hi=20000,
                         label="batch size")
    l1: float = _f(0.0, "float", "training", "L1 penalty on weights (not biases or norm parameters).",
                   lo=0.0, hi=10.0, label="L1")
    l2: float = _f(0.0, "float", "training", "L2 penalty on weights (not biases or norm parameters).",
                   lo=0.0, hi=10.0, label="L2")
    grad_clip: float = _f(0.0, "float", "training", "Gradient clipping threshold; 0 turns it off.",
                          lo=0.0, hi=1000.0, label="grad clip")
    clip_mode: str = _f("norm", "choice", "training", "Clip the global gradient norm or each "
                        "gradient value.", choices=("norm", "value"), label="clip mode")
    seed: int = _f(0, "int", "training", "Seed of every random draw: same seed, same numbers.",
                   lo=0, hi=2**31 - 1)
    dtype: str = _f("float64", "choice", "training", "Floating-point precision of the whole run.",
                    choices=("float64", "float32"))

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            object.__setattr__(self, f.name, _validate(f, getattr(self, f.name)))
        lo, hi = CLASS_RANGE[self.dataset]
        if not lo <= self.n_classes <= hi:
            raise FieldError("n_classes", self.n_classes, f"{lo}..{hi}",
                             f"n_classes={self.n_classes!r} does not fit dataset="
                             f"{self.dataset!r}: allowed {lo}..{hi}")
        if self.dataset != "digits" and self.n_samples < 2 * self.n_classes:
            raise FieldError("n_samples", self.n_samples, f"at least {2 * self.n_classes}",
                             f"n_samples={self.n_samples!r} is too small for {self.n_classes} "
                             f"classes: need at least {2 * self.n_classes}")
        budget.check(self)    # memory and time per step: refused here, so everywhere

    # ---- round trips ----------------------------------------------------------------------
    def replace(self, **changes: Any) -> "Config":
        """A new Config with some fields changed (validated; unknown names raise)."""
        _check_names(changes)
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Config":
        """The Config of to_dict's dict (names checked, values validated).  Text (links, JSON)
        is read by initlab.core.links."""
        if not isinstance(data, dict):
            raise ValueError(f"config must be a JSON object, got {type(data).__name__}")
        _check_names(data)
        return cls(**data)

    def changed_fields(self, other: "Config") -> set[str]:
        return {f.name for f in dataclasses.fields(self)
                if getattr(self, f.name) != getattr(other, f.name)}

    def needs_rebuild(self, other: "Config") -> bool:
        """True when going from self to other must rebuild data, weights or architecture."""
        return bool(self.changed_fields(other) - LIVE_FIELDS)


FIELDS: dict[str, dataclasses.Field] = {f.name: f for f in dataclasses.fields(Config)}


def _check_names(changes: dict[str, Any]) -> None:
    unknown = sorted(set(changes) - set(FIELDS), key=str)
    if unknown:
        raise FieldError(unknown[0], changes[unknown[0]], f"one of the fields {', '.join(FIELDS)}",
                         f"unknown config field {unknown[0]!r}: allowed fields are "
                         f"{', '.join(FIELDS)}")


def validate_field(name: str, value: Any) -> Any:
    """value as field `name` keeps it (np.int64(3) -> 3, 1 -> 1.0 for a float), if the field
    allows it on its own; else a FieldError.  Whether fields fit together (classes for a data
    set, the budget) only a whole Config says."""
    _check_names({name: value})
    return _validate(FIELDS[name], value)


def allowed(name: str) -> str:
    """Human-readable description of what a field accepts."""
    m = FIELDS[name].metadata
    if m["choices"]:
        return one_of(m["choices"])
    if m["kind"] == "bool":
        return "true or false"
    what = "an integer" if m["kind"] == "int" else "a number"
    left = "(" if m["lo_open"] else "["
    right = ")" if m["hi_open"] else "]"
    return f"{what} in {left}{m['lo']}, {m['hi']}{right}"


def _validate(f: dataclasses.Field, value: Any) -> Any:
    m = f.metadata
    if type(value).__module__ == "numpy" and hasattr(value, "item"):
        value = value.item()          # np.int64(3), np.float32(0.5), np.bool_(True), np.str_
    bad = not_allowed(f.name, value, allowed(f.name))
    kind = m["kind"]
    if kind == "choice":
        if not isinstance(value, str) or value not in m["choices"]:
            raise bad
        return value
    if kind == "bool":
        if not isinstance(value, bool):
            raise bad
        return value
    if isinstance(value, bool):
        raise bad
    if kind == "int":
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if not isinstance(value, int):
            raise bad
    else:
        if not isinstance(value, (int, float)) or not math.isfinite(value):
            raise bad
        value = float(value)
    lo, hi = m["lo"], m["hi"]
    if value < lo or value > hi or (m["lo_open"] and value == lo) or (m["hi_open"] and value == hi):
        raise bad
    return value
