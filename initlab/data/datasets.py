"""Data: 2-D toy sets, the 8x8 handwritten digits, and input preprocessing.

- make_toy: spiral, circles, moons, xor, blobs as (X (N, 2), y (N,)); `noise` in [0, 1] blurs them
- load_digits: 1797 8x8 digits shipped in the package (digits.npz), pixels scaled to [0, 1]
- Preprocessor: none / center / standardize / pca / whiten, fitted on training data only
- make_data: a Config -> Data (stratified train/validation split, preprocessed, in the run's dtype)
- DATASETS and PREPROCESSING: the registries Config reads its choices from

How `noise` is scaled: the blur's standard deviation is `noise` times half the distance between
neighbouring classes (in angle for the spiral).  At 0.1 the classes sit ten blur widths apart;
at 1 the blur reaches the next class and the sets overlap heavily.  Gaussian clusters (xor, blobs)
keep a width of 0.1 of that even at noise 0, so they stay clouds rather than single points.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Callable

import numpy as np

from initlab.data.plane import PlaneFrame, plane_frame
from initlab.nn.registry import Registry, not_allowed, one_of

if TYPE_CHECKING:                      # config.py reads this module's registries
    from initlab.core.config import Config

DATASETS = Registry("dataset")         # name -> DataSet, the one list of data sets
PREPROCESSING = Registry("preprocessing")   # name -> transform(preprocessor, x)
WHITEN_EPS = 1e-5      # relative to the largest eigenvalue: caps the gain on near-empty directions
CLUSTER_FLOOR = 0.1    # width of xor/blobs clusters at noise 0, in units of the half-spacing


# ---- 2-D toy sets ----------------------------------------------------------------------------
def class_counts(n_samples: int, n_classes: int) -> np.ndarray:
    """Examples per class, as balanced as possible: (n_classes,) int, the first ones get the rest."""
    counts = np.full(n_classes, n_samples // n_classes, dtype=np.int64)
    counts[: n_samples % n_classes] += 1
    return counts


def make_toy(name: str, n_samples: int, n_classes: int, noise: float,
             rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A 2-D toy classification set: X (N, 2) float64 roughly within [-1.5, 1.5]^2, y (N,) int64.

    Classes are balanced (sizes differ by at most one) and the order is shuffled.  moons and xor
    have exactly 2 classes.  noise in [0, 1]: 0 is clean, 1 overlaps heavily (see module doc).
    """
    toys = [n for n, d in DATASETS.items() if d.generator is not None]
    if name not in toys:
        raise not_allowed("dataset", name, "a toy set, " + one_of(toys))
    lo, hi = DATASETS.get(name).classes
    if lo == hi and n_classes != lo:
        raise not_allowed("n_classes", n_classes, f"{lo} ({name} has {lo} classes)")
    if n_classes < 2 or n_samples < n_classes:
        raise ValueError(f"need n_classes >= 2 and n_samples >= n_classes, "
                         f"got n_classes={n_classes!r}, n_samples={n_samples!r}")
    if not 0.0 <= noise <= 1.0:
        raise not_allowed("noise", noise, "a number in [0, 1]")
    counts = class_counts(n_samples, n_classes)
    toy = DATASETS.get(name).generator
    parts = [toy(int(n), c, n_classes, float(noise), rng) for c, n in enumerate(counts)]
    x = np.concatenate(parts).astype(np.float64)
    y = np.repeat(np.arange(n_classes, dtype=np.int64), counts)
    order = rng.permutation(n_samples)
    return x[order], y[order]


def _polar(radius: np.ndarray, angle: np.ndarray) -> np.ndarray:
    return np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])


def _spiral(n: int, c: int, k: int, noise: float, rng: np.random.Generator) -> np.ndarray:
    # CS231n's spiral: radius to 1, each arm sweeps 4 radians.  Arms start evenly spaced (2 pi / k)
    # so that any k gives k distinct arms; noise ~0.2 reproduces CS231n's 0.2-radian jitter at k=3.
    # The radius starts a little off 0: at 0 every arm's first point is the origin, k identical
    # inputs with k labels, which no network can fit (a tiny subset could never reach 100%).
    radius = np.linspace(0.05, 1.0, n)
    angle = np.linspace(0.0, 4.0, n) + 2 * np.pi * c / k
    angle = angle + rng.normal(0.0, noise * np.pi / k, n)
    return _polar(radius, angle)


