"""The search view: random or grid search over the learning rate and L2, one trial per tick.

The student sets log ranges, the number of trials and the steps per trial; Start runs the trials
on the controls' settings (initlab.core.search.Search), a few per timer tick, so the page stays
live and Stop answers between two trials.  One scatter shows every trial (lr against L2 on log
axes, colour = validation accuracy on viridis, readable with colour-blindness; diverged trials
as grey plus signs, bqplot's "cross" marker), the best ringed by a hollow diamond.  "use these"
sets the controls to the best trial's values; "zoom in" narrows the ranges around it (coarse to
fine).  "grid vs random" draws
the lecture's point below: the distinct learning rates each design of the same size tries.
"""
from __future__ import annotations

import html
import math
from typing import Any, Iterator

import bqplot as bq
import ipywidgets as w
import numpy as np

from initlab.core.checks import grid_points, random_points
from initlab.core.search import Search, distinct_values
from initlab.ui import lean
from initlab.ui.panels.base import f32
from initlab.ui.views import data_note

ACCURACY_SCHEME = "viridis"       # perceptually uniform, readable with the common colour-blindness
DIVERGED_COLOR = "#7f7f7f"
FIELDS = ("lr", "l2")
RANGES = {"lr": (-4.0, 0.0), "l2": (-6.0, -1.0)}       # log10 ranges offered at the start
LIMITS = {"lr": (-6.0, 2.0), "l2": (-8.0, 1.0)}
INTRO = ("<b>Hyperparameter search</b>: train many short runs of the settings in the controls, "
         "each with its own learning rate and L2 from the ranges (random draws or a grid, "
         "both on a log scale), and score each on validation data. Random search tries a new "
         "value of every knob in every trial; a grid of the same size tries only a few values "
         "of each.")


def _range_slider(name: str, label: str) -> w.FloatRangeSlider:
    lo, hi = LIMITS[name]
    return w.FloatRangeSlider(value=RANGES[name], min=lo, max=hi, step=0.1,
                              description=f"log10 {label}", readout_format=".1f",
                              style={"description_width": "70px"},
                              layout=w.Layout(width="340px"))


