"""The optimisers view's two loss surfaces and every update rule's path on them, pure NumPy.

- "valley": demos' bowl 0.5 (w0^2 + 100 w1^2), a long narrow valley (SGD zig-zags across it
  at lr 0.01-0.02)
- "saddle": toys' surface, a tilted double well along x with a valley across it: a saddle
  point between a shallow and a deep minimum

`paths(surface, start, lr, momentum, steps)` runs the lab's own update rules (nn.optim, via
demos.follow) with full gradients: one path per rule, NaN after a path has left every finite
value (a diverged rule stops drawing, the others go on).

NOTES: what to see on each surface, (id, sentence) pairs; each id has a test of its claim in
tests/unit/test_surfaces_claims.py.  RULE_FORMS: what each rule computes, and where the lab's
form differs from PyTorch's (tests/unit/test_optim_frameworks.py checks both to 1e-12).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from initlab.core.config import FieldError
from initlab.lessons import demos, toys

RULES = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam")
MAX_STEPS = 1000


@dataclass(frozen=True)
class Surface:
    """A 2-D loss surface: loss(w) and grad(w) for w (..., 2), the window drawn (x and y
    ranges), a start point and the contour lines (xs, ys: one row per level, NaN gaps)."""
    name: str
    title: str
    loss: Callable[[np.ndarray], np.ndarray]
    grad: Callable[[np.ndarray], np.ndarray]
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    start: tuple[float, float]
    contours: tuple[np.ndarray, np.ndarray]


def _saddle_start() -> tuple[float, float]:
    x = float(toys.critical_points()["saddle"][0]) + 1e-3   # a thousandth off the ridge
    return round(x, 4), 0.8


SURFACES: dict[str, Surface] = {
    "valley": Surface("valley", "a narrow valley: 0.5 (w0² + 100 w1²)",
                      demos.bowl_loss, demos.bowl_grad, (-5.0, 1.0), (-0.5, 0.5),
                      demos.BOWL_START,
                      demos.bowl_contours([0.05, 0.25, 1.0, 2.5, 5.0, 9.0, 12.5])),
    "saddle": Surface("saddle", "a saddle between a shallow and a deep minimum",
                      toys.surface_loss, toys.surface_grad, (-2.0, 2.6), (-1.5, 1.5),
                      _saddle_start(),
                      toys.surface_contours([-0.4, -0.25, -0.05, 0.02, 0.2, 0.6, 1.2, 2.0, 3.0,
                                             4.5])),
}


NOTES: dict[str, tuple[tuple[str, str], ...]] = {
    "valley": (
        ("sgd_across", "SGD: across the valley each step multiplies the height by 1 - 100 lr. "
                       "Below lr 0.01 it slides down one wall; between 0.01 and 0.02 it "
                       "zig-zags from wall to wall; above 0.02 it is thrown out."),
        ("sgd_along", "Along the valley the slope is 100 times gentler: at an lr safe across it "
                      "SGD creeps, each step taking only lr of the way (at lr 0.01, 13% of it "
                      "is left after 200 steps)."),
        ("momentum_overshoots", "At momentum 0.9, momentum (lr 0.005 to 0.019) and Nesterov "
                                "(lr 0.005 to 0.013) swing past the minimum, yet end much "
                                "closer to it than SGD."),
        ("nesterov_less", "Nesterov looks ahead before it steps, so along the valley it swings "
                          "past the minimum less than momentum does."),
        ("nesterov_unstable", "But across the steep walls Nesterov is the less stable: at "
                              "momentum 0.9 it is thrown out above lr 0.0136, momentum only "
                              "above lr 0.038."),
        ("adagrad_shrinks", "AdaGrad divides by the sum of every past squared gradient, so its "
                            "steps shrink even where the slope stays the same: it stalls short."),
        ("adaptive_diagonal", "RMSProp and Adam divide each axis by its own gradient size: their "
                              "first steps are equally long along both axes, so they set off "
                              "diagonally, where SGD heads down the steep wall."),
    ),
    "saddle": (
        ("saddle_momentum", "Started just beside the saddle point, SGD lingers on the ridge; "
                            "momentum builds up speed along the faint slope and leaves sooner."),
        ("saddle_adaptive", "RMSProp and Adam give the faint slope along the ridge a full-size "
                            "step (each axis divided by its own gradient size): they leave the "
                            "saddle first."),
    ),
}

# g: gradient, mu: the momentum control.  PyTorch names: torch.optim.SGD, Adagrad, RMSprop, Adam.
RULE_FORMS: dict[str, str] = {
    "sgd": "w -= lr g. As PyTorch's SGD.",
    "momentum": "v = mu v - lr g; w += v (CS231n, Keras). PyTorch keeps v = mu v + g and steps "
                "w -= lr v: the same path while lr stays fixed, but after a schedule or a new lr "
                "PyTorch's step follows the new lr at once, the lab's velocity still carries "
                "the old one.",
    "nesterov": "v' = mu v - lr g; w += v' + mu (v' - v) (CS231n, Keras). The same path as "
                "PyTorch's nesterov=True while lr stays fixed; after lr changes they part, as "
                "for momentum.",
    "adagrad": "G += g²; w -= lr g / (√G + 1e-10). As PyTorch's Adagrad with its defaults.",
    "rmsprop": "s = rho s + (1 - rho) g²; w -= lr g / (√s + 1e-8), rho = the momentum control "
               "(0.99 when it is 0). As PyTorch's RMSprop with alpha = rho and its own momentum "
               "off.",
    "adam": "m, v: averages of g and g² (beta1 = the momentum control, beta2 = 0.999), "
            "bias-corrected; w -= lr m̂ / (√v̂ + 1e-8). As PyTorch's Adam.",
}


def get_surface(name: str) -> Surface:
    if name not in SURFACES:
        raise FieldError("surface", name, "one of " + ", ".join(repr(s) for s in SURFACES))
    return SURFACES[name]


def paths(surface: str, start, lr: float, momentum: float, steps: int,
          rules: tuple[str, ...] = RULES) -> np.ndarray:
    """Points (len(rules), steps + 1, 2) each rule visits from `start` on the surface; rows
    after a path left the finite numbers are NaN.  momentum is also Adam's beta1 and RMSProp's
    decay, as in the lab."""
    s = get_surface(surface)
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or not (
            0 <= steps <= MAX_STEPS):
        raise FieldError("steps", steps, f"an integer in [0, {MAX_STEPS}]")
    start = np.asarray(start, dtype=np.float64)
    if start.shape != (2,) or not np.all(np.isfinite(start)):
        raise FieldError("start", tuple(np.ravel(start)), "two finite numbers (x, y)")
    out = np.full((len(rules), steps + 1, 2), np.nan)
    for i, rule in enumerate(rules):
        path = demos.follow(rule, s.grad, start, steps, lambda t: lr, momentum)
        out[i, :len(path)] = path
    return out


def final_losses(surface: str, points: np.ndarray) -> np.ndarray:
    """The loss at each path's last finite point: points (rules, steps + 1, 2) -> (rules,)."""
    s = get_surface(surface)
    last = [p[np.flatnonzero(np.isfinite(p[:, 0]))[-1]] for p in points]
    return s.loss(np.array(last))
