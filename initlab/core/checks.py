"""Sanity checks and hyperparameter search: the "babysitting" side of training.

- gradient_check: analytic vs centred-difference gradients of the whole network's loss
- initial_loss: the loss before training, to compare with ln(C)
- overfit_tiny_subset: a correct model drives a handful of examples to 100% training accuracy
- median_update_ratio: the typical ||delta W|| / ||W|| of a run (healthy: about 1e-3)
- steps_to_loss: how many steps a run needs until its minibatch loss settles below a level
- val_accuracy_after: validation accuracy of one run after a few and after many epochs
- random_search / grid_search / coarse_to_fine: same trial budget, scored on validation accuracy
- cross_validate: k-fold validation accuracy of one Config
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from initlab.core.config import Config
from initlab.data.datasets import Data, Preprocessor
from initlab.nn.losses import softmax_cross_entropy
from initlab.core.run import Run

# Runs that are only scored at the end skip the periodic accuracy measurement (the History's
# train_acc / val_acc), which costs more than the training steps on small nets.
SCORE_ONLY = dict(eval_every=10**9)


# ---- gradients ---------------------------------------------------------------------------------
def gradient_check(config: Config, n_examples: int = 6, h: float = 1e-5) -> dict[str, float]:
    """Relative error between analytic and numeric gradients for every parameter array.

    The network is built from `config` in float64 and evaluated in training mode on n_examples
    training examples; dropout uses one fixed mask so the loss is a deterministic function.
    Returns {parameter name: max relative error}, e.g. {"dense0.w": 3e-9, ...}; entries whose
    numeric step crossed a kink, or whose two gradients differ by less than the centred
    difference's rounding error, are not counted (see gradient_check_details).
    """
    return gradient_check_details(config, n_examples, h)[0]


# Centred differences in float64 resolve a gradient only to about eps * |loss| / h (2e-11 for a
# loss of 1): an entry's relative error divides by at least this many times that (2e-6), so
# rounding alone cannot fail an entry whose gradient is about 0 (PyTorch's gradcheck likewise
# adds an absolute tolerance); a wrong gradient of that size still shows as a large error.
ROUNDING_FACTOR = 1e5


def _kinks(model) -> tuple[np.ndarray, ...]:
    """Which side of every kink each unit is on, as each activation states it (Activation.kinks:
    ReLU and leaky ReLU z > 0, maxout's winning piece).  A numeric step that changes this crossed
    a kink (CS231n: 'kinks in the objective')."""
    pattern = []
    for layer in model.acts:
        if layer.z is not None:
            side = layer.act.kinks(layer.z, layer._cache)
            if side is not None:
                pattern.append(np.array(side, copy=True))
    return tuple(pattern)


def gradient_check_details(config: Config, n_examples: int = 6, h: float = 1e-5
                           ) -> tuple[dict[str, float], int, int]:
    """gradient_check's errors, the number of entries skipped because the step h crossed a kink
    (the CS231n notes: track the winners of every max and skip such entries), and how many
    entries there are in all."""
    run = Run(config.replace(dtype="float64"))
    model = run.model
    x = run.data.x_train[:n_examples]
    y = run.data.y_train[:n_examples]
    mask_rng = np.random.default_rng(config.seed + 1)
    for drop, dense in zip(model.drops, model.dense):
        if drop.p > 0:
            units = dense.params["w"].shape[1] // model.activation.fan_out_factor
            drop.set_mask(mask_rng.random((n_examples, units)) >= drop.p)

    def loss() -> float:
        scores = model.forward(x, "train")
        return softmax_cross_entropy(scores, y)[0] + model.penalty(add_grads=False)

    skipped = total = 0
    with np.errstate(all="ignore"):
        base = loss()
        scores = model.forward(x, "train")
        _, dscores, _ = softmax_cross_entropy(scores, y)
        model.backward(dscores)
        model.penalty(add_grads=True)
        analytic = {name: layer.grads[key].copy() for name, layer, key in model.parameters()}
        noise = ROUNDING_FACTOR * np.finfo(np.float64).eps * max(1.0, abs(float(base))) / h
        kinks = _kinks(model)
        errors = {}
        for name, layer, key in model.parameters():
            p = layer.params[key]
            numeric = np.zeros(p.shape)
            crossed = np.zeros(p.shape, dtype=bool)
            for i in np.ndindex(p.shape):
                old = p[i]
                p[i] = old + h
                plus = loss()
                crossed[i] = not _same(kinks, _kinks(model))
                p[i] = old - h
                minus = loss()
                crossed[i] |= not _same(kinks, _kinks(model))
                p[i] = old
                numeric[i] = (plus - minus) / (2 * h)
            a, n = analytic[name], numeric
            if max(np.abs(a).max(), np.abs(n).max()) < 1e-8:
                # e.g. a bias just before batch norm: normalisation cancels it, both are zero
                rel = np.abs(a - n)
            else:
                rel = np.abs(a - n) / np.maximum(noise, np.abs(a) + np.abs(n))
            rel[crossed] = 0.0
            errors[name] = float(rel.max()) if rel.size else 0.0
            skipped += int(crossed.sum())
            total += crossed.size
    for drop in model.drops:
        drop.set_mask(None)
    return errors, skipped, total


def _same(a: tuple[np.ndarray, ...], b: tuple[np.ndarray, ...]) -> bool:
    return all(np.array_equal(u, v) for u, v in zip(a, b))


# ---- babysitting -------------------------------------------------------------------------------
def initial_loss(config: Config) -> tuple[float, float]:
    """(data loss of the untrained network on the training set, ln C that small weights give)."""
    run = Run(config)
    with np.errstate(all="ignore"):
        scores = run.model.forward(run.data.x_train, "eval")
        loss = softmax_cross_entropy(scores, run.data.y_train)[0]
    return float(loss), math.log(run.data.n_classes)


def overfit_tiny_subset(config: Config, n_examples: int = 20, steps: int = 300) -> Run:
    """Train on only n_examples training examples, no regularisation; returns the Run.

    A model and gradient that are right reach 100% training accuracy (run.accuracy("train")).
    """
    tiny = config.replace(
        n_samples=max(2 * n_examples, 2 * config.n_classes), val_fraction=0.5,
        batch_size=n_examples, l1=0.0, l2=0.0, dropout=0.0)
    run = Run(tiny)
    run.step(steps)
    return run


def median_update_ratio(run: Run, first: int | None = None) -> float:
    """Median of ||delta W|| / ||W|| over every weight matrix and step recorded so far (or over
    the first `first` steps); nan before any step.  The lecture's rule of thumb: about 1e-3."""
    ratios = run.history.update_ratio[:first]
    if not ratios:
        return math.nan
    return float(np.median(np.concatenate(ratios)))


def steps_to_loss(run: Run, level: float, max_steps: int, window: int = 10) -> int | None:
    """Train `run` until the mean minibatch loss of the last `window` steps is below `level`.

    Returns the step at which that first happened, or None if it did not within max_steps
    (or the run diverged).  Steps in chunks of `window`, so the run may go a few steps past.
    """
    if window < 1 or max_steps < 1:
        raise ValueError(f"window={window!r}, max_steps={max_steps!r}: expected integers >= 1")
    while run.step_count < max_steps and not run.diverged:
        run.step(min(window, max_steps - run.step_count))
        loss = np.asarray(run.history.loss, dtype=np.float64)
        if len(loss) < window:
            continue
        running = np.convolve(loss, np.ones(window) / window, mode="valid")
        below = np.flatnonzero(running < level)
        if len(below):
            return int(below[0] + window)
    return None


def val_accuracy_after(config: Config, epochs: list[float]) -> list[float]:
    """Validation accuracy of one run after each number of epochs in `epochs` (increasing);
    nan from the point where the run diverged."""
    run = Run(config, **SCORE_ONLY)
    steps_per_epoch = len(run.data.y_train) / min(config.batch_size, len(run.data.y_train))
    scores = []
    for epoch in epochs:
        run.step(max(0, int(round(epoch * steps_per_epoch)) - run.step_count))
        scores.append(math.nan if run.diverged else run.accuracy("val"))
    return scores


# ---- search ------------------------------------------------------------------------------------
@dataclass
class Trial:
    params: dict           # the sampled values, e.g. {"lr": 0.003, "l2": 1e-4}
    score: float           # validation accuracy (nan if the run diverged)
    diverged: bool


Objective = Callable[[Config], float]
Progress = Callable[[int, int, Trial], None]


def train_and_score(config: Config, steps: int = 200) -> float:
    """Validation accuracy after `steps` minibatches (nan if the run diverged)."""
    run = Run(config, **SCORE_ONLY)
    run.step(steps)
    return math.nan if run.diverged else run.accuracy("val")


def _check_space(space: dict) -> None:
    if not space:
        raise ValueError("space is empty: give at least one field, e.g. {'lr': (1e-4, 1e-1)}")
    for name, rng in space.items():
        if name not in Config.__dataclass_fields__:
            raise ValueError(f"space: unknown config field {name!r}")
        lo, hi = rng
        if not 0 < lo < hi:
            raise ValueError(f"space[{name!r}]={rng!r} is not allowed: expected (low, high) with "
                             f"0 < low < high (ranges are searched log-uniformly)")


def _evaluate(base: Config, points: list[dict], objective: Objective | None, steps: int,
              progress: Progress | None) -> list[Trial]:
    trials = []
    for i, params in enumerate(points):
        cfg = base.replace(**params)
        score = objective(cfg) if objective else train_and_score(cfg, steps)
        trial = Trial(params, float(score), not math.isfinite(score))
        trials.append(trial)
        if progress:
            progress(i + 1, len(points), trial)
    return trials


def random_search(base: Config, space: dict, budget: int, *, steps: int = 200, seed: int = 0,
                  objective: Objective | None = None, progress: Progress | None = None
                  ) -> list[Trial]:
    """`budget` trials with every field drawn log-uniformly from its (low, high) range."""
    return _evaluate(base, random_points(space, budget, seed), objective, steps, progress)


def random_points(space: dict, budget: int, seed: int = 0) -> list[dict]:
    """random_search's `budget` points: every field log-uniform in its (low, high) range."""
    _check_space(space)
    rng = np.random.default_rng(seed)
    return [{name: float(np.clip(math.exp(rng.uniform(math.log(lo), math.log(hi))), lo, hi))
             for name, (lo, hi) in space.items()} for _ in range(budget)]


def grid_search(base: Config, space: dict, budget: int, *, steps: int = 200,
                objective: Objective | None = None, progress: Progress | None = None
                ) -> list[Trial]:
    """A log-spaced grid with floor(budget ** (1/d)) values per field (at most `budget` trials)."""
    return _evaluate(base, grid_points(space, budget), objective, steps, progress)


def grid_points(space: dict, budget: int) -> list[dict]:
    """grid_search's points: floor(budget ** (1/d)) log-spaced values per field, all combined."""
    _check_space(space)
    per_axis = max(1, int(math.floor(budget ** (1 / len(space)) + 1e-9)))
    axes = [np.geomspace(lo, hi, per_axis) for lo, hi in space.values()]
    mesh = np.meshgrid(*axes, indexing="ij")
    return [{name: float(m.ravel()[i]) for name, m in zip(space, mesh)}
            for i in range(mesh[0].size)]


def best(trials: list[Trial]) -> Trial:
    """The trial with the highest finite score."""
    finite = [t for t in trials if math.isfinite(t.score)]
    if not finite:
        raise ValueError("every trial diverged: narrow the ranges (lower learning rates)")
    return max(finite, key=lambda t: t.score)


def coarse_to_fine(base: Config, space: dict, budget: int, *, rounds: int = 2, steps: int = 200,
                   seed: int = 0, shrink: float = 0.25, objective: Objective | None = None,
                   progress: Progress | None = None) -> list[list[Trial]]:
    """Random search in rounds; each round searches a log-range `shrink` times as wide (in
    decades) around the best point so far.  Returns the trials of every round."""
    history = []
    for r in range(rounds):
        trials = random_search(base, space, budget, steps=steps, seed=seed + r,
                               objective=objective, progress=progress)
        history.append(trials)
        top = best(trials)
        space = {name: narrow(lo, hi, top.params[name], shrink)
                 for name, (lo, hi) in space.items()}
    return history


def narrow(lo: float, hi: float, centre: float, shrink: float) -> tuple[float, float]:
    """The range `shrink` times as wide (in decades) as (lo, hi), centred on `centre` (log),
    kept inside (lo, hi): coarse-to-fine's next range."""
    half = 0.5 * shrink * (math.log10(hi) - math.log10(lo))
    c = math.log10(centre)
    return 10 ** max(math.log10(lo), c - half), 10 ** min(math.log10(hi), c + half)


def cross_validate(config: Config, k: int = 5, steps: int = 200) -> tuple[float, float]:
    """Mean and std of validation accuracy over k folds of all the examples (train + val).

    Each fold refits the preprocessing on its own training part only.
    """
    if not 2 <= k <= 20:
        raise ValueError(f"k={k!r} is not allowed: expected an integer in [2, 20]")
    template = Run(config).data
    x = np.concatenate([template.raw_train, template.raw_val])
    y = np.concatenate([template.y_train, template.y_val])
    order = np.random.default_rng(config.seed).permutation(len(y))
    folds = np.array_split(order, k)
    scores = []
    dtype = np.dtype(config.dtype)
    for i in range(k):
        val = folds[i]
        train = np.concatenate([f for j, f in enumerate(folds) if j != i])
        prep = Preprocessor(config.preprocessing).fit(x[train])
        data = Data(x_train=prep.transform(x[train]).astype(dtype), y_train=y[train],
                    x_val=prep.transform(x[val]).astype(dtype), y_val=y[val],
                    raw_train=x[train], raw_val=x[val], n_classes=template.n_classes,
                    input_dim=template.input_dim, preprocessor=prep, name=template.name)
        run = Run(config, data=data, **SCORE_ONLY)
        run.step(steps)
        scores.append(math.nan if run.diverged else run.accuracy("val"))
    return float(np.mean(scores)), float(np.std(scores))
