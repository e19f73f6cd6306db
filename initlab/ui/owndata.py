"""Your own data in the lab: click on the decision-boundary picture to add a point, or upload a CSV.

- A click on the picture adds a point of the class chosen in the menu at its top left ("add 0",
  ...; the first click starts from the examples of the data set on screen); with "erase" chosen
  a click removes the point nearest to it.  The run restarts on the new points (same seed; in
  compare mode both runs, each preparing them its own way), and the picture shows all of them.
  (bqplot's click event carries no modifier keys, so there is no shift-click: the menu's
  "erase" is the eraser mode.)
- A CSV (`x1,x2,label` or 64 features + label) is read by `initlab.data.userdata.parse_csv`;
  a rejected file changes nothing and the status line says which row, column and problem.
- "built-in data" goes back to the data set the controls describe.

The click comes from bqplot: an empty Scatter mark with `interactions={"click": "add"}` appends
the clicked position (in the picture's data coordinates) to its own x/y in the browser (bqplot's
ScatterBase.add_element, fired by a click on the figure's plot area; the raster and the dots let
pointer events through to it, see layout.py); the kernel reads it, empties the mark again and
turns it into a point.  Points live in raw coordinates
(userdata.Points); the picture's plane is the network's input space, so a click is mapped back
with `userdata.raw_from_input`.

OwnData is the widget side only.  What it needs of the lab is narrow:
  - the LabController (controller.py): `points`, `use_points(points)`, `drop_points()`,
    `edit_points(xy, label, tag)`, `shown_run(tag)`, `runs`; it sets `on_points` to hear when
    the runs leave the points on their own;
  - the boundary panel's overlay methods (panels/plane.py `add_mark`, `add_tool`) and its A/B
    switch `run_choice`;
  - the lab's StatusArea (`say`, `guarded`) and a `redraw()` to call after the runs changed.
"""
from __future__ import annotations

from typing import Any, Callable

import bqplot as bq
import ipywidgets as w
import numpy as np

from initlab.core.run import Run
from initlab.data import userdata
from initlab.data.userdata import Points
from initlab.ui import lean
from initlab.ui.controller import LabController
from initlab.ui.live import StatusArea
from initlab.ui.panels.base import assign, f32
from initlab.ui.statusline import restarts

ERASER = -1                # the class selector's "eraser" entry
HELP = ("Click the decision boundary to add a point of the chosen class (eraser: remove the "
        "nearest). Or upload a CSV: x1,x2,label per row, or 64 features and a label.")


