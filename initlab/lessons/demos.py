"""Small pictures the guided notebooks need and the training core does not: pure NumPy.

Each helper runs the core's own pieces (activations, update rules, schedules, normalisation and
dropout layers) on a toy problem small enough to draw, so a notebook only plots what comes back.

- curve: an activation and its derivative on a grid of inputs (maxout from two lines)
- zigzag: one linear unit learning from all-positive (or zero-centred) inputs, one example per step
- bowl_loss / bowl_grad / bowl_contours / trajectory / steps_to_reach: optimisers on a 2-D bowl
  that is steep in one direction and shallow in the other
- correlated_cloud: a stretched, tilted, off-centre 2-D Gaussian cloud for preprocessing
- normalised_in_batches: one example's normalised units in many random batches (batch vs layer norm)
- dropout_mean: the average of many dropout masks applied to the same activations
- moved_data: a run's data slid off the origin (what a forgotten zero-centring looks like)
- push_off_cloud: move first-layer ReLU units' lines past the edge of the data cloud
- one_sign_share: how many first-layer units get a one-signed weight update from one example
- gradient_flow: per-layer local slopes and how much the backward pass grows or shrinks
- learn_identity: gradient descent on batch norm's gamma and beta until it undoes itself
- over_seeds / spread: run a measurement on several seeds and summarise the spread
"""
from __future__ import annotations

import dataclasses
import math
from typing import Callable, Iterable

import numpy as np

from initlab.nn.activations import Maxout, get_activation
from initlab.data.datasets import Data
from initlab.nn.layers import BatchNorm, Dropout, LayerNorm
from initlab.nn.losses import softmax_cross_entropy
from initlab.nn.optim import get_rule, learning_rate

# The optimiser bowl: loss = 0.5 * (1 * w0^2 + 100 * w1^2), minimum at (0, 0).  SGD must keep
# lr < 2 / 100 for the steep w1, and then crawls along the shallow w0.
BOWL = (1.0, 100.0)
BOWL_START = (-4.0, 0.3)
# Every claim is checked on these seeds; a claim holds when it holds on at least 4 of them.
SEEDS = (0, 1, 2, 3, 4)
FLAT_SLOPE = 0.01        # a local slope below this passes (almost) no gradient: a flat unit


# ---- activations -----------------------------------------------------------------------------
def curve(name: str, x: np.ndarray, *, leaky_slope: float = 0.01,
          maxout_lines: tuple[tuple[float, float], ...] = ((1.0, 0.0), (0.0, 0.0))
          ) -> tuple[np.ndarray, np.ndarray]:
    """An activation and its derivative at the inputs x (N,): (f(x) (N,), f'(x) (N,)).

    The derivative comes from the activation's own backward pass (dL/da = 1).  Maxout takes the
    largest of the lines slope * x + intercept given in maxout_lines: (1, 0) and (0, 0) is ReLU,
    (1, 0) and (0.1, 0) is a leaky ReLU with slope 0.1.
    """
    x = np.asarray(x, dtype=np.float64)
    if name == "maxout":
        slopes = np.array([s for s, _ in maxout_lines], dtype=np.float64)
        intercepts = np.array([c for _, c in maxout_lines], dtype=np.float64)
        act = Maxout(len(slopes))
        z = x[:, None] * slopes + intercepts            # (N, k): one unit with k pieces
        a, cache = act.forward(z)
        dz = act.backward(np.ones_like(a), cache)       # 1 on the winning piece
        return a[:, 0], dz @ slopes
    act = get_activation(name, leaky_slope=leaky_slope)
    a, cache = act.forward(x[:, None].copy())
    return a[:, 0], act.backward(np.ones_like(a), cache)[:, 0]


# ---- the all-positive-input zig-zag ----------------------------------------------------------
def zigzag(inputs: np.ndarray, w_target: tuple[float, float] = (1.0, -1.0),
           w_start: tuple[float, float] = (0.0, 0.0), lr: float = 0.5
           ) -> tuple[np.ndarray, np.ndarray]:
    """A linear unit f = x . w learns a teacher's weights w_target by SGD, one example per step.

    inputs (steps, 2) are the examples in order (e.g. sigmoid outputs: all positive).  The loss
    of an example is 0.5 (f - x . w_target)^2, so its gradient is (f - y) x: when every x is
    positive, both weight gradients have the sign of (f - y) and every update points into the
    (+, +) or (-, -) quadrant.  Returns (path (steps + 1, 2), updates (steps, 2)).
    """
    rule = get_rule("sgd")
    x = np.asarray(inputs, dtype=np.float64)
    target = np.asarray(w_target, dtype=np.float64)
    w = np.array(w_start, dtype=np.float64)
    path, updates = [w.copy()], []
    for t, xi in enumerate(x, start=1):
        error = xi @ w - xi @ target                    # dL/df
        delta = rule(error * xi, {}, lr=lr, momentum=0.0, t=t)
        w += delta
        path.append(w.copy())
        updates.append(delta)
    return np.array(path), np.array(updates).reshape(-1, 2)


