"""Lab: the live dashboard.  Controls -> Config -> Run -> Snapshot -> panels.

    from initlab import Lab
    Lab()                                   # or lab = Lab(activation="tanh"); lab.show()

The Lab is the view: it builds the widgets and draws what its controller (controller.py: the
settings, runs, compare mode, import/export and own points, without a widget) returns; the
status line is statusline.py's.  Every control edits one Config field.  The new Config is kept
at once (cheap); the runs follow it on the next redraw: data, architecture, init and seed
rebuild a run (curves restart), learning rate, optimiser and regularisation adjust it (curves go
on).  Redraws are coalesced (see live.py) so a slider drag ends on a picture of its last value.
"""
from __future__ import annotations

import time
from typing import Any, Iterable

import ipywidgets as w

from initlab.core import links
from initlab.core.config import Config
from initlab.core.diagnose import diagnose
from initlab.core.run import Run
from initlab.core.snapshot import Snapshot
from initlab.lessons.presets import PRESETS
from initlab.ui import lean
from initlab.ui.controller import LabController, Shown
from initlab.ui.controls import Controls
from initlab.ui.findings import FindingsView
from initlab.ui.frame import PRESET_PROMPT, LabFrame
from initlab.ui.live import Coalescer, Pace, Player, StatusArea
from initlab.ui.owndata import OwnData
from initlab.ui.panels import PANELS
from initlab.ui.panels.base import RUN_COLORS, run_views
from initlab.ui.panels.raster import WebGLProbe
from initlab.ui.runs import LabRuns
from initlab.ui.share import ShareLink
from initlab.ui.statusline import described, loss_text, status_html  # noqa: F401 (loss_text)

STEP_BUDGET = 0.03        # least seconds of training per Play tick (after its redraw)
MAX_BUDGET = 0.1           # most, so that pause and slider events answer quickly
TICK_MS = 50              # Play interval: at most 20 redraws per second; the browser sets the pace
FULL_SPEED_ROUNDS = 2     # at full speed a tick draws and trains up to twice (live.Player)


