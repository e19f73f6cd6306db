"""Probes: turn a Run's current state into a Snapshot of plain arrays (what the panels draw).

Everything is measured on the run's fixed probe batch by one pure probe pass (`MLP.probe`: batch
statistics for normalisation, no dropout, running averages untouched, nothing written), so two
snapshots differ only because the model changed, and taking one changes nothing.

Speed: a float64 run is probed in float32 (half the time of every matrix product); the numbers
shown agree to about six digits.  When float32 cannot hold them (a statistic overflows, or is
below TINY where float32 loses precision) the pass is repeated in the run's own dtype.
Histograms use fixed edges per activation and np.bincount.
"""
from __future__ import annotations

import math

import numpy as np

from initlab.nn.layers import BatchNorm, batch_statistics
from initlab.nn.model import MLP, ProbeRecord
from initlab.data.plane import PlaneFrame
from initlab.core.budget import GRID_FLOP_BUDGET, GRID_MAX, GRID_MIN
from initlab.core.snapshot import LayerStats, Plane, Snapshot

BINS = 40
SATURATION_MARGIN = 0.02       # within 2% of the activation's range from a bound: saturated
# The decision-boundary grid's cells per side: GRID_MIN (at least), GRID_MAX (at most) and
# GRID_FLOP_BUDGET (forward FLOPs for the whole grid: big nets get a coarser one) are budget's,
# which prices the grid and cannot import this module (Config imports budget)
# The units-on shade behind the data cloud: a soft background, so a coarser raster than the
# boundary's (the browser's cost of a HeatMap grows with its cells: ~4x less work at 30 than 60).
ACTIVE_GRID = 30
FAST_DTYPE = np.dtype(np.float32)
TINY = 1e-30                   # smallest statistic trusted from a float32 pass


def fixed_edges(lo: float, hi: float, bins: int = BINS) -> np.ndarray:
    return np.linspace(lo, hi, bins + 1).astype(np.float32)


def histogram(values: np.ndarray, lo: float, hi: float, bins: int = BINS
              ) -> tuple[np.ndarray, float, float]:
    """Fractions of values in equal bins on [lo, hi], and the shares below lo and above hi.

    Returns (hist (bins,) float32, below, above): hist.sum() + below + above == 1.  Values outside
    the range are never folded into the end bins (a pile at the edge would then look like
    saturation); exactly hi belongs to the last bin.  NaN values are left out (a diverged run
    still draws).
    """
    flat = values.ravel()
    below = int(np.count_nonzero(flat < lo))
    above = int(np.count_nonzero(flat > hi))
    pos = np.subtract(flat, lo, dtype=np.float32)
    pos *= bins / (hi - lo)
    np.clip(pos, 0, bins - 1, out=pos)            # outside values sit in the end bins for now ...
    if np.isnan(pos.sum()):                       # rare (a diverged run): drop NaN first
        pos = pos[~np.isnan(pos)]
    counts = np.bincount(pos.astype(np.intp), minlength=bins)
    counts[0] -= below                            # ... and are taken out of them here
    counts[-1] -= above
    total = max(1, pos.size)
    return (counts / total).astype(np.float32), below / total, above / total


def _mean_std(a: np.ndarray) -> tuple[float, float]:
    """Mean and std of all entries from a sum and a dot product; np.std in float64 when those
    could cancel (a large mean) or float32 squares could underflow or overflow."""
    flat = a.ravel()
    n = flat.size
    if not n:
        return 0.0, 0.0
    mean = float(flat.sum()) / n                       # pairwise summation: float32 is enough
    square = float(np.dot(flat, flat)) / n
    var = square - mean * mean
    if var > 1e-3 * mean * mean and 1e-28 < square < 1e36:
        return mean, math.sqrt(var)
    return mean, float(np.std(flat, dtype=np.float64))


def _weight_std(w: np.ndarray) -> float:
    """Std of a weight matrix from two dot products; exact np.std when they would cancel."""
    flat = w.ravel()
    n = flat.size
    if not n:
        return 0.0
    mean = float(flat.sum(dtype=np.float64)) / n
    var = float(np.dot(flat, flat)) / n - mean * mean
    if not var > 1e-8 * mean * mean:              # (nearly) constant, or NaN: no shortcut
        return float(np.std(flat, dtype=np.float64))
    return math.sqrt(var)


def _trusted(record: ProbeRecord, layers: list[LayerStats]) -> bool:
    """True when every statistic of a float32 pass is finite and 0 or above TINY."""
    values = [record.loss] + [v for s in layers for v in (s.act_std, s.act_grad_std, s.grad_norm)]
    return all(math.isfinite(v) and (v == 0 or abs(v) > TINY) for v in values)


def _share_per_unit(mask: np.ndarray) -> np.ndarray:
    """(N, units) bool -> (units,) float32 share of the N examples where it is True."""
    counts = np.add.reduce(mask.view(np.uint8), axis=0, dtype=np.int32)
    return (counts / max(1, mask.shape[0])).astype(np.float32)


