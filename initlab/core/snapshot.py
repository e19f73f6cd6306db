"""Snapshot and History: what the panels draw, as plain NumPy arrays and floats (no widgets).

A Snapshot is computed on a fixed probe batch (the same examples every time, in "probe" mode:
batch statistics for normalisation, no dropout, no running-average update), so that pictures are
comparable from one redraw to the next.  Histogram edges are fixed per activation.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class LayerStats:
    """Statistics of one hidden layer on the probe batch.

    Histograms are fractions of all values (float32) over the Snapshot's fixed edges; values
    outside the edges are not in any bin: act_hist.sum() + act_outside == 1.
    """
    index: int                 # 0-based hidden layer index
    pre_mean: float            # pre-activation (after normalisation, before the non-linearity)
    pre_std: float
    pre_hist: np.ndarray       # (bins,) over Snapshot.pre_edges
    act_mean: float            # activation (the layer's output, before dropout)
    act_std: float
    act_hist: np.ndarray       # (bins,) over Snapshot.act_edges
    act_outside: float         # share of activations outside the edges (below or above), in [0, 1]
    act_above: float           # the part of act_outside above the last edge
    saturation: float          # share of activations within 2% of a bound (tanh, sigmoid); else 0
    off_units: int             # units whose pre-activation is <= 0 on every probe example
    dead_units: int            # off units that get no gradient at all (ReLU): they never recover
    dead_fraction: float       # dead_units / width
    weight_std: float          # std of this layer's weight matrix
    grad_norm: float           # ||dL/dW|| of this layer's weights on the probe batch
    act_grad_std: float        # std of dL/d(activation) flowing back into this layer
    grad_hist: np.ndarray      # (bins,) of log10 |dL/dW| over grad_edges (a fixed 20k-entry sample)
    update_ratio: float        # ||delta W|| / ||W|| of the last training step (nan before any)


@dataclass
class Plane:
    """The 2-D pictures: probe points, first-layer hyperplanes and the decision boundary.

    Coordinates are in the network's input space (after preprocessing).
    """
    points: np.ndarray         # (N, 2) float32 probe points
    labels: np.ndarray         # (N,) int class of each point
    active_count: np.ndarray   # (N,) int, first-layer units with positive pre-activation per point
    segments_x: np.ndarray     # (units, 2) float32 x of each hyperplane's ends inside the view (nan: none)
    segments_y: np.ndarray     # (units, 2) float32 y of the same ends
    active_side: np.ndarray    # (units, 2) float32 a point just on each line's active (positive) side
    unit_off: np.ndarray       # (units,) bool: first-layer unit active on no probe example
    unit_dead: np.ndarray      # (units,) bool: off and with zero gradient there (ReLU), so dead
    view: tuple                # (xmin, xmax, ymin, ymax) of the drawing
    grid_x: np.ndarray         # (G,) float32 cell centres
    grid_y: np.ndarray         # (G,) float32
    grid_pred: np.ndarray      # (G, G) int predicted class, row i = grid_y[i]
    grid_conf: np.ndarray      # (G, G) float32 probability of the predicted class
    max_active: int            # number of first-layer units (colour range of active_count)


@dataclass
class Snapshot:
    step: int
    status: str                # "ok" or "diverged"
    message: str               # plain-language status
    activation: str
    units_can_die: bool        # the activation has zero gradient below 0 (ReLU)
    n_classes: int
    loss: float                # data loss on the probe batch
    expected_initial_loss: float  # ln(C)
    act_edges: np.ndarray      # (bins + 1,) float32, fixed per activation
    pre_edges: np.ndarray      # (bins + 1,) float32
    grad_edges: np.ndarray     # (bins + 1,) float32 log10 |grad| edges
    layers: list[LayerStats]
    plane: Plane | None        # None when the input is not 2-D
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

    def __len__(self) -> int:
        return len(self.steps)

    def series(self, name: str, max_points: int = 2000) -> tuple[np.ndarray, np.ndarray]:
        """(x, y) of a recorded series as float32, thinned to at most max_points points.

        name is "loss", "lr", "train_acc", "val_acc", "val_loss" or "update_ratio" (y is then
        (points, layers)).  Thinning keeps the last point so the curve always ends at "now".
        """
        x = self.eval_steps if name in ("train_acc", "val_acc", "val_loss") else self.steps
        y = getattr(self, name)
        n = len(y)
        if n == 0:
            return np.zeros(0, np.float32), np.zeros(0, np.float32)
        idx = np.arange(n)
        if n > max_points:
            idx = np.unique(np.linspace(0, n - 1, max_points).astype(int))
        xs = np.asarray(x, dtype=np.float32)[idx]
        ys = np.asarray([y[i] for i in idx], dtype=np.float32)
        return xs, ys
