"""Activation histograms of every hidden layer as one picture: a ridgeline.

One step curve per layer, first layer at the top, each on its own baseline (as TensorBoard draws
histograms over time).  The whole picture is ONE Lines mark holding a (rows, points) array, so
depth 20 costs the browser what depth 3 costs.  Left of each row its layer, right its mean (mu) and
std (sigma); the share of values outside the fixed bins is a red arrow with its percentage at the
row's end ("18% > 3 ▸").  The statistics and the shares of every row are ONE Label mark (one
message per redraw): its texts all start at their point, so a share at a row's right end starts
where it ends in the narrowest plot the lab lays out (PLOT_PX), from an estimate of its width.  The lecture's picture: with N(0, 0.01) weights a deep tanh net's rows
collapse into a spike at 0, with N(0, 1) they pile at -1 and +1, Xavier/He keep the spread.

The bin edges come fixed from the Snapshot, so the x range never moves while training.  Each row
is scaled to its own tallest bin, snapped to a few steps, so the shape of every layer reads and
the picture moves only when a peak crosses a step.
"""
from __future__ import annotations

from typing import Sequence

import bqplot as bq
import numpy as np

from initlab.ui.panels.base import (OUTSIDE_COLOR, Panel, RunView, assign, axis, f32, figure,
                                    layer_color, register)
from initlab.ui.panels.place import Place

ROW_FILL = 0.88            # a row's tallest bin reaches this share of the row height
# row maxima to snap to: a row is rescaled only when its tallest bin crosses one of these
Y_STEPS = (0.02, 0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1.0)
SHOW_OUTSIDE = 0.001       # shares outside the bins below this are not marked
FILL_OPACITY = 0.25        # each row's area, under its outline
STATS_COLOR = "#333333"
PLOT_PX = 170.0            # the ridgeline's narrowest plot in the lab's layouts (1280x900)
GAP_PX = 4                 # between a text and the point it starts at (its x_offset)
# character widths in em of Arial-metric sans-serif fonts (Chromium's here: "30% > 3 ▸" is 44.8
# px at 10 px), for placing a text that must end before a point; TEXT_ROOM more for wider fonts
CHAR_EM = {" ": 0.278, ".": 0.278, "%": 0.889, ">": 0.584, "<": 0.584, "\u2212": 0.584,
           "\u25b8": 0.5, "\u25c2": 0.5}
OTHER_EM = 0.556           # digits (and most letters)
TEXT_ROOM = 1.1


def short(value: float) -> str:
    """Two significant digits, so a collapsed layer reads 'std 3e-07', not 'std 0.00'."""
    if value == 0 or not np.isfinite(value):
        return "0.00" if value == 0 else str(value)
    if 0.01 <= abs(value) < 1000:
        return f"{value:.2f}" if abs(value) < 10 else f"{value:.0f}"
    return f"{value:.0e}"


def percent(share: float) -> str:
    """'18%', or '<1%' for a small but present share."""
    return "<1%" if share < 0.005 else f"{share:.0%}"


def edge_text(value: float) -> str:
    return f"{value:g}".replace("-", "\u2212")


def text_px(text: str, size: float) -> float:
    """About how wide `text` is drawn at font size `size` px (at least as wide, mostly)."""
    return TEXT_ROOM * size * sum(CHAR_EM.get(c, OTHER_EM) for c in text)


