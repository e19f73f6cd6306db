"""The optimisers view: SGD, momentum, Nesterov, AdaGrad, RMSProp and Adam as paths on a 2-D
loss surface (initlab.lessons.surfaces), with the learning rate and momentum of the controls.

Six paths are six Lines marks over the surface's contour lines (one more Lines mark); Play
animates them step by step.  The start point is a draggable dot (or typed in the boxes).
Each rule has a colour-blind-safe colour (Okabe-Ito) and two more cues: its own dash and marker
(one marker per step, so step sizes show), and its name written at the head of its path.  The
legend is the line under the figure (each rule's dash, marker, name and loss now): bqplot's own
legend wrote broken SVG transforms in the page.  Beside the figure: what to see on this surface
and what each rule computes (surfaces.NOTES and RULE_FORMS, each claim tested).
"""
from __future__ import annotations

from typing import Any

import bqplot as bq
import ipywidgets as w
import numpy as np

from initlab.lessons.surfaces import NOTES, RULE_FORMS, RULES, final_losses, get_surface, paths
from initlab.ui import lean
from initlab.ui.panels.base import f32

# Okabe & Ito's palette: told apart with the common colour-blindnesses
RULE_COLORS = {"sgd": "#000000", "momentum": "#E69F00", "nesterov": "#56B4E9",
               "adagrad": "#009E73", "rmsprop": "#CC79A7", "adam": "#D55E00"}
RULE_NAMES = {"sgd": "SGD", "momentum": "momentum", "nesterov": "Nesterov",
              "adagrad": "AdaGrad", "rmsprop": "RMSProp", "adam": "Adam"}
# the second cue, for the colour-blind and for print: bqplot's dash and marker per rule (every
# pair of rules differs in one of them), and the same pair written in the legend
RULE_STYLES = {"sgd": ("solid", "circle"), "momentum": ("dashed", "square"),
               "nesterov": ("dotted", "triangle-up"), "adagrad": ("dash_dotted", "diamond"),
               "rmsprop": ("dashed", "cross"), "adam": ("solid", "triangle-down")}
LEGEND_DASH = {"solid": "\u2500", "dashed": "\u254c", "dotted": "\u2508",
               "dash_dotted": "\u2500\u00b7"}
LEGEND_MARKER = {"circle": "\u25cf", "square": "\u25a0", "triangle-up": "\u25b2",
                 "diamond": "\u25c6", "cross": "\u2715", "triangle-down": "\u25bc"}
CONTOUR_COLOR = "#c8c8c8"
DEFAULT_STEPS = 200
INTRO = ("<b>Optimisers</b> on a 2-D loss surface, with the learning rate and momentum of the "
         "controls (momentum is also Adam's beta1 and RMSProp's decay, which is 0.99 at momentum "
         "0, as in the lab). Press Play to watch the six rules step; drag the start point (the "
         "hollow circle) or type it.")


