"""Your own data: points a student clicks or uploads, turned into a Data a Run trains on.

    points = parse_csv(uploaded_bytes)              # x1,x2,label  or  64 features + label
    points = add_point(points, (0.3, -0.2), label=1)
    run = Run(config, data=make_user_data(points, config))

Points are kept raw (before preprocessing), like a CSV row.  `make_user_data` splits them into
training and validation parts (stratified, seeded by config.seed from the same stream make_data
uses) and fits the preprocessing on the training part only.  Every rejection is a ValueError whose
message names the row, the column and what is wrong, so the lab can show it and change nothing.
"""
from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np

from initlab.core.config import Config
from initlab.data.datasets import Data, Preprocessor, stratified_split
from initlab.core.run import DATA_FIELDS, Run

FEATURE_COUNTS = (2, 64)       # 2-D points, or 8x8 digit-like images
MAX_CLASSES = 10               # the most classes any data set of the lab has (digits)
MIN_ROWS = 10                  # fewer cannot make a training and a validation part worth a look
MIN_PER_CLASS = 2              # one for training, one for validation
MAX_ROWS = 20_000              # Config.n_samples allows at most this many
MAX_BYTES = 2_000_000          # 20 000 digit-like rows of 64 short numbers fit in about this
DATA_STREAM = 0                # index of the data stream among SeedSequence(seed).spawn(5) (run.py)
NAME = "custom"


@dataclass(frozen=True)
class Points:
    """Labelled examples before preprocessing: x (N, D) float64, D in FEATURE_COUNTS;
    y (N,) int64 class labels in 0 .. MAX_CLASSES-1."""
    x: np.ndarray
    y: np.ndarray

    def __len__(self) -> int:
        return len(self.y)

    @property
    def dim(self) -> int:
        return int(self.x.shape[1])

    @property
    def n_classes(self) -> int:
        """Classes the network needs: the largest label + 1."""
        return int(self.y.max()) + 1 if len(self.y) else 0

    def rows(self) -> list[list[float]]:
        """[[x1, ..., xD, label], ...] as plain floats and ints (for JSON)."""
        return [[*map(float, xi), int(yi)] for xi, yi in zip(self.x, self.y)]

    @classmethod
    def empty(cls, dim: int = 2) -> "Points":
        if dim not in FEATURE_COUNTS:
            raise ValueError(f"dim={dim!r} is not allowed: expected one of {FEATURE_COUNTS}")
        return cls(np.zeros((0, dim)), np.zeros(0, np.int64))


# ---- reading --------------------------------------------------------------------------------
def parse_csv(content: str | bytes, *, max_classes: int = MAX_CLASSES) -> Points:
    """Points from CSV text: one example per row, features then an integer label last.

    Rows have 3 values (x1, x2, label) or 65 (64 features, label).  A first row that is not
    all numbers is a header (its names are used in messages).  Blank lines are skipped.
    Raises ValueError naming the row (1-based line number), the column and what is wrong.
    """
    size = len(content.encode("utf-8")) if isinstance(content, str) else len(content)
    if size > MAX_BYTES:
        raise ValueError(f"the file is {size / 1e6:.1f} MB: at most {MAX_BYTES / 1e6:.0f} MB "
                         "is allowed")
    if isinstance(content, bytes):
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError as err:
            raise ValueError(f"the file is not UTF-8 text: byte {content[err.start]:#04x} at "
                             f"position {err.start} cannot be read") from None
    content = content.lstrip("\ufeff")
    reader = csv.reader(io.StringIO(content))
    header: list[str] | None = None
    numbered: list[tuple[int, list[str]]] = []
    for cells in reader:
        cells = [c.strip() for c in cells]
        if not any(cells):
            continue
        if header is None and not numbered and not all(_is_number(c) for c in cells):
            header = cells
            width = len(cells)
            if width - 1 not in FEATURE_COUNTS:
                raise ValueError(_width_message(reader.line_num, width, "header"))
            continue
        numbered.append((reader.line_num, cells))
        if len(numbered) > MAX_ROWS:
            raise ValueError(f"row {reader.line_num}: the file has more than {MAX_ROWS} data "
                             "rows, the most the lab trains on")
    return points_from_rows(numbered, header=header, max_classes=max_classes)


