"""Snapshot and History: what the panels draw, as plain NumPy arrays and floats (no widgets).

A Snapshot is computed on a fixed probe batch (the same examples every time, in "probe" mode:
batch statistics for normalisation, no dropout, no running-average update), so that pictures are
comparable from one redraw to the next.  Histogram edges are fixed per activation.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np


@dataclass
class LayerStats:
    """Statistics of one hidden layer on the probe batch (N examples, `units` = config width).

    Histograms are fractions of all values (float32) over the Snapshot's fixed edges; values
    outside the edges are not in any bin: act_hist.sum() + act_outside == 1.  A unit is active
    on an example when its pre-activation is > 0 (maxout: its largest piece).
    """
    index: int                 # 0-based hidden layer index
    act_mean: float            # activation (the layer's output, before dropout)
    act_std: float
    act_hist: np.ndarray       # (bins,) over Snapshot.act_edges
    act_outside: float         # share of activations outside the edges (below or above), in [0, 1]
    act_above: float           # the part of act_outside above the last edge
    saturation: float          # share of activations within SATURATION_MARGIN of a bound; else 0
    unit_active: np.ndarray    # (units,) float32: share of probe examples on which each unit is on
    unit_saturated: np.ndarray  # (units,) float32: share on which it is saturated (0: unbounded)
    off_units: int             # units active on no probe example (unit_active == 0)
    dead_units: int            # off units that get no gradient at all (ReLU): their own weights
                               # stay; only the layers below can move them back, which is rare
    dead_fraction: float       # dead_units / units
    weight_std: float          # std of this layer's weight matrix
    grad_norm: float           # ||dL/dW|| of this layer's weights on the probe batch
    act_grad_std: float        # std of dL/d(activation) flowing back into this layer
    update_ratio: float        # ||delta W|| / ||W|| of the last training step (nan before any)
    # Neuron maps: each unit's output over the decision boundary's grid (Plane.grid_x/grid_y,
    # row i = grid_y[i]), float32 (units, G, G), from the boundary's own pass (test mode: batch
    # norm's running averages, no dropout); None when the data has no picture plane
    unit_maps: np.ndarray | None = None


@dataclass
class Plane:
    """The 2-D pictures: probe points, first-layer hyperplanes and the decision boundary.

    Coordinates (u, v) are in the data's picture plane (initlab.data.datasets.PlaneFrame): the
    preprocessed inputs themselves for 2-D data, the first two principal components through the
    training mean for wider data.  A line is where one first-layer pre-activation is 0 in that
    plane: one per unit, k per maxout unit (one per piece).
    """
    points: np.ndarray         # (N, 2) float32 probe points
    labels: np.ndarray         # (N,) int class of each point
    active_count: np.ndarray   # (N,) int, first-layer units active on each point
    segments_x: np.ndarray     # (lines, 2) float32 u of each line's ends inside the view (nan: none)
    segments_y: np.ndarray     # (lines, 2) float32 v of the same ends
    active_side: np.ndarray    # (lines, 2) float32 a point just on each line's positive side
    line_unit: np.ndarray      # (lines,) int: the first-layer unit each line belongs to
    unit_off: np.ndarray       # (units,) bool: first-layer unit active on no probe example
    unit_dead: np.ndarray      # (units,) bool: off and with zero gradient there (ReLU), so dead
    view: tuple                # (umin, umax, vmin, vmax) of the drawing
    grid_x: np.ndarray         # (G,) float32 cell centres
    grid_y: np.ndarray         # (G,) float32
    grid_pred: np.ndarray      # (G, G) int predicted class, row i = grid_y[i]
    grid_conf: np.ndarray      # (G, G) float32 probability of the predicted class
    max_active: int            # number of first-layer units (colour range of active_count)
    grid_active: np.ndarray | None = None   # (A, A) int first-layer units on at each cell of
    active_x: np.ndarray | None = None      # (A,) float32 cell centres of a grid coarser than
    active_y: np.ndarray | None = None      # the boundary's (row i of grid_active = active_y[i])
    axis_labels: tuple[str, str] = ("x1", "x2")   # ("PC 1", "PC 2") for wider data
    note: str = ""             # "" for 2-D data; else a one-line note on what the slice shows


@dataclass
class Snapshot:
    step: int
    status: str                # "ok", "diverged" or "out_of_memory" (Run.status)
    message: str               # plain-language status
    activation: str
    units_can_die: bool        # the activation has zero gradient below 0 (ReLU)
    n_classes: int
    loss: float                # data loss on the probe batch
    expected_initial_loss: float  # ln(C)
    act_edges: np.ndarray      # (bins + 1,) float32, fixed per activation
    layers: list[LayerStats]
    plane: Plane | None        # None when the input has fewer than 2 features
    plane_reason: str          # why plane is None ("" otherwise)

    def column(self, name: str) -> np.ndarray:
        """One statistic across depth, e.g. snap.column("act_std") -> (depth,) float64."""
        return np.array([getattr(layer, name) for layer in self.layers], dtype=np.float64)


# History thinning (issue 15: a day of Play must keep the kernel's memory flat).  The first
# 2 x DENSE records are all kept; from there each doubling of the count keeps DENSE of its
# records (every 2nd of the next 2048, every 4th of the 4096 after, ...), chosen by their number
# alone, so a record once kept stays kept and a curve drawn from it never shimmers.  A run of n
# steps keeps about DENSE * (1 + log2(n / DENSE)) + RECENT records: 15k after 10^7 steps (a day
# of Play at ~100 steps/s), 8k after 10^5.  The last RECENT records are always all there (the
# assistant's windows read the recent steps).
DENSE = 1024
RECENT = 256


def _numbers(ordinals: np.ndarray) -> np.ndarray:
    """0-based record numbers from step-like ordinals (1, 2, 3... or 10, 20, 30...)."""
    return ordinals - ordinals[0] if len(ordinals) else ordinals


def _on_grid(m: np.ndarray, dense: int) -> np.ndarray:
    """Mask of record numbers m (0-based, int64) on the thinning grid: m < dense, or m a multiple
    of 2^floor(log2(m / dense)): `dense` records per doubling, log-uniform beyond the start."""
    stride = np.ones_like(m)
    far = m >= dense
    stride[far] = 1 << np.floor(np.log2(m[far] / dense)).astype(np.int64)
    return m % stride == 0


@dataclass
class History:
    """What happened while training, appended by Run.step() (record / record_eval).

    Long runs are thinned as they go (see DENSE): `steps` keeps every step at first, then fewer
    per doubling; `series` draws from what is kept, so the curves always span the whole run.
    """
    steps: list = field(default_factory=list)        # step number of each loss value
    loss: list = field(default_factory=list)         # minibatch loss (data + penalty)
    lr: list = field(default_factory=list)           # learning rate used at that step
    update_ratio: list = field(default_factory=list)  # (layers,) array per step, all weight layers
    clip_scale: list = field(default_factory=list)   # ||clipped grad|| / ||grad|| (1: not cut)
    eval_steps: list = field(default_factory=list)   # steps at which accuracy was measured
    train_acc: list = field(default_factory=list)
    val_acc: list = field(default_factory=list)
    val_loss: list = field(default_factory=list)
    changes: list = field(default_factory=list)      # (step, "lr 0.01 -> 0.1"): live changes
    eval_every: int = 10                             # accuracy is measured every this many steps
    diverged_step: int | None = None                 # the step whose loss stopped the run ...
    diverged_loss: float | None = None               # ... and that loss (inf, nan or huge)
    _thin_at: int = field(default=2 * DENSE, init=False, repr=False, compare=False)
    _settled: list = field(default_factory=lambda: [0, 0], init=False, repr=False,
                           compare=False)             # leading records known to be on the grid

    def __len__(self) -> int:
        return len(self.steps)

    def key(self) -> tuple:
        """Changes whenever anything drawable was recorded (a panel's "nothing new" test; the
        length alone can repeat once the history is thinned)."""
        return (len(self.steps), self.steps[-1] if self.steps else 0, len(self.eval_steps),
                self.eval_steps[-1] if self.eval_steps else 0, self.diverged_step)

    def record(self, step: int, loss: float, lr: float, update_ratio: np.ndarray,
               clip_scale: float = 1.0) -> None:
        """One training step's numbers; thins the older records when there are many."""
        self.steps.append(step)
        self.loss.append(loss)
        self.lr.append(lr)
        self.update_ratio.append(update_ratio)
        self.clip_scale.append(clip_scale)
        if len(self.steps) >= self._thin_at:
            self.thin()

    def record_eval(self, step: int, train_acc: float, val_acc: float, val_loss: float) -> None:
        """One accuracy measurement (every eval_every steps)."""
        self.eval_steps.append(step)
        self.train_acc.append(train_acc)
        self.val_acc.append(val_acc)
        self.val_loss.append(val_loss)

    def record_divergence(self, step: int, loss: float) -> None:
        """The loss that made the run stop (the curves draw it, or where it was, when not finite)."""
        self.diverged_step, self.diverged_loss = int(step), float(loss)

    def thin(self) -> None:
        """Drop the older records that are off the thinning grid (see DENSE); keeps the last
        RECENT records of each kind.  Records already looked at stay settled: each call reads
        only what came since the last one."""
        per_step = ("steps", "loss", "lr", "update_ratio", "clip_scale")
        for kind, names, every in ((0, per_step, 1),
                                   (1, ("eval_steps", "train_acc", "val_acc", "val_loss"),
                                    max(1, self.eval_every))):
            column = getattr(self, names[0])
            start = min(self._settled[kind], len(column))
            if not column or len(column) - start <= RECENT:
                continue
            first = int(column[0]) // every
            m = np.asarray(column[start:], dtype=np.int64) // every - first
            keep = _on_grid(m, DENSE)
            keep[-RECENT:] = True
            idx = (start + np.flatnonzero(keep)).tolist()
            for name in names:
                values = getattr(self, name)
                setattr(self, name, values[:start] + [values[i] for i in idx])
            self._settled[kind] = len(column[:start]) + len(idx) - RECENT
        self._thin_at = len(self.steps) + DENSE

    def series(self, name: str, max_points: int = 2000, log: bool = False
               ) -> tuple[np.ndarray, np.ndarray]:
        """(x, y) of a recorded series as float32, thinned to at most about max_points points.

        name is "loss", "lr", "train_acc", "val_acc", "val_loss" or "update_ratio" (y is then
        (points, layers)).  For a linear step axis thinning takes every k-th step (k a power of
        two); for a log step axis (log=True) the same number per doubling of the step, like the
        history's own thinning.  Either way the points are chosen by their step alone and the
        last point is kept, so the curve always ends at "now" and a curve redrawn while training
        keeps its points (evenly spread indices would move every point at every step and make a
        noisy curve shimmer).  Linear: between max_points / 2 and max_points points are kept.
        """
        evals = name in ("train_acc", "val_acc", "val_loss")
        x = self.eval_steps if evals else self.steps
        y = getattr(self, name)
        n = len(y)
        if n == 0:
            return np.zeros(0, np.float32), np.zeros(0, np.float32)
        m = _numbers(np.asarray(x, dtype=np.int64) // (max(1, self.eval_every) if evals else 1))
        total = int(m[-1]) + 1                     # records there would be, unthinned
        idx = np.arange(n)
        if log and total > max_points:
            dense = 1 << int(math.log2(max_points))
            while dense > 1 and dense * (1 + math.log2(total / dense)) > max_points:
                dense //= 2
            idx = np.unique(np.append(np.flatnonzero(_on_grid(m, dense)), n - 1))
        elif not log and total > max_points:
            stride = 1 << math.ceil(math.log2(total / max_points))
            idx = np.unique(np.append(np.flatnonzero(m % stride == 0), n - 1))
        xs = np.asarray(x, dtype=np.float32)[idx]
        with np.errstate(over="ignore"):        # a blown-up loss beyond float32: inf
            ys = np.asarray([y[i] for i in idx], dtype=np.float32)
        return xs, ys