# ---- optimisers on a 2-D bowl ----------------------------------------------------------------
def bowl_loss(w: np.ndarray, curvature: tuple[float, float] = BOWL) -> np.ndarray:
    """0.5 * sum(curvature * w^2) over the last axis: w (..., 2) -> (...)."""
    w = np.asarray(w, dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore"):  # a diverging path's loss is inf: its
        return 0.5 * np.sum(np.asarray(curvature) * w * w, axis=-1)   # caller stops drawing it


def bowl_grad(w: np.ndarray, curvature: tuple[float, float] = BOWL) -> np.ndarray:
    """Gradient of bowl_loss: curvature * w, shape of w."""
    return np.asarray(curvature) * np.asarray(w, dtype=np.float64)


def bowl_contours(levels: list[float], curvature: tuple[float, float] = BOWL,
                  points: int = 120) -> tuple[np.ndarray, np.ndarray]:
    """Level sets of bowl_loss as ellipses: xs, ys each (len(levels), points), one row a level."""
    angle = np.linspace(0.0, 2 * np.pi, points)
    radius = np.sqrt(2 * np.asarray(levels, dtype=np.float64))[:, None]
    return (radius / math.sqrt(curvature[0]) * np.cos(angle),
            radius / math.sqrt(curvature[1]) * np.sin(angle))


def trajectory(rule: str, start: tuple[float, float] = BOWL_START, steps: int = 100,
               lr: float = 0.019, momentum: float = 0.9, curvature: tuple[float, float] = BOWL,
               schedule: str = "constant", decay: float = 0.5, decay_steps: int = 100
               ) -> np.ndarray:
    """Points (steps + 1, 2) visited by optimiser `rule` (a name in optim.RULES) on the bowl.

    Uses the lab's own update rule and learning-rate schedule; momentum is also Adam's beta1 and
    RMSProp's decay, as in the lab.  Stops early (returns fewer rows) once the point leaves
    every finite value, so a diverging run still draws.
    """
    return follow(rule, lambda w: bowl_grad(w, curvature), start, steps,
                  lambda t: learning_rate(lr, t, schedule, decay, decay_steps), momentum)


def follow(rule: str, grad, start, steps: int, lr_at, momentum: float) -> np.ndarray:
    """Points (steps + 1, ...) visited from `start` by optimiser `rule` (a name in optim.RULES)
    on a surface with gradient `grad(w)`, the learning rate of step t (from 0) being `lr_at(t)`.
    Stops early (fewer rows) once a point leaves every finite value, so a diverging run still
    draws.  The trajectory here and toys.descend (the saddle surface) both use it."""
    update = get_rule(rule)
    w = np.array(start, dtype=np.float64)
    state: dict = {}
    path = [w.copy()]
    with np.errstate(all="ignore"):
        for t in range(1, steps + 1):
            w += update(grad(w), state, lr=lr_at(t - 1), momentum=momentum, t=t)
            if not np.all(np.isfinite(w)):
                break
            path.append(w.copy())
    return np.array(path)


def steps_to_reach(path: np.ndarray, loss: float = 1e-3,
                   curvature: tuple[float, float] = BOWL) -> int | None:
    """First step from which the path's loss stays below `loss`; None if it never gets there."""
    above = bowl_loss(path, curvature) >= loss
    if above[-1]:
        return None
    last_above = np.flatnonzero(above)
    return 0 if len(last_above) == 0 else int(last_above[-1] + 1)


# ---- data ------------------------------------------------------------------------------------
def correlated_cloud(n: int, rng: np.random.Generator, *, centre: tuple[float, float] = (3.0, 2.0),
                     stds: tuple[float, float] = (2.0, 0.5), angle: float = 0.6) -> np.ndarray:
    """n points (n, 2) of a Gaussian with the given axis stds, rotated by `angle` radians
    (so the two coordinates are correlated) and moved off the origin to `centre`."""
    c, s = math.cos(angle), math.sin(angle)
    rotation = np.array([[c, s], [-s, c]])
    return rng.standard_normal((n, 2)) * np.asarray(stds) @ rotation + np.asarray(centre)


# ---- normalisation ---------------------------------------------------------------------------
def normalised_in_batches(kind: str, z: np.ndarray, example: int, batch_size: int,
                          n_batches: int, rng: np.random.Generator) -> np.ndarray:
    """How one example comes out of a normalisation layer in n_batches different minibatches.

    z (N, units): pre-activations of a whole data set.  Each batch holds `example` plus
    batch_size - 1 others drawn at random; kind is "batch" (training-mode batch norm, running
    averages untouched) or "layer".  Returns (n_batches, units): the example's normalised units
    in each batch.  Layer norm gives identical rows; batch norm's rows vary with the batchmates.
    """
    if kind not in ("batch", "layer"):
        raise ValueError(f"kind={kind!r} is not allowed: expected 'batch' or 'layer'")
    n, units = z.shape
    if not 1 <= batch_size <= n:
        raise ValueError(f"batch_size={batch_size!r} is not allowed: expected 1..{n}")
    layer = BatchNorm(units) if kind == "batch" else LayerNorm(units)
    others = np.delete(np.arange(n), example)
    rows = np.empty((n_batches, units))
    for i in range(n_batches):
        batch = np.concatenate([[example], rng.choice(others, batch_size - 1, replace=False)])
        if kind == "batch":
            out = layer.forward(z[batch], train=True, update_running=False)
        else:
            out = layer.forward(z[batch], train=True)
        rows[i] = out[0]
    return rows


# ---- dropout ---------------------------------------------------------------------------------
def dropout_mean(a: np.ndarray, p: float, draws: int, rng: np.random.Generator) -> np.ndarray:
    """Mean over `draws` training-mode passes of the lab's (inverted) dropout layer on a (N, units).

    Inverted dropout scales kept units by 1 / (1 - p), so this tends to `a` itself: what the
    evaluation pass (no dropout, no scaling) returns.
    """
    layer = Dropout(p, rng)
    total = np.zeros_like(a, dtype=np.float64)
    for _ in range(draws):
        total += layer.forward(a, train=True)
    return total / draws


# ---- seeds -----------------------------------------------------------------------------------
def over_seeds(measure: Callable[[int], float], seeds: Iterable[int] = SEEDS) -> np.ndarray:
    """measure(seed) for every seed: (len(seeds),) float64 (or (seeds, k) if it returns k)."""
    return np.array([measure(int(seed)) for seed in seeds], dtype=np.float64)


def spread(values: np.ndarray, fmt: str = ".3g") -> str:
    """'min / median / max' of the finite per-seed values, e.g. for a claim cell's printout (a
    diverged seed, nan, is shown in its column but not summarised)."""
    v = np.asarray(list(values), dtype=np.float64)
    v = v[np.isfinite(v)]
    if not v.size:
        return " / ".join([format(math.nan, fmt)] * 3)
    return " / ".join(format(f, fmt) for f in (v.min(), np.median(v), v.max()))


def seed_table(rows: dict[str, np.ndarray], fmt: str = ".3g",
               seeds: Iterable[int] = SEEDS) -> str:
    """A plain-text table: one row per measured quantity, one column per seed, then the
    min / median / max.  rows maps a label to its per-seed values (len(seeds),)."""
    seeds = list(seeds)
    rows = {label: list(values) for label, values in rows.items()}
    for label, values in rows.items():
        if len(values) != len(seeds):
            raise ValueError(f"rows[{label!r}] has {len(values)} values: expected one per seed "
                             f"({len(seeds)})")
    width = max(len(label) for label in rows) + 2
    lines = [f"{'seed':<{width}}" + "".join(f"{s:>10}" for s in seeds) + "   min / median / max"]
    for label, values in rows.items():
        lines.append(f"{label:<{width}}" + "".join(f"{format(v, fmt):>10}" for v in values)
                     + "   " + spread(values, fmt))
    return "\n".join(lines)


# ---- the data cloud and dead ReLUs -----------------------------------------------------------
def moved_data(data: Data, offset: float) -> Data:
    """The same data with every input coordinate shifted by `offset` (train and validation).

    With zero biases a first-layer unit's switching line passes through the origin; a cloud
    moved away from the origin is missed by many of those lines.  Pass the result to
    Run(config, data=...).
    """
    if not math.isfinite(offset):
        raise ValueError(f"offset={offset!r} is not allowed: expected a finite number")
    return dataclasses.replace(
        data, x_train=data.x_train + offset, x_val=data.x_val + offset,
        raw_train=data.raw_train + offset, raw_val=data.raw_val + offset)


def push_off_cloud(run, units: np.ndarray, margin: float = 1.0) -> None:
    """Set the biases of first-layer `units` so that their pre-activation is <= -margin on every
    training example: their lines now lie past the edge of the data cloud (as after one huge
    update).  Changes run.model in place (and drops its cached snapshot)."""
    dense = run.model.dense[0]
    units = np.asarray(units)
    width = dense.params["b"].shape[0]
    if not (np.issubdtype(units.dtype, np.integer) and np.all((units >= 0) & (units < width))):
        raise ValueError(f"units={units!r} is not allowed: expected unit indices 0..{width - 1}")
    if not margin >= 0:
        raise ValueError(f"margin={margin!r} is not allowed: expected a number >= 0")
    reach = (run.data.x_train @ dense.params["w"][:, units]).max(axis=0)
    dense.params["b"][units] = -reach - margin
    run.weights_changed()


def one_sign_share(run, example: int = 0) -> float:
    """Share of first-layer units whose weight gradient from training example `example` alone
    has a single sign, among the units that get any gradient from it (zero entries ignored).
    That gradient is x * dL/dz_j for unit j, so with an all-positive input x every unit's update
    moves all its weights the same way (1.0)."""
    x = run.data.x_train[example:example + 1]
    with np.errstate(all="ignore"):
        scores = run.model.forward(x, "probe")
        _, dscores, _ = softmax_cross_entropy(scores, run.data.y_train[example:example + 1])
        run.model.backward(dscores)
    grad = run.model.dense[0].grads["w"]                    # (inputs, units)
    signs = np.sign(grad)
    learning = (signs != 0).any(axis=0)
    one_sign = ~((signs > 0).any(axis=0) & (signs < 0).any(axis=0))
    return float(np.mean(one_sign[learning])) if learning.any() else math.nan


def gradient_flow(run) -> dict[str, np.ndarray]:
    """How the backward pass treats each hidden layer of `run` on its probe batch, at its
    current weights (nothing is trained; running averages are untouched).

    Per hidden layer i, arrays of shape (depth,):
      slope_median  median of f'(z) over the layer's (example, unit) values
      slope_rms     root-mean-square of f'(z)
      flat_share    share of values with f'(z) < FLAT_SLOPE: they pass (almost) no gradient
      grad_std      std of dL/da_i, the gradient arriving at the layer's output
      weight_grad   ||dL/dW_i||
      gain          grad_std[i - 1] / grad_std[i]: how much the gradient grows on its way from
                    layer i's output to layer i - 1's (nan for i = 0)
      predicted     sqrt(units) * std(W_i) * slope_rms[i]: the gain expected for random weights
                    (nan for i = 0)
    """
    model = run.model
    x = run.data.x_train[run.probe_index]
    y = run.data.y_train[run.probe_index]
    with np.errstate(all="ignore"):
        scores = model.forward(x, "probe")
        _, dscores, _ = softmax_cross_entropy(scores, y)
        model.backward(dscores)
        out = {key: np.full(len(model.acts), np.nan) for key in
               ("slope_median", "slope_rms", "flat_share", "grad_std", "weight_grad", "gain",
                "predicted")}
        for i, layer in enumerate(model.acts):
            a, cache = model.activation.forward(layer.z.copy())
            slope = model.activation.backward(np.ones_like(a), cache)
            out["slope_median"][i] = np.median(slope)
            out["slope_rms"][i] = np.sqrt(np.mean(slope * slope))
            out["flat_share"][i] = np.mean(np.abs(slope) < FLAT_SLOPE)
            out["grad_std"][i] = np.std(model.act_grads[i])
            out["weight_grad"][i] = np.linalg.norm(model.dense[i].grads["w"])
            if i > 0:
                w = model.dense[i].params["w"]
                out["predicted"][i] = math.sqrt(w.shape[1]) * np.std(w) * out["slope_rms"][i]
        out["gain"][1:] = out["grad_std"][:-1] / out["grad_std"][1:]
    return out


# ---- batch norm can undo itself ---------------------------------------------------------------
def learn_identity(z: np.ndarray, steps: int = 100, lr: float = 0.1
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Learn batch norm's gamma and beta by gradient descent so that BN(z) reproduces z.

    z (N, units) is one batch of pre-activations; the loss is mean((BN(z) - z)^2) and the
    gradients come from the lab's BatchNorm backward pass.  Returns (gamma (units,),
    beta (units,), error (steps + 1,)): the learned parameters (they approach the batch's std
    and mean) and the mean absolute error |BN(z) - z| before each step and at the end.
    """
    if not (isinstance(steps, int) and steps >= 0):
        raise ValueError(f"steps={steps!r} is not allowed: expected an integer >= 0")
    if not lr > 0:
        raise ValueError(f"lr={lr!r} is not allowed: expected a number > 0")
    z = np.asarray(z, dtype=np.float64)
    layer = BatchNorm(z.shape[1])
    error = []
    for _ in range(steps + 1):
        out = layer.forward(z, train=True, update_running=False)
        error.append(float(np.mean(np.abs(out - z))))
        if len(error) > steps:
            break
        layer.backward(2 * (out - z) / z.shape[0])
        for key in ("gamma", "beta"):
            layer.params[key] -= lr * layer.grads[key]
    return layer.params["gamma"].copy(), layer.params["beta"].copy(), np.array(error)
