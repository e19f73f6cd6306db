"""The 2-D pictures: the data cloud with each first-layer unit's line, and the decision boundary.

Dead ReLUs: a first-layer ReLU unit is a line through input space, active on one side.  A unit
whose line has left the data cloud (every probe point on its inactive side) never fires again and
gets no gradient: it is dead, drawn red and dashed.  Points are coloured by how many units are
active on them.

Decision boundary: the predicted class over a grid (a raster HeatMap: one image, cheap to send),
lighter where the network is less confident, with the probe points on top in their true class.
When the input is not 2-D (digits) both panels show the Snapshot's reason instead.
"""
from __future__ import annotations

import bqplot as bq
import ipywidgets as w
import numpy as np

from initlab.core.snapshot import History, Snapshot
from initlab.ui.panels.base import (CLASS_COLORS, DEAD_COLOR, assign, axis, f32, figure,
                                    show_reason)


class _PlaneFigure:
    """Shared frame: x/y scales fixed to the run's view; a reason shown when there is no plane."""

    def __init__(self) -> None:
        self.x = bq.LinearScale(min=-1.0, max=1.0)
        self.y = bq.LinearScale(min=-1.0, max=1.0)
        self.reason = w.HTML(layout=w.Layout(width="320px"))
        self.widget = w.VBox()

    def frame(self, snapshot: Snapshot) -> bool:
        """Show the figure or the reason; set the view.  Returns True when there is a plane."""
        show_reason(self.widget, self.figure, self.reason,
                    "" if snapshot.plane else snapshot.plane_reason)
        if snapshot.plane is None:
            return False
        x0, x1, y0, y1 = (float(v) for v in snapshot.plane.view)
        assign(self.x, min=x0, max=x1)
        assign(self.y, min=y0, max=y1)
        return True


class DeadUnits(_PlaneFigure):
    name = "dead_relu"
    width = 370
    title = "First-layer units on the data"
    hint = ("Each line is where one first-layer unit switches on (a dot marks its active side); "
            "points are coloured by how many units are active there. Red dashed: dead, "
            "inactive on every point, so it can never learn again.")

    def __init__(self) -> None:
        super().__init__()
        self.count_scale = bq.ColorScale(scheme="viridis", min=0.0, max=1.0)
        self.points = bq.Scatter(x=np.zeros(0, np.float32), y=np.zeros(0, np.float32),
                                 color=np.zeros(0, np.float32),
                                 scales={"x": self.x, "y": self.y, "color": self.count_scale},
                                 default_size=18, stroke="#ffffff", stroke_width=0.3)
        blank = np.zeros((1, 2), np.float32)
        self.alive = bq.Lines(x=blank, y=blank, scales={"x": self.x, "y": self.y},
                              colors=["#333333"], stroke_width=1.0, opacities=[0.7])
        self.dead = bq.Lines(x=blank, y=blank, scales={"x": self.x, "y": self.y},
                             colors=[DEAD_COLOR], stroke_width=1.5, line_style="dashed")
        self.sides = bq.Scatter(x=np.zeros(0, np.float32), y=np.zeros(0, np.float32),
                                scales={"x": self.x, "y": self.y}, colors=["#333333"],
                                default_size=8)
        color_axis = bq.ColorAxis(scale=self.count_scale, side="right", num_ticks=3)
        self.figure = figure([self.points, self.alive, self.dead, self.sides],
                             [axis(self.x, "x1"), axis(self.y, "x2", vertical=True), color_axis],
                             width=370, height=320,
                             margin=dict(top=30, bottom=40, left=45, right=60))
        self.widget.children = [self.figure]

    def update(self, snapshot: Snapshot, history: History) -> None:
        if not self.frame(snapshot):
            return
        p = snapshot.plane
        dead = p.unit_dead[p.line_unit]                    # per line (k lines per maxout unit)
        assign(self.count_scale, max=float(max(1, p.max_active)))
        assign(self.points, x=f32(p.points[:, 0]), y=f32(p.points[:, 1]),
               color=f32(p.active_count))
        visible = np.isfinite(p.segments_x).all(axis=1)
        alive, gone = visible & ~dead, visible & dead      # only lines inside the view are sent
        assign(self.alive, x=f32(p.segments_x[alive]), y=f32(p.segments_y[alive]),
               visible=bool(alive.any()))
        assign(self.dead, x=f32(p.segments_x[gone]), y=f32(p.segments_y[gone]),
               visible=bool(gone.any()))
        shown = ~dead & np.isfinite(p.active_side).all(axis=1)
        assign(self.sides, x=f32(p.active_side[shown, 0]), y=f32(p.active_side[shown, 1]))
        n_dead = int(np.count_nonzero(p.unit_dead))
        units = len(p.unit_dead)
        if snapshot.units_can_die:
            what = f"{n_dead} dead of {units} first-layer units"
        else:
            n_off = int(np.count_nonzero(p.unit_off))
            what = (f"{units} {snapshot.activation} units, {n_off} off the data "
                    f"(they still learn)")
        assign(self.figure, title=what)


