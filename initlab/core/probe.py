"""Probes: turn a Run's current state into a Snapshot of plain arrays (what the panels draw).

Everything is measured on the run's fixed probe batch in "probe" mode (batch statistics for
normalisation, no dropout, running averages untouched), so two snapshots differ only because the
model changed.  Histograms use fixed edges per activation and np.bincount (much cheaper than
np.histogram on hundreds of thousands of values).
"""
from __future__ import annotations

import math

import numpy as np

from initlab.core.layers import BatchNorm
from initlab.core.losses import softmax_cross_entropy
from initlab.core.snapshot import LayerStats, Plane, Snapshot

BINS = 40
PRE_RANGE = (-3.0, 3.0)
GRAD_LOG10_RANGE = (-10.0, 2.0)
GRAD_SAMPLE = 20_000           # weight-gradient entries in a layer's gradient histogram
SATURATION_MARGIN = 0.02       # within 2% of the activation's range from a bound counts as saturated
GRID_MAX, GRID_MIN = 60, 16    # decision-boundary grid cells per side
GRID_FLOP_BUDGET = 4e7         # forward FLOPs for the whole grid: big nets get a coarser one


def fixed_edges(lo: float, hi: float, bins: int = BINS) -> np.ndarray:
    return np.linspace(lo, hi, bins + 1).astype(np.float32)


def histogram(values: np.ndarray, lo: float, hi: float, bins: int = BINS
              ) -> tuple[np.ndarray, float, float]:
    """Fractions of values in equal bins on [lo, hi], and the shares below lo and above hi.

    Returns (hist (bins,) float32, below, above): hist.sum() + below + above == 1.  Values outside
    the range are never folded into the end bins (a pile at the edge would then look like
    saturation).  NaN values are left out (a diverged run still draws).
    """
    flat = values.ravel()
    idx = flat.astype(np.float32)                 # half the memory traffic of float64
    idx -= lo
    idx *= bins / (hi - lo)
    if not np.isfinite(idx.sum()):                # rare (a diverged run): drop NaN first
        idx = idx[~np.isnan(idx)]
    total = max(1, idx.size)
    below = int(np.count_nonzero(idx < 0))
    above = int(np.count_nonzero(idx > bins))
    idx = idx[(idx >= 0) & (idx <= bins)] if below or above else idx
    np.minimum(idx, bins - 1, out=idx)            # exactly hi belongs to the last bin
    counts = np.bincount(idx.astype(np.intp), minlength=bins)[:bins]
    return (counts / total).astype(np.float32), below / total, above / total