class Lab(LabFrame, w.VBox):
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
    `lab.controller` is the same lab without widgets (controller.py).

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
        names = list(PANELS) if panels is None else list(panels)
        unknown = [n for n in names if n not in PANELS]
        if unknown:
            raise ValueError(f"unknown panel {unknown[0]!r}: allowed are {', '.join(PANELS)}")
        self.controller = LabController(config, compare=compare, **fields)
        self.status = StatusArea()
        self.share = ShareLink()
        self.findings_view = FindingsView(self.status.guarded(self._apply_fix, "a fix button"))
        self.findings = self.findings_view.widget
        self.panels = {n: PANELS[n]() for n in names}
        self.controls = Controls(self.config,
                                 self.status.guarded(self._on_control, "a control"),
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
        # clicked / uploaded points (owndata.py): the controller holds them
        self.own = OwnData(self.controller, self.panels.get("boundary"), self.status,
                           self._redraw_now)
        self.own.container = self.json_box.children[0]
        self.children = self._layout(show_controls=controls is None or bool(list(controls)))
        self._show_compare()
        self._redraw()
        if notice:
            self.status.say(notice, "warning")

    # ---- state ------------------------------------------------------------------------------
    @property
    def config(self) -> Config:
        """The Config the controls show (the run catches up on the next redraw)."""
        return self.controller.config

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
        return self.controller.comparing

    @property
    def _runs(self) -> LabRuns:
        return self.controller.run_list

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

    def _sync_run(self) -> str:
        """The runs catch up with the Config; the controls with the data (its input size)."""
        outcome = self.controller.sync()
        dim = self._run.data.input_dim
        if outcome == "rebuilt" or dim != self.controls.input_dim:
            self.controls.input_dim = dim
            self.controls.show(self.config)
        return outcome

    # ---- programmatic API -------------------------------------------------------------------
    def set(self, **fields: Any) -> Config:
        """Change Config fields and redraw; returns the new Config.

        Invalid values raise a FieldError (a ValueError naming the field) and change nothing.
        """
        config = self.controller.set(**fields)
        self._show_config()
        self.coalescer.flush()
        return config

    def use(self, config: Config) -> None:
        """Switch to a whole Config (e.g. a preset or one loaded from JSON)."""
        self.controller.use(config)
        self._show_config()
        self.coalescer.flush()

    def step(self, n: int = 1) -> int:
        """Train n minibatches now, then redraw.  Returns how many were done."""
        self._sync_run()
        done = self.controller.step(n)
        self._redraw_now()
        return done

    def play(self) -> None:
        self.play_button.value = True

    def pause(self) -> None:
        self.play_button.value = False

    def reset(self) -> None:
        """Start the run (both in compare mode) again: same Config, same seed, same numbers."""
        self._sync_run()
        self.controller.reset()
        self.status.say("")
        self._redraw_now()

    def compare(self, on: bool | Config = True, **fields: Any) -> Config | None:
        """Compare mode.  lab.compare(init="he_normal"): pin the settings on screen as run A and
        open run B = A with those fields changed; returns B's Config.  lab.compare(config_b)
        takes a whole Config for B; lab.compare(False) ends compare mode (B carries on alone).

        Called again while comparing, B is A's settings with the new fields changed.
        Both runs restart from step 0.  Invalid fields raise ValueError and change nothing.
        """
        config_b = self.controller.compare(on, **fields)
        self._sync_run()
        self.controls.show(self.config)
        self._show_compare()
        self.status.say("")
        self._redraw_now()
        return config_b

    def _show_compare(self) -> None:
        """The toggle's state follows the mode (without calling back into it)."""
        on = self.controller.comparing
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

    def _show_config(self, notice: str = "") -> None:
        """The controls show the Config, the status the notice; a redraw is due."""
        self.controls.show(self.config)
        self.status.say(notice)
        self.coalescer.pending = True

    def _on_control(self, name: str, value: Any) -> None:
        try:
            notice = self.controller.change(name, value)
        except ValueError as err:
            self.status.say(f"{err}. Kept {name}={getattr(self.config, name)!r}.", "warning")
            self.controls.show(self.config)      # snap back to the last valid value
            return
        self._show_config(notice)
        self.coalescer.request()

    def _on_play(self, change: dict) -> None:
        if change["new"]:
            self._sync_run()
            if self.controller.diverged:         # nothing to train: say so and stay paused
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
        training speed.  Play pauses at the chosen stop step, every run exactly there.
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
        if self.controller.diverged:
            self.pause()
            return
        due = self.pace.due(now, self._run.step_count)
        if due:
            budget = (max(STEP_BUDGET, self.redraw_seconds,
                          min(MAX_BUDGET, 0.5 * (period - self.redraw_seconds)))
                      if self.pace.speed is None else MAX_BUDGET)
            done = self.controller.step_for(budget, max_steps=due)
            self.pace.give_back(due - done)
            self._undrawn = done > 0
        if self.controller.diverged or self.pace.reached(self._run.step_count):
            self.pause()

    def _on_preset(self, change: dict) -> None:
        if change["new"] == PRESET_PROMPT:
            return
        preset = PRESETS[change["new"]]
        for panel in self.panels.values():     # a comparison opens on A: the problem
            panel.show_run("A" if preset.compare else "B")
        self._open([c for c in (preset.config, preset.compare_config) if c is not None],
                   preset.lesson)

    def _open(self, configs: list[Config], notice: str = "") -> None:
        """Fresh runs on `configs` (A, and B: compare mode) from step 0: an experiment, a file."""
        self.controller.open(configs)
        self._sync_run()
        self._show_config(notice)
        self._show_compare()
        self.coalescer.flush()

    def _export(self) -> None:
        """Every run's settings (both in compare mode), and own points (initlab.core.links)."""
        self.json_text.value = self.controller.export_json(self.views.current, indent=1)

    def _import(self) -> None:
        try:
            session, refused = self.controller.import_json(self.json_text.value)
        except ValueError as err:
            self.status.say(f"Those settings were not loaded: {err}", "warning")
            return
        used = session.points is not None and not refused
        notice = ("Settings loaded" + (" (run A and run B)" if session.b else "")
                  + (f" with your {len(session.points)} points." if used else "."))
        self.own.shows(self._run.data.n_classes)
        self._sync_run()
        self._show_config(notice)
        self._show_compare()
        self.coalescer.flush()
        if refused:
            self.status.say(f"Your points were not used: {refused}.", "warning")
        self.views.select(session.view)

    # ---- drawing ----------------------------------------------------------------------------
    def _redraw_now(self) -> None:
        self.coalescer.pending = True
        self.coalescer.flush()

    def _redraw(self) -> None:
        """Bring the runs up to the config, take their snapshots, update every panel and the
        status."""
        t0 = time.perf_counter()
        self._sync_run()
        t1 = time.perf_counter()
        shown = self.controller.shown()
        t2 = time.perf_counter()
        views = run_views([(s.snapshot, s.run.history) for s in shown])
        for name, panel in self.panels.items():
            if panel.heavy and self._light:
                continue
            self.status.guarded(panel.update, f"the {name} panel")(views)
        self.status.guarded(self.own.update, "your points")()
        self.status.show(status_html(shown, RUN_COLORS) + described(shown))
        self._show_link()
        t3 = time.perf_counter()
        self.status.guarded(self._diagnose, "the diagnosis")(shown)
        self.status.guarded(self.views.follow, "the view")()
        t4 = time.perf_counter()
        self.redraw_seconds = t4 - t0
        self.timings = dict(run=t1 - t0, snapshot=t2 - t1, panels=t3 - t2,
                            findings=t4 - t3)   # seconds

    def _show_link(self) -> None:
        """The share box: every run's settings (both in compare mode), and the view."""
        self.share.show(*self.controller.configs, own_points=self.controller.points is not None,
                        view=self.views.current)

    def _diagnose(self, shown: list[Shown]) -> None:
        """List what diagnose() finds in every run (the driven one's findings get fix buttons)."""
        self.findings_view.update([(s.tag, diagnose(s.run, s.snapshot)) for s in shown])
