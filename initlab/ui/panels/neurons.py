"""The neuron picture: what every hidden unit computes over the input plane, all layers at once.

Each unit is a small tile: its output (LayerStats.unit_maps) over the decision boundary's grid,
the plane's top at the tile's top.  Rows of tiles are layers, the first layer at the top (as in
the activation ridgeline); comparing runs, a layer's A row sits over its B row.  The whole
picture is ONE texture in ONE raster mark (an ImageGL texture where the page has WebGL, a
HeatMap where not: raster.py): depth 20 costs the browser what depth 1 costs.

Colour: one diverging scale for every map of the picture (both runs), blue below 0, white at
0, orange above, full colour at +-s and beyond, where s is the 98th percentile of |output| over
the tiles shown, rounded up to a round number (it moves rarely, and it is in the title): a few
extreme corners of the plane do not wash every tile out.  One scale, not one per map, so that a layer
whose signal has collapsed to 1e-5 fades to white, as the histograms show it, and a saturated
tanh layer is all full colour.  Blue/orange, never red/green: readable with every common colour
vision deficiency.  A dead unit (ReLU off on every probe example: no gradient from them, it
rarely comes back) is a dark grey tile whatever its map; a saturated unit (tanh/sigmoid pinned
at a bound on at least half the examples) gets a black frame.  Light grey: the gaps between tiles.

Wide layers show their first units only (the same ones at every redraw, so a student can watch
one unit's feature form), as many as stay readable in the panel: the title says "32 of 500".
`neuron_picture` builds the texture and the text from snapshots, with no widget (tests/ui).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import bqplot as bq
import numpy as np

from initlab.ui.panels.base import RunView, assign, f32, figure, nice_ceil, unit_scale
from initlab.ui.panels.raster import Raster

TILE = 16                  # texels per tile side (maps of G >= 16 cells are sampled down to it)
GAP = 2                    # texels between tiles: two, so that a plot drawn a little smaller than
                           # the texture (nearest sampling) still shows a gap between unframed tiles
LAYER_GAP = 4              # texels between layers
FRAME = 2                  # texels of a saturated tile's frame (tiles are drawn down to 12 px)
BOX_PX = (290.0, 200.0)    # the plot area the picture is laid out for (the panel's top half)
MIN_TILE_PX = 12.0         # units are left out of wide layers to keep tiles about this large
SHOWN = (8, 32)            # ... but at least 8 and at most 32 per layer are shown
PEAK_PERCENTILE = 98       # full colour from this percentile of |output| shown (rounded up) on
SATURATED_SHARE = 0.5      # as the unit raster: pinned at a bound on at least half the examples
# colour values: the stops sit evenly on [-3, 2]; a map takes [-1, 1]
GAP_VALUE, DEAD_VALUE, FRAME_VALUE = -3.0, -2.0, 2.0
STOPS = ["#dddddd", "#4d4d4d", "#2166ac", "#f7f7f7", "#e66101", "#000000"]


@dataclass
class NeuronPicture:
    """One redraw of the neuron picture (pure data; the panel draws it)."""
    image: np.ndarray          # (H, W) float32 colour values, row 0 at the TOP of the picture
    label_y: np.ndarray        # (rows,) float32 centre of each layer row, in texels from the top
    labels: list[str]          # "1", "2", ... (comparing: "1 A", "1 B", ...)
    scale: float               # the shared colour scale: full colour at +-scale
    shown: dict[str, int]      # run's tag ("" alone) -> units shown per layer
    units: dict[str, int]      # run's tag -> units per layer (the widest layer)
    dead: dict[str, int]       # run's tag -> dead units, all layers, shown or not
    saturated: dict[str, int]  # run's tag -> saturated units, all layers
    title: str                 # one line: the scale and the subset
    legend: list[str]          # under it: the dead and the saturated swatch with their counts


def layout_tiles(units: int, bands: int, box: tuple[float, float] = BOX_PX
                 ) -> tuple[int, int]:
    """(units shown per layer, tiles per row) for `bands` layer rows in a plot of `box` px:
    as many units as keep tiles >= MIN_TILE_PX (within SHOWN), in the most square tiles."""
    width, height = box
    cols_max = max(1, int(width // MIN_TILE_PX))
    sub_max = max(1, int(height // (bands * MIN_TILE_PX)))
    shown = min(units, max(SHOWN[0], min(SHOWN[1], cols_max * sub_max)))

    def size(cols: int) -> float:
        return min(width / cols, height / (bands * math.ceil(shown / cols)))
    cols = max(range(1, shown + 1), key=lambda c: (size(c), -c))
    return shown, cols


def tiles(unit_maps: np.ndarray) -> np.ndarray:
    """Maps (units, G, G) (row i = grid_y[i], upwards) as (units, TILE, TILE) tiles, top row
    first: every map sampled at TILE evenly spaced cells per side."""
    g = unit_maps.shape[1]
    idx = np.round(np.linspace(0, g - 1, TILE)).astype(np.intp)
    return unit_maps[:, idx[::-1]][:, :, idx]


def neuron_picture(views: Sequence[RunView], box: tuple[float, float] = BOX_PX
                   ) -> NeuronPicture | None:
    """The picture of every run's neuron maps (a panel's update(views)), or None when a
    snapshot has no maps (the data has no picture plane)."""
    drawn = [(v.tag, v.snapshot) for v in views]
    if any(not s.layers or s.layers[0].unit_maps is None for _, s in drawn):
        return None
    n_runs = len(drawn)
    depth = max(len(s.layers) for _, s in drawn)
    widest = max(len(st.unit_active) for _, s in drawn for st in s.layers)
    shown_max, cols = layout_tiles(widest, depth * n_runs, box)
    shown = {run: min(shown_max, max(len(st.unit_active) for st in s.layers))
             for run, s in drawn}
    sub = math.ceil(shown_max / cols)
    pitch = TILE + GAP
    band_h = sub * pitch - GAP
    width = cols * pitch - GAP
    height = depth * n_runs * (band_h + LAYER_GAP) - LAYER_GAP
    image = np.full((height, width), GAP_VALUE, np.float32)
    raw = {(run, st.index): tiles(st.unit_maps[:shown[run]])
           for run, snap in drawn for st in snap.layers}
    # one colour scale for every tile drawn: PEAK_PERCENTILE of |output|, rounded up
    values = np.abs(np.concatenate([t.ravel() for t in raw.values()]))
    values = values[np.isfinite(values)]
    peak = float(np.percentile(values, PEAK_PERCENTILE)) if values.size else 0.0
    scale = nice_ceil(peak) if peak > 0 else 1.0
    label_y, labels = [], []
    dead, saturated, units, total = {}, {}, {}, {}
    for r, (run, snap) in enumerate(drawn):
        dead[run] = saturated[run] = 0
        units[run] = max(len(st.unit_active) for st in snap.layers)
        total[run] = sum(len(st.unit_active) for st in snap.layers)
        for st in snap.layers:
            band = st.index * n_runs + r
            top = band * (band_h + LAYER_GAP)
            label_y.append(top + band_h / 2)
            labels.append(f"{st.index + 1} {run}".strip())
            is_dead = (np.nan_to_num(st.unit_active) <= 0) & snap.units_can_die
            is_sat = np.nan_to_num(st.unit_saturated) >= SATURATED_SHARE
            dead[run] += int(np.count_nonzero(is_dead))
            saturated[run] += int(np.count_nonzero(is_sat & ~is_dead))
            with np.errstate(invalid="ignore", over="ignore"):
                drawn_tiles = np.clip(raw[run, st.index] / scale, -1.0, 1.0)
            drawn_tiles[np.isnan(drawn_tiles)] = GAP_VALUE
            n = len(drawn_tiles)
            sat = is_sat[:n] & ~is_dead[:n]
            f = FRAME                           # texels: survives a plot drawn at 3/4 size
            drawn_tiles[sat, :f, :] = drawn_tiles[sat, -f:, :] = FRAME_VALUE
            drawn_tiles[sat, :, :f] = drawn_tiles[sat, :, -f:] = FRAME_VALUE
            drawn_tiles[is_dead[:n]] = DEAD_VALUE
            # the layer's band: tiles row by row, `cols` a row, GAP texels between them
            cells = np.full((sub * cols, pitch, pitch), GAP_VALUE, np.float32)
            cells[:n, :TILE, :TILE] = drawn_tiles
            band_img = cells.reshape(sub, cols, pitch, pitch).transpose(0, 2, 1, 3)
            image[top:top + band_h] = band_img.reshape(sub * pitch, cols * pitch)[:band_h, :width]
    order = np.argsort(label_y, kind="stable")          # top to bottom: 1 A, 1 B, 2 A, ...
    label_y, labels = [label_y[i] for i in order], [labels[i] for i in order]
    can_die = {run: snap.units_can_die for run, snap in drawn}
    return NeuronPicture(image=image, label_y=np.asarray(label_y, np.float32), labels=labels,
                         scale=scale, shown=shown, units=units, dead=dead,
                         saturated=saturated, title=_title(scale, shown, units),
                         legend=_legend(dead, saturated, can_die, total))


def _scale_text(scale: float) -> str:
    return f"\u00b1{scale:g}"


def _title(scale: float, shown: dict, units: dict) -> str:
    """'neurons ±2: 32 of 500 units' (units shown of a layer's); comparing: 'neurons ±2, 32 of
    64 units: A over B'.  The counts go under the picture (_legend): one line of title holds
    no more at this picture's width."""
    def subset(run: str) -> str:
        return (f"{shown[run]} of {units[run]} units" if shown[run] < units[run]
                else f"{units[run]} units")
    runs_ = list(shown)
    if len(runs_) == 1:
        return f"neurons {_scale_text(scale)}: {subset(runs_[0])}"
    if len({subset(run) for run in runs_}) == 1:
        return f"neurons {_scale_text(scale)}, {subset(runs_[0])}: {' over '.join(runs_)}"
    return f"neurons {_scale_text(scale)}: " + ", ".join(f"{run} {subset(run)}" for run in runs_)


def _legend(dead: dict, saturated: dict, can_die: dict, total: dict) -> list[str]:
    """The two swatches' texts with their counts over all layers, each with its denominator
    (997/1200 saturated: more than one layer's width cannot puzzle): '■ 12/1200 dead',
    '□ 997/1200 saturated'; comparing: '■ dead A 0, B 12', '□ saturated A 179, B 0 of 384'."""
    runs_ = list(dead)
    if len(runs_) == 1:
        (run,) = runs_
        return [f"\u25a0 {dead[run]}/{total[run]} dead" if can_die[run] else "\u25a0 dead",
                f"\u25a1 {saturated[run]}/{total[run]} saturated"]
    def each(counts: dict, runs: list[str]) -> str:      # "A 179, B 0 of 384"
        of = len({total[run] for run in runs}) == 1
        return ", ".join(f"{run} {counts[run]}" + ("" if of else f"/{total[run]}")
                         for run in runs) + (f" of {total[runs[0]]}" if of else "")
    dying = [run for run in runs_ if can_die[run]]       # tanh's units never die: no count
    return ["\u25a0 dead " + each(dead, dying) if dying else "\u25a0 dead",
            "\u25a1 saturated " + each(saturated, runs_)]


# under the picture: the colours of its two special tiles' texts (one Label mark; _legend)
LEGEND_COLORS = (STOPS[1], STOPS[-1])


class NeuronMaps:
    """The neuron picture: one raster (raster.py) with the layer numbers beside it and a
    legend below, in the picture's own [0, 1] x [0, 1] frame (the shared unit scales: no
    scale models of its own)."""

    def __init__(self) -> None:
        self.x, self.y = unit_scale("x"), unit_scale("y")
        self.color_scale = bq.ColorScale(colors=STOPS, min=-3.0, max=2.0)
        self.raster = Raster(self.x, self.y, self.color_scale)
        self.names = bq.Label(x=np.zeros(0, np.float32), y=np.zeros(0, np.float32),
                              text=np.zeros(0, str), scales={"x": self.x, "y": self.y},
                              align="end", x_offset=-2, y_offset=4, default_size=10,
                              font_weight="normal", apply_clip=False, colors=["#333333"])
        self.figure = figure([self.raster.mark, self.names], [],
                             title="neurons: every unit over the input plane",
                             margin=dict(top=30, bottom=16, left=34, right=6))
        self.raster.figure = self.figure
        self.picture: NeuronPicture | None = None

    def update(self, views: Sequence[RunView]) -> None:
        picture = neuron_picture(views)
        self.picture = picture
        if picture is None:
            reason = views[0].snapshot.plane_reason or "no neuron maps for this data"
            assign(self.figure, title=f"neurons: {reason}"[:80])
            return
        h, w = picture.image.shape
        # labels before the picture: a page that sees the new rows also has their names
        n = len(picture.labels)
        # every text ends at its x (align "end"): layer numbers left of the picture, the legend
        # under it: dead ending mid-way, saturated at the right
        assign(self.names, x=f32([0.0] * n + [0.48, 1.0]),
               y=f32(np.append(1.0 - picture.label_y / h, [-0.045, -0.045])),
               text=np.array(picture.labels + picture.legend),
               colors=["#333333"] * n + list(LEGEND_COLORS),
               default_size=10.0 if n <= 12 else 8.0)
        # the texture's row 0 is the picture's top; a raster's row 0 is at the bottom of y
        self.raster.draw((np.arange(w) + 0.5) / w, (np.arange(h) + 0.5) / h,
                         picture.image[::-1])
        assign(self.figure, title=picture.title)