def _sample(a: np.ndarray, limit: int = GRAD_SAMPLE) -> np.ndarray:
    """Every k-th entry of a, at most `limit` of them (same entries every time)."""
    flat = a.ravel()
    return flat[::max(1, flat.size // limit)]


def _norm(a: np.ndarray) -> float:
    flat = a.ravel()
    return float(np.sqrt(np.dot(flat, flat)))


def _std(a: np.ndarray) -> float:
    return float(np.std(a)) if a.size else 0.0


def take_snapshot(run) -> Snapshot:
    """Snapshot of `run` (initlab.core.run.Run) on its probe batch."""
    model, data, cfg = run.model, run.data, run.config
    act = model.activation
    x = data.x_train[run.probe_index]
    y = data.y_train[run.probe_index]
    with np.errstate(all="ignore"):
        # the grid pass goes first so that the layers' caches end up holding the probe batch
        grid = _grid(run) if data.input_dim == 2 else None
        scores = model.forward(x, "probe")
        loss, dscores, _ = softmax_cross_entropy(scores, y)
        model.backward(dscores)
        ratios = run.history.update_ratio[-1] if run.history.update_ratio else None
        layers = []
        lo, hi = act.hist_range
        for i, layer in enumerate(model.acts):
            z, a = layer.z, layer.a
            if act.bounds is not None:
                blo, bhi = act.bounds
                margin = SATURATION_MARGIN * (bhi - blo)
                saturation = float(np.mean((a <= blo + margin) | (a >= bhi - margin)))
            else:
                saturation = 0.0
            off = int(np.count_nonzero(np.all(z <= 0, axis=0)))
            dead = off if act.dies else 0
            w = model.dense[i].params["w"]
            act_hist, below, above = histogram(a, lo, hi)
            gw = model.dense[i].grads["w"]
            layers.append(LayerStats(
                index=i,
                pre_mean=float(np.mean(z)), pre_std=_std(z),
                pre_hist=histogram(z, *PRE_RANGE)[0],
                act_mean=float(np.mean(a)), act_std=_std(a),
                act_hist=act_hist, act_outside=below + above, act_above=above,
                saturation=saturation,
                off_units=off, dead_units=dead, dead_fraction=dead / z.shape[1],
                weight_std=_std(w),
                grad_norm=_norm(gw),
                act_grad_std=_std(model.act_grads[i]),
                grad_hist=histogram(np.log10(np.abs(_sample(gw)) + 1e-30), *GRAD_LOG10_RANGE)[0],
                update_ratio=float(ratios[i]) if ratios is not None else math.nan,
            ))
        if data.input_dim == 2:
            plane, reason = _plane(run, x, y, grid), ""
        else:
            plane = None
            reason = (f"This picture needs 2-D inputs; the {data.name} data set has "
                      f"{data.input_dim} input features.")
    return Snapshot(
        step=run.step_count, status=run.status, message=run.message,
        activation=cfg.activation, units_can_die=act.dies, n_classes=data.n_classes, loss=float(loss),
        expected_initial_loss=math.log(data.n_classes),
        act_edges=fixed_edges(lo, hi), pre_edges=fixed_edges(*PRE_RANGE),
        grad_edges=fixed_edges(*GRAD_LOG10_RANGE), layers=layers,
        plane=plane, plane_reason=reason)


# ---- the 2-D pictures ---------------------------------------------------------------------------
def _view(run) -> tuple[float, float, float, float]:
    """Drawing box around all training points, 10% margin; fixed for the life of a run."""
    if "view" not in run._plane_cache:
        pts = run.data.x_train
        lo, hi = pts.min(axis=0).astype(float), pts.max(axis=0).astype(float)
        pad = 0.1 * np.maximum(hi - lo, 1e-6)
        run._plane_cache["view"] = (lo[0] - pad[0], hi[0] + pad[0], lo[1] - pad[1], hi[1] + pad[1])
    return run._plane_cache["view"]


def first_layer_lines(run) -> tuple[np.ndarray, np.ndarray]:
    """Effective (w (2, units), b (units,)) of the first layer's pre-activation in input space.

    With batch norm the probe batch's statistics fold into the affine map, so the lines are exactly
    where the units switch sign.  Layer norm mixes units per example, so its lines are the dense
    layer's (an approximation).
    """
    dense, norm = run.model.dense[0], run.model.norms[0]
    w = dense.params["w"].astype(np.float64)
    b = dense.params["b"].astype(np.float64)
    if isinstance(norm, BatchNorm) and norm.inv_std is not None:
        scale = norm.params["gamma"] * norm.inv_std
        mean = dense.x @ w + b                       # the probe batch's pre-norm values
        mu = mean.mean(axis=0)
        w = w * scale
        b = (b - mu) * scale + norm.params["beta"]
    return w, b


def clip_lines(w: np.ndarray, b: np.ndarray, view) -> tuple[np.ndarray, np.ndarray]:
    """Segments of the lines w[0] x + w[1] y + b = 0 inside the box view.

    Returns xs, ys, each (units, 2); rows are nan where a line misses the box.
    """
    xmin, xmax, ymin, ymax = view
    w1, w2 = w[0], w[1]
    with np.errstate(all="ignore"):
        # candidate points on the four sides of the box
        cx = np.stack([np.full_like(b, xmin), np.full_like(b, xmax),
                       -(b + w2 * ymin) / w1, -(b + w2 * ymax) / w1], axis=1)
        cy = np.stack([-(b + w1 * xmin) / w2, -(b + w1 * xmax) / w2,
                       np.full_like(b, ymin), np.full_like(b, ymax)], axis=1)
    tol = 1e-9 * max(xmax - xmin, ymax - ymin)
    ok = (np.isfinite(cx) & np.isfinite(cy) & (cx >= xmin - tol) & (cx <= xmax + tol)
          & (cy >= ymin - tol) & (cy <= ymax + tol))
    t = cx * (-w2)[:, None] + cy * w1[:, None]       # position along the line's direction
    t_lo = np.where(ok, t, np.inf).argmin(axis=1)
    t_hi = np.where(ok, t, -np.inf).argmax(axis=1)
    rows = np.arange(len(b))
    xs = np.stack([cx[rows, t_lo], cx[rows, t_hi]], axis=1)
    ys = np.stack([cy[rows, t_lo], cy[rows, t_hi]], axis=1)
    visible = ok.sum(axis=1) >= 2
    xs[~visible] = np.nan
    ys[~visible] = np.nan
    return xs.astype(np.float32), ys.astype(np.float32)


def grid_size(run) -> int:
    """Cells per side of the decision-boundary grid: fine for small nets, coarser for big ones."""
    flops = sum(2 * d.params["w"].size for d in run.model.dense)
    return int(np.clip(math.sqrt(GRID_FLOP_BUDGET / flops), GRID_MIN, GRID_MAX))


def _grid(run) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Decision-boundary grid: (gx (G,), gy (G,), predicted class (G, G), confidence (G, G))."""
    view = _view(run)
    g = grid_size(run)
    gx = np.linspace(view[0], view[1], g)
    gy = np.linspace(view[2], view[3], g)
    xx, yy = np.meshgrid(gx, gy)
    pts = np.stack([xx.ravel(), yy.ravel()], axis=1).astype(run.data.x_train.dtype)
    scores = run.model.forward(pts, "eval")
    scores = scores - scores.max(axis=1, keepdims=True)
    probs = np.exp(scores)
    probs /= probs.sum(axis=1, keepdims=True)
    pred = probs.argmax(axis=1)
    conf = np.nan_to_num(probs[np.arange(len(pred)), pred])
    return gx, gy, pred.reshape(g, g), conf.reshape(g, g)


def _plane(run, x: np.ndarray, y: np.ndarray, grid) -> Plane:
    model = run.model
    view = _view(run)
    z0 = model.acts[0].z                              # (N, units) first-layer pre-activations
    positive = z0 > 0
    active_count = positive.sum(axis=1)
    unit_off = ~positive.any(axis=0)
    unit_dead = unit_off & model.activation.dies
    w, b = first_layer_lines(run)
    xs, ys = clip_lines(w, b, view)
    # a marker a little way into each line's active (positive) side, from the segment's middle
    normal = w / np.maximum(np.linalg.norm(w, axis=0), 1e-12)
    step = 0.04 * max(view[1] - view[0], view[3] - view[2])
    side = np.stack([xs.mean(axis=1) + step * normal[0], ys.mean(axis=1) + step * normal[1]], 1)
    gx, gy, pred, conf = grid
    return Plane(
        points=np.ascontiguousarray(x, dtype=np.float32), labels=y.astype(np.int64),
        active_count=active_count.astype(np.int64), segments_x=xs, segments_y=ys,
        active_side=side.astype(np.float32), unit_off=unit_off, unit_dead=unit_dead, view=view,
        grid_x=gx.astype(np.float32), grid_y=gy.astype(np.float32),
        grid_pred=pred, grid_conf=conf.astype(np.float32),
        max_active=int(z0.shape[1]))