def _lighten(color: str, amount: float) -> str:
    """`color` mixed with white (amount 0: unchanged, 1: white)."""
    rgb = np.array([int(color[i:i + 2], 16) for i in (1, 3, 5)], float)
    mixed = rgb + (255.0 - rgb) * amount
    return "#" + "".join(f"{int(round(v)):02x}" for v in mixed)


class DecisionBoundary(_PlaneFigure):
    name = "boundary"
    width = 330
    title = "Decision boundary"
    hint = "Colour: the predicted class, pale where the network is unsure. Dots: probe points."

    def __init__(self) -> None:
        super().__init__()
        # Class k owns colour values [2k, 2k + 1]: pale at 2k (unsure), full at 2k + 1 (certain).
        self.region_scale = bq.ColorScale(colors=self._stops(2), min=0.0, max=3.0)
        self.regions = bq.HeatMap(x=np.zeros(2, np.float32), y=np.zeros(2, np.float32),
                                  color=np.zeros((2, 2), np.float32),
                                  scales={"x": self.x, "y": self.y, "color": self.region_scale})
        self.class_scale = bq.ColorScale(colors=CLASS_COLORS[:2], min=0.0, max=1.0)
        self.points = bq.Scatter(x=np.zeros(0, np.float32), y=np.zeros(0, np.float32),
                                 color=np.zeros(0, np.float32),
                                 scales={"x": self.x, "y": self.y, "color": self.class_scale},
                                 default_size=18, stroke="#222222", stroke_width=0.6)
        self.figure = figure([self.regions, self.points],
                             [axis(self.x, "x1"), axis(self.y, "x2", vertical=True)],
                             width=330, height=320,
                             margin=dict(top=30, bottom=40, left=45, right=18))
        self.widget.children = [self.figure]
        self._classes = 0

    @staticmethod
    def _stops(n_classes: int) -> list[str]:
        stops = []
        for c in CLASS_COLORS[:n_classes]:
            stops += [_lighten(c, 0.85), _lighten(c, 0.35)]
        return stops

    def update(self, snapshot: Snapshot, history: History) -> None:
        if not self.frame(snapshot):
            return
        p, n = snapshot.plane, snapshot.n_classes
        if n != self._classes:
            self._classes = n
            assign(self.region_scale, colors=self._stops(n), min=0.0, max=float(2 * n - 1))
            assign(self.class_scale, colors=CLASS_COLORS[:n], min=0.0, max=float(n - 1))
        # confidence runs from 1/C (a guess) to 1 (certain); map it onto the class's colour range
        sure = np.clip((p.grid_conf - 1.0 / n) * (n / (n - 1.0)), 0.0, 1.0)
        assign(self.regions, x=f32(p.grid_x), y=f32(p.grid_y), color=f32(2 * p.grid_pred + sure))
        assign(self.points, x=f32(p.points[:, 0]), y=f32(p.points[:, 1]), color=f32(p.labels))
        assign(self.figure, title=f"decision boundary ({n} classes)")
