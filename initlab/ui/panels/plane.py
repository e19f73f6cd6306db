"""The unit pictures and the 2-D pictures.

Units (panel "dead_relu"): on top the neuron picture (neurons.py) or, with the "units" button
pressed, the unit raster (units.py).  Below it, the data cloud with
each first-layer unit's line (where it switches on; a tick marks its active side), dead units'
lines red and dashed, over a raster of how many first-layer units are on at each spot (pink where
none is).  Every line is one path of one Lines mark and the points never change colour: the
browser's cost is per SVG element it touches, and this picture changes on every redraw.
Comparing runs, a switch (A/B) chooses whose lines are drawn.  Data wider than 2-D (digits)
is drawn in the plane of its first two principal components, with the Plane's note.

Decision boundary: the predicted class over a grid (one raster: raster.py),
lighter where the network is less confident, with the probe points on top in their true class's
colour and shape.
"""
from __future__ import annotations

import html
from typing import Sequence

import bqplot as bq
import ipywidgets as w
import numpy as np

from initlab.core.snapshot import Snapshot
from initlab.ui import lean
from initlab.ui.panels.base import (CLASS_COLORS, CLASS_SHAPES, DEAD_COLOR, FILL, Panel,
                                    RunView, assign, axis, f32, figure, register, show_reason)
from initlab.ui.panels.place import Place
from initlab.ui.panels.neurons import NeuronMaps
from initlab.ui.panels.raster import Raster
from initlab.ui.panels.switch import Switchable, run_switch
from initlab.ui.panels.units import UnitRaster

LINES_SEEN = 40            # about this many first-layer lines drawn at full strength


class _PlaneFigure:
    """Shared frame: x/y scales fixed to the run's view, axes named by the Plane; a reason shown
    in place of the figure when there is no plane."""

    def __init__(self) -> None:
        self.x = bq.LinearScale(min=-1.0, max=1.0)
        self.y = bq.LinearScale(min=-1.0, max=1.0)
        self.x_axis = axis(self.x, "x1", num_ticks=3)
        self.y_axis = axis(self.y, "x2", vertical=True, num_ticks=3)
        self.reason: w.HTML | None = None          # made when first needed
        self.box = lean.vbox(**FILL)

    def frame(self, snapshot: Snapshot) -> bool:
        """Show the figure or the reason; set the view.  Returns True when there is a plane."""
        if snapshot.plane is None and self.reason is None:
            self.reason = lean.html()
        show_reason(self.box, self.figure, self.reason,
                    "" if snapshot.plane else snapshot.plane_reason)
        if snapshot.plane is None:
            return False
        x0, x1, y0, y1 = (float(v) for v in snapshot.plane.view)
        assign(self.x, min=x0, max=x1)
        assign(self.y, min=y0, max=y1)
        # ticks kept off the corners: the x axis's first label and the y axis's first label
        # collided there ("-2" over "-3"), and the top one hid behind the class menu
        assign(self.x_axis, tick_values=inner_ticks(x0, x1))
        assign(self.y_axis, tick_values=inner_ticks(y0, y1))
        u, v = snapshot.plane.axis_labels
        assign(self.x_axis, label=u)
        assign(self.y_axis, label=v)
        return True


def inner_ticks(lo: float, hi: float, margin: float = 0.12) -> np.ndarray:
    """Two to four round tick values (1, 2 or 5 times a power of ten apart) inside [lo, hi],
    none within `margin` of the range of either end, so no label sits in a corner."""
    span = hi - lo
    if not (np.isfinite(span) and span > 0):
        return np.array([lo], np.float64)
    inner_lo, inner_hi = lo + margin * span, hi - margin * span
    for step in sorted(m * 10.0 ** e for e in range(int(np.floor(np.log10(span))) - 2,
                                                     int(np.floor(np.log10(span))) + 2)
                       for m in (1, 2, 5)):
        ticks = np.arange(np.ceil(inner_lo / step), np.floor(inner_hi / step) + 1) * step + 0.0
        if len(ticks) <= 4:
            return ticks if len(ticks) else np.array([(lo + hi) / 2])
    return np.array([(lo + hi) / 2])


