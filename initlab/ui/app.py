"""Lab: the live dashboard.  Controls -> Config -> Run -> Snapshot -> panels.

    from initlab import Lab
    Lab()                                   # or lab = Lab(activation="tanh"); lab.show()

Every control edits one Config field.  The new Config is kept at once (cheap); the Run follows it
on the next redraw: data, architecture, init and seed rebuild it (curves restart), learning rate,
optimiser and regularisation adjust the running model (curves go on).  Redraws are coalesced
(see live.py) so a slider drag ends on a picture of its last value.
"""
from __future__ import annotations

import html
import time
from typing import Any, Callable, Iterable

import ipywidgets as w

from initlab.core import links
from initlab.core.config import CLASS_RANGE, Config
from initlab.core.diagnose import diagnose
from initlab.lessons.presets import PRESETS
from initlab.core.run import Run
from initlab.core.snapshot import Snapshot
from initlab.ui import layout, lean
from initlab.ui.controls import LABEL_WIDTH, Controls, PaceControls, hand_set
from initlab.ui.findings import FindingsView
from initlab.ui.owndata import OwnData
from initlab.ui.live import Coalescer, Pace, Player, StatusArea
from initlab.ui.panels import PANELS
from initlab.ui.panels.base import RUN_COLORS
from initlab.ui.panels.raster import WebGLProbe
from initlab.data.userdata import BUILT_IN_FIELDS
from initlab.ui.runs import LabRuns, check_budget
from initlab.ui.share import ShareLink
from initlab.ui import views
from initlab.ui.summaries import summaries
from initlab.ui.views import ViewSwitch

STEP_BUDGET = 0.03        # least seconds of training per Play tick (after its redraw)
MAX_BUDGET = 0.1           # most, so that pause and slider events answer quickly
TICK_MS = 50              # Play interval: at most 20 redraws per second; the browser sets the pace
FULL_SPEED_ROUNDS = 2     # at full speed a tick draws and trains up to twice (live.Player)
PRESET_PROMPT = "choose an experiment..."


def loss_text(loss: float) -> str:
    """A loss for the status line: three decimals, or three significant digits once it is huge
    (a blown-up net's 6e+56 would otherwise print 57 digits)."""
    return f"{loss:.3f}" if abs(loss) < 1e4 else f"{loss:.3g}"