def layer_stats(model: MLP, record: ProbeRecord, i: int, ratio: float) -> LayerStats:
    """LayerStats of hidden layer i from a probe record; ratio: last step's update ratio."""
    act = model.activation
    z, a = record.z[i], record.a[i]
    units = a.shape[1]
    lo, hi = act.hist_range
    act_hist, below, above = histogram(a, lo, hi)
    act_mean, act_std = _mean_std(a)
    # a unit is on where its pre-activation is > 0; a maxout unit where its largest piece is
    on = (a if act.fan_out_factor > 1 else z) > 0
    unit_active = _share_per_unit(on)
    if act.bounds is not None:
        blo, bhi = act.bounds
        mid, half = (blo + bhi) / 2, (bhi - blo) / 2
        dist = np.abs(a - mid if mid else a)       # distance from the middle of the range
        near = dist >= half - SATURATION_MARGIN * (bhi - blo)
        unit_saturated = _share_per_unit(near)
    else:
        unit_saturated = np.zeros(units, np.float32)
    off = int(np.count_nonzero(unit_active == 0))
    dead = off if act.dies else 0
    return LayerStats(
        index=i, act_mean=act_mean, act_std=act_std, act_hist=act_hist,
        act_outside=below + above, act_above=above,
        saturation=float(unit_saturated.mean(dtype=np.float64)) if units else 0.0,
        unit_active=unit_active, unit_saturated=unit_saturated,
        off_units=off, dead_units=dead, dead_fraction=dead / max(1, units),
        weight_std=_weight_std(model.dense[i].params["w"]),
        grad_norm=record.weight_grad_norm[i],
        act_grad_std=_mean_std(record.act_grad[i])[1],
        update_ratio=ratio)


def take_snapshot(run) -> Snapshot:
    """Snapshot of `run` (initlab.core.run.Run) on its probe batch; changes nothing in the run."""
    model, data, cfg = run.model, run.data, run.config
    act = model.activation
    x = data.x_train[run.probe_index]
    y = data.y_train[run.probe_index]
    ratios = run.history.update_ratio[-1] if run.history.update_ratio else None

    def stats(record: ProbeRecord) -> list[LayerStats]:
        return [layer_stats(model, record, i, float(ratios[i]) if ratios is not None
                            else math.nan) for i in range(len(record.a))]

    with np.errstate(all="ignore"):
        params = model.cast_params(FAST_DTYPE)
        record = model.probe(x, y, params)
        layers = stats(record)
        if record.dtype != np.dtype(cfg.dtype) and not _trusted(record, layers):
            params = model.cast_params()               # float32 cannot hold these numbers
            record = model.probe(x, y, params)
            layers = stats(record)
        frame = data.frame
        if frame is not None:
            plane, maps = plane_picture(model, frame, x, y, record, params)
            reason = ""
            for stats_i, unit_map in zip(layers, maps):
                stats_i.unit_maps = unit_map
        else:
            plane = None
            reason = (f"This picture needs at least 2 input features; the {data.name} data "
                      f"set has {data.input_dim}.")
    return Snapshot(
        step=run.step_count, status=run.status, message=run.message,
        activation=cfg.activation, units_can_die=act.dies, n_classes=data.n_classes,
        loss=float(record.loss), expected_initial_loss=math.log(data.n_classes),
        act_edges=fixed_edges(*act.hist_range), layers=layers, plane=plane, plane_reason=reason)