def gapped(starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Segments (starts[i] to ends[i]) as one polyline with nan gaps: [s0, e0, nan, s1, e1].

    One Lines mark with one path draws them all (bqplot leaves a gap at a nan), where a row
    per segment would be one SVG path each: the browser's cost is per path.  The polyline ends
    on a point, never on a gap: bqplot places a line's (hidden) label at its last point.
    """
    out = np.full((len(starts), 3), np.nan, np.float32)
    out[:, 0], out[:, 1] = starts, ends
    return out.ravel()[:-1]


def draw_segments(lines: bq.Lines, xs: np.ndarray, ys: np.ndarray, **traits) -> None:
    """Show the gapped polyline xs, ys on `lines`; with nothing to draw, hide the mark and keep
    its last points (an empty Lines mark makes bqplot place its label at undefined)."""
    if len(xs):
        assign(lines, x=xs, y=ys, visible=True, **traits)
    else:
        assign(lines, visible=False)


def count_colors(grid_active: np.ndarray, units: int) -> np.ndarray:
    """Colour values of the units-on raster: -1 where no unit is on, else the share on (0, 1]."""
    share = np.asarray(grid_active, np.float32) / max(units, 1)
    share[np.asarray(grid_active) == 0] = -1.0
    return share


# -1: no first-layer unit on (nothing reaches the next layer there), then pale (few on) to blue
# (all on); light enough that the dark lines stay readable on top
COUNT_STOPS = ["#f4b6b6", "#f7f9fc", "#6fa8dc"]


class DataCloud(_PlaneFigure):
    """The plane shaded by how many first-layer units are on, every first-layer unit's line with
    a tick on its active side, and the probe points."""

    def __init__(self) -> None:
        super().__init__()
        self.count_scale = bq.ColorScale(colors=COUNT_STOPS, min=-1.0, max=1.0)
        self.shade = Raster(self.x, self.y, self.count_scale)        # ImageGL or HeatMap
        blank = np.zeros(2, np.float32)
        # all alive lines and their ticks in one path, all dead lines in another (gapped())
        self.alive = bq.Lines(x=blank, y=blank, scales={"x": self.x, "y": self.y},
                              colors=["#222222"], stroke_width=1.0, opacities=[0.7])
        self.dead = bq.Lines(x=blank, y=blank, scales={"x": self.x, "y": self.y},
                             colors=[DEAD_COLOR], stroke_width=1.5, line_style="dashed")
        # the points never change colour (nothing to re-send while the net changes)
        self.points = bq.Scatter(x=np.zeros(0, np.float32), y=np.zeros(0, np.float32),
                                 scales={"x": self.x, "y": self.y}, colors=["#ffffff"],
                                 default_size=10, stroke="#333333", stroke_width=0.8)
        self.figure = figure([self.counts, self.alive, self.dead, self.points],  # points on top
                             [self.x_axis, self.y_axis],
                             margin=dict(top=22, bottom=30, left=46, right=12))
        self.shade.figure = self.figure
        self.box.children = [self.figure]

    @property
    def counts(self) -> bq.Mark:
        return self.shade.mark

    def update(self, snapshot: Snapshot, run: str = "") -> None:
        """Draw `snapshot`'s first layer; `run` (its tag in compare mode) prefixes the title."""
        if not self.frame(snapshot):
            return
        p = snapshot.plane
        units = len(p.unit_dead)
        if p.grid_active is not None:
            self.shade.draw(p.active_x, p.active_y, count_colors(p.grid_active, units))
        assign(self.points, x=f32(p.points[:, 0]), y=f32(p.points[:, 1]))
        dead = p.unit_dead[p.line_unit]                    # per line (k lines per maxout unit)
        visible = np.isfinite(p.segments_x).all(axis=1)
        alive, gone = visible & ~dead, visible & dead      # only lines inside the view are sent
        n_alive = int(np.count_nonzero(alive))
        ticked = alive & np.isfinite(p.active_side).all(axis=1)
        middle_x, middle_y = p.segments_x.mean(axis=1), p.segments_y.mean(axis=1)
        # each alive line, then a short tick from its middle into its active side
        starts_x = np.concatenate([p.segments_x[alive, 0], middle_x[ticked]])
        starts_y = np.concatenate([p.segments_y[alive, 0], middle_y[ticked]])
        ends_x = np.concatenate([p.segments_x[alive, 1], p.active_side[ticked, 0]])
        ends_y = np.concatenate([p.segments_y[alive, 1], p.active_side[ticked, 1]])
        # many lines fade so the points stay readable (500 units: 0.08 each)
        opacity = float(np.clip(LINES_SEEN / max(n_alive, 1), 0.08, 0.7))
        draw_segments(self.alive, gapped(starts_x, ends_x), gapped(starts_y, ends_y),
                      opacities=[opacity])
        draw_segments(self.dead, gapped(p.segments_x[gone, 0], p.segments_x[gone, 1]),
                      gapped(p.segments_y[gone, 0], p.segments_y[gone, 1]))
        n_dead = int(np.count_nonzero(p.unit_dead))
        if snapshot.units_can_die:
            what = f"{n_dead} dead of {units} first-layer units"
        else:
            n_off = int(np.count_nonzero(p.unit_off))
            what = f"{units} {snapshot.activation} units, {n_off} off the data" + (
                "" if run else " (they still learn)")     # comparing, the A/B switch needs room
        assign(self.figure, title=f"{run}: {what}" if run else what)


@register
class DeadUnits(Switchable, Panel):
    name = "dead_relu"
    title = "Dead and saturated units"
    hint = ("Top, 'neurons': every hidden unit as a small map of its output over the input "
            "plane, one row per layer (first at the top; wide layers: their first units), one "
            "colour scale for all (blue below 0, white 0, orange above; its range in the "
            "title): a layer far weaker than the strongest (a vanishing signal) fades to white. "
            "Dark grey: a dead unit, black frame: a saturated one. With batch norm the maps "
            "are the net at test time, on its running averages: these start at mean 0, "
            "variance 1 and take a few dozen steps to follow the batches, so at first the maps "
            "can disagree with the histograms (which use each batch's own statistics). "
            "Top, 'units': every unit of every layer, sorted; blue: the share of the batch it "
            "is active on, red: dead (ReLU off on every probe example: no gradient from them, "
            "so it rarely comes back), orange: saturated (tanh/sigmoid pinned at a bound on "
            "most examples). Bottom: the data (white dots) with each first-layer unit's line, "
            "a tick on the side where it is on; dead lines red and dashed. Shade: how many "
            "first-layer units are on there (pale: few, blue: all, pink: none: with ReLU "
            "nothing reaches the next layer). Comparing two runs, the A/B switch chooses whose "
            "lines are drawn.")
    place = Place(row=1, column=3, rows=2, beside=4, below=3)
    heavy = True

    def __init__(self) -> None:
        self._raster: UnitRaster | None = None       # made when first shown (page load cost)
        self.neurons = NeuronMaps()
        # the top picture: the neuron maps or, pressed, the sorted unit raster (only the shown
        # one is drawn); the button floats at the cell's top right
        self.view_choice = w.ToggleButton(
            value=False, description="units", layout=lean.layout(),
            tooltip="pressed: every unit's share of the batch it is active on, sorted; "
                    "else each unit's map over the input plane",
            style=lean.style(lean.ToggleButtonStyle))
        self.view_choice.add_class("il-overlay")
        self.view_choice.observe(self._on_choice, "value")
        self.cloud = DataCloud()
        # the plane's note (wider data only): one line, ellipsed, the full text on hover; made
        # when first needed, since every widget model costs page load
        self.note: w.HTML | None = None
        # comparing: whose lines the data cloud draws (made when compare mode first opens)
        self.run_choice: w.ToggleButtons | None = None
        self.cloud.box.add_class("il-float-host")
        self.widget = lean.vbox([self.view_choice, self.neurons.figure, self.cloud.box], **FILL)
        # the data cloud's parts, under the names the tests and notebooks use
        self.points, self.alive, self.dead = (self.cloud.points, self.cloud.alive,
                                              self.cloud.dead)
        self.count_scale, self.figure = self.cloud.count_scale, self.cloud.figure

    @property
    def tools(self) -> tuple[w.Widget, ...]:
        """The "units" switch and, once comparing began, the A/B switch."""
        return (self.view_choice,) + ((self.run_choice,) if self.run_choice is not None else ())

    @property
    def counts(self) -> bq.Mark:
        return self.cloud.counts

    @property
    def raster(self) -> UnitRaster:
        """The unit raster (made when first asked for)."""
        if self._raster is None:
            self._raster = UnitRaster()
        return self._raster

    @property
    def top_figure(self) -> bq.Figure:
        """The picture on top now: the neuron maps or the unit raster."""
        return self.raster.figure if self.view_choice.value else self.neurons.figure

    @property
    def reason(self) -> w.HTML | None:
        """The text shown instead of the data cloud when there is no plane (None: never)."""
        return self.cloud.reason

    def figures(self) -> list[bq.Figure]:
        shown = [self.top_figure]
        return shown + ([self.cloud.figure] if self.cloud.figure in self.cloud.box.children
                        else [])

    def update(self, views: Sequence[RunView]) -> None:
        self._last = views
        top = self.raster if self.view_choice.value else self.neurons
        top.update(views)
        if self.widget.children[1] is not top.figure:
            self.widget.children = (self.view_choice, top.figure, *self.widget.children[2:])
        if len(views) > 1 and self.run_choice is None:
            self.run_choice = run_switch("whose first-layer lines to draw", self.shown_run)
            self.run_choice.observe(self._on_choice, "value")
        shown = self._chosen(views)
        self.cloud.update(shown.snapshot, shown.tag)
        snapshot = views[0].snapshot
        switch = (self.run_choice,) if len(views) > 1 and snapshot.plane is not None else ()
        if self.cloud.box.children[1:] != switch:
            self.cloud.box.children = self.cloud.box.children[:1] + switch
        note = snapshot.plane.note if snapshot.plane is not None else ""
        if note and self.note is None:
            self.note = lean.html()
            self.note.add_class("il-note")
        if self.note is None:
            return
        assign(self.note, value=(f"<span title='{html.escape(note)}'>{html.escape(note)}</span>"
                                 if note else ""))
        wanted = (self.view_choice, top.figure, self.cloud.box) + ((self.note,) if note else ())
        if self.widget.children != wanted:
            self.widget.children = wanted


def _lighten(color: str, amount: float) -> str:
    """`color` mixed with white (amount 0: unchanged, 1: white)."""
    rgb = np.array([int(color[i:i + 2], 16) for i in (1, 3, 5)], float)
    mixed = rgb + (255.0 - rgb) * amount
    return "#" + "".join(f"{int(round(v)):02x}" for v in mixed)


@register
class DecisionBoundary(Switchable, _PlaneFigure, Panel):
    name = "boundary"
    title = "Decision boundary"
    hint = ("Colour: the predicted class, pale where the network is unsure (as at test time: "
            "with batch norm, on its running averages, which take a few dozen steps to follow "
            "the batches). Marks: probe points, each class its own colour and shape. "
            "Comparing two runs, the A/B switch chooses whose boundary is drawn.")
    place = Place(row=1, column=2, beside=3, below=2, beside_rows=2)
    heavy = True

    def __init__(self) -> None:
        super().__init__()
        self.widget = self.box
        # compare mode: which run's boundary to draw (shown only while comparing)
        self.run_choice = run_switch("whose decision boundary to draw")
        self.run_choice.observe(self._on_choice, "value")
        self.extra: tuple = ()     # other tools floating over the picture (own data's class)
        # Class k owns colour values [2k, 2k + 1]: pale at 2k (unsure), full at 2k + 1 (certain).
        self.region_scale = bq.ColorScale(colors=self._stops(2), min=0.0, max=3.0)
        self.texture = Raster(self.x, self.y, self.region_scale)     # ImageGL or HeatMap
        self.class_scale = bq.ColorScale(colors=CLASS_COLORS[:2], min=0.0, max=1.0)
        # each probe point in its class's colour and shape (CLASS_SHAPES: colour alone fails
        # about 1 boy in 12), outlined by the stylesheet (layout.py)
        self.points = bq.Label(x=np.zeros(0, np.float32), y=np.zeros(0, np.float32),
                               color=np.zeros(0, np.float32), text=np.zeros(0, str),
                               scales={"x": self.x, "y": self.y, "color": self.class_scale},
                               default_size=13, align="middle", y_offset=4,
                               font_weight="normal")
        self.figure = figure([self.regions, self.points], [self.x_axis, self.y_axis],
                             margin=dict(top=22, bottom=30, left=46, right=12))
        self.texture.figure = self.figure
        self.box.children = [self.figure]
        self._classes = 0
        self.tools = [self.run_choice]     # shown while comparing; own data adds its class menu

    @property
    def regions(self) -> bq.Mark:
        return self.texture.mark

    # Overlays (own data, owndata.py): another module's marks and tools on this picture.
    def add_mark(self, mark: bq.Mark, under: bq.Mark | None = None) -> None:
        """Draw `mark` over the regions and probe points: on top, or just under `under`."""
        marks = list(self.figure.marks)
        marks.insert(marks.index(under) if under in marks else len(marks), mark)
        self.figure.marks = marks

    def add_tool(self, tool: w.Widget) -> None:
        """Float `tool` over the picture's top left (one of the panel's tools, layout.py)."""
        tool.add_class("il-overlay")
        self.tools, self.extra = [*self.tools, tool], (*self.extra, tool)
        if self.figure in self.box.children:
            self.box.children = (*self.box.children, tool)

    @staticmethod
    def _stops(n_classes: int) -> list[str]:
        stops = []
        for c in CLASS_COLORS[:n_classes]:
            stops += [_lighten(c, 0.85), _lighten(c, 0.35)]
        return stops

    def figures(self) -> list[bq.Figure]:
        return [self.figure] if self.figure in self.box.children else []

    def update(self, views: Sequence[RunView]) -> None:
        self._last = views
        shown = self._chosen(views)
        snapshot = shown.snapshot
        if not self.frame(snapshot):
            return
        wanted = (self.figure, *self.extra) + ((self.run_choice,) if len(views) > 1 else ())
        if self.box.children != wanted:
            self.box.children = wanted
        p, n = snapshot.plane, snapshot.n_classes
        if n != self._classes:
            self._classes = n
            assign(self.region_scale, colors=self._stops(n), min=0.0, max=float(2 * n - 1))
            assign(self.class_scale, colors=CLASS_COLORS[:n], min=0.0, max=float(n - 1))
        # confidence runs from 1/C (a guess) to 1 (certain); map it onto the class's colour range
        sure = np.clip((p.grid_conf - 1.0 / n) * (n / (n - 1.0)), 0.0, 1.0)
        self.texture.draw(p.grid_x, p.grid_y, 2 * p.grid_pred + sure)
        shapes = np.array(CLASS_SHAPES)[np.asarray(p.labels) % len(CLASS_SHAPES)]
        assign(self.points, x=f32(p.points[:, 0]), y=f32(p.points[:, 1]), color=f32(p.labels),
               text=shapes)
        run = f" of {shown.tag}" if shown.tag else ""
        assign(self.figure, title=f"decision boundary{run} ({n} classes)")
