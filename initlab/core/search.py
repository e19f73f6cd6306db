"""A hyperparameter search that can be stepped one trial at a time (the lab's search view).

    search = Search(Config(), {"lr": (1e-4, 1e-1), "l2": (1e-6, 1e-1)}, trials=20, steps=200)
    while not search.done:
        search.step()                  # one trial: build, train `steps` minibatches, score
    search.best().params               # {"lr": ..., "l2": ...}
    search.zoomed()                    # coarse to fine: ranges a quarter as wide around the best

The points are initlab.core.checks' (random_points: log-uniform; grid_points: a log-spaced
grid of floor(trials ** (1/d)) values per field), each trial scored like checks.train_and_score
(validation accuracy, nan when it diverged).  `check_search_cost` refuses a search whose
estimated CPU time (trials x steps x the net's seconds per step, initlab.core.budget) is over
SEARCH_MAX_SECONDS.  Pure NumPy, no widgets.
"""
from __future__ import annotations

import math
from dataclasses import fields
from typing import Any

import numpy as np

from initlab.core import budget, checks
from initlab.core.checks import Trial
from initlab.core.config import Config, FieldError

KINDS = ("random", "grid")
MAX_TRIALS = 200
MAX_STEPS = 5000
# A search is many short runs in one student's kernel: keep it within about a minute and a half
# of CPU (estimated; the default net's 20 x 200 steps is about 8 s of it).
SEARCH_MAX_SECONDS = 90.0
SHRINK = 0.25               # coarse to fine: the next range is a quarter as wide, in decades
# A best value this close to an end of its range (as a share of the range's width in decades)
# sits on the border: the search has not seen the other side of it (CS231n: careful with best
# values on the border), so zooming in around it would keep looking on one side only.
EDGE = 0.1


def search_seconds(base: Config, trials: int, steps: int) -> float:
    """Estimated CPU seconds of `trials` runs of `steps` minibatches of `base` (budget.estimate)."""
    return trials * steps * budget.estimate(base).seconds_per_step


def check_search_cost(base: Config, trials: int, steps: int,
                      max_seconds: float = SEARCH_MAX_SECONDS) -> float:
    """The estimated seconds, or ValueError naming trials, steps and the net's size fields."""
    seconds = search_seconds(base, trials, steps)
    if seconds > max_seconds:
        net = ", ".join(f"{n}={getattr(base, n)!r}" for n in ("depth", "width", "batch_size"))
        raise ValueError(
            f"this search would take about {seconds:.0f} s of computing (trials={trials} x "
            f"steps={steps} per trial x {budget.estimate(base).seconds_per_step * 1e3:.2g} ms "
            f"per step of this net: {net}); the limit is {max_seconds:.0f} s. Use fewer trials "
            f"or steps, or a smaller net")
    return seconds


def _count(name: str, value: Any, most: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not (
            1 <= value <= most):
        raise FieldError(name, value, f"an integer in [1, {most}]")
    return int(value)


def _space(base: Config, space: Any) -> dict:
    """`space` checked: {float field: (low, high)} with 0 < low < high, both ends values Config
    allows; else a FieldError naming the field and what is allowed."""
    if not isinstance(space, dict) or not space:
        raise FieldError("space", space, "a dict of at least one field and its (low, high) "
                         "range, e.g. {'lr': (1e-4, 1e-1)}")
    floats = [f.name for f in fields(Config) if f.metadata["kind"] in ("float", "logfloat")]
    for name, rng in space.items():
        if name not in floats:
            raise FieldError(name, rng, "a float field: " + ", ".join(floats),
                             f"{name!r} cannot be searched: allowed are the float fields "
                             f"{', '.join(floats)}")
        if not (isinstance(rng, (tuple, list)) and len(rng) == 2):
            raise FieldError(name, rng, "a (low, high) pair with 0 < low < high")
        lo, hi = (float(v) for v in rng)
        if not (0 < lo < hi < math.inf):
            raise FieldError(name, rng, "(low, high) with 0 < low < high (the range is "
                             "searched on a log scale)")
        base.replace(**{name: lo}), base.replace(**{name: hi})   # ends Config allows
    return {name: (float(lo), float(hi)) for name, (lo, hi) in space.items()}


class Search:
    """A random or grid search over `space` ({field: (low, high)}, log ranges), one trial per
    step().  trials: how many (a grid uses floor(trials ** (1/d)) per field, so it may run
    fewer); steps: minibatches per trial; seed: random search's draws."""

    def __init__(self, base: Config, space: dict, *, kind: str = "random", trials: int = 20,
                 steps: int = 200, seed: int = 0) -> None:
        if kind not in KINDS:
            raise FieldError("kind", kind, "one of " + ", ".join(repr(k) for k in KINDS))
        self.trials_wanted = _count("trials", trials, MAX_TRIALS)
        self.steps = _count("steps", steps, MAX_STEPS)
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise FieldError("seed", seed, "an integer >= 0")
        self.base, self.space, self.kind, self.seed = base, _space(base, space), kind, seed
        self.points = (checks.random_points(self.space, trials, seed) if kind == "random"
                       else checks.grid_points(self.space, trials))
        self.seconds = check_search_cost(base, len(self.points), self.steps)
        self.trials: list[Trial] = []

    @property
    def done(self) -> bool:
        return len(self.trials) == len(self.points)

    def step(self) -> Trial:
        """Run the next trial; returns it."""
        if self.done:
            raise ValueError("the search is done: every trial has run")
        params = self.points[len(self.trials)]
        score = checks.train_and_score(self.base.replace(**params), self.steps)
        trial = Trial(params, float(score), not math.isfinite(score))
        self.trials.append(trial)
        return trial

    def best(self) -> Trial | None:
        """The best trial so far (highest validation accuracy), None before any finite one."""
        finite = [t for t in self.trials if math.isfinite(t.score)]
        return checks.best(finite) if finite else None

    def at_edge(self) -> dict[str, str]:
        """{field: "low" or "high"} for every field whose best value lies within EDGE of that
        end of its range (in decades); {} before any finite trial."""
        top = self.best()
        if top is None:
            return {}
        ends = {}
        for name, (lo, hi) in self.space.items():
            where = math.log10(top.params[name] / lo) / math.log10(hi / lo)
            if where <= EDGE:
                ends[name] = "low"
            elif where >= 1 - EDGE:
                ends[name] = "high"
        return ends

    def zoomed(self, shrink: float = SHRINK) -> dict:
        """Coarse to fine: each range `shrink` times as wide (in decades) around the best."""
        top = self.best()
        if top is None:
            raise ValueError("no trial has a score yet: nothing to zoom in on")
        return {name: checks.narrow(lo, hi, top.params[name], shrink)
                for name, (lo, hi) in self.space.items()}


def distinct_values(points: list[dict], name: str) -> np.ndarray:
    """The distinct values of field `name` among `points`, sorted: what a search learns about
    that knob alone (a grid of n trials over 2 fields tries only floor(sqrt(n)) of them)."""
    return np.unique(np.array([p[name] for p in points], dtype=np.float64))