def _circles(n: int, c: int, k: int, noise: float, rng: np.random.Generator) -> np.ndarray:
    # Ring c has radius (c + 1) / k: neighbouring rings are 1 / k apart, the outermost has radius 1.
    ring = _polar(np.full(n, (c + 1) / k), rng.uniform(0.0, 2 * np.pi, n))
    return ring + rng.normal(0.0, noise * 0.5 / k, (n, 2))


def _moons(n: int, c: int, k: int, noise: float, rng: np.random.Generator) -> np.ndarray:
    # The usual two half circles of radius 1, the lower one shifted by (1, -0.5); the closest
    # points of the two are 0.5 apart.  Centred on the origin: x in [-1.5, 1.5], y in [-0.75, 0.75].
    t = rng.uniform(0.0, np.pi, n)
    if c == 0:
        arc = np.column_stack([np.cos(t), np.sin(t)])
    else:
        arc = np.column_stack([1.0 - np.cos(t), 0.5 - np.sin(t)])
    return arc - [0.5, 0.25] + rng.normal(0.0, noise * 0.25, (n, 2))


def _xor(n: int, c: int, k: int, noise: float, rng: np.random.Generator) -> np.ndarray:
    # Corners (+-0.5, +-0.5); class 0 owns (+,+) and (-,-), class 1 owns (+,-) and (-,+).
    corners = np.array([[0.5, 0.5], [-0.5, -0.5]] if c == 0 else [[0.5, -0.5], [-0.5, 0.5]])
    centres = corners[np.arange(n) % 2]
    width = 0.5 * (CLUSTER_FLOOR + (1 - CLUSTER_FLOOR) * noise)
    return centres + rng.normal(0.0, width, (n, 2))


def _blobs(n: int, c: int, k: int, noise: float, rng: np.random.Generator) -> np.ndarray:
    # k centres on a circle, neighbours 2 * half apart; few classes sit closer than on the unit
    # circle (half <= 0.5) so that heavy blur stays near the [-1.5, 1.5] box.
    half = min(np.sin(np.pi / k), 0.5)
    centre = _polar(np.array([half / np.sin(np.pi / k)]), np.array([2 * np.pi * c / k]))
    width = half * (CLUSTER_FLOOR + (1 - CLUSTER_FLOOR) * noise)
    return centre + rng.normal(0.0, width, (n, 2))


@dataclass(frozen=True)
class DataSet:
    """A registered data set: load(config, rng) -> (X (N, D) float64, y (N,) int64), the
    allowed class counts (inclusive), and for 2-D toys the per-class generator."""
    load: Callable[["Config", np.random.Generator], tuple[np.ndarray, np.ndarray]]
    classes: tuple[int, int]
    generator: Callable[..., np.ndarray] | None = None


def _toy(name: str, generator: Callable[..., np.ndarray], classes: tuple[int, int]) -> None:
    def load(config, rng):
        return make_toy(name, config.n_samples, config.n_classes, config.noise, rng)
    DATASETS.register(name, DataSet(load, classes, generator))


_toy("spiral", _spiral, (2, 8))
_toy("circles", _circles, (2, 5))
_toy("moons", _moons, (2, 2))
_toy("xor", _xor, (2, 2))
_toy("blobs", _blobs, (2, 8))
TOY_SETS = tuple(DATASETS)             # the 2-D toys (digits is registered below)


# ---- handwritten digits ----------------------------------------------------------------------
@functools.lru_cache(maxsize=1)
def _digits_arrays() -> tuple[np.ndarray, np.ndarray]:
    """The shipped images (1797, 8, 8) uint8 in 0..16 and labels (1797,) uint8, read-only."""
    with resources.files(__package__).joinpath("digits.npz").open("rb") as f, np.load(f) as npz:
        images, labels = npz["images"], npz["labels"]
    images.flags.writeable = labels.flags.writeable = False
    return images, labels