def points_from_rows(rows: Iterable, *, header: Sequence[str] | None = None,
                     max_classes: int = MAX_CLASSES) -> Points:
    """Points from rows [x1, ..., xD, label] (numbers or strings), e.g. a JSON export's.

    rows may be plain lists (numbered 1, 2, ... in messages) or (row number, cells) pairs.
    """
    numbered = [r if isinstance(r, tuple) else (i, r) for i, r in enumerate(rows, start=1)]
    if not numbered:
        raise ValueError("there are no data rows: expected rows of x1,x2,label "
                         "(or 64 features and a label)")
    width = len(numbered[0][1]) if isinstance(numbered[0][1], (list, tuple)) else -1
    if width - 1 not in FEATURE_COUNTS:
        raise ValueError(_width_message(numbered[0][0], width, "row"))
    if header is not None and len(header) != width:
        raise ValueError(f"row {numbered[0][0]} has {width} values: expected {len(header)} like "
                         "the header")
    names = list(header) if header is not None else (
        ["x1", "x2", "label"] if width == 3 else [f"pixel {j}" for j in range(64)] + ["label"])
    x = np.empty((len(numbered), width - 1))
    y = np.empty(len(numbered), np.int64)
    for k, (line, cells) in enumerate(numbered):
        if not isinstance(cells, (list, tuple)) or len(cells) != width:
            got = len(cells) if isinstance(cells, (list, tuple)) else "not a list of"
            raise ValueError(f"row {line} has {got} values: expected {width} like the first "
                             f"row ({names[0]}, ..., {names[-1]})")
        for j in range(width - 1):
            x[k, j] = _feature(cells[j], line, j, names[j])
        y[k] = _label(cells[-1], line, width - 1, names[-1], max_classes)
    points = Points(x, y)
    check_points(points)
    return points


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _where(line: int, column: int, name: str) -> str:
    return f"row {line}, column {column + 1} ({name})"


def _width_message(line: int, width: int, what: str) -> str:
    got = f"has {width} values" if width >= 0 else "is not a list of values"
    return (f"{what} {line} {got}: expected 3 (x1,x2,label) or 65 (64 features and a label)")


def _feature(cell, line: int, column: int, name: str) -> float:
    if isinstance(cell, bool) or not isinstance(cell, (int, float, str)):
        raise ValueError(f"{_where(line, column, name)}: {cell!r} is not a number")
    try:
        value = float(cell)
    except ValueError:
        raise ValueError(f"{_where(line, column, name)}: {cell!r} is not a number") from None
    if not math.isfinite(value):
        raise ValueError(f"{_where(line, column, name)}: {cell!r} is not a finite number")
    return value


def _label(cell, line: int, column: int, name: str, max_classes: int) -> int:
    where = _where(line, column, name)
    value = _feature(cell, line, column, name)
    if not value.is_integer() or value < 0:
        raise ValueError(f"{where}: {cell!r} is not a class label: expected a whole number "
                         f"0..{max_classes - 1}")
    if value >= max_classes:
        raise ValueError(f"{where}: class {int(value)} is more classes than allowed: labels "
                         f"must be 0..{max_classes - 1}")
    return int(value)


def check_points(points: Points) -> None:
    """Raise ValueError unless the points can be split and trained on."""
    n = len(points)
    if n < MIN_ROWS:
        raise ValueError(f"there are {n} data rows: at least {MIN_ROWS} are needed for a "
                         "training and a validation part")
    if n > MAX_ROWS:
        raise ValueError(f"there are {n} data rows: at most {MAX_ROWS} are allowed")
    classes, counts = np.unique(points.y, return_counts=True)
    if len(classes) < 2:
        raise ValueError(f"every row has label {int(classes[0])}: at least two classes are "
                         "needed to learn anything")
    few = counts < MIN_PER_CLASS
    if few.any():
        c = int(classes[np.argmax(few)])
        raise ValueError(f"class {c} has only {int(counts[np.argmax(few)])} row: each class "
                         f"needs at least {MIN_PER_CLASS} (one to train on, one to validate)")
    if not np.all(np.isfinite(points.x)):
        bad = int(np.argwhere(~np.isfinite(points.x))[0, 0])
        raise ValueError(f"row {bad + 1} holds a value that is not a finite number")