# ---- the 2-D pictures ---------------------------------------------------------------------------
def first_layer_lines(model: MLP, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Effective (w (D, lines), b (lines,)) of the first layer's pre-activations in input space,
    on the probe batch x (N, D); one line per pre-activation (k per maxout unit).

    With batch norm the batch's statistics fold into the affine map, so the lines are exactly
    where the units switch sign in probe mode.  Layer norm mixes units per example, so its lines
    are the dense layer's (an approximation).
    """
    dense, norm = model.dense[0], model.norms[0]
    w = dense.params["w"].astype(np.float64)
    b = dense.params["b"].astype(np.float64)
    if isinstance(norm, BatchNorm):
        _, mean, var = batch_statistics(np.asarray(x, np.float64) @ w + b)
        scale = norm.params["gamma"] / np.sqrt(var + norm.eps)
        w = w * scale
        b = (b - mean) * scale + norm.params["beta"]
    return w, b


def clip_lines(w: np.ndarray, b: np.ndarray, view) -> tuple[np.ndarray, np.ndarray]:
    """Segments of the lines w[0] x + w[1] y + b = 0 inside the box view.

    Returns xs, ys, each (lines, 2); rows are nan where a line misses the box.
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


def grid_size(model: MLP) -> int:
    """Cells per side of the decision-boundary grid: fine for small nets, coarser for big ones."""
    flops = sum(2 * d.params["w"].size for d in model.dense)
    return int(np.clip(math.sqrt(GRID_FLOP_BUDGET / flops), GRID_MIN, GRID_MAX))


def decision_grid(model: MLP, frame: PlaneFrame, params: list[dict] | None = None
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, list[np.ndarray]]:
    """Decision boundary over the picture plane: (gu (G,), gv (G,), predicted class (G, G),
    confidence (G, G), neuron maps); row i is gv[i].  Grid points are lifted into input space
    and classified as at test time (batch norm's running averages, no dropout), with params from
    model.cast_params (default: float32).  The neuron maps come from the same pass: per hidden
    layer, every unit's output at every grid point, float32 (units, G, G)."""
    view = frame.view
    g = grid_size(model)
    gu = np.linspace(view[0], view[1], g)
    gv = np.linspace(view[2], view[3], g)
    uu, vv = np.meshgrid(gu, gv)
    pts = frame.lift(np.stack([uu.ravel(), vv.ravel()], axis=1))
    scores, outputs = model.scores_and_outputs(pts, params or model.cast_params(FAST_DTYPE))
    if not np.isfinite(scores).all():             # float32 overflowed: the run's own precision
        scores, outputs = model.scores_and_outputs(pts)
    with np.errstate(over="ignore"):              # beyond float32: inf, drawn as the extreme
        maps = [np.ascontiguousarray(a.T, dtype=np.float32).reshape(-1, g, g) for a in outputs]
    scores = scores - scores.max(axis=1, keepdims=True)
    probs = np.exp(scores)
    probs /= probs.sum(axis=1, keepdims=True)
    pred = probs.argmax(axis=1)
    conf = np.nan_to_num(probs[np.arange(len(pred)), pred])
    return gu, gv, pred.reshape(g, g), conf.reshape(g, g), maps


def active_on_grid(w_plane: np.ndarray, b_plane: np.ndarray, gu: np.ndarray, gv: np.ndarray,
                   pieces: int = 1) -> np.ndarray:
    """(G, G) int: how many first-layer units are on at each grid point (row i = gv[i]).

    w_plane (2, lines), b_plane (lines,) are the first layer's lines in the picture plane, so a
    grid point's pre-activations are exact there without lifting it.  On means pre-activation
    > 0, as for the probe points; a maxout unit (`pieces` consecutive lines) is on when its
    largest piece is.
    """
    z = gv[:, None, None] * w_plane[1] + b_plane          # (G, 1, lines) + ...
    z = z + gu[None, :, None] * w_plane[0]                # (G, G, lines)
    if pieces > 1:
        z = z.reshape(len(gv), len(gu), -1, pieces).max(axis=3)
    return np.count_nonzero(z > 0, axis=2)


def plane_picture(model: MLP, frame: PlaneFrame, x: np.ndarray, y: np.ndarray,
                  record: ProbeRecord, params: list[dict] | None = None
                  ) -> tuple[Plane, list[np.ndarray]]:
    """The Plane of the probe batch x (N, D), y (N,) drawn in `frame`, and the neuron maps of
    its grid (decision_grid); params as for decision_grid."""
    act = model.activation
    view = frame.view
    k = act.fan_out_factor
    on = (record.a[0] if k > 1 else record.z[0]) > 0      # (N, units)
    unit_off = ~on.any(axis=0)
    w, b = first_layer_lines(model, x)
    # each line restricted to the plane origin + u axes[0] + v axes[1]
    w_plane = frame.axes @ w                               # (2, lines)
    b_plane = b + frame.origin @ w
    xs, ys = clip_lines(w_plane, b_plane, view)
    # a marker a little way into each line's active (positive) side, from the segment's middle
    normal = w_plane / np.maximum(np.linalg.norm(w_plane, axis=0), 1e-12)
    step = 0.04 * max(view[1] - view[0], view[3] - view[2])
    side = np.stack([xs.mean(axis=1) + step * normal[0], ys.mean(axis=1) + step * normal[1]], 1)
    gu, gv, pred, conf, maps = decision_grid(model, frame, params)
    au = np.linspace(view[0], view[1], min(ACTIVE_GRID, len(gu)))
    av = np.linspace(view[2], view[3], min(ACTIVE_GRID, len(gv)))
    with np.errstate(all="ignore"):                        # a diverged run's nan lines: off
        grid_active = active_on_grid(w_plane, b_plane, au, av, k)
    plane = Plane(
        points=frame.project(x).astype(np.float32), labels=y.astype(np.int64),
        active_count=on.sum(axis=1).astype(np.int64), segments_x=xs, segments_y=ys,
        active_side=side.astype(np.float32), line_unit=np.arange(len(b)) // k,
        unit_off=unit_off, unit_dead=unit_off & act.dies, view=view,
        grid_x=gu.astype(np.float32), grid_y=gv.astype(np.float32),
        grid_pred=pred, grid_conf=conf.astype(np.float32), max_active=int(on.shape[1]),
        grid_active=grid_active.astype(np.int32), active_x=au.astype(np.float32),
        active_y=av.astype(np.float32),
        axis_labels=frame.labels, note=frame.note)
    return plane, maps
