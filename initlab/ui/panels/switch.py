"""The run switch of the pictures that draw one run at a time (the data cloud, the decision
boundary): while runs are compared, a row of buttons, one per run's tag (A, B, ...), floating at
the picture's top right; the panel draws the run it chooses.
"""
from __future__ import annotations

from typing import Sequence

import ipywidgets as w

from initlab.ui import lean
from initlab.ui.controller import run_tags
from initlab.ui.panels.base import RunView


def run_switch(tooltip: str, value: str = "") -> w.ToggleButtons:
    """The run switch (A/B) floating at a plane picture's top right while comparing: one button
    per run's tag; `value` first, else the last run (B: the one the controls move)."""
    tags = list(run_tags(2))            # A, B until the first update sets the views' tags
    switch = w.ToggleButtons(options=tags, value=value if value in tags else tags[-1],
                             tooltip=tooltip, layout=lean.layout(),
                             style=lean.style(w.ToggleButtonsStyle, button_width="28px"))
    switch.add_class("il-overlay")
    return switch


class Switchable:
    """A panel that draws one run at a time, chosen by a run switch while comparing: its options
    are the views' tags, and flipping it redraws what the panel last drew."""
    _last: Sequence[RunView] = ()      # the views of the last update()
    _syncing = False                   # the switch's options are being set: no redraw
    run_choice: w.ToggleButtons | None
    shown_run: str = ""      # the run a switch starts on ("": the last, the one controls move)

    def _on_choice(self, change: dict) -> None:
        if self._last and not self._syncing:
            self.update(self._last)

    def show_run(self, run: str) -> None:
        """Draw run `run` ("A", "B", ...) while comparing: an experiment opens on A, its
        problem."""
        self.shown_run = run
        if self.run_choice is not None and run in self.run_choice.options:
            self.run_choice.value = run

    def _chosen(self, views: Sequence[RunView]) -> RunView:
        """The view to draw: the only one, or the one the switch chooses (its options made the
        views' tags, keeping its choice where that run is still on screen)."""
        if len(views) == 1:
            return views[0]
        tags = tuple(v.tag for v in views)
        switch = self.run_choice
        if tuple(switch.options) != tags:
            value = next(t for t in (switch.value, self.shown_run, tags[-1]) if t in tags)
            self._syncing = True          # setting options moves the value: redraw once, below
            try:
                switch.options = tags
                switch.value = value
            finally:
                self._syncing = False
        return views[tags.index(switch.value)]