def step_curves(edges: np.ndarray, hists: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Step curves of histograms over `edges`: x (2 * bins + 2,), y (rows, 2 * bins + 2).

    Each curve starts and ends on 0 and runs flat across every bin at its height, so the line
    is the histogram's outline.
    """
    x = np.repeat(edges, 2)
    rows = hists.shape[0]
    y = np.zeros((rows, x.size), np.float32)
    y[:, 1:-1] = np.repeat(hists, 2, axis=1)
    return f32(x), y


class _Rows:
    """The rows of one redraw: layer i of run r is row i * runs + r, first layer at the top."""

    def __init__(self, views: Sequence[RunView]) -> None:
        self.runs = len(views)
        self.depth = max(len(v.snapshot.layers) for v in views)
        self.count = self.depth * self.runs
        self.items = []                          # (row, RunView, LayerStats)
        for r, view in enumerate(views):
            for stats in view.snapshot.layers:
                self.items.append((stats.index * self.runs + r, view, stats))
        self.items.sort(key=lambda item: item[0])

    def baseline(self, row: int) -> float:
        return float(self.count - 1 - row)


@register
class ActivationHistograms(Panel):
    name = "histograms"
    title = "Activations per layer"
    hint = ("Each row is one hidden layer's activations on a fixed batch, first layer at the top "
            "(right: mean \u03bc and std \u03c3). A spike at 0 with a tiny \u03c3: the signal has "
            "vanished (ReLU's off units always pile at 0). For tanh "
            "and sigmoid, piles at the ends of the range mean saturated units; ReLU never "
            "saturates: red arrows give the share beyond the drawn range.")
    place = Place(row=1, column=1, rows=2, beside=1, below=1)

    def __init__(self) -> None:
        self.x = bq.LinearScale(min=-1.0, max=1.0, allow_padding=False)
        self.y = bq.LinearScale(min=0.0, max=1.0, allow_padding=False)
        self.curves = bq.Lines(x=np.zeros(2, np.float32), y=np.zeros((1, 2), np.float32),
                               scales={"x": self.x, "y": self.y}, stroke_width=1.3,
                               fill="inside", colors=[layer_color(0, 1)])
        label = dict(scales={"x": self.x, "y": self.y}, default_size=10, font_weight="normal",
                     apply_clip=False, x=np.zeros(0, np.float32), y=np.zeros(0, np.float32),
                     text=np.zeros(0, str))
        self.names = bq.Label(align="end", x_offset=-GAP_PX, **label)
        # each row's mean and std (right of the plot), then the shares outside the bins (red,
        # at the rows' ends): one mark, one message per redraw
        self.stats = bq.Label(align="start", x_offset=GAP_PX, colors=[STATS_COLOR], **label)
        self.x_axis = axis(self.x, "activation", tick_format="~g")
        self.figure = figure([self.curves, self.names, self.stats], [self.x_axis],
                             title="activations: first layer at the top",
                             margin=dict(top=22, bottom=32, left=50, right=86))
        self.widget = self.figure
        self.drawn_rows = 0                      # rows of the last redraw (tests, benchmark)

    def figures(self) -> list[bq.Figure]:
        return [self.figure]

    def update(self, views: Sequence[RunView]) -> None:
        rows = _Rows(views)
        edges = views[0].snapshot.act_edges
        # Compare mode with two activations (ReLU vs leaky ReLU): each row keeps its own run's
        # bin edges, on one x scale spanning both ranges.
        run_edges = [v.snapshot.act_edges for v in views]
        lo = min(float(e[0]) for e in run_edges)
        hi = max(float(e[-1]) for e in run_edges)
        own = all(np.array_equal(e, edges) for e in run_edges)
        hists = np.zeros((rows.count, len(edges) - 1), np.float32)
        for row, _, stats in rows.items:
            peak = float(np.max(stats.act_hist, initial=0.0))
            if np.isfinite(peak) and peak > 0:
                top = next((s for s in Y_STEPS if peak <= s), 1.0)
                hists[row] = stats.act_hist * (ROW_FILL / top)
        hists = np.nan_to_num(hists, nan=0.0, posinf=0.0, neginf=0.0)   # a diverged net: flat
        x, y = step_curves(edges, hists)
        if not own:                               # row r belongs to run r % runs
            x = f32(np.stack([step_curves(run_edges[r % rows.runs], hists[:1])[0]
                              for r in range(rows.count)]))
        y += np.array([rows.baseline(r) for r in range(rows.count)], np.float32)[:, None]

        base = np.array([rows.baseline(r) for r, _, _ in rows.items], np.float32)
        # a run alone: "layer 1" in the layer's colour; comparing: "1 A" in the run's colour
        names = [f"{s.index + 1} {v.tag}" if v.comparing else f"layer {s.index + 1}"
                 for _, v, s in rows.items]
        colors = [v.color if v.comparing else layer_color(s.index, rows.depth)
                  for _, v, s in rows.items]
        stats_text = [f"\u03bc {short(s.act_mean)} \u03c3 {short(s.act_std)}"
                      for _, _, s in rows.items]
        size = 10.0 if rows.count <= 12 else 8.0
        # the shares outside the bins: below starting at the row's left end, above ending
        # before its right end (in a plot PLOT_PX wide; further in in a wider one)
        px = (hi - lo) / PLOT_PX                  # data units per pixel, at the narrowest
        out_x, out_y, out_text = [], [], []
        for r, view, s in rows.items:
            run_lo, run_hi = (float(e) for e in view.snapshot.act_edges[[0, -1]])
            above, below = float(s.act_above), float(s.act_outside - s.act_above)
            if below >= SHOW_OUTSIDE:
                out_x.append(run_lo)
                out_y.append(rows.baseline(r) + 0.35)
                out_text.append(f"\u25c2 {percent(below)} < {edge_text(run_lo)}")
            if above >= SHOW_OUTSIDE:
                out_text.append(f"{percent(above)} > {edge_text(run_hi)} \u25b8")
                out_x.append(run_hi - (text_px(out_text[-1], size) + 2 * GAP_PX) * px)
                out_y.append(rows.baseline(r) + 0.35)

        assign(self.x, min=lo, max=hi)
        assign(self.x_axis, tick_values=f32(sorted({lo, hi, 0.5 * (lo + hi)}
                                                   | ({0.0} if lo < 0 < hi else set()))))
        assign(self.y, min=-0.05, max=float(rows.count))
        # labels before the curves: messages arrive in order, so a page that sees the new
        # curves also has their labels
        assign(self.names, x=np.full(len(base), lo, np.float32), y=base + 0.3,
               text=np.array(names), colors=colors, default_size=size)
        assign(self.stats, x=f32([hi] * len(base) + out_x), y=f32([*(base + 0.3), *out_y]),
               text=np.array(stats_text + out_text, dtype=str), default_size=size,
               colors=[STATS_COLOR] * len(base) + [OUTSIDE_COLOR] * len(out_text))
        assign(self.curves, x=x, y=y, colors=colors, fill_colors=colors,
               fill_opacities=[FILL_OPACITY] * rows.count)
        self.drawn_rows = rows.count
