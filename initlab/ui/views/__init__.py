"""The lab's views: a small switch above the pictures chooses what the right-hand side shows.

- network:    today's dashboard (the picture grid)
- checks:     the lecture's sanity checks on the current settings (checks.py)
- search:     random and grid search over the learning rate and L2 (search.py)
- optimisers: six update rules as paths on a 2-D loss surface (optimisers.py)

The control column stays: in every view the controls mean the current settings (`lab.config`,
run B in compare mode), and a view's "use these" or fix button edits them through `lab.set`.
A view is built the first time it is shown (most students never open most views, and every
widget model costs page load).  Long work (a search, the checks) runs as a job: a generator
advanced by a hidden browser timer (`Player`, DESIGN.md's live-loop contract), a few tenths of
a second per tick, so the page stays live and a Stop button answers at once.  The link and the
JSON export carry the view (initlab.core.links, `?view=search`).
"""
from __future__ import annotations

import time
from typing import Any, Callable, Iterator

import ipywidgets as w

from initlab.core import links
from initlab.ui import lean
from initlab.ui.live import Player

LABELS = {"network": "network", "checks": "sanity checks", "search": "search",
          "optimisers": "optimisers"}
TOOLTIPS = {"network": "The live network: activations, gradients, boundary, loss",
            "checks": "Sanity checks before training: loss at ln C, gradient check, overfit 20 "
                      "examples, update/weight ratio",
            "search": "Random or grid search over the learning rate and L2",
            "optimisers": "SGD, momentum, Nesterov, AdaGrad, RMSProp and Adam on a 2-D surface"}
JOB_BUDGET = 0.15          # seconds of a job's work per timer tick: the page answers in between
TICK_MS = 30
SWITCH_PX = 30             # the switch's row, taken from the grid's rows (first screen at 768)
HEADER_PX = 66             # layout.py's header line plus page margins
SIDE_PX = 300              # layout.py's control column

# The switch is the last child of the lab's main row (control column, pictures, switch): wide,
# the row becomes a two-column grid (the column spans both rows, the switch above the
# pictures) whenever the column sits beside the pictures (above 640 px); stacked (640 px and
# less, layout.py's container query), `order` puts it between.  No box
# of their own: every widget model costs page load (tests/ui/test_lab.py counts them).
STYLE = f"""<style>
.il-lab .il-views .widget-toggle-button {{ width: auto !important; padding: 0 10px;
  height: 24px; line-height: 22px; font-size: 12px; }}
.il-lab .il-views.il-views {{ height: 26px; margin: 0 0 4px 0; flex: none; order: 1; }}
.il-lab .il-with-views > :nth-child(2) {{ order: 2; }}
.il-lab .il-view.il-view {{ height: calc(100vh - {HEADER_PX + SWITCH_PX}px); min-height: 560px;
  overflow: hidden; min-width: 0; }}
.il-lab .il-view .widget-html-content {{ font-size: 12px; line-height: 16px; }}
.il-lab .il-view .il-row {{ align-items: center; gap: 6px; flex-wrap: wrap; }}
/* the paths and the rules' names at their heads must not catch the drag of the start point */
.il-lab .il-view-optimisers .bqplot text, .il-lab .il-view-optimisers .bqplot path.line {{
  pointer-events: none; }}
/* wherever the controls sit beside the pictures (above 640 px: layout.py's container queries) */
@container (min-width: 641px) {{
  .il-lab .il-main.il-main.il-with-views {{ display: grid; column-gap: 12px; row-gap: 0;
    grid-template-columns: {SIDE_PX}px minmax(0, 1fr); grid-template-rows: auto 1fr; }}
  .il-lab .il-with-views > .il-side {{ grid-row: 1 / span 2; grid-column: 1; }}
  .il-lab .il-with-views > .il-views {{ grid-row: 1; grid-column: 2; }}
  .il-lab .il-with-views > :nth-child(2) {{ grid-row: 2; grid-column: 2; min-width: 0; }}
}}
@container (min-width: 1001px) {{
  .il-lab .il-with-views > .il-grid.il-grid {{
    grid-auto-rows: max(180px, calc((100vh - {HEADER_PX + SWITCH_PX}px) / 3)); }}
}}
</style>"""


VIEW_CLASSES = {"checks": "initlab.ui.views.checks:ChecksView",
                "search": "initlab.ui.views.search:SearchView",
                "optimisers": "initlab.ui.views.optimisers:OptimisersView"}