class SearchView:
    """`widget`: the view.  start() begins a search (the lab's timer runs it;
    `lab.views.finish()` runs it now); `search` is the last Search, `message` its refusals."""

    name = "search"

    def __init__(self, lab: Any, switch: Any) -> None:
        self.lab, self.switch = lab, switch
        g = lab.status.guarded
        self.kind = w.ToggleButtons(options=["random", "grid"], value="random",
                                    tooltips=["log-uniform draws", "a log-spaced grid"],
                                    description="search", style={"button_width": "70px"})
        self.ranges = {"lr": _range_slider("lr", "lr"), "l2": _range_slider("l2", "L2")}
        self.trials = w.IntSlider(value=20, min=1, max=100, description="trials",
                                  style={"description_width": "70px"})
        self.steps = w.IntSlider(value=200, min=10, max=1000, step=10,
                                 description="steps/trial", style={"description_width": "70px"})
        self.start_button = w.Button(description="start", icon="play", button_style="primary",
                                     tooltip="Run the search on the settings in the controls")
        self.stop_button = w.Button(description="stop", icon="stop", disabled=True,
                                    tooltip="Stop after the trial that is running")
        self.use_button = w.Button(description="use these", icon="check", disabled=True,
                                   tooltip="Set the controls' lr and L2 to the best trial's")
        self.zoom_button = w.Button(description="zoom in", icon="search-plus", disabled=True,
                                    tooltip="Coarse to fine: narrow both ranges to a quarter "
                                            "(in decades) around the best trial")
        self.compare_toggle = w.ToggleButton(value=False, description="grid vs random",
                                             tooltip="Draw the learning rates a grid and a "
                                                     "random search of this size try")
        self.start_button.on_click(g(lambda _: self.start(), "the search"))
        self.stop_button.on_click(g(lambda _: self.switch.stop(), "stop"))
        self.use_button.on_click(g(lambda _: self.use_best(), "use these"))
        self.zoom_button.on_click(g(lambda _: self.zoom(), "zoom in"))
        self.compare_toggle.observe(g(lambda _: self._draw_projection(), "grid vs random"),
                                    "value")
        for slider in (*self.ranges.values(), self.trials):
            slider.observe(g(lambda _: self._draw_projection(), "the ranges"), "value")
        self.progress = w.IntProgress(value=0, min=0, max=1, description="done",
                                      style={"description_width": "70px"},
                                      layout=w.Layout(width="300px"))
        self.message = lean.html()
        self.best_text = lean.html()
        self.search: Search | None = None
        self._build_figures()
        side = w.VBox([self.kind, *self.ranges.values(), self.trials, self.steps,
                       w.HBox([self.start_button, self.stop_button]), self.progress,
                       self.message, self.best_text,
                       w.HBox([self.use_button, self.zoom_button]), self.compare_toggle],
                      layout=w.Layout(width="350px", flex="none"))
        pictures = w.VBox([self.figure, self.projection],
                          layout=w.Layout(flex="1 1 0px", min_width="0"))
        self.widget = w.VBox([lean.html(INTRO), w.HBox([side, pictures])],
                             layout=w.Layout(padding="0 8px"))
        self.widget.add_class("il-view")
        self.widget.add_class("il-view-search")
        self._draw_projection()

    # ---- pictures -------------------------------------------------------------------------
    def _build_figures(self) -> None:
        self.x = bq.LogScale(min=1e-4, max=1.0)
        self.y = bq.LogScale(min=1e-6, max=1e-1)
        self.color = bq.ColorScale(scheme=ACCURACY_SCHEME, min=0.0, max=1.0)
        scales = {"x": self.x, "y": self.y}
        self.points = bq.Scatter(x=f32([]), y=f32([]), color=f32([]),
                                 scales={**scales, "color": self.color}, default_size=48,
                                 stroke="#333", tooltip=bq.Tooltip(
                                     fields=["x", "y", "color"], labels=["lr", "L2", "val acc"],
                                     formats=[".2e", ".2e", ".0%"]))
        self.diverged = bq.Scatter(x=f32([]), y=f32([]), scales=scales, marker="cross",
                                   colors=[DIVERGED_COLOR], default_size=48)
        self.best_mark = bq.Scatter(x=f32([]), y=f32([]), scales=scales, marker="diamond",
                                    default_size=260, fill=False, stroke="black",
                                    stroke_width=2.5, colors=["black"])
        axes = [bq.Axis(scale=self.x, label="learning rate (log)", tick_format=".0e"),
                bq.Axis(scale=self.y, side="left", label="L2 (log)",
                        tick_format=".0e"),
                bq.ColorAxis(scale=self.color, side="right", label="val accuracy",
                             tick_format=".0%")]
        self.figure = bq.Figure(marks=[self.points, self.diverged, self.best_mark], axes=axes,
                                title="trials: colour = validation accuracy, ◇ = best, "
                                      "+ = diverged",
                                animation_duration=0, fig_margin=dict(top=30, bottom=40,
                                                                      left=60, right=90),
                                layout=w.Layout(width="auto", height="440px"),
                                title_style={"font-size": "12px"})
        self.projection = w.VBox([])            # its figure is made when first asked for
        self.projection_fig: bq.Figure | None = None

    def _build_projection(self) -> None:
        """The grid-vs-random picture, made on screen (a bqplot figure laid out while hidden
        has no size)."""
        self.px = bq.LogScale(min=1e-4, max=1.0)
        self.py = bq.OrdinalScale(domain=["grid", "random"])
        self.lr_ticks = bq.Scatter(x=f32([]), y=[], scales={"x": self.px, "y": self.py},
                                   marker="rectangle", default_size=40, colors=["#0072B2"])
        self.projection_text = lean.html()
        self.projection_fig = bq.Figure(
            marks=[self.lr_ticks], axes=[bq.Axis(scale=self.px, label="learning rate (log)",
                                                 tick_format=".0e"),
                                         bq.Axis(scale=self.py, side="left")],
            animation_duration=0, fig_margin=dict(top=5, bottom=35, left=60, right=90),
            layout=w.Layout(width="auto", height="110px"))

    def _space(self) -> dict:
        return {name: (10 ** self.ranges[name].value[0], 10 ** self.ranges[name].value[1])
                for name in FIELDS}

    def _draw_projection(self) -> None:
        """The distinct learning rates of a grid and of a random search of `trials` trials."""
        if not self.compare_toggle.value:
            self.projection.children = ()
            return
        if self.projection_fig is None:
            self._build_projection()
        self.projection.children = (self.projection_text, self.projection_fig)
        space, n = self._space(), self.trials.value
        grid = distinct_values(grid_points(space, n), "lr")
        rand = distinct_values(random_points(space, n, self.lab.config.seed), "lr")
        with self.lr_ticks.hold_sync():
            self.px.min, self.px.max = space["lr"]
            self.lr_ticks.x = f32(np.concatenate([grid, rand]))
            self.lr_ticks.y = ["grid"] * len(grid) + ["random"] * len(rand)
        per_axis = int(math.isqrt(n))
        self.projection_text.value = (
            f"<div>{n} trials: random search tries <b>{len(rand)}</b> distinct learning rates; "
            f"a grid tries <b>{len(grid)}</b> ({per_axis} x {per_axis} = {per_axis ** 2} "
            "trials). When the learning rate matters and L2 hardly does, the grid has "
            "spent most of its trials repeating the same few rates.</div>")

    def _draw_trials(self) -> None:
        trials = self.search.trials if self.search else []
        ok = [t for t in trials if not t.diverged]
        bad = [t for t in trials if t.diverged]
        top = self.search.best() if self.search else None
        with self.figure.hold_sync():
            self.points.x = f32([t.params["lr"] for t in ok])
            self.points.y = f32([t.params["l2"] for t in ok])
            self.points.color = f32([t.score for t in ok])
            self.diverged.x = f32([t.params["lr"] for t in bad])
            self.diverged.y = f32([t.params["l2"] for t in bad])
            self.best_mark.x = f32([top.params["lr"]] if top else [])
            self.best_mark.y = f32([top.params["l2"]] if top else [])
        self.use_button.disabled = self.zoom_button.disabled = top is None
        ties = sum(1 for t in ok if top is not None and t.score == top.score)
        tied = ("" if ties < 2 else
                f" ({ties} trials tie at {top.score:.0%}: the first is marked, and the "
                "search cannot tell them apart)")
        labels = {"lr": "learning rate", "l2": "L2"}
        edges = self.search.at_edge() if self.search else {}
        border = "".join(
            f" The best {labels[name]} is at the {end} end of its range: values beyond it were "
            f"not tried and may be better; widen that end before zooming in."
            for name, end in edges.items())
        self.best_text.value = ("" if top is None else
                                f"<div><b>best</b>: val accuracy {top.score:.0%} at lr "
                                f"{top.params['lr']:.3g}, L2 {top.params['l2']:.3g}"
                                f"{html.escape(tied)}.{html.escape(border)}</div>")

    # ---- actions --------------------------------------------------------------------------
    def start(self) -> None:
        """A new search of the controls' settings over the ranges (refused with a message if it
        is over the cost budget)."""
        self.switch.stop()
        try:
            search = Search(self.lab.config, self._space(), kind=self.kind.value,
                            trials=self.trials.value, steps=self.steps.value,
                            seed=self.lab.config.seed)
        except ValueError as err:
            self.message.value = (f"<div style='color:#b00020'>Not started: "
                                  f"{html.escape(str(err))}.</div>")
            return
        self.search = search
        with self.figure.hold_sync():
            (self.x.min, self.x.max), (self.y.min, self.y.max) = search.space["lr"], \
                search.space["l2"]
        self.progress.max, self.progress.value = len(search.points), 0
        self.message.value = (f"<div>0 of {len(search.points)} trials done (about "
                              f"{search.seconds:.0f} s of computing estimated)."
                              f"{html.escape(data_note(self.lab))}</div>")
        self._draw_trials()
        self.start_button.disabled, self.stop_button.disabled = True, False
        self.switch.start(self, self._job(search))

    def _job(self, search: Search) -> Iterator[None]:
        while not search.done:
            trial = search.step()
            self.progress.value = len(search.trials)
            what = "diverged" if trial.diverged else f"val acc {trial.score:.0%}"
            self.message.value = (f"<div>{len(search.trials)} of {len(search.points)} trials "
                                  f"done; the last: lr {trial.params['lr']:.3g}, L2 "
                                  f"{trial.params['l2']:.3g}: {html.escape(what)}</div>")
            self._draw_trials()
            yield

    def stopped(self) -> None:
        self.start_button.disabled, self.stop_button.disabled = False, True
        if self.search is not None and not self.search.done:
            self.message.value = (f"<div>Stopped after {len(self.search.trials)} of "
                                  f"{len(self.search.points)} trials.</div>")

    def use_best(self) -> None:
        """Set the controls' lr and L2 to the best trial's (lab.set: compare mode sets B)."""
        top = self.search.best() if self.search else None
        if top is not None:
            self.lab.set(**top.params)

    def zoom(self) -> None:
        """Coarse to fine: the ranges narrow around the best trial."""
        if self.search is None or self.search.best() is None:
            return
        for name, (lo, hi) in self.search.zoomed().items():
            slider = self.ranges[name]
            a, b = math.floor(math.log10(lo) * 10) / 10, math.ceil(math.log10(hi) * 10) / 10
            slider.value = (max(a, slider.min), min(b, slider.max))

    def follow(self) -> None:
        """Nothing depends on the controls until a search starts (it reads lab.config then)."""