class Lab(w.VBox):
    """The whole lab in one widget.

    Lab(config=None, *, panels=None, controls=None, notice="", **fields)
      panels:   names to show (default all): "histograms", "depth", "dead_relu", "boundary",
                "loss", "ratio"
      controls: Config field names to offer (default all, in data/network/training tabs)
      notice:   a message to show at start (e.g. why a link's settings were not used)
      compare:  run B's Config (or a dict of the fields B changes) to open in compare mode
      view:     the view to open: "network" (the pictures), "checks", "search", "optimisers"
                (initlab.ui.views; `lab.views.select(name)` switches, the link carries it)
      fields:   Config fields overriding `config`, e.g. Lab(activation="tanh", depth=10)

    Compare mode (`lab.compare(**fields)`, or the "compare" toggle) pins the settings on screen
    as run A; from then on the controls and `lab.set` change run B only.  Both runs come from
    one seed and one data set, train in lockstep, and every panel draws both.  `lab.runs` is
    (run,) or (run_a, run_b); `lab.config` and `lab.run` are what the controls show (B).

    Programmatic use is synchronous: when set()/step()/reset() return, controls and every
    panel's marks show the new state.  play()/pause() drive the browser timer (needs the lab on
    screen).

    `findings` is the diagnosis under the status line (findings.py): after every redraw
    `diagnose(run)` lists what the pictures show, worst first, with a button for a one-knob fix.
    """

    def __init__(self, config: Config | None = None, *, panels: Iterable[str] | None = None,
                 controls: Iterable[str] | None = None, notice: str = "",
                 compare: Config | dict | None = None, view: str = "network",
                 **fields: Any) -> None:
        super().__init__(layout=lean.layout())     # a shared model, like every box's
        self._first_view = links.check_view(view)
        self.add_class("il-lab")
        config = (config or Config()).replace(**fields) if fields else (config or Config())
        names = list(PANELS) if panels is None else list(panels)
        unknown = [n for n in names if n not in PANELS]
        if unknown:
            raise ValueError(f"unknown panel {unknown[0]!r}: allowed are {', '.join(PANELS)}")
        self._config = config
        self._runs = LabRuns(config)
        if compare is not None:
            self._config = self._b_config(compare)
            check_budget(self._config, config)      # A and B train in this kernel together
            self._runs.start(self._config)
        self.status = StatusArea()
        self.share = ShareLink()
        self.findings_view = FindingsView(self.status.guarded(self._apply_fix, "a fix button"))
        self.findings = self.findings_view.widget
        self.panels = {n: PANELS[n]() for n in names}
        self.controls = Controls(config, self.status.guarded(self._on_control, "a control"),
                                 None if controls is None else list(controls),
                                 input_dim=self._run.data.input_dim)
        self.player = Player(self.status.guarded(self._tick, "training"), TICK_MS,
                             rounds=lambda: FULL_SPEED_ROUNDS if self.pace.speed is None else 1)
        self.pace = Pace()                         # Play's speed and stop (the row under Play)
        self.clock = time.perf_counter             # tests drive Play with their own clock
        self._undrawn = False                      # a tick trained steps not drawn yet
        self._draws = 0                            # redraws while playing
        self.webgl = WebGLProbe()                 # the page says if it has WebGL (raster.py)
        self.coalescer = Coalescer(self._redraw)
        self.redraw_seconds = 0.0
        self._last_tick: float | None = None
        self._light = False                        # this redraw skips the heavy panels (Play)
        self.timings: dict[str, float] = {}
        self._build_buttons()
        self.own = OwnData(self)                  # clicked / uploaded points (owndata.py)
        self.own.container = self.json_box.children[0]
        self.children = self._layout(show_controls=controls is None or bool(list(controls)))
        self._show_compare()
        self._redraw()
        if notice:
            self.status.say(notice, "warning")

    # ---- layout -----------------------------------------------------------------------------
    def _build_buttons(self) -> None:
        g = self.status.guarded
        self.play_button = w.ToggleButton(value=False, description="Play", icon="play",
                                          tooltip="Train continuously; press again to pause",
                                          layout=lean.layout(),
                                          style=lean.style(lean.ToggleButtonStyle))
        self.play_button.observe(g(self._on_play, "play"), "value")
        self.step_button = w.Button(description="Step", icon="step-forward",
                                    tooltip="Train one minibatch", layout=lean.layout(),
                                    style=lean.style(lean.ButtonStyle))
        self.step_button.on_click(g(lambda _: self.step(1), "step"))
        self.reset_button = w.Button(description="Reset", icon="refresh",
                                     tooltip="Start again: same settings, same seed, same numbers",
                                     layout=lean.layout(),
                                     style=lean.style(lean.ButtonStyle))
        self.reset_button.on_click(g(lambda _: self.reset(), "reset"))
        self.pace_controls = PaceControls(self.pace)
        self.compare_button = w.ToggleButton(
            value=False, description="compare",
            tooltip="Pin these settings as run A (blue); the controls then change run B "
                    "(orange), trained side by side from the same seed and data; "
                    "press again to end",
            layout=lean.layout(), style=lean.style(lean.ToggleButtonStyle))
        self.compare_button.observe(g(self._on_compare, "compare"), "value")
        self.presets = w.Dropdown(options=[PRESET_PROMPT, *PRESETS], value=PRESET_PROMPT,
                                  description="experiment", tooltip="Load one of the lecture's "
                                  "experiments; its lesson appears below",
                                  style=lean.style(lean.DescriptionStyle,
                                                   description_width=LABEL_WIDTH),
                                  layout=lean.layout(width="100%"))
        self.presets.observe(g(self._on_preset, "experiment"), "value")
        # The settings box's contents are made when it is first opened (or used from code):
        # most students never open it, and every widget model costs page load.
        self._json_text: w.Textarea | None = None
        self.json_box = w.Accordion([lean.vbox([])], layout=lean.layout())
        self.json_box.set_title(0, "settings as JSON (export / import) · your own data (CSV)")
        self.json_box.selected_index = None
        self.json_box.observe(g(self._on_json_box, "the settings box"), "selected_index")

    @property
    def json_text(self) -> w.Textarea:
        """The settings box's text (export writes it, import reads it)."""
        if self._json_text is None:
            self._fill_json_box()
        return self._json_text

    def _on_json_box(self, change: dict) -> None:
        if change["new"] is not None and self._json_text is None:
            self._fill_json_box()

    def _fill_json_box(self) -> None:
        g = self.status.guarded
        self._json_text = w.Textarea(placeholder="settings as JSON", rows=5,
                                     layout=lean.layout(width="100%"),
                                     style=lean.style(lean.TextStyle))
        export = w.Button(description="Export", tooltip="Write the current settings as JSON",
                          layout=lean.layout(), style=lean.style(lean.ButtonStyle))
        export.on_click(g(lambda _: self._export(), "export"))
        load = w.Button(description="Import", tooltip="Load settings from the JSON above",
                        layout=lean.layout(), style=lean.style(lean.ButtonStyle))
        load.on_click(g(lambda _: self._import(), "import"))
        box = self.json_box.children[0]
        box.children = (self._json_text, export, load, *box.children, *self.own.make_widgets())

    def _layout(self, show_controls: bool) -> list[w.Widget]:
        """Header line; control column (experiment, buttons, controls, status, findings,
        settings) beside the picture grid (see layout.py)."""
        # one wrapping box (every box is a model the page builds): Play Step Reset / speed,
        # stop at / compare, link (layout.py sizes them)
        buttons = lean.hbox([self.play_button, self.step_button, self.reset_button,
                             *self.pace_controls.widgets, self.compare_button,
                             self.share.widget])
        buttons.add_class("il-play")
        side_parts = [self.presets, buttons]
        if show_controls:
            side_parts.append(self.controls.widget)
        side = lean.vbox([*side_parts, self.status.widget, self.findings, self.json_box])
        side.add_class("il-side")
        self.status.widget.add_class("il-status")
        cells = [layout.cell(name, panel) for name, panel in self.panels.items()]
        grid = layout.grid(cells, list(self.panels), list(PANELS))
        main = lean.hbox([side, grid])
        main.add_class("il-main")
        self.views = ViewSwitch(self, main, grid, self._first_view)   # the switch above the grid
        head = layout.header(self.panels.values())
        head.value += views.STYLE
        # the two browser timers are hidden Play widgets (their layout says display: none)
        return [head, main, self.player.timer, self.coalescer.timer, self.webgl.widget]

    def show(self) -> None:
        """Display the lab in the current notebook output."""
        from IPython.display import display
        display(self)

    # ---- state ------------------------------------------------------------------------------
    @property
    def config(self) -> Config:
        """The Config the controls show (the run catches up on the next redraw)."""
        return self._config

    @property
    def run(self) -> Run:
        """The Run the controls drive (run B in compare mode), brought up to date with `config`."""
        self._sync_run()
        return self._run

    @property
    def runs(self) -> tuple[Run, ...]:
        """(run,) or, in compare mode, (run_a, run_b); up to date with the controls."""
        self._sync_run()
        return self._runs.all

    @property
    def comparing(self) -> bool:
        return self._runs.comparing

    @property
    def _run(self) -> Run:
        return self._runs.driven

    @property
    def snapshot(self) -> Snapshot:
        """The snapshot of `run` (run B in compare mode)."""
        return self.run.snapshot()

    def _apply_fix(self, **fields: Any) -> None:
        """A finding's fix button: set its fields; a run that blew up starts again with them
        (a lower learning rate cannot rescue weights that are already NaN)."""
        self.set(**fields)
        if self.run.diverged:
            self.reset()

    def _use_data(self, make_data: Callable[[Config], Any]) -> None:
        """Fresh runs (both in compare mode), same Configs, on other examples: make_data(config)
        gives a run's Data (own points), None the built-in data.  Raises what make_data raises,
        and then nothing has changed."""
        self._runs.use_data(make_data)
        self.controls.input_dim = self._run.data.input_dim

    def _sync_run(self) -> str:
        # own points survive what they can (OwnData.follow), in run B too when comparing
        follow = self.own.follow if self.own.points is not None else None
        outcome = self._runs.sync(self._config, follow)
        if outcome == "rebuilt":
            self.controls.input_dim = self._run.data.input_dim
            self.controls.show(self._config)
        return outcome

    # ---- programmatic API -------------------------------------------------------------------
    def set(self, **fields: Any) -> Config:
        """Change Config fields and redraw; returns the new Config.

        Invalid values raise ValueError and change nothing.
        """
        config = self._priced(self._config.replace(**fields))
        self._use(config)
        self.coalescer.flush()
        return config

    def use(self, config: Config) -> None:
        """Switch to a whole Config (e.g. a preset or one loaded from JSON)."""
        if not isinstance(config, Config):
            raise ValueError(f"config must be an initlab Config, got {type(config).__name__}")
        self._use(self._priced(config))
        self.coalescer.flush()

    def step(self, n: int = 1) -> int:
        """Train n minibatches now, then redraw.  Returns how many were done."""
        self._sync_run()
        done = self._runs.step(int(n))
        self._redraw_now()
        return done

    def play(self) -> None:
        self.play_button.value = True

    def pause(self) -> None:
        self.play_button.value = False

    def reset(self) -> None:
        """Start the run (both in compare mode) again: same Config, same seed, same numbers."""
        self._sync_run()
        self._runs.reset()
        self.status.say("")
        self._redraw_now()

    def compare(self, on: bool | Config = True, **fields: Any) -> Config | None:
        """Compare mode.  lab.compare(init="he_normal"): pin the settings on screen as run A and
        open run B = A with those fields changed; returns B's Config.  lab.compare(config_b)
        takes a whole Config for B; lab.compare(False) ends compare mode (B carries on alone).

        Called again while comparing, B is A's settings with the new fields changed.
        Both runs restart from step 0.  Invalid fields raise ValueError and change nothing.
        """
        if on is False:
            if fields:
                raise ValueError("compare(False) ends compare mode: it takes no fields")
            self._runs.stop()
            self._show_compare()
            self.status.say("")
            self._redraw_now()
            return None
        if on is not True and not isinstance(on, Config):
            raise ValueError(f"compare's first argument must be True, False or a Config, "
                             f"got {on!r}")
        config_a = self._runs.pinned or self._config
        config_b = on.replace(**fields) if isinstance(on, Config) else config_a.replace(**fields)
        self._priced(config_b, config_a)
        self._sync_run()
        self._config = config_b
        if self._runs.comparing:
            self._runs.sync(config_b)
            self._runs.reset()
        else:
            self._runs.start(config_b)
        self.controls.show(config_b)
        self._show_compare()
        self.status.say("")
        self._redraw_now()
        return config_b

    def _b_config(self, compare: Config | dict) -> Config:
        if isinstance(compare, Config):
            return compare
        if isinstance(compare, dict):
            return self._config.replace(**compare)
        raise ValueError(f"compare must be run B's Config or a dict of its fields, "
                         f"got {type(compare).__name__}")

    def _show_compare(self) -> None:
        """The toggle's state follows the mode (without calling back into it)."""
        on = self._runs.comparing
        if self.compare_button.value != on:
            self._quiet_toggle = True
            try:
                self.compare_button.value = on
            finally:
                self._quiet_toggle = False

    # ---- callbacks --------------------------------------------------------------------------
    def _on_compare(self, change: dict) -> None:
        if getattr(self, "_quiet_toggle", False):
            return
        self.compare(bool(change["new"]))

    def _priced(self, config: Config, pinned: Config | None = None) -> Config:
        """`config`, if the runs it makes fit the cost budget together: with run A (`pinned`, or
        the pinned run in compare mode) and on the student's points while they stay (a change
        of a built-in data field leaves them).  ValueError naming rows and limit otherwise."""
        points = self.own.points
        if points is not None and self._config.changed_fields(config) & BUILT_IN_FIELDS:
            points = None
        check_budget(config, pinned or self._runs.pinned, points)
        return config

    def _use(self, config: Config, notice: str = "") -> None:
        self._config = config
        self.controls.show(config)
        self.status.say(notice)
        self.coalescer.pending = True

    def _on_control(self, name: str, value: Any) -> None:
        changes = {name: value}
        notice = ""
        if name == "dataset":                     # keep the class count the new data set allows
            lo, hi = CLASS_RANGE[value]
            if not lo <= self._config.n_classes <= hi:
                changes["n_classes"] = min(max(self._config.n_classes, lo), hi)
                notice = f"{value} has {lo}..{hi} classes: classes set to {changes['n_classes']}."
        if name == "weight_std" and not hand_set(self._config.init):
            changes["init"] = "gaussian"          # the slider sets a scale: that is N(0, std^2)
            notice = (f"init switched from {self._config.init} to gaussian: N(0, {value:.3g}²) "
                      "in every layer.")
        try:
            config = self._priced(self._config.replace(**changes))
        except ValueError as err:
            self.status.say(f"{err}. Kept {name}={getattr(self._config, name)!r}.", "warning")
            self.controls.show(self._config)      # snap back to the last valid value
            return
        self._use(config, notice)
        self.coalescer.request()

    def _on_play(self, change: dict) -> None:
        if change["new"]:
            self._sync_run()
            if self._runs.diverged:               # nothing to train: say so and stay paused
                self.play_button.value = False
                self._redraw_now()
                return
            self.play_button.description, self.play_button.icon = "Pause", "pause"
            self._last_tick = None
            self.pace.start(self.clock(), self._run.step_count)
            self.player.start()
        else:
            self.play_button.description, self.play_button.icon = "Play", "play"
            self.player.stop()
            self._redraw_now()                    # show the steps of the last tick
            self._undrawn = False

    def _tick(self) -> None:
        """One Play tick: redraw what the last tick trained, then train what the pace allows.

        Drawing first lets the browser render while the kernel trains (comm messages leave
        through ipykernel's IOPub thread at once); the next tick comes when both are done.
        At a set speed a tick trains the steps due since the last one (live.Pace; most ticks of
        slow motion train none and draw nothing).  At "max" the budget fills the time the
        browser needs between ticks, so a slow browser costs redraws per second but not
        training speed.  Play pauses at the chosen stop step, both runs exactly there.
        """
        now = self.clock()
        period = now - self._last_tick if self._last_tick is not None else 0.0
        self._last_tick = now
        if self._undrawn:
            # fast, the heavy pictures (rasters over the plane) every second redraw: the
            # browser's time per tick limits redraws per second (Panel.heavy); pausing redraws
            # everything
            self._draws += 1
            fast = self.pace.speed is None or self.pace.speed > 20
            self._light = fast and self._draws % 2 == 0
            try:
                self._redraw_now()
            finally:
                self._light = False
            self._undrawn = False
        self._sync_run()
        if self._runs.diverged:
            self.pause()
            return
        due = self.pace.due(now, self._run.step_count)
        if due:
            budget = (max(STEP_BUDGET, self.redraw_seconds,
                          min(MAX_BUDGET, 0.5 * (period - self.redraw_seconds)))
                      if self.pace.speed is None else MAX_BUDGET)
            done = self._runs.step_for(budget, max_steps=due)
            self.pace.give_back(due - done)
            self._undrawn = done > 0
        if self._runs.diverged or self.pace.reached(self._run.step_count):
            self.pause()

    def _on_preset(self, change: dict) -> None:
        if change["new"] == PRESET_PROMPT:
            return
        preset = PRESETS[change["new"]]
        for panel in self.panels.values():     # a comparison opens on A: the problem
            if hasattr(panel, "show_run"):
                panel.show_run("A" if preset.compare else "B")
        self._open(preset.config, preset.compare_config, preset.lesson)

    def _open(self, a: Config, b: Config | None, notice: str = "") -> None:
        """Fresh runs of A (and B: compare mode) from step 0: an experiment, a JSON file."""
        self._runs.restart(a, b)
        self._use(b or a, notice)
        self._sync_run()
        self._show_compare()
        self.coalescer.flush()

    def _export(self) -> None:
        """Both runs' settings in compare mode, and own points (see initlab.core.links)."""
        pinned = self._runs.pinned
        a, b = (pinned, self._config) if pinned is not None else (self._config, None)
        self.json_text.value = links.to_json(a, b, points=self.own.points,
                                             view=self.views.current, indent=1)

    def _import(self) -> None:
        try:
            session = links.from_json(self.json_text.value)
        except ValueError as err:
            self.status.say(f"Those settings were not loaded: {err}", "warning")
            return
        notice = "Settings loaded" + (" (run A and run B)." if session.b else ".")
        if session.points is None:
            self.own.drop()
            self._open(session.a, session.b, notice)
        else:
            self._open(session.a, session.b)
            self.own.use(session.points, notice[:-1] + f" with your {len(session.points)} "
                                                         f"points.")
        self.views.select(session.view)

    # ---- drawing ----------------------------------------------------------------------------
    def _redraw_now(self) -> None:
        self.coalescer.pending = True
        self.coalescer.flush()

    def _redraw(self) -> None:
        """Bring the run up to the config, take its snapshot, update every panel and the status."""
        t0 = time.perf_counter()
        self._sync_run()
        t1 = time.perf_counter()
        runs = self._runs.all
        snapshots = [run.snapshot() for run in runs]
        t2 = time.perf_counter()
        other = (snapshots[1], runs[1].history) if len(runs) == 2 else None
        for name, panel in self.panels.items():
            if panel.heavy and self._light:
                continue
            draw = self.status.guarded(panel.update, f"the {name} panel")
            draw(snapshots[0], runs[0].history, *([] if other is None else [other]))
        self.status.guarded(self.own.update, "your points")()
        line = (self._status_line(runs[0], snapshots[0]) if len(runs) == 1
                else self._compare_lines(runs, snapshots))
        self.status.show(line + self._described(runs, snapshots))
        self._show_link()
        t3 = time.perf_counter()
        self.status.guarded(self._diagnose, "the diagnosis")(runs, snapshots)
        self.status.guarded(self.views.follow, "the view")()
        t4 = time.perf_counter()
        self.redraw_seconds = t4 - t0
        self.timings = dict(run=t1 - t0, snapshot=t2 - t1, panels=t3 - t2,
                            findings=t4 - t3)   # seconds

    def _show_link(self) -> None:
        """The share box: both runs' settings in compare mode, and the view."""
        runs = self._runs.all
        self.share.show(runs[0].config, runs[1].config if len(runs) == 2 else None,
                        own_points=self.own.points is not None, view=self.views.current)

    def _diagnose(self, runs: tuple[Run, ...], snapshots: list[Snapshot]) -> None:
        """List what diagnose() finds in the run (both runs comparing: B's get fix buttons)."""
        if len(runs) == 1:
            self.findings_view.update([("", diagnose(runs[0], snapshots[0]))])
        else:
            self.findings_view.update([("A", diagnose(runs[0], snapshots[0])),
                                       ("B", diagnose(runs[1], snapshots[1]))], fixable="B")

    def _described(self, runs: tuple[Run, ...], snapshots: list[Snapshot]) -> str:
        """What every picture shows now (summaries.py), for screen readers: in the page, visually
        hidden, in a polite live region beside the status line."""
        tags = ("A", "B") if len(runs) == 2 else ("",)
        lines = [text for run, snap, tag in zip(runs, snapshots, tags)
                 for text in summaries(snap, run.history, tag)]
        return ("<div class='il-sr' role='status' aria-live='polite' aria-label='what the "
                "pictures show'>" + "".join(f"<p>{html.escape(t)}</p>" for t in lines)
                + "</div>")

    def _status_line(self, run: Run, snap: Snapshot) -> str:
        """The run's step, epoch, loss and accuracy, and its message."""
        h = run.history
        parts = [f"step {run.step_count}", f"epoch {run.epoch:.1f}",
                 f"loss {loss_text(snap.loss)}" + (f" (ln C = {snap.expected_initial_loss:.3f})"
                                            if run.step_count == 0 else "")]
        if h.eval_steps:
            parts.append(f"train acc {h.train_acc[-1]:.0%}, val acc {h.val_acc[-1]:.0%}")
        line = " &middot; ".join(parts)
        if run.diverged:
            line += (f"<div style='color:#b00020;font-weight:bold'>"
                     f"{html.escape(run.message)}</div>")
        elif run.message:
            line += f"<div style='color:#555'>{html.escape(run.message)}</div>"
        return f"<div>{line}</div>"

    def _compare_lines(self, runs: tuple[Run, ...], snaps: list[Snapshot]) -> str:
        """Compare mode's status: one short line per run in its colour, then what differs."""
        lines = []
        for run, snap, tag in zip(runs, snaps, "AB"):
            h = run.history
            text = f"step {run.step_count} &middot; loss {loss_text(snap.loss)}"
            if h.eval_steps:
                text += f" &middot; acc {h.train_acc[-1]:.0%} / val {h.val_acc[-1]:.0%}"
            if run.diverged:
                what = (f"out of memory in step {run.diverged_at + 1}"   # Run.message's words
                        if run.status == "out_of_memory" else f"diverged at step {run.diverged_at}")
                text += f" <b style='color:#b00020'>{what}</b>"
            lines.append(f"<b style='color:{RUN_COLORS[tag]}'>{tag}</b> {text}")
        a, b = runs[0].config, runs[1].config
        names = sorted(a.changed_fields(b))
        diff = ("same settings: change a control to set B" if not names else
                "A: " + ", ".join(f"{n}={getattr(a, n)}" for n in names) + " · B: "
                + ", ".join(f"{n}={getattr(b, n)}" for n in names))
        lines.append(f"<div style='color:#555;white-space:nowrap;overflow:hidden;"
                     f"text-overflow:ellipsis' title='{html.escape(diff, quote=True)}'>"
                     f"{html.escape(diff)}</div>")
        return "<div>" + "<br>".join(lines[:2]) + lines[2] + "</div>"
