"""Toy problems for the training lessons (optimisers, dropout), pure NumPy.

The lessons of babysitting, optimisation and regularisation are checked on the lab's real
training runs where that works; these toys show what a real run cannot show cleanly.

- a 2-D loss surface with a local minimum, a saddle point and a deeper minimum, descended by the
  lab's own update rules (`descend`): plain SGD stops in the first dip or lingers at the saddle,
  momentum's velocity carries it on
- plain (non-inverted) dropout next to the lab's inverted dropout: the test-time scaling that
  plain dropout needs and inverted dropout does not
- `seed_table`: one row per measured quantity, one column per seed, and the spread
"""
from __future__ import annotations

from typing import Iterable

import numpy as np

from initlab.lessons.demos import SEEDS, follow, seed_table  # noqa: F401  SEEDS, seed_table: re-exported


# ---- a surface with a local minimum and a saddle ------------------------------------------------
# loss(x, y) = x^4/4 - x^2/2 + TILT x + VALLEY y^2 / 2: along y = 0 a tilted double well, across
# it a valley.  Its critical points all lie on y = 0: a deep minimum (x ~ -1.09, loss -0.46), a
# saddle point (x ~ 0.21: a bump along x, a valley along y) and a shallow local minimum
# (x ~ 0.88, loss -0.06).  Coming down from the right, SGD stops in the shallow dip.
TILT = 0.2
VALLEY = 4.0
SURFACE_LR = 0.03


def surface_loss(w: np.ndarray) -> np.ndarray:
    """The surface's loss at w (..., 2) -> (...)."""
    w = np.asarray(w, dtype=np.float64)
    x, y = w[..., 0], w[..., 1]
    return 0.25 * x ** 4 - 0.5 * x ** 2 + TILT * x + 0.5 * VALLEY * y ** 2


def surface_grad(w: np.ndarray) -> np.ndarray:
    """Gradient of surface_loss at w (..., 2) -> (..., 2): one point or many at once."""
    w = np.asarray(w, dtype=np.float64)
    x, y = w[..., 0], w[..., 1]
    return np.stack([x ** 3 - x + TILT, VALLEY * y], axis=-1)


def critical_points() -> dict[str, np.ndarray]:
    """{"global minimum", "saddle", "local minimum"}: each a point (2,) where the gradient is 0."""
    xs = np.sort(np.roots([1.0, 0.0, -1.0, TILT]).real)
    names = ("global minimum", "saddle", "local minimum")
    return {name: np.array([x, 0.0]) for name, x in zip(names, xs)}


def hillside_start(rng: np.random.Generator, n: int | None = None) -> np.ndarray:
    """A random start (2,) on the right-hand slope above the local minimum, x in [1.5, 2.5] and
    y in [-1, 1]; or n of them (n, 2)."""
    shape = () if n is None else (n,)
    return np.stack([rng.uniform(1.5, 2.5, shape), rng.uniform(-1.0, 1.0, shape)], axis=-1)


def saddle_start(rng: np.random.Generator) -> tuple[float, float]:
    """A random start up the valley wall just beside the saddle: x within 1e-4..1e-3 of the
    saddle's x (either side), y in [0.5, 1]."""
    side = rng.choice([-1.0, 1.0])
    x = critical_points()["saddle"][0] + side * rng.uniform(1e-4, 1e-3)
    return float(x), float(rng.uniform(0.5, 1.0))


def descend(rule: str, start, steps: int = 400, lr: float = SURFACE_LR,
            momentum: float = 0.9) -> np.ndarray:
    """Points (steps + 1, 2) visited on the surface by the lab's update rule `rule` (a name in
    optim.RULES) with full (noise-free) gradients; momentum is also Adam's beta1.  Many starts
    (n, 2) descend side by side: (steps + 1, n, 2)."""
    if steps < 0:
        raise ValueError(f"steps={steps!r} is not allowed: expected an integer >= 0")
    return follow(rule, surface_grad, start, steps, lambda t: lr, momentum)


def nearest_minimum(point: np.ndarray) -> str:
    """"global minimum" or "local minimum": the basin a resting point (2,) lies in (by x)."""
    return "global minimum" if point[0] < critical_points()["saddle"][0] else "local minimum"


def in_deep_minimum(points: np.ndarray) -> np.ndarray:
    """For resting points (..., 2): True where a point lies in the deep minimum's basin."""
    return np.asarray(points)[..., 0] < critical_points()["saddle"][0]


def steps_to_leave(path: np.ndarray, centre: np.ndarray, radius: float = 0.3) -> int | None:
    """First step at which the path's x is further than `radius` from centre's x (the time spent
    crossing a plateau); None if it never leaves."""
    away = np.abs(np.asarray(path)[:, 0] - centre[0]) > radius
    return int(np.argmax(away)) if away.any() else None


def surface_contours(levels: Iterable[float], points: int = 200
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Level sets of surface_loss for drawing: xs, ys each (len(levels), 2 * points + 1).

    Each row runs along the upper half of the level set, then (after one NaN, a gap in the line)
    back along the lower half; x beyond the level set is NaN too.
    """
    x = np.linspace(-2.0, 2.6, points)
    along = 0.25 * x ** 4 - 0.5 * x ** 2 + TILT * x
    xs, ys = [], []
    for level in levels:
        room = 2.0 * (level - along) / VALLEY
        y = np.where(room >= 0, np.sqrt(np.clip(room, 0.0, None)), np.nan)
        xs.append(np.concatenate([x, [np.nan], x[::-1]]))
        ys.append(np.concatenate([y, [np.nan], -y[::-1]]))
    return np.array(xs), np.array(ys)


# ---- plain versus inverted dropout ------------------------------------------------------------
def dropout_pass(a: np.ndarray, p: float, rng: np.random.Generator, *,
                 inverted: bool) -> np.ndarray:
    """One training-time dropout pass over activations a (N, units): each unit is dropped with
    probability p.  Plain dropout only zeroes; inverted dropout also divides the kept units by the
    keep probability 1 - p (what the lab's Dropout layer does)."""
    if not 0.0 <= p < 1.0:
        raise ValueError(f"p={p!r} is not allowed: expected a drop probability in [0, 1)")
    keep = rng.random(np.shape(a)) >= p
    out = np.where(keep, np.asarray(a, dtype=np.float64), 0.0)
    return out / (1.0 - p) if inverted else out


def dropout_test_pass(a: np.ndarray, p: float, *, inverted: bool) -> np.ndarray:
    """The test-time pass (no units dropped): plain dropout must multiply by the keep probability
    1 - p to match what training saw on average; inverted dropout passes a through unchanged."""
    a = np.asarray(a, dtype=np.float64)
    return a if inverted else a * (1.0 - p)


def dropout_average(a: np.ndarray, p: float, draws: int, rng: np.random.Generator, *,
                    inverted: bool) -> np.ndarray:
    """Mean of `draws` training-time passes (the expected output), shape of a."""
    if draws < 1:
        raise ValueError(f"draws={draws!r} is not allowed: expected an integer >= 1")
    total = np.zeros(np.shape(a))
    for _ in range(draws):
        total += dropout_pass(a, p, rng, inverted=inverted)
    return total / draws