def load_digits(n_classes: int = 10, n_samples: int | None = None,
                rng: np.random.Generator | None = None) -> tuple[np.ndarray, np.ndarray]:
    """8x8 handwritten digits: X (N, 64) float64 in [0, 1] (pixel count / 16), y (N,) int64.

    Only digits 0 .. n_classes-1 are kept.  With n_samples, a class-balanced random subset of that
    size (all of them if fewer exist); with rng, the order is shuffled.  rng defaults to a
    Generator seeded with 0 when a subset is asked for.  Nothing is downloaded.
    """
    if not 2 <= n_classes <= 10:
        raise not_allowed("n_classes", n_classes, "2..10 for digits")
    images, labels = _digits_arrays()
    keep = np.flatnonzero(labels < n_classes)
    if n_samples is not None and n_samples < len(keep):
        rng = rng if rng is not None else np.random.default_rng(0)
        keep = keep[_stratified_pick(labels[keep].astype(np.int64), n_samples, rng)]
    if rng is not None:
        keep = keep[rng.permutation(len(keep))]
    x = images[keep].reshape(len(keep), 64).astype(np.float64) / 16.0
    return x, labels[keep].astype(np.int64)


DATASETS.register("digits", DataSet(
    lambda config, rng: load_digits(config.n_classes, config.n_samples, rng), (2, 10)))


