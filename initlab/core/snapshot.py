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
    dead_units: int            # off units that get no gradient at all (ReLU): they never recover
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


@dataclass
class History:
    """What happened while training, appended by Run.step()."""
    steps: list = field(default_factory=list)        # step number of each loss value
    loss: list = field(default_factory=list)         # minibatch loss (data + penalty)
    lr: list = field(default_factory=list)           # learning rate used at that step
    update_ratio: list = field(default_factory=list)  # (layers,) array per step, all weight layers
    eval_steps: list = field(default_factory=list)   # steps at which accuracy was measured
    train_acc: list = field(default_factory=list)
    val_acc: list = field(default_factory=list)
    val_loss: list = field(default_factory=list)
    changes: list = field(default_factory=list)      # (step, "lr 0.01 -> 0.1"): live changes
    eval_every: int = 10                             # accuracy is measured every this many steps

    def __len__(self) -> int:
        return len(self.steps)

    def series(self, name: str, max_points: int = 2000) -> tuple[np.ndarray, np.ndarray]:
        """(x, y) of a recorded series as float32, thinned to at most max_points points.

        name is "loss", "lr", "train_acc", "val_acc", "val_loss" or "update_ratio" (y is then
        (points, layers)).  Thinning takes every k-th point, k a power of two, and keeps the last
        point so the curve always ends at "now".  k changes only when the series doubles, so a
        curve redrawn while training keeps its points (evenly spread indices would move every
        point at every step and make a noisy curve shimmer); between max_points / 2 and
        max_points points are kept.
        """
        x = self.eval_steps if name in ("train_acc", "val_acc", "val_loss") else self.steps
        y = getattr(self, name)
        n = len(y)
        if n == 0:
            return np.zeros(0, np.float32), np.zeros(0, np.float32)
        idx = np.arange(n)
        if n > max_points:
            stride = 1 << math.ceil(math.log2(n / max_points))
            idx = np.unique(np.append(np.arange(0, n, stride), n - 1))
        xs = np.asarray(x, dtype=np.float32)[idx]
        with np.errstate(over="ignore"):        # a blown-up loss beyond float32: inf
            ys = np.asarray([y[i] for i in idx], dtype=np.float32)
        return xs, ys
