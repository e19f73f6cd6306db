"""What every panel shares: fixed colours, a small-figure factory and change-only mark updates.

Panels are pure views.  Each builds its figures and marks once; `update(snapshot, history)` only
assigns new data, and `assign` skips arrays that did not change so that no message is sent for
them (the browser renders one mark update at a time; see DESIGN.md, "Performance budget").
"""
from __future__ import annotations

from typing import Any

import bqplot as bq
import ipywidgets as w
import numpy as np

# One colour per class (also the decision-boundary regions) and per layer, fixed for the session.
CLASS_COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]
# dark blue (first layer) through purple to orange (last): every shade readable on white
LAYER_COLORS = ["#0d0887", "#41049d", "#6a00a8", "#8f0da4", "#b12a90", "#cc4778",
                "#e16462", "#f2844b", "#f89540"]
DEAD_COLOR = "#d62728"
TITLE_STYLE = {"font-size": "12px"}


def layer_color(i: int, n: int) -> str:
    """Colour of layer i of n: blue (first) to red (last), the same for the same depth."""
    if n <= 1:
        return LAYER_COLORS[0]
    return LAYER_COLORS[round(i * (len(LAYER_COLORS) - 1) / (n - 1))]


def f32(a: Any) -> np.ndarray:
    """Contiguous float32 copy or view: the compact payload bqplot sends as a binary buffer."""
    return np.ascontiguousarray(a, dtype=np.float32)


def figure(marks: list, axes: list, title: str = "", width: int = 320, height: int = 220,
           margin: dict | None = None) -> bq.Figure:
    """A fixed-size figure with no animation (live updates must not tween)."""
    return bq.Figure(
        marks=marks, axes=axes, title=title, title_style=TITLE_STYLE,
        animation_duration=0, min_aspect_ratio=0.01, max_aspect_ratio=100,
        fig_margin=margin or dict(top=30, bottom=40, left=50, right=18),
        padding_y=0.0, layout=w.Layout(width=f"{width}px", height=f"{height}px"))


def axis(scale: bq.Scale, label: str, vertical: bool = False, **kw: Any) -> bq.Axis:
    return bq.Axis(scale=scale, label=label, side="left" if vertical else "bottom",
                   label_offset="35px" if vertical else "28px", **kw)


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


def assign(widget: Any, **traits: Any) -> bool:
    """Set only the traits whose value changed, in one message.  True if anything was sent."""
    changed = {k: v for k, v in traits.items() if not same(getattr(widget, k), v)}
    if not changed:
        return False
    with widget.hold_sync():
        for name, value in changed.items():
            setattr(widget, name, value)
    return True


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
    wanted = (reason_html,) if reason else (figure_,)
    if box.children != wanted:
        box.children = wanted