# ---- stratified sampling ---------------------------------------------------------------------
def _allocate(sizes: np.ndarray, total: int, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Split `total` over groups proportionally to `sizes`, each within [lo, hi] (largest remainder)."""
    quota = sizes * total / sizes.sum()
    take = np.clip(np.floor(quota).astype(np.int64), lo, hi)
    while take.sum() < total and (take < hi).any():
        short = np.where(take < hi, quota - take, -np.inf)
        take[np.argmax(short)] += 1
    while take.sum() > total and (take > lo).any():
        excess = np.where(take > lo, take - quota, -np.inf)
        take[np.argmax(excess)] -= 1
    return take


def _stratified_pick(y: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """Indices of n examples whose class proportions follow y's, sorted."""
    classes, sizes = np.unique(y, return_counts=True)
    lo = np.ones_like(sizes) if n >= len(classes) else np.zeros_like(sizes)
    take = _allocate(sizes, n, lo, sizes)
    picked = [rng.permutation(np.flatnonzero(y == c))[:t] for c, t in zip(classes, take)]
    return np.sort(np.concatenate(picked))


def stratified_split(y: np.ndarray, val_fraction: float,
                     rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(train indices, validation indices), disjoint, each shuffled.

    The validation part has round(N * val_fraction) examples, clipped to 1 .. N-1.  Each class is
    split in proportion; when there are at least as many validation examples as classes, every
    class with 2+ examples appears in both parts.
    """
    n = len(y)
    if n < 2:
        raise ValueError(f"need at least 2 examples to split, got {n}")
    n_val = int(np.clip(round(n * val_fraction), 1, n - 1))
    classes, sizes = np.unique(y, return_counts=True)
    both = (sizes >= 2) & (n_val >= len(classes)) & (n - n_val >= len(classes))
    take = _allocate(sizes, n_val, both.astype(np.int64), sizes - both)
    val_parts, train_parts = [], []
    for c, t in zip(classes, take):
        idx = rng.permutation(np.flatnonzero(y == c))
        val_parts.append(idx[:t])
        train_parts.append(idx[t:])
    train, val = np.concatenate(train_parts), np.concatenate(val_parts)
    return train[rng.permutation(len(train))], val[rng.permutation(len(val))]


# ---- preprocessing ---------------------------------------------------------------------------
class Preprocessor:
    """Input preprocessing fitted on training data: none, center, standardize, pca or whiten.

    After fit(X_train (N, D)):
      mean_ (D,)               per-feature training mean
      std_ (D,)                per-feature training standard deviation (ddof 0)
      scale_ (D,)              what standardize divides by: std_, or 1 where a feature is constant
                               (so constant pixels stay 0 instead of becoming NaN)
      components_ (D, D)       principal axes as rows, largest variance first (pca, whiten)
      explained_variance_ (D,) training variance along each axis (eigenvalues of the covariance)
      eps_                     whiten's regulariser: WHITEN_EPS * largest eigenvalue
    whiten divides each principal coordinate by sqrt(eigenvalue + eps_), so directions with
    (almost) no variance are not blown up into pure noise.
    """

    def __init__(self, kind: str = "none") -> None:
        PREPROCESSING.get(kind)                    # ValueError naming the allowed modes
        self.kind = kind
        self.mean_: np.ndarray | None = None

    def fit(self, x: np.ndarray) -> "Preprocessor":
        """Learn the statistics of x (N, D) (training data only); returns self."""
        x = np.asarray(x, dtype=np.float64)
        if x.ndim != 2 or len(x) == 0:
            raise ValueError(f"fit needs a non-empty (N, D) array, got shape {x.shape}")
        self.mean_ = x.mean(axis=0)
        self.std_ = x.std(axis=0)
        constant = self.std_ <= 1e-12 * np.maximum(1.0, np.abs(self.mean_))
        self.scale_ = np.where(constant, 1.0, self.std_)
        centred = x - self.mean_
        cov = centred.T @ centred / len(x)
        eigval, eigvec = np.linalg.eigh(cov)
        order = np.argsort(eigval)[::-1]
        eigval, eigvec = np.clip(eigval[order], 0.0, None), eigvec[:, order]
        # Sign convention: each axis's largest entry is positive, so pictures don't flip at random.
        big = np.argmax(np.abs(eigvec), axis=0)
        eigvec = eigvec * np.sign(eigvec[big, np.arange(eigvec.shape[1])])
        self.components_ = eigvec.T
        self.explained_variance_ = eigval
        self.eps_ = WHITEN_EPS * eigval[0] if eigval[0] > 0 else WHITEN_EPS
        return self

    def transform(self, x: np.ndarray) -> np.ndarray:
        """x (M, D) -> preprocessed (M, D) float64, using the training statistics."""
        if self.mean_ is None:
            raise RuntimeError("Preprocessor.transform called before fit")
        return PREPROCESSING.get(self.kind)(self, np.asarray(x, dtype=np.float64))

    def fit_transform(self, x: np.ndarray) -> np.ndarray:
        return self.fit(x).transform(x)

    def __repr__(self) -> str:
        return f"Preprocessor({self.kind!r})"


PREPROCESSING.register("none", lambda p, x: x.copy())
PREPROCESSING.register("center", lambda p, x: x - p.mean_)
PREPROCESSING.register("standardize", lambda p, x: (x - p.mean_) / p.scale_)
PREPROCESSING.register("pca", lambda p, x: (x - p.mean_) @ p.components_.T)
PREPROCESSING.register("whiten", lambda p, x: ((x - p.mean_) @ p.components_.T)
                       / np.sqrt(p.explained_variance_ + p.eps_))


# ---- a Config's data -------------------------------------------------------------------------
@dataclass
class Data:
    """The arrays a run trains and validates on.

    x_train (N, D), x_val (M, D): preprocessed, in the run's dtype; y_*: int64 class labels.
    raw_train, raw_val: the same examples before preprocessing, float64.
    frame: the plane the 2-D pictures are drawn in (computed from x_train when not given; None
    when D < 2).
    """
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    raw_train: np.ndarray
    raw_val: np.ndarray
    n_classes: int
    input_dim: int
    preprocessor: Preprocessor
    name: str
    frame: PlaneFrame | None = None

    def __post_init__(self) -> None:
        if self.frame is None:
            self.frame = plane_frame(self.x_train)


def make_data(config: Config, rng: np.random.Generator) -> Data:
    """Generate (or load) config.dataset, split it stratified, preprocess with training statistics."""
    x, y = DATASETS.get(config.dataset).load(config, rng)
    train, val = stratified_split(y, config.val_fraction, rng)
    prep = Preprocessor(config.preprocessing).fit(x[train])
    dtype = np.dtype(config.dtype)
    return Data(x_train=prep.transform(x[train]).astype(dtype), y_train=y[train],
                x_val=prep.transform(x[val]).astype(dtype), y_val=y[val],
                raw_train=x[train], raw_val=x[val], n_classes=config.n_classes,
                input_dim=x.shape[1], preprocessor=prep, name=config.dataset)
