"""The unit raster: every hidden layer's units as one raster (layers x units, first layer at the
top), each unit coloured by the share of the probe batch it is active on, units sorted within
their layer so the counts read as lengths: dead units red at the left (off on every example and
without gradient: ReLU only, they never learn again), saturated units orange at the right
(tanh/sigmoid: pinned at a bound on most examples).  Drawn by the "dead_relu" panel (plane.py)
when its "units" button is pressed; an ImageGL texture or a HeatMap (raster.py).
"""
from __future__ import annotations

from typing import Sequence

import bqplot as bq
import numpy as np

from initlab.core.snapshot import LayerStats
from initlab.ui.panels.base import DEAD_COLOR, SATURATED_COLOR, RunView, assign, axis, f32, figure
from initlab.ui.panels.raster import Raster

SHADES = 32               # distinct shades of "share active" in the unit raster
SATURATED_SHARE = 0.5      # a unit pinned at a bound on at least this share of examples
# Unit colours: value -1 dead, 0..1 share of examples active (pale: rarely), 2 saturated; the
# scale's four stops sit evenly on [-1, 2].
UNIT_STOPS = [DEAD_COLOR, "#eef1f6", "#2b5ca8", SATURATED_COLOR]


def unit_values(stats: LayerStats, can_die: bool) -> np.ndarray:
    """(units,) float32 colour values of one layer, sorted: dead first, saturated last.

    Shares are rounded to 1/32 (invisible in the colour) so that training's small changes do not
    re-send the raster at every Play tick; a unit active on any example stays above 0.
    """
    active = np.nan_to_num(np.asarray(stats.unit_active, np.float32), nan=0.0)
    values = np.round(active * SHADES) / SHADES
    values[(active > 0) & (values == 0)] = 1.0 / SHADES
    if can_die:
        values[active <= 0] = -1.0
    saturated = np.nan_to_num(np.asarray(stats.unit_saturated, np.float32), nan=0.0)
    values[saturated >= SATURATED_SHARE] = 2.0
    return np.sort(values)



class UnitRaster:
    """Every hidden layer's units as one raster (rows: layers, first at the top; comparing, the
    rows of the runs alternate: A, B, ...)."""

    def __init__(self) -> None:
        # x is the share of the layer's units: the same frame at every width (nothing to re-send
        # when the width changes), and a dead share reads off as a length
        self.x = bq.LinearScale(min=0.0, max=1.0, allow_padding=False)
        self.y = bq.LinearScale(min=0.0, max=1.0, reverse=True)
        self.color_scale = bq.ColorScale(colors=UNIT_STOPS, min=-1.0, max=2.0)
        self.texture = Raster(self.x, self.y, self.color_scale)      # ImageGL or HeatMap
        self.y_axis = axis(self.y, "layer", vertical=True, tick_format="d")
        self.x_axis = axis(self.x, "share of units, sorted (dead first)", tick_format=".0%",
                           tick_values=f32([0.0, 0.5, 1.0]))
        self.figure = figure([self.cells], [self.x_axis, self.y_axis],    # room for "100%"
                             margin=dict(top=22, bottom=30, left=46, right=20))
        self.texture.figure = self.figure

    @property
    def cells(self) -> bq.Mark:
        return self.texture.mark

    def update(self, views: Sequence[RunView]) -> None:
        drawn = [(v.tag, v.snapshot) for v in views]
        depth = max(len(s.layers) for _, s in drawn)
        units = max((len(st.unit_active) for _, s in drawn for st in s.layers), default=1)
        n_runs = len(drawn)
        color = np.full((depth * n_runs, max(units, 1)), np.nan, np.float32)
        counts = {}
        for r, (run, snap) in enumerate(drawn):
            dead = saturated = total = 0
            for st in snap.layers:
                values = unit_values(st, snap.units_can_die)
                color[st.index * n_runs + r, :len(values)] = values
                dead += int(np.count_nonzero(values == -1.0))
                saturated += int(np.count_nonzero(values == 2.0))
                total += len(values)
            counts[run] = (dead, saturated, total)
        rows = f32(1 + np.arange(depth * n_runs) / n_runs)     # layer i of run r at i + r/runs
        assign(self.y, min=0.5, max=depth + 1 - 0.5 / n_runs)
        ticks = np.arange(1, depth + 1) if depth <= 10 else np.arange(1, depth + 1, 2)
        # comparing, a layer is a row per run (A, then B lower): its number sits mid-way, and
        # the axis says which row is which
        tags = [tag for tag, _ in drawn if tag]
        assign(self.y_axis, tick_values=f32(ticks + (n_runs - 1) / (2 * n_runs)),
               label="layer: " + " over ".join(tags) if tags else "layer")
        cols = f32((np.arange(units) + 0.5) / units)          # cell centres on [0, 1]
        self.texture.draw(cols, rows, color, cell=(1.0 / units, 1.0 / n_runs))
        if n_runs == 1:
            (d, s, t), = counts.values()
            title = f"units: {d} dead, {s} saturated of {t}"
        else:               # runs in a title this narrow: only what is there, then the totals
            totals = {t for _, _, t in counts.values()}
            title = "; ".join(f"{run}: {d} dead" + (f", {s} saturated" if s else "")
                              for run, (d, s, _) in counts.items())
            title += (f" (of {totals.pop()})" if len(totals) == 1 else " (of " + " / ".join(
                str(t) for _, _, t in counts.values()) + ")")
        assign(self.figure, title=title)