class OptimisersView:
    """`widget`: the view; `draw()` recomputes the paths (lab.config's lr and momentum, the
    start, the surface); `step.value` is how far Play has drawn them."""

    name = "optimisers"

    def __init__(self, lab: Any, switch: Any) -> None:
        self.lab = lab
        g = lab.status.guarded
        self.surface = w.ToggleButtons(options=[("narrow valley", "valley"),
                                                ("saddle", "saddle")], value="saddle",
                                       description="surface", style={"button_width": "100px"})
        self.x0 = w.FloatText(description="start x", layout=w.Layout(width="150px"),
                              style={"description_width": "50px"})
        self.y0 = w.FloatText(description="start y", layout=w.Layout(width="150px"),
                              style={"description_width": "50px"})
        self.steps = w.IntSlider(value=DEFAULT_STEPS, min=10, max=1000, step=10,
                                 description="steps", style={"description_width": "50px"})
        self.step = w.IntSlider(value=DEFAULT_STEPS, min=0, max=DEFAULT_STEPS,
                                description="step", style={"description_width": "50px"})
        # repeat: Play from the whole paths starts them again from the start point
        self.play = w.Play(value=0, min=0, max=DEFAULT_STEPS, step=1, interval=40,
                           description="Play the paths", repeat=True, show_repeat=False)
        # linked in the kernel, which draws every step anyway (a jslink's first copy raced the
        # kernel's own setting of both and left the picture at step 0)
        w.link((self.play, "value"), (self.step, "value"))
        self.settings = lean.html()
        self.readout = lean.html()
        self.notes = lean.html(width="340px", max_height="470px", overflow="auto",
                               flex="0 0 340px")
        self._build_figure()
        self.points = np.zeros((len(RULES), 1, 2))
        self._key: tuple = ()
        self.surface.observe(g(self._on_surface, "the surface"), "value")
        for box in (self.x0, self.y0):
            box.observe(g(lambda _: self._typed(), "the start point"), "value")
        self.steps.observe(g(lambda _: self.draw(), "steps"), "value")
        self.step.observe(g(lambda _: self._show_step(), "the step"), "value")
        self.start_dot.observe(g(lambda _: self._dragged(), "the start point"), ["x", "y"])
        self._on_surface({"new": self.surface.value})
        top = w.HBox([self.surface, self.x0, self.y0])
        top.add_class("il-row")
        animate = w.HBox([self.play, self.step, self.steps])
        animate.add_class("il-row")
        picture = w.HBox([self.figure, self.notes], layout=w.Layout(width="100%"))
        self.widget = w.VBox([lean.html(INTRO), top, animate, self.settings, picture,
                              self.readout], layout=w.Layout(padding="0 8px"))
        self.widget.add_class("il-view")
        self.widget.add_class("il-view-optimisers")

    def _build_figure(self) -> None:
        # made with the first surface's window and start: no mark is drawn without a place
        first = get_surface(self.surface.value)
        self.x = bq.LinearScale(min=first.x_range[0], max=first.x_range[1])
        self.y = bq.LinearScale(min=first.y_range[0], max=first.y_range[1])
        sx, sy = first.start
        scales = {"x": self.x, "y": self.y}
        self.contours = bq.Lines(x=f32(first.contours[0]), y=f32(first.contours[1]), scales=scales,
                                 colors=[CONTOUR_COLOR], stroke_width=1)
        at_start = np.full((len(RULES), 2), sx), np.full((len(RULES), 2), sy)
        # one mark per rule: bqplot gives a mark one dash and one marker
        self.lines = [bq.Lines(x=f32(at_start[0][i]), y=f32(at_start[1][i]), scales=scales,
                               colors=[RULE_COLORS[r]], labels=[RULE_NAMES[r]], stroke_width=2,
                               line_style=RULE_STYLES[r][0], marker=RULE_STYLES[r][1],
                               marker_size=9)
                      for i, r in enumerate(RULES)]
        # each path's head: a dot in the rule's colour with the rule's name beside it
        self.heads = bq.Scatter(x=f32(np.full(len(RULES), sx)), y=f32(np.full(len(RULES), sy)),
                                names=[RULE_NAMES[r] for r in RULES], display_names=True,
                                scales=scales, colors=[RULE_COLORS[r] for r in RULES],
                                default_size=30)
        self.start_dot = bq.Scatter(x=f32([sx]), y=f32([sy]), scales=scales, enable_move=True,
                                    # filled white, so all of it catches the drag
                                    colors=["white"], stroke="#333333",
                                    stroke_width=2, default_size=120,
                                    tooltip=None)
        axes = [bq.Axis(scale=self.x, label="w0"),
                bq.Axis(scale=self.y, label="w1", side="left")]
        self.figure = bq.Figure(marks=[self.contours, *self.lines, self.heads, self.start_dot],
                                axes=axes, animation_duration=0,
                                fig_margin=dict(top=30, bottom=40, left=50, right=20),
                                layout=w.Layout(width="auto", height="470px", flex="1 1 auto"),
                                title_style={"font-size": "12px"})

    # ---- inputs ---------------------------------------------------------------------------
    def _on_surface(self, change: dict) -> None:
        s = get_surface(change["new"])
        xs, ys = s.contours
        with self.figure.hold_sync():
            self.x.min, self.x.max = s.x_range
            self.y.min, self.y.max = s.y_range
            self.contours.x, self.contours.y = f32(xs), f32(ys)
            self.figure.title = s.title
        self.notes.value = notes_html(s.name)
        self._set_start(*s.start)

    def _set_start(self, x: float, y: float, dot: bool = True) -> None:
        """Start at (x, y): the boxes, the dot (unless it was dragged there), the paths."""
        self._quiet = True
        try:
            self.x0.value, self.y0.value = float(x), float(y)
            if dot:
                with self.start_dot.hold_sync():
                    self.start_dot.x, self.start_dot.y = f32([x]), f32([y])
        finally:
            self._quiet = False
        self.draw()

    def _typed(self) -> None:
        if not getattr(self, "_quiet", False):
            self._set_start(self.x0.value, self.y0.value)

    def _dragged(self) -> None:
        if not getattr(self, "_quiet", False) and len(self.start_dot.x):
            self._set_start(float(self.start_dot.x[0]), float(self.start_dot.y[0]), dot=False)

    def follow(self) -> None:
        """The controls changed (or the view was opened): redraw if lr or momentum did."""
        self.draw()

    # ---- drawing --------------------------------------------------------------------------
    def draw(self) -> None:
        """Recompute the six paths if anything they depend on changed; show them up to step."""
        cfg = self.lab.config
        key = (self.surface.value, self.x0.value, self.y0.value, cfg.lr, cfg.momentum,
               self.steps.value)
        if key == self._key:
            return
        self._key = key
        self.points = paths(self.surface.value, (self.x0.value, self.y0.value), cfg.lr,
                            cfg.momentum, self.steps.value)
        self.settings.value = (f"<div>lr {cfg.lr:g} and momentum {cfg.momentum:g} from the "
                               f"controls; {self.steps.value} steps from ({self.x0.value:.3g}, "
                               f"{self.y0.value:.3g}).</div>")
        self.play.playing = False
        self.play.max = self.step.max = self.steps.value
        # a new picture shows the whole paths
        if self.step.value == self.steps.value:
            self._show_step()
        else:
            self.step.value = self.steps.value

    def _show_step(self) -> None:
        t = min(self.step.value, self.points.shape[1] - 1)
        # at step 0 the start twice: bqplot squeezes a (6, 1) array into one line of 6 points
        shown = self.points[:, :t + 1] if t > 0 else self.points[:, [0, 0]]
        heads = np.array([p[np.flatnonzero(np.isfinite(p[:, 0]))[-1]] for p in shown])
        with self.figure.hold_sync():
            for line, path in zip(self.lines, shown):
                line.x, line.y = f32(path[:, 0]), f32(path[:, 1])
            self.heads.x, self.heads.y = f32(heads[:, 0]), f32(heads[:, 1])
            self.heads.names = head_names(heads, get_surface(self.surface.value))
        losses = final_losses(self.surface.value, shown)
        gone = [RULE_NAMES[r] for r, p in zip(RULES, shown) if not np.isfinite(p[-1, 0])]
        # the legend: each rule's line in its colour, its name and its loss now
        cells = "".join(f"<span class='il-rule' style='color:{RULE_COLORS[r]};margin-right:10px;"
                        f"white-space:nowrap'>{legend_key(r)} <b>{RULE_NAMES[r]}</b> "
                        f"{loss:.3g}</span>" for r, loss in zip(RULES, losses))
        self.readout.value = (f"<div>loss at step {t}: {cells}"
                              + (f"<br>diverged (drawn until they left the numbers): "
                                 f"{', '.join(gone)}" if gone else "") + "</div>")