def _view_class(name: str) -> Callable[..., Any]:
    """The class of view `name`, imported when first needed (a view's module loads bqplot
    figures the network view does not need)."""
    import importlib
    module, cls = VIEW_CLASSES[name].split(":")
    return getattr(importlib.import_module(module), cls)


def data_note(lab: Any) -> str:
    """'' or, when the student's own points are loaded, that a view's runs use the settings'
    built-in data set (a check or a search builds its own runs from the Config)."""
    if getattr(lab.own, "points", None) is None:
        return ""
    return (f" These runs use the settings' built-in data ({lab.config.dataset}), not your own "
            f"points.")


class ViewSwitch:
    """The switch between the lab's control column and its pictures.  `main` is the lab's row
    (control column, pictures): the switch goes between them and each view takes the pictures'
    place.  STYLE must be on the page (the lab puts it in its header)."""

    def __init__(self, lab: Any, main: w.Box, network: w.Widget,
                 view: str = "network") -> None:
        self.lab, self.main, self.network = lab, main, network
        self.side = main.children[0]
        self.views: dict[str, Any] = {}
        self.switch = w.ToggleButtons(options=[(LABELS[v], v) for v in links.VIEWS],
                                      value=links.check_view(view),
                                      tooltips=[TOOLTIPS[v] for v in links.VIEWS],
                                      description="", layout=lean.layout(),
                                      # the A/B switch's style model (its width: see STYLE)
                                      style=lean.style(w.ToggleButtonsStyle,
                                                       button_width="28px"))
        self.switch.add_class("il-views")
        main.add_class("il-with-views")
        self.worker: Player | None = None         # the jobs' timer, made for the first job
        self.job: Iterator | None = None
        self.job_owner: Any = None
        self._show(self.switch.value)
        self.switch.observe(lab.status.guarded(self._on_switch, "the view switch"), "value")

    # ---- which view -----------------------------------------------------------------------
    @property
    def current(self) -> str:
        return self.switch.value

    def view(self, name: str) -> Any:
        """The view object called `name` (built now if it was never shown)."""
        links.check_view(name)
        if name == "network":
            raise ValueError("the network view is the lab's picture grid (lab.panels)")
        if name not in self.views:
            self.views[name] = _view_class(name)(self.lab, self)
        return self.views[name]

    def select(self, name: str) -> None:
        """Show view `name` (one of links.VIEWS); ValueError naming them otherwise."""
        self.switch.value = links.check_view(name)

    def _on_switch(self, change: dict) -> None:
        self._show(change["new"])
        self.lab._show_link()

    def _show(self, name: str) -> None:
        body = self.network if name == "network" else self.view(name).widget
        if name != "network":
            self.view(name).follow()
        # the pictures (or the view) stay the row's second child; STYLE puts the switch above
        self.main.children = (self.side, body, self.switch)

    def follow(self) -> None:
        """After a redraw: the view on screen catches up with the settings (cheap if equal)."""
        if self.current != "network":
            self.view(self.current).follow()

    # ---- jobs -----------------------------------------------------------------------------
    def start(self, owner: Any, job: Iterator) -> None:
        """Advance `job` (a generator) on the timer until it ends or stop() is called; one job
        at a time (a new one stops the old one, whose owner's `stopped()` is called)."""
        self.stop()
        if self.worker is None:                   # a hidden browser timer, put on the page
            self.worker = Player(self.lab.status.guarded(self._tick, "a view's work"), TICK_MS)
            self.lab.children = (*self.lab.children, self.worker.timer)
        self.job, self.job_owner = job, owner
        self.worker.start()

    def stop(self) -> None:
        """End the job now (its generator is closed: its `finally` runs)."""
        job, owner = self.job, self.job_owner
        self.job = self.job_owner = None
        if self.worker is not None:
            self.worker.stop()
        if job is not None:
            job.close()
            owner.stopped()

    @property
    def busy(self) -> bool:
        return self.job is not None

    def _tick(self) -> None:
        """One timer tick: run the job for about JOB_BUDGET seconds."""
        if self.job is None:
            self.stop()
            return
        end = time.perf_counter() + JOB_BUDGET
        while self.job is not None and time.perf_counter() < end:
            self._advance()

    def _advance(self) -> None:
        try:
            next(self.job)
        except StopIteration:
            owner = self.job_owner
            self.job = self.job_owner = None
            if self.worker is not None:
                self.worker.stop()
            owner.stopped()
        except Exception:
            self.stop()
            raise

    def finish(self) -> None:
        """Run the job to its end now (tests, notebooks without a browser)."""
        while self.job is not None:
            self._advance()
