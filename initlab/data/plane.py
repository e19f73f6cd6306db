"""The plane the 2-D pictures are drawn in: the inputs themselves for 2-D data, the plane of the
first two principal components through the training mean for wider data (the 8x8 digits).

Computed once where the data is built (Data.frame), from the preprocessed training inputs, so
that every snapshot of a run draws in the same plane and box.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

VIEW_MARGIN = 0.1      # share of the data's extent added on each side of the drawing box


@dataclass(frozen=True, eq=False)
class PlaneFrame:
    """A plane through input space that the 2-D pictures are drawn in.

    A point (u, v) of the picture is the input origin + u * axes[0] + v * axes[1].  2-D data is
    drawn as it is (origin 0, axes the identity); wider data in the plane of its first two
    principal components through the training mean.  view = (umin, umax, vmin, vmax): the drawing
    box around every training point, with a margin.
    """
    origin: np.ndarray             # (D,) float64
    axes: np.ndarray               # (2, D) float64, orthonormal rows
    labels: tuple[str, str]        # axis titles: ("x1", "x2") or ("PC 1", "PC 2")
    note: str                      # "" for 2-D data; else what the picture is (a slice)
    view: tuple[float, float, float, float]

    def project(self, x: np.ndarray) -> np.ndarray:
        """Inputs x (N, D) -> picture coordinates (N, 2) float64 (orthogonal projection)."""
        x = np.asarray(x, dtype=np.float64)
        if self.identity:
            return x.copy()
        return (x - self.origin) @ self.axes.T

    def lift(self, uv: np.ndarray) -> np.ndarray:
        """Picture coordinates (M, 2) -> the inputs (M, D) float64 at those points of the plane."""
        uv = np.asarray(uv, dtype=np.float64)
        return uv.copy() if self.identity else self.origin + uv @ self.axes

    @property
    def identity(self) -> bool:
        return self.axes.shape == (2, 2) and not self.origin.any() and \
            bool(np.array_equal(self.axes, np.eye(2)))


def plane_frame(x_train: np.ndarray) -> PlaneFrame | None:
    """The picture plane of training inputs x_train (N, D): the inputs themselves when D == 2,
    the first two principal components through the mean when D > 2, None when D < 2.

    Deterministic: each axis's largest entry is positive, so pictures do not flip at random.
    """
    x = np.asarray(x_train, dtype=np.float64)
    d = x.shape[1]
    if d < 2 or len(x) == 0:
        return None
    if d == 2:
        origin, axes = np.zeros(2), np.eye(2)
        labels, note = ("x1", "x2"), ""
    else:
        origin = x.mean(axis=0)
        centred = x - origin
        eigval, eigvec = np.linalg.eigh(centred.T @ centred)
        order = np.argsort(eigval)[::-1]
        axes = eigvec[:, order[:2]].T
        big = np.argmax(np.abs(axes), axis=1)
        axes = axes * np.sign(axes[np.arange(2), big])[:, None]
        share = eigval[order[:2]].sum() / max(eigval.sum(), 1e-300)
        labels = ("PC 1", "PC 2")
        note = (f"A slice through the mean of the {d}-D inputs along their two main directions "
                f"({share:.0%} of the variance); the other {d - 2} are held at the mean.")
    frame = PlaneFrame(origin, axes, labels, note, (0.0, 1.0, 0.0, 1.0))
    pts = frame.project(x)
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    pad = VIEW_MARGIN * np.maximum(hi - lo, 1e-6)
    view = (float(lo[0] - pad[0]), float(hi[0] + pad[0]), float(lo[1] - pad[1]),
            float(hi[1] + pad[1]))
    return PlaneFrame(origin, axes, labels, note, view)
