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
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import bqplot as bq
import ipywidgets as w
import numpy as np

from initlab.data import userdata
from initlab.core.run import Run
from initlab.data.userdata import Points
from initlab.ui import lean
from initlab.ui.panels.base import assign, f32
from initlab.ui.runs import check_budget

if TYPE_CHECKING:
    from initlab.ui.app import Lab

ERASER = -1                # the class selector's "eraser" entry
ERASE_RADIUS = 0.05        # share of the picture's width: an eraser click further off removes none
HELP = ("Click the decision boundary to add a point of the chosen class (eraser: remove the "
        "nearest). Or upload a CSV: x1,x2,label per row, or 64 features and a label.")


class OwnData:
    """The own-data tools of one Lab: class selector and eraser (over the boundary picture),
    upload and 'built-in data' (in the settings box).  `points` is None on built-in data."""

    def __init__(self, lab: "Lab") -> None:
        self.lab = lab
        self.points: Points | None = None
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
        self.boundary = lab.panels.get("boundary")
        self.clicks: bq.Scatter | None = None
        self.shown: bq.Scatter | None = None
        if self.boundary is not None:
            self._attach(self.boundary)
        self._drawn: tuple = ()

    @property
    def erasing(self) -> bool:
        return self.label.value == ERASER

    @staticmethod
    def _class_options(n: int) -> list[tuple[str, int]]:
        n = min(max(n, 2), userdata.MAX_CLASSES)
        return [(f"add {k}", k) for k in range(n)] + [("erase", ERASER)]

    # ---- the picture ------------------------------------------------------------------------
    def _attach(self, panel: Any) -> None:
        """Add the click catcher and the own-points mark to the boundary figure, the tool box
        beside it."""
        scales = {"x": panel.x, "y": panel.y}
        self.clicks = bq.Scatter(x=np.zeros(0, np.float32), y=np.zeros(0, np.float32),
                                 scales=scales, colors=["#000000"], default_size=24,
                                 interactions={"click": "add"})
        self.clicks.observe(self.lab.status.guarded(self._on_click, "a click"), "x")
        panel.figure.marks = [*panel.figure.marks, self.clicks]
        panel.tools = [*getattr(panel, "tools", []), self.label]
        panel.extra = (*panel.extra, self.label)
        if panel.figure in panel.box.children:
            panel.box.children = (*panel.box.children, self.label)
        panel.run_choice.observe(self.lab.status.guarded(lambda _: self.update(), "your points"),
                                 "value")

    def _shown_run(self) -> Run:
        """The run whose decision boundary is drawn (A or B by the switch when comparing): its
        preprocessing maps raw points to the picture and back."""
        runs = self.lab._runs.all
        if len(runs) == 2 and self.boundary is not None and self.boundary.run_choice.value == "A":
            return runs[0]
        return runs[-1]

    def _show_mark(self) -> bq.Scatter:
        """The mark of the own points (made at the first own point, under the click catcher)."""
        if self.shown is None:
            panel = self.boundary
            self.shown = bq.Scatter(x=np.zeros(0, np.float32), y=np.zeros(0, np.float32),
                                    color=np.zeros(0, np.float32),
                                    scales={"x": panel.x, "y": panel.y,
                                            "color": panel.class_scale},
                                    default_size=18, stroke="#000000", stroke_width=0.8)
            marks = list(panel.figure.marks)
            panel.figure.marks = [*marks[:-1], self.shown, marks[-1]]
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
        run = self._shown_run()
        if run.data.input_dim != 2:
            self.lab.status.say("Clicking adds points to 2-D data only; for digits-like data "
                                "upload a CSV with 64 features and a label.", "warning")
            return
        points = self.points if self.points is not None else userdata.points_from_data(run.data)
        prep = run.data.preprocessor
        if erase or label is None and self.erasing:
            if len(points) == 0:
                return
            view = run.snapshot().plane.view
            radius = ERASE_RADIUS * float(view[1] - view[0])
            plane = prep.transform(points.x)
            dist = np.linalg.norm(plane - np.asarray(xy), axis=1)
            nearest = int(np.argmin(dist))
            if dist[nearest] > radius:
                self.lab.status.say("No point there to erase.")
                return
            keep = np.arange(len(points)) != nearest
            new = Points(points.x[keep], points.y[keep])
            done = f"Removed a point of class {int(points.y[nearest])}"
        else:
            label = int(self.label.value) if label is None else int(label)
            raw = userdata.raw_from_input(prep, np.asarray([xy]))[0]
            new = userdata.add_point(points, raw, label)
            done = f"Added a point of class {label}"
        self.use(new, f"{done}: {self._restarts()} on your {len(new)} points.")

    def _restarts(self) -> str:
        return "both runs restart" if len(self.lab._runs.all) == 2 else "the run restarts"

    def make_widgets(self) -> list[w.Widget]:
        """The upload control (and 'built-in data' when own points are in use) for the lab's
        settings box, made when the box is first opened: every model costs page load."""
        if self.upload is None:
            self.upload = w.FileUpload(accept=".csv,text/csv", multiple=False,
                                       description="upload CSV", tooltip=HELP,
                                       layout=lean.layout(), style=lean.style(lean.ButtonStyle))
            self.upload.observe(self.lab.status.guarded(self._on_upload, "the upload"), "value")
        return [self.upload]

    # ---- using points -----------------------------------------------------------------------
    def use(self, points: Points, notice: str = "") -> bool:
        """Train on `points` from now on (a fresh run, same Config; both runs, each with its
        own Config, in compare mode).  A set the lab cannot train on is refused with the reason
        in the status line; then nothing changes."""
        lab = self.lab
        try:
            check_budget(lab._config, lab._runs.pinned, points)    # priced by rows, features
            lab._use_data(lambda config: userdata.make_user_data(points, config))
        except ValueError as err:
            lab.status.say(f"Your points were not used: {err}.", "warning")
            return False
        self.points = points
        self._label_options(points.n_classes)
        self._builtin_button()
        lab._redraw_now()
        lab.status.say(notice)
        return True

    def _builtin_button(self) -> None:
        if self.builtin is not None or self.container is None:
            return
        self.builtin = w.Button(description="built-in data", tooltip="Forget your points and "
                                "use the data set the controls describe", layout=lean.layout(),
                                style=lean.style(lean.ButtonStyle))
        self.builtin.on_click(self.lab.status.guarded(
            lambda _: self.drop("Back to the built-in data."), "built-in data"))
        self.container.children = (*self.container.children, self.builtin)

    def drop(self, notice: str = "") -> None:
        """Back to the data set the Config describes."""
        if self.points is None:
            return
        self.points = None
        lab = self.lab
        lab._use_data(lambda config: None)            # each run's built-in data again
        self._label_options(lab._run.data.n_classes)
        lab._redraw_now()
        lab.status.say(notice)

    def follow(self, run: Run, config) -> tuple[Run, str]:
        """Move `run` to `config` keeping the points (userdata.follow_config); a change to a
        built-in data field (data set, classes, samples, noise) leaves them."""
        if self.points is None:
            return run, run.apply(config)
        run, outcome = userdata.follow_config(run, self.points, config)
        if run.data.name != userdata.NAME:
            self.points = None
            self._label_options(run.data.n_classes)
            self.lab.status.say("Back to the built-in data: a data setting changed.")
        return run, outcome

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
            self.lab.status.say(f"{name} was not loaded: {err}. Nothing changed.",
                                "warning")
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
