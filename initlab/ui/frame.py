"""The Lab's widgets around the pictures: Play/Step/Reset, the pace, compare and link row,
the experiment menu, the settings box (JSON export/import, own data) and the page layout.

`LabFrame` is a mixin of `initlab.ui.app.Lab`: it builds widgets and wires them to the Lab's
callbacks (`step`, `reset`, `_on_play`, `_on_compare`, `_on_preset`, `_export`, `_import`) and
to its `status`, `controls`, `panels`, `own`, `share`, `player`, `coalescer` and `webgl`.
"""
from __future__ import annotations

import ipywidgets as w

from initlab.lessons.presets import PRESETS
from initlab.ui import layout, lean, views
from initlab.ui.controls import LABEL_WIDTH, PaceControls
from initlab.ui.panels import PANELS
from initlab.ui.views import ViewSwitch

PRESET_PROMPT = "choose an experiment..."


class LabFrame:
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