class OwnData:
    """The own-data tools of one Lab: class selector and eraser (over the boundary picture),
    upload and 'built-in data' (in the settings box).  `points` is None on built-in data.

    OwnData(controller, boundary, status, redraw): boundary is the boundary panel (None when
    the lab does not show it); redraw() draws the lab again after the runs changed."""

    def __init__(self, controller: LabController, boundary: Any, status: StatusArea,
                 redraw: Callable[[], None]) -> None:
        self.controller, self.boundary, self.status, self.redraw = (controller, boundary,
                                                                    status, redraw)
        controller.on_points = self._left
        # one widget for the class a click adds and the eraser: every model costs page load
        self.label = w.Dropdown(options=self._class_options(3), value=0,
                                tooltip="What a click on the decision boundary does: add a point "
                                "of class 0, 1, ..., or erase the nearest point",
                                layout=lean.layout(),  # shared: its 80 px width is CSS
                                style=lean.style(lean.DescriptionStyle))
        self.label.add_class("il-left")             # top left over the picture (layout.py)
        self.label.add_class("il-class-menu")
        self.upload: w.FileUpload | None = None   # made with the settings box (make_widgets)
        self.builtin: w.Button | None = None       # "built-in data", made when first needed
        self.container: w.Box | None = None        # that box, once the lab placed them
        self.clicks: bq.Scatter | None = None
        self.shown: bq.Scatter | None = None
        if self.boundary is not None:
            self._attach(self.boundary)
        self._drawn: tuple = ()

    @property
    def points(self) -> Points | None:
        """The student's points the runs train on (the controller's), None on built-in data."""
        return self.controller.points

    @property
    def erasing(self) -> bool:
        return self.label.value == ERASER

    @staticmethod
    def _class_options(n: int) -> list[tuple[str, int]]:
        n = min(max(n, 2), userdata.MAX_CLASSES)
        return [(f"add {k}", k) for k in range(n)] + [("erase", ERASER)]

    # ---- the picture ------------------------------------------------------------------------
    def _attach(self, panel: Any) -> None:
        """Add the click catcher and the class menu to the boundary picture."""
        self.clicks = bq.Scatter(x=np.zeros(0, np.float32), y=np.zeros(0, np.float32),
                                 scales={"x": panel.x, "y": panel.y}, colors=["#000000"],
                                 default_size=24, interactions={"click": "add"})
        self.clicks.observe(self.status.guarded(self._on_click, "a click"), "x")
        panel.add_mark(self.clicks)
        panel.add_tool(self.label)
        panel.run_choice.observe(self.status.guarded(lambda _: self.update(), "your points"),
                                 "value")

    def _shown_tag(self) -> str:
        """The tag of the run whose boundary is drawn (the A/B switch), "" for the driven run."""
        return self.boundary.run_choice.value if self.boundary is not None else ""

    def _shown_run(self) -> Run:
        """The run whose decision boundary is drawn: its preprocessing maps raw points to the
        picture and back."""
        return self.controller.shown_run(self._shown_tag())

    def _show_mark(self) -> bq.Scatter:
        """The mark of the own points (made at the first own point, under the click catcher)."""
        if self.shown is None:
            panel = self.boundary
            self.shown = bq.Scatter(x=np.zeros(0, np.float32), y=np.zeros(0, np.float32),
                                    color=np.zeros(0, np.float32),
                                    scales={"x": panel.x, "y": panel.y,
                                            "color": panel.class_scale},
                                    default_size=18, stroke="#000000", stroke_width=0.8)
            panel.add_mark(self.shown, under=self.clicks)
        return self.shown

    def _on_click(self, change: dict) -> None:
        x, y = np.asarray(change["new"], float), np.asarray(self.clicks.y, float)
        if len(x) == 0 or len(y) != len(x):
            return                                   # our own reset, or y still on its way
        xy = (float(x[-1]), float(y[-1]))
        with self.clicks.hold_sync():                # empty the catcher for the next click
            self.clicks.x = np.zeros(0, np.float32)
            self.clicks.y = np.zeros(0, np.float32)
        self.click(xy, erase=self.erasing)

    def click(self, xy: tuple[float, float], erase: bool = False,
              label: int | None = None) -> None:
        """What a click at xy (picture coordinates) does: add a point of class `label` (default:
        the chosen one), or (erase, or the eraser chosen) remove the one nearest to xy."""
        if erase or label is None and self.erasing:
            label = None
        elif label is None:
            label = int(self.label.value)
        try:
            new, done = self.controller.edit_points(xy, label, self._shown_tag())
        except ValueError as err:
            self.status.say(str(err), "warning")
            return
        if new is None:
            if done:
                self.status.say(done)
            return
        self.use(new, f"{done}: {self._restarts()} on your {len(new)} points.")

    def _restarts(self) -> str:
        return restarts(len(self.controller.runs))

    def make_widgets(self) -> list[w.Widget]:
        """The upload control (and 'built-in data' when own points are in use) for the lab's
        settings box, made when the box is first opened: every model costs page load."""
        if self.upload is None:
            self.upload = w.FileUpload(accept=".csv,text/csv", multiple=False,
                                       description="upload CSV", tooltip=HELP,
                                       layout=lean.layout(), style=lean.style(lean.ButtonStyle))
            self.upload.observe(self.status.guarded(self._on_upload, "the upload"), "value")
        return [self.upload]

    # ---- using points -----------------------------------------------------------------------
    def use(self, points: Points, notice: str = "") -> bool:
        """Train on `points` from now on (a fresh run, same Config; every run, each with its
        own Config, in compare mode).  A set the lab cannot train on is refused with the reason
        in the status line; then nothing changes."""
        try:
            self.controller.use_points(points)
        except ValueError as err:
            self.status.say(f"Your points were not used: {err}.", "warning")
            return False
        self.shows(points.n_classes)
        self.redraw()
        self.status.say(notice)
        return True

    def shows(self, n_classes: int) -> None:
        """The tools follow the data now used: the class menu offers n_classes + 1 classes, and
        'built-in data' appears once own points are in use."""
        self._label_options(n_classes)
        if self.points is not None:
            self._builtin_button()

    def _builtin_button(self) -> None:
        if self.builtin is not None or self.container is None:
            return
        self.builtin = w.Button(description="built-in data", tooltip="Forget your points and "
                                "use the data set the controls describe", layout=lean.layout(),
                                style=lean.style(lean.ButtonStyle))
        self.builtin.on_click(self.status.guarded(
            lambda _: self.drop("Back to the built-in data."), "built-in data"))
        self.container.children = (*self.container.children, self.builtin)

    def drop(self, notice: str = "") -> None:
        """Back to the data set the Config describes."""
        if self.points is None:
            return
        self.controller.drop_points()
        self._label_options(self.controller.run.data.n_classes)
        self.redraw()
        self.status.say(notice)

    def _left(self, n_classes: int, notice: str) -> None:
        """The controller left the points (a built-in data field changed)."""
        self._label_options(n_classes)
        self.status.say(notice)

    def _label_options(self, n_classes: int) -> None:
        options = self._class_options(n_classes + 1)     # one more: a new class by clicking
        if self.label.options != tuple(options):
            value = self.label.value
            self.label.options = options
            self.label.value = value if value in dict(options).values() else 0

    def _on_upload(self, change: dict) -> None:
        files = change["new"]
        if not files:
            return
        name, content = files[0]["name"], bytes(files[0]["content"])
        self.upload.value = ()                     # the same file (fixed) can come again
        try:
            points = userdata.parse_csv(content)
        except ValueError as err:
            self.status.say(f"{name} was not loaded: {err}. Nothing changed.", "warning")
            return
        self.use(points, f"Loaded {len(points)} points from {name} ({points.n_classes} "
                         f"classes, {points.dim} features): {self._restarts()} on them.")

    # ---- drawing ----------------------------------------------------------------------------
    def update(self) -> None:
        """Draw every own point in the boundary picture (instead of the probe points)."""
        if self.boundary is None:
            return
        run = self._shown_run()
        points = self.points if self.points is not None and run.data.input_dim == 2 else None
        key = (id(points), id(run.data))
        if key == self._drawn:
            return
        self._drawn = key
        if points is None:
            if self.shown is not None:
                assign(self.shown, visible=False)
            assign(self.boundary.points, visible=True)
            return
        plane = run.data.preprocessor.transform(points.x)
        assign(self._show_mark(), x=f32(plane[:, 0]), y=f32(plane[:, 1]), color=f32(points.y),
               visible=True)
        assign(self.boundary.points, visible=False)