# ---- building -------------------------------------------------------------------------------
def make_user_data(points: Points, config: Config) -> Data:
    """A Data from the points, as make_data builds one from a Config: stratified split by
    config.val_fraction (seeded by config.seed), config.preprocessing fitted on the training part,
    arrays in config.dtype."""
    check_points(points)
    stream = np.random.SeedSequence(config.seed).spawn(5)[DATA_STREAM]
    rng = np.random.default_rng(stream)
    train, val = stratified_split(points.y, config.val_fraction, rng)
    prep = Preprocessor(config.preprocessing).fit(points.x[train])
    dtype = np.dtype(config.dtype)
    return Data(x_train=prep.transform(points.x[train]).astype(dtype), y_train=points.y[train],
                x_val=prep.transform(points.x[val]).astype(dtype), y_val=points.y[val],
                raw_train=points.x[train].copy(), raw_val=points.x[val].copy(),
                n_classes=points.n_classes, input_dim=points.dim, preprocessor=prep, name=NAME)


def points_from_data(data: Data) -> Points:
    """All examples of a Data (training, then validation) as raw Points: a start for clicking."""
    x = np.concatenate([data.raw_train, data.raw_val]).astype(np.float64)
    y = np.concatenate([data.y_train, data.y_val]).astype(np.int64)
    return Points(x, y)


def raw_from_input(preprocessor: Preprocessor, z: np.ndarray) -> np.ndarray:
    """Undo the preprocessing: network inputs z (M, D) -> raw coordinates (M, D).

    The pictures are drawn in input space; a click there becomes a raw point with this.
    """
    p = preprocessor
    if p.mean_ is None:
        raise RuntimeError("raw_from_input needs a fitted Preprocessor")
    z = np.atleast_2d(np.asarray(z, dtype=np.float64))
    if p.kind == "none":
        return z.copy()
    if p.kind == "center":
        return z + p.mean_
    if p.kind == "standardize":
        return z * p.scale_ + p.mean_
    if p.kind == "whiten":
        z = z * np.sqrt(p.explained_variance_ + p.eps_)
    return z @ p.components_ + p.mean_


BUILT_IN_FIELDS = frozenset({"dataset", "n_classes", "n_samples", "noise"})


def follow_config(run: Run, points: Points, config: Config) -> tuple[Run, str]:
    """Move a Run that trains on `points` to `config`; returns (run, outcome).

    Run.apply alone would drop the points on any data-field change.  Here a change of
    preprocessing, validation share, dtype or seed rebuilds the Data from the same points (a new
    Run); choosing a built-in data set (dataset, classes, samples, noise) leaves the points, as
    Run.apply does; everything else is Run.apply's.  outcome: "unchanged", "adjusted", "rebuilt".
    """
    changed = run.config.changed_fields(config)
    if changed & BUILT_IN_FIELDS or not changed & ((DATA_FIELDS - BUILT_IN_FIELDS) | {"seed"}):
        return run, run.apply(config)
    rebuilt = Run(config, data=make_user_data(points, config), probe_size=run.probe_size,
                  eval_every=run.eval_every)
    return rebuilt, "rebuilt"


# ---- what a click does ----------------------------------------------------------------------
def add_point(points: Points, xy: Sequence[float], label: int) -> Points:
    """A new Points with one example appended (raw coordinates xy (D,), class `label`)."""
    xy = np.asarray(xy, dtype=np.float64).ravel()
    if xy.shape != (points.dim,) or not np.all(np.isfinite(xy)):
        raise ValueError(f"point={xy.tolist()!r} is not allowed: expected {points.dim} finite "
                         "numbers")
    if isinstance(label, bool) or not isinstance(label, (int, np.integer)) or not (
            0 <= label < MAX_CLASSES):
        raise ValueError(f"label={label!r} is not allowed: expected a whole number "
                         f"0..{MAX_CLASSES - 1}")
    return Points(np.vstack([points.x, xy]), np.append(points.y, np.int64(label)))


def remove_point(points: Points, xy: Sequence[float], radius: float | None = None) -> Points:
    """A new Points without the example nearest to xy (D,); unchanged when there is none within
    `radius` (None: any distance) or no example at all."""
    if len(points) == 0:
        return points
    xy = np.asarray(xy, dtype=np.float64).ravel()
    if xy.shape != (points.dim,):
        raise ValueError(f"point={xy.tolist()!r} is not allowed: expected {points.dim} numbers")
    dist = np.linalg.norm(points.x - xy, axis=1)
    nearest = int(np.argmin(dist))
    if radius is not None and dist[nearest] > radius:
        return points
    keep = np.arange(len(points)) != nearest
    return Points(points.x[keep], points.y[keep])