def legend_key(rule: str) -> str:
    """The rule's dash and marker as text, one token: dash, marker, dash."""
    dash, marker = RULE_STYLES[rule]
    return LEGEND_DASH[dash] + LEGEND_MARKER[marker] + LEGEND_DASH[dash]


def head_names(heads: np.ndarray, surface: Any, near: float = 0.03) -> list[str]:
    """The names written at the paths' heads (rules, 2): where heads lie within `near` of the
    window of each other, the first carries all their names ("momentum, Adam") and the others
    none, so names written on one spot stay readable."""
    span = np.array([np.diff(surface.x_range)[0], np.diff(surface.y_range)[0]])
    names = [""] * len(RULES)
    taken = [False] * len(RULES)
    for i in range(len(RULES)):
        if taken[i]:
            continue
        group = [j for j in range(i, len(RULES)) if not taken[j]
                 and np.all(np.abs(heads[j] - heads[i]) <= near * span)]
        for j in group:
            taken[j] = True
        names[i] = ", ".join(RULE_NAMES[RULES[j]] for j in group)
    return names


def notes_html(surface: str) -> str:
    """What to see on the surface (NOTES) and, folded, what each rule computes (RULE_FORMS)."""
    seen = "".join(f"<li>{text}</li>" for _, text in NOTES[surface])
    forms = "".join(f"<li><b style='color:{RULE_COLORS[r]}'>{legend_key(r)} {RULE_NAMES[r]}"
                    f"</b>: {RULE_FORMS[r]}</li>" for r in RULES)
    return ("<div style='font-size:12px;line-height:1.35'><b>What to see</b>"
            f"<ul style='padding-left:16px;margin:4px 0'>{seen}</ul>"
            "<details><summary>what each rule computes, beside PyTorch</summary>"
            f"<ul style='padding-left:16px;margin:4px 0'>{forms}</ul></details></div>")
