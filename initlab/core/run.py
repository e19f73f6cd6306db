"""Run: a Config turned into data + network + optimiser, stepped minibatch by minibatch.

Same Config, same numbers: every random draw comes from a child of SeedSequence(config.seed), one
stream per purpose (data, weights, minibatch order, dropout masks, probe batch), so that changing
one thing (say the dropout rate) does not reshuffle another (the data).

`step()` never raises for numerical trouble: a non-finite or exploding loss sets
status = "diverged" with the step and a plain-language hint; a step that runs out of memory sets
status = "out_of_memory" (not a divergence: the learning rate is not to blame).  Either way
`diverged` is True: the run cannot train until Reset.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from initlab.core.config import FIELDS, Config
from initlab.data.datasets import Data, make_data
from initlab.nn.losses import softmax_cross_entropy
from initlab.nn.model import MLP, ProbeRecord
from initlab.nn.optim import RULES, clip_gradients, global_norm, learning_rate
from initlab.nn.registry import not_allowed
from initlab.core.snapshot import History, Snapshot

# A loss this many times above where it started counts as exploding.
EXPLODE_FACTOR = 50.0
STOPPED = ("diverged", "out_of_memory")      # statuses in which the run cannot train
EVAL_SUBSET = 500
DATA_FIELDS = {"dataset", "n_classes", "n_samples", "noise", "val_fraction", "preprocessing",
               "dtype"}  # examples used for each train/validation accuracy measurement


@dataclass(frozen=True)
class Divergence:
    """Why a run stopped training: at `step` the loss became `kind` ("nan", "inf" or
    "exploded": finite but EXPLODE_FACTOR times above its start, `start_loss`); `hint` is what
    to change.  Run.divergence holds it (None while the run trains), for readers that must not
    parse Run.message."""
    step: int
    loss: float
    start_loss: float
    kind: str
    hint: str


class Run:
    """An experiment in progress.  See the module docstring."""

    def __init__(self, config: Config | None = None, *, probe_size: int = 256,
                 eval_every: int = 10, data: Data | None = None) -> None:
        """data: use these (already preprocessed) arrays instead of building them from the
        Config, e.g. one fold of a cross-validation; reset() keeps them."""
        if config is None:
            config = Config()
        if not isinstance(config, Config):
            raise ValueError(f"config must be an initlab Config, got {type(config).__name__}")
        self.config = config
        self.probe_size = int(probe_size)
        self.eval_every = int(eval_every)
        self._given_data = data
        self._build()

    # ---- building ---------------------------------------------------------------------------
    def _build(self) -> None:
        cfg = self.config
        streams = np.random.SeedSequence(cfg.seed).spawn(5)
        data_rng, weight_rng, batch_rng, drop_rng, probe_rng = map(np.random.default_rng, streams)
        self.data: Data = self._given_data or make_data(cfg, data_rng)
        self.model = MLP(cfg, self.data.input_dim, self.data.n_classes, weight_rng, drop_rng)
        self._batch_rng = batch_rng
        n_train = len(self.data.y_train)
        self.probe_index = np.sort(probe_rng.choice(n_train, min(self.probe_size, n_train),
                                                    replace=False))
        self._train_eval = self.probe_index if n_train <= EVAL_SUBSET else np.sort(
            probe_rng.choice(n_train, EVAL_SUBSET, replace=False))
        self._order = np.zeros(0, dtype=np.int64)
        self._cursor = 0
        self.opt_state: dict[str, dict] = {}
        self._optimizer = cfg.optimizer
        self._optimizer_since = 0     # step count when the current rule took over
        self.history = History(eval_every=self.eval_every)
        self.step_count = 0
        self.samples_seen = 0
        self.status = "ok"
        self.message = ""
        self.diverged_at: int | None = None
        self.divergence: Divergence | None = None
        self.start_data_loss: float | None = None      # data loss of the first step (no penalty)
        self._start_loss: float | None = None
        self._snapshot: Snapshot | None = None

    def reset(self) -> None:
        """Start again from the same Config: same seed, same data, same initial weights."""
        self._build()

    def apply(self, config: Config) -> str:
        """Move to a new Config.  Returns "unchanged", "adjusted" (live change) or "rebuilt"."""
        if not isinstance(config, Config):
            raise ValueError(f"config must be an initlab Config, got {type(config).__name__}")
        if config == self.config:
            return "unchanged"
        rebuild = self.config.needs_rebuild(config)
        old, self.config = self.config, config
        if rebuild:
            if self._given_data is not None and (config.changed_fields(old) & DATA_FIELDS):
                self._given_data = None       # the Config now asks for other data
            self._build()
            return "rebuilt"
        self.model.set_live(config)
        self._mark_change(old, config)
        if config.optimizer != self._optimizer:
            # a new rule starts fresh: empty velocities / caches and its own step count, which
            # Adam's bias correction divides by (the run's count would make its steps too large)
            self.opt_state = {}
            self._optimizer = config.optimizer
            self._optimizer_since = self.step_count
        # The cached snapshot stays valid: a live change alters no weight, and the probe pass
        # runs without dropout or penalties, so it would measure exactly the same numbers.
        return "adjusted"

    def _mark_change(self, old: Config, new: Config) -> None:
        """Record a live change in history.changes for the curves' markers (not at step 0).
        Changes at one step (a slider drag while paused) merge into one marker."""
        if self.step_count == 0:
            return
        changes = self.history.changes
        if changes and changes[-1][0] == self.step_count:
            changes.pop()
            old = self._marked_from
        else:
            self._marked_from = old
        if old.changed_fields(new):
            changes.append((self.step_count, change_label(old, new)))

    # ---- training ---------------------------------------------------------------------------
    @property
    def epoch(self) -> float:
        return self.samples_seen / max(1, len(self.data.y_train))

    @property
    def diverged(self) -> bool:
        """True when the run cannot train any more: it diverged, or a step ran out of memory
        (`status` says which; Reset starts it again)."""
        return self.status in STOPPED

    def _next_batch(self) -> np.ndarray:
        n = len(self.data.y_train)
        size = min(self.config.batch_size, n)
        if self._cursor + size > len(self._order):
            self._order = self._batch_rng.permutation(n)
            self._cursor = 0
        idx = self._order[self._cursor:self._cursor + size]
        self._cursor += size
        return idx

    def step(self, n: int = 1) -> int:
        """Train n minibatches.  Returns how many were done (fewer if the run diverged)."""
        done = 0
        with np.errstate(all="ignore"):
            while done < n and not self.diverged:
                if not self._guarded_step():
                    break
                done += 1
        if done:
            self._snapshot = None
        return done

    def step_for(self, seconds: float, max_steps: int = 10**9) -> int:
        """Train for about `seconds` of wall time (at least one step).  Returns steps done."""
        deadline = time.perf_counter() + seconds
        done = 0
        with np.errstate(all="ignore"):
            while done < max_steps and not self.diverged:
                if not self._guarded_step():
                    break
                done += 1
                if time.perf_counter() >= deadline:
                    break
        if done:
            self._snapshot = None
        return done

    def _guarded_step(self) -> bool:
        """One step; a MemoryError (a served kernel's memory cap) frees the step's arrays, stops
        the run with a message and returns False.  The weights may be half-updated: reset."""
        try:
            self.train_step()
            return True
        except MemoryError:
            self.model.clear_caches()               # the step's cached activations
            import gc
            gc.collect()
            self.status, self.diverged_at = "out_of_memory", self.step_count
            self.message = (f"step {self.step_count + 1} ran out of memory; what it had taken "
                            f"is freed. Lower the batch size, width or depth, then press reset.")
            return False

    def train_step(self) -> None:
        """One minibatch update, bare: no MemoryError guard, no errstate, the cached snapshot
        kept.  step() and step_for() wrap it; budget.measure times it alone."""
        cfg, model, data = self.config, self.model, self.data
        idx = self._next_batch()
        scores = model.forward(data.x_train[idx], "train")
        data_loss, dscores, _ = softmax_cross_entropy(scores, data.y_train[idx])
        loss = float(data_loss) + model.penalty(add_grads=False)
        if self._start_loss is None:
            self._start_loss = loss if math.isfinite(loss) else float("inf")
            self.start_data_loss = float(data_loss)
        if self._check_diverged(loss):
            self.history.record_divergence(self.step_count + 1, loss)   # the curves show it
            return
        model.backward(dscores)
        model.penalty(add_grads=True)
        params = model.parameters()
        grads = [layer.grads[key] for _, layer, key in params]
        clip_scale = 1.0                 # how much of the gradient's size clipping left
        if cfg.grad_clip > 0:
            before = clip_gradients(grads, cfg.clip_mode, cfg.grad_clip)
            if math.isfinite(before) and before > 0:
                after = (min(before, float(cfg.grad_clip)) if cfg.clip_mode == "norm"
                         else global_norm(grads))
                clip_scale = after / before
        lr = learning_rate(cfg.lr, self.step_count, cfg.lr_schedule, cfg.lr_decay, cfg.decay_steps)
        rule = RULES[cfg.optimizer]
        t = self.step_count - self._optimizer_since + 1     # the rule's own 1-based step
        ratios = []
        for (name, layer, key), grad in zip(params, grads):
            value = layer.params[key]
            delta = rule(grad, self.opt_state.setdefault(name, {}), lr=lr,
                         momentum=cfg.momentum, t=t)
            if key == "w" and name.startswith("dense"):
                ratios.append(global_norm([delta]) / max(global_norm([value]), 1e-12))
            value += delta
        self.step_count += 1
        self.samples_seen += len(idx)
        self.history.record(self.step_count, loss, lr, np.array(ratios, dtype=np.float32),
                            clip_scale)
        if self.step_count % self.eval_every == 0:
            self._evaluate()

    def _check_diverged(self, loss: float) -> bool:
        start = self._start_loss if self._start_loss is not None else loss
        limit = EXPLODE_FACTOR * max(start, math.log(self.data.n_classes), 1.0)
        if math.isfinite(loss) and loss <= limit:
            return False
        self.status = "diverged"
        self.diverged_at = self.step_count
        what = "became NaN" if math.isnan(loss) else (
            "became infinite" if not math.isfinite(loss) else
            f"exploded to {loss:.3g} (it started at {start:.3g})")
        hint = "lower the learning rate"
        if self.config.grad_clip == 0:
            hint += ", or turn on gradient clipping"
        kind = "nan" if math.isnan(loss) else "inf" if not math.isfinite(loss) else "exploded"
        self.divergence = Divergence(self.step_count, loss, start, kind, hint)
        self.message = (f"diverged at step {self.step_count}: the loss {what}; {hint}, "
                        f"then press reset.")
        return True

    def _evaluate(self) -> None:
        d = self.data
        tr_acc, _ = self.evaluate(d.x_train[self._train_eval], d.y_train[self._train_eval])
        va_acc, va_loss = self.evaluate(d.x_val[:EVAL_SUBSET], d.y_val[:EVAL_SUBSET])
        self.history.record_eval(self.step_count, tr_acc, va_acc, va_loss)

    def evaluate(self, x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
        """(accuracy, data loss) of the model in eval mode on x (N, D), y (N,)."""
        with np.errstate(all="ignore"):
            scores = self.model.forward(x, "eval")
            loss, _, _ = softmax_cross_entropy(scores, y)
        return float(np.mean(np.argmax(scores, axis=1) == y)), float(loss)

    def accuracy(self, split: str = "val") -> float:
        """Accuracy on the whole training ("train") or validation ("val") set."""
        if split not in ("train", "val"):
            raise not_allowed("split", split, ("train", "val"))
        d = self.data
        x, y = (d.x_train, d.y_train) if split == "train" else (d.x_val, d.y_val)
        return self.evaluate(x, y)[0]

    def loss(self) -> float:
        """Loss (data + penalty) on the whole training set, eval mode."""
        return self.evaluate(self.data.x_train, self.data.y_train)[1] + self.model.penalty(False)

    # ---- looking ----------------------------------------------------------------------------
    def probe(self) -> ProbeRecord:
        """The probe pass on the fixed probe batch, in the run's dtype: per hidden layer the
        pre-activations, activations and gradients (see MLP.probe).  Changes nothing."""
        x = self.data.x_train[self.probe_index]
        with np.errstate(all="ignore"):
            return self.model.probe(x, self.data.y_train[self.probe_index])

    def weights_changed(self) -> None:
        """Say that the weights were edited in place (a lesson's hand-made change): the cached
        snapshot is dropped, and the next one measures the new weights."""
        self._snapshot = None

    def snapshot(self) -> Snapshot:
        """Statistics on the fixed probe batch (cached until the run changes)."""
        if self._snapshot is None:
            from initlab.core.probe import take_snapshot
            self._snapshot = take_snapshot(self)
        return self._snapshot


def change_label(old: Config, new: Config) -> str:
    """Short label of what changed, e.g. "lr 0.01 -> 0.1, optimizer adam -> sgd"."""
    def text(v):
        return f"{v:g}" if isinstance(v, float) else str(v)
    changed = old.changed_fields(new)
    return ", ".join(f"{n} {text(getattr(old, n))} -> {text(getattr(new, n))}"
                     for n in FIELDS if n in changed)
