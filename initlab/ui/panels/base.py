"""What every panel shares: the Panel contract, fixed colours, a figure factory and change-only
mark updates.

Panels are pure views.  Each builds its figures and marks once; `update(views)` only assigns new
data, and `assign` skips arrays that did not change so that no message is sent for them (the
browser renders one mark update at a time, and its cost is per mark, not per point; see
DESIGN.md, "Performance budget").  `views` holds one RunView per run on screen, the pinned run
first: every further run is a further series in the same marks, in its view's colour.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar, Sequence, Tuple

import bqplot as bq
import ipywidgets as w
import numpy as np

from initlab.core.snapshot import History, Snapshot
from initlab.ui.controller import run_tags
from initlab.ui import lean
from initlab.ui.panels.place import Place, check as check_places

# The second cue for classes, beside colour: one shape per class (text glyphs of one Label mark).
CLASS_SHAPES = ["\u25cf", "\u25b2", "\u25a0", "\u25c6", "\u25bc", "\u2605", "\u271a", "\u2716",
                "\u25c0", "\u25b6"]     # ● ▲ ■ ◆ ▼ ★ ✚ ✖ ◀ ▶
# One colour per class (also the decision-boundary regions), fixed for the session: Okabe-Ito's
# eight, then Paul Tol's wine and indigo.  Under simulated protanopia and deuteranopia every two
# differ by CIELAB dE >= 17 (tests/ui/test_palette.py); the old tab10 colours' first three
# differed by 4.6 under protanopia.  Each class also has its own marker shape (CLASS_SHAPES).
CLASS_COLORS = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9",
                "#CC79A7", "#F0E442", "#000000", "#882255", "#332288"]
# dark blue (first layer) through purple to orange (last): every shade readable on white
LAYER_COLORS = ["#0d0887", "#41049d", "#6a00a8", "#8f0da4", "#b12a90", "#cc4778",
                "#e16462", "#f2844b", "#f89540"]
DEAD_COLOR = "#d62728"
SATURATED_COLOR = "#f59e0b"
OUTSIDE_COLOR = "#b91c1c"      # the share of values outside the histogram's bins
TITLE_STYLE = {"font-size": "12px"}
# Compare mode: run A (pinned) and run B (follows the controls), the same two colours everywhere;
# the light tint is a run's second curve where one picture shows two (validation accuracy, std).
RUN_COLORS = {"A": "#1f5fbf", "B": "#e8590c"}
RUN_TINTS = {"A": "#8fb3e8", "B": "#f5ad7f"}

# The runs' tags ("" alone; "A", "B", ... comparing, the pinned first) are the controller's
# (initlab.ui.controller.run_tags); a tag's colours are here.  More than two runs need more
# colours here and nothing else in the panels (tests/ui/test_run_views.py draws three).


@dataclass(frozen=True)
class RunView:
    """One run as the pictures draw it: what every panel's update(views) receives, one per run.

    tag:      "" when the run is alone on screen, else its name in compare mode ("A", "B", ...)
    snapshot, history: what the run measured now and over its steps (initlab.core.snapshot)
    color, tint: the run's colour and the lighter one of its second curve, where a picture
              shows two per run (validation accuracy, a std band)
    """

    tag: str
    snapshot: Snapshot
    history: History
    color: str
    tint: str

    @property
    def comparing(self) -> bool:
        """True when this run shares the screen with others (it has a tag)."""
        return bool(self.tag)


def run_views(pairs: Sequence[Tuple[Snapshot, History]]) -> list[RunView]:
    """RunViews for the runs on screen, in order: one untagged (in the first run's colours), or
    several tagged A, B, ... as the controller tags them."""
    tags = run_tags(len(pairs))
    if any(tag and tag not in RUN_COLORS for tag in tags):
        raise ValueError(f"runs: at most {len(RUN_COLORS)} can be drawn at once (a colour each: "
                         f"{', '.join(RUN_COLORS)}), got {len(pairs)}")
    first = run_tags(2)[0]
    return [RunView(tag, snapshot, history, RUN_COLORS[tag or first], RUN_TINTS[tag or first])
            for tag, (snapshot, history) in zip(tags, pairs)]


class Panel(ABC):
    """The contract every picture of the lab keeps (tests/ui/test_panel_contract.py checks it).

    name:    the key in `Lab(panels=[...])`
    title:   the heading above the picture;  hint: one or two sentences on how to read it
    place:   where it goes in the full lab (place.py): its cell in the wide grid, its position
             in the one-column layouts; the lab's grid is derived from every panel's (layout.py)
    widget:  the box to display, built once in __init__
    tools:   widgets floating over the picture (e.g. the "units" switch, "log loss"): the cell
             gives each the class il-overlay (top right; with il-left: top left).  Default: none
    update(views): draw the runs on screen, one RunView each (views[0] the pinned or only run,
             at most one per colour in RUN_COLORS): assign the new data to the marks, nothing computed here
             that the core can compute.  Every run is a series in the same marks, coloured
             view.color (view.tint: its second curve) and labelled view.tag; a picture that
             shows one run at a time gets a switch whose options are the views' tags, shown
             while there is more than one.
    figures(): the bqplot figures currently shown (tests and the browser benchmark read them).
    heavy:   True for the pictures that cost the browser most (rasters over the plane); while
             playing they are redrawn on every second tick, everything else on every tick
    run_choice: the run switch (a button per run's tag) of a picture that draws one run of
             several while comparing (the planes); None for pictures that draw every run
    show_run(tag): draw run `tag` where the picture draws one of several; default: nothing
    add_tool(tool): float another part's tool over the picture (own data's class menu over the
             boundary); by default a picture has no room for one
    """

    name: ClassVar[str]
    title: ClassVar[str]
    hint: ClassVar[str]
    place: ClassVar[Place]
    heavy: ClassVar[bool] = False
    widget: w.Widget
    tools: Sequence[w.Widget] = ()
    run_choice: w.ToggleButtons | None = None

    @property
    def rows(self) -> int:
        """Grid rows the panel spans when the lab shows only some panels."""
        return self.place.rows_some

    @abstractmethod
    def update(self, views: Sequence[RunView]) -> None:
        """Draw the runs of `views` (see the class)."""

    @abstractmethod
    def figures(self) -> list[bq.Figure]:
        """The figures on screen now."""

    def show_run(self, tag: str) -> None:
        """Draw run `tag` where the picture draws one run of several (an experiment opens on A,
        its problem).  Default: nothing, every run is drawn."""

    def add_tool(self, tool: w.Widget) -> None:
        """Float `tool` over the picture too (it gets the class il-overlay)."""
        raise NotImplementedError(f"panel {self.name!r} has no room for another tool")


PANELS: dict[str, type[Panel]] = {}


def register(cls: type[Panel]) -> type[Panel]:
    """Class decorator: list a panel under its name.  PANELS stays in screen order (the wide
    grid's rows, left to right), whatever the import order; a place that is outside the grid
    or taken is a ValueError naming both panels."""
    others = [(n, c.place) for n, c in PANELS.items() if n != cls.name]
    check_places([*others, (cls.name, getattr(cls, "place", None))])
    PANELS[cls.name] = cls
    ordered = sorted(PANELS.values(), key=lambda c: (c.place.row, c.place.column))
    PANELS.clear()
    PANELS.update((c.name, c) for c in ordered)
    return cls


def tagged(text: str, view: RunView, sep: str = " ") -> str:
    """`text` followed by the view's tag while comparing ("train A"), else `text` alone."""
    return f"{text}{sep}{view.tag}" if view.tag else text


def layer_color(i: int, n: int) -> str:
    """Colour of layer i of n: blue (first) to red (last), the same for the same depth."""
    if n <= 1:
        return LAYER_COLORS[0]
    return LAYER_COLORS[round(i * (len(LAYER_COLORS) - 1) / (n - 1))]


def f32(a: Any) -> np.ndarray:
    """Contiguous float32 copy or view: the compact payload bqplot sends as a binary buffer.
    Values beyond float32's range become inf (drawn as a gap), without a warning."""
    with np.errstate(over="ignore"):
        return np.ascontiguousarray(a, dtype=np.float32)


FIGURE_LAYOUT = dict(width="auto", height="auto", min_height="0", min_width="0", flex="1 1 0px")
FILL = dict(flex="1 1 0px", min_height="0", min_width="0")    # a panel box filling its cell
_UNIT_SCALES: dict[str, bq.LinearScale] = {}


def unit_scale(which: str) -> bq.LinearScale:
    """The shared [0, 1] scale (one model for every figure's default scales and every mark
    placed in figure fractions, e.g. a horizontal rule across the plot)."""
    scale = _UNIT_SCALES.get(which)
    if scale is None or scale.comm is None:
        scale = _UNIT_SCALES[which] = bq.LinearScale(min=0.0, max=1.0, allow_padding=False)
    return scale


def figure(marks: list, axes: list, title: str = "",
           margin: dict | None = None) -> bq.Figure:
    """A figure with no animation (live updates must not tween) that fills its grid cell.

    Its size comes from the lab's stylesheet (class `il-fig`: it shares its panel's height), so
    the pictures grow with the screen; bqplot re-lays a figure out when its box changes.
    """
    fig = bq.Figure(
        marks=marks, axes=axes, title=title, title_style=TITLE_STYLE,
        animation_duration=0, min_aspect_ratio=0.01, max_aspect_ratio=100,
        fig_margin=margin or dict(top=24, bottom=34, left=46, right=12),
        padding_y=0.0, layout=lean.layout(**FIGURE_LAYOUT),
        # every figure's own (unused) scales are the same two shared models
        scale_x=unit_scale("x"), scale_y=unit_scale("y"))
    fig.add_class("il-fig")
    return fig


def axis(scale: bq.Scale, label: str, vertical: bool = False, **kw: Any) -> bq.Axis:
    return bq.Axis(scale=scale, label=label, side=kw.pop("side", "left" if vertical else "bottom"),
                   label_offset="32px" if vertical else "26px", **kw)


def same(old: Any, new: Any) -> bool:
    """True when a trait already holds `new` (arrays compared by value, NaN equal to NaN)."""
    if isinstance(new, np.ndarray) or isinstance(old, np.ndarray):
        if not (isinstance(old, np.ndarray) and isinstance(new, np.ndarray)):
            return False
        if old.shape != new.shape:
            new = np.squeeze(new)                 # bqplot squeezes (1, n) to (n,) on the way in
        if old.shape != new.shape or old.dtype != new.dtype:
            return False
        return bool(np.array_equal(old, new, equal_nan=new.dtype.kind == "f"))
    return old == new


def drawable(values: np.ndarray, log: bool) -> np.ndarray:
    """Where values can be placed on their scale: finite, and positive on a log scale."""
    with np.errstate(invalid="ignore"):
        return np.isfinite(values) & (values > 0) if log else np.isfinite(values)


def end_on_points(lines: bq.Lines, x: Any, y: Any) -> tuple[np.ndarray, np.ndarray, bool]:
    """x, y for a Lines mark such that every row ends on a point its scales can place.

    bqplot puts each row's (hidden) label at the row's last point, and moves it with a
    transition: a last point at nan (a run shorter than the other, a zero on a log axis, a
    diverged loss) is a "translate(x, NaN)" error in the browser console, and a row with no
    point at all a "d: null" one.  Trailing unplaceable points become copies of the row's last
    placeable point (nothing more is drawn); a row with none takes the mark's first placeable
    point (a zero-length path draws nothing).  Returns (x, y, any point placeable at all); with
    none, every unplaceable value is 1 (the mark is hidden).
    """
    log_x = isinstance(lines.scales.get("x"), bq.LogScale)
    log_y = isinstance(lines.scales.get("y"), bq.LogScale)
    x, y = np.asarray(x), np.asarray(y)
    if y.ndim == 1 and x.ndim == 1 and x.shape == y.shape and y.size:      # one row
        x2, y2, placeable = end_on_points(lines, x[None], y[None])
        return x2[0], y2[0], placeable
    if y.ndim != 2 or y.shape[1] == 0 or x.ndim not in (1, 2):
        return x, y, bool(y.size)
    x2 = np.broadcast_to(x, y.shape) if x.ndim == 1 else x
    if x2.shape != y.shape:
        return x, y, True
    ok = drawable(x2, log_x) & drawable(y, log_y)
    if ok.all():
        return x, y, True
    if not ok.any():          # hidden (assign): points at 1 keep the dots from nan too
        return np.where(drawable(x, log_x), x, 1).astype(np.float32), np.ones_like(y), False
    x2, y2 = np.array(x2, dtype=np.float32), np.array(y, dtype=np.float32)
    first = np.argwhere(ok)[0]
    for r in range(y.shape[0]):
        good = np.flatnonzero(ok[r])
        if good.size == 0:
            x2[r], y2[r] = x2[tuple(first)], y2[tuple(first)]
        elif good[-1] < y.shape[1] - 1:
            x2[r, good[-1] + 1:], y2[r, good[-1] + 1:] = x2[r, good[-1]], y2[r, good[-1]]
    if x.ndim == 1 and all(np.array_equal(x2[0], row, equal_nan=True) for row in x2):
        return x, y2, True
    return x2, y2, True


def assign(widget: Any, **traits: Any) -> bool:
    """Set only the traits whose value changed, in one message.  True if anything was sent.

    A Lines mark's rows are made to end on placeable points (end_on_points); a mark with no
    placeable point at all is hidden until it has one."""
    if isinstance(widget, bq.Lines) and ("x" in traits or "y" in traits):
        x, y, placeable = end_on_points(widget, traits.get("x", widget.x),
                                        traits.get("y", widget.y))
        traits["x"], traits["y"] = x, y
        hidden = getattr(widget, "_unplaceable", False)
        if not placeable:
            traits["visible"] = False
        elif hidden and "visible" not in traits:
            traits["visible"] = True
        widget._unplaceable = not placeable
    changed = {k: v for k, v in traits.items() if not same(getattr(widget, k), v)}
    if not changed:
        return False
    with widget.hold_sync():
        for name, value in changed.items():
            setattr(widget, name, value)
    return True


def lone_point_dots(series: list[tuple[np.ndarray, np.ndarray]]) -> dict[str, Any]:
    """Lines traits that keep series of one point visible: a line through a single point draws
    nothing (the accuracy at step 10, the loss after one Step), so while no (x, y) series has
    two points each point gets a dot; from the second point on, plain lines."""
    points = max((len(x) for x, _ in series), default=0)
    return {"marker": "circle" if points == 1 else None, "marker_size": 24}


def nice_ceil(x: float, mantissas: tuple = (1, 1.5, 2, 3, 4, 5, 6, 8, 10)) -> float:
    """Smallest round number (mantissa x 10^k) at or above x > 0: axis ends that move rarely."""
    if not np.isfinite(x) or x <= 0:
        return 1.0
    k = 10.0 ** np.floor(np.log10(x))
    return float(next(m * k for m in mantissas if m * k >= x * (1 - 1e-9)))


def nice_range(scale: bq.Scale, lo: float, hi: float, ax: bq.Axis | None = None) -> None:
    """Set a linear scale to round ends around [lo, hi] (and `ax` to round ticks).

    An auto-scaled axis re-lays out on every update, one of the browser's main costs while
    playing; round ends change only now and then, and nothing is sent when they don't.
    """
    top = nice_ceil(hi) if hi > 0 else 0.0
    bottom = -nice_ceil(-lo) if lo < 0 else 0.0
    if top == bottom:
        top = bottom + 1.0
    assign(scale, min=bottom, max=top, allow_padding=False)
    if ax is not None:
        step = nice_ceil((top - bottom) / 5, (1, 2, 5, 10))
        first = np.ceil(bottom / step - 1e-9) * step        # ticks on multiples of step
        assign(ax, tick_values=np.arange(first, top + step / 2, step))


def log_axis(scale: bq.LogScale, ax: bq.Axis, *arrays: np.ndarray) -> None:
    """Fit a log scale to whole decades around the positive finite values of `arrays`.

    Decades move rarely, so the scale and axis are resent only when the data crosses one.
    """
    values = np.concatenate([np.ravel(a) for a in arrays])
    values = values[np.isfinite(values) & (values > 0)]
    if values.size == 0:
        lo, hi = -1.0, 1.0
    else:
        lo = float(np.floor(np.log10(values.min())))
        hi = max(float(np.ceil(np.log10(values.max()))), lo + 1)
    step = max(1, int(np.ceil((hi - lo) / 5)))            # at most ~6 labels
    assign(scale, min=10.0 ** lo, max=10.0 ** hi)
    assign(ax, tick_values=10.0 ** np.arange(lo, hi + 1, step))


def show_reason(box: w.Box, figure_: w.Widget, reason_html: w.HTML, reason: str) -> None:
    """Put the figure in `box`, or in its place the reason it cannot be drawn ('' = none).

    The figure leaves the page rather than being hidden: bqplot complains about a figure laid
    out in a zero-size box.
    """
    if reason:
        assign(reason_html, value=f"<div style='padding:1em;color:#555;max-width:30em'>"
                                  f"{reason}</div>")
    if not reason and figure_ in box.children:
        return                                    # already drawn (maybe with its tools)
    wanted = (reason_html,) if reason else (figure_,)
    if box.children != wanted:
        box.children = wanted


def series_rows(series: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """Several (x, y) series as the rows of one Lines mark: (rows, n) x and y, padded with nan.

    y may be (n,) or (k, n) (k curves over the same x).  One series of one curve stays 1-D.
    """
    xs, ys = [], []
    for x, y in series:
        y = np.atleast_2d(y) if len(x) else np.zeros((max(1, np.ndim(y)), 0), np.float32)
        for row in y:
            xs.append(x)
            ys.append(row)
    if len(ys) == 1:
        return f32(xs[0]), f32(ys[0])
    # bqplot squeezes a (rows, 1) array to (rows,), which it then draws as one curve of `rows`
    # points: a single point per row is sent twice (a zero-length line, its dot drawn twice)
    n = max(2 if len(r) == 1 else len(r) for r in ys)
    xs = [np.repeat(x, 2) if len(x) == 1 else x for x in xs]
    ys = [np.repeat(y, 2) if len(y) == 1 else y for y in ys]
    out_x = np.full((len(ys), n), np.nan, np.float32)
    out_y = np.full((len(ys), n), np.nan, np.float32)
    for k, (x, y) in enumerate(zip(xs, ys)):
        out_x[k, :len(x)], out_y[k, :len(y)] = x, y
    if all(len(r) == n for r in ys) and all(np.array_equal(xs[0], x) for x in xs):
        return f32(xs[0]), out_y                  # one shared x: half the payload
    return out_x, out_y
