"""The sanity-checks view: one button runs the lecture's checks on the current settings.

Each check (initlab.core.sanity) runs in its own timer tick, so the page stays live and the
progress bar moves; each gets a row with its verdict, its number and, when it fails, the likely
cause.  Fix buttons are the assistant's (findings.FindingsView): a click sets the controls'
Config through the lab, exactly like a fix under the status line.
"""
from __future__ import annotations

import html
from typing import Any, Iterator

import ipywidgets as w

from initlab.core.config import Config
from initlab.core.sanity import SANITY_CHECKS, CheckResult
from initlab.ui import lean
from initlab.ui.findings import FindingsView
from initlab.ui.views import data_note

TITLES = ("loss at the start", "gradient check", "overfit 20 examples", "update/weight ratio")
PASS, FAIL = ("#1a7f37", "pass"), ("#b00020", "fail")
INTRO = ("<b>Sanity checks</b> (the lecture's &ldquo;babysitting&rdquo;): before a long run, "
         "check that the untrained loss is about ln C, that backprop matches numeric "
         "gradients, that the net can memorise 20 examples with regularisation off, and that "
         "each step moves the weights by about 1/1000 of their size. They run on the settings "
         "in the controls (run B in compare mode).")


def row_html(title: str, result: CheckResult | None, state: str = "") -> str:
    """One check as HTML: its title, verdict badge, number and (failed) cause."""
    head = f"<b>{html.escape(title)}</b>"
    if result is None:
        return (f"<div class='il-check' data-state='{state or 'waiting'}'>{head} "
                f"<span style='color:#555'>{html.escape(state or 'not run yet')}</span></div>")
    color, word = PASS if result.passed else FAIL
    cause = (f"<div style='color:#333'>{html.escape(result.cause)}</div>" if result.cause
             else "")
    return (f"<div class='il-check il-{word}' data-check='{result.name}' "
            f"style='border-left:4px solid {color};padding-left:6px;margin:4px 0'>{head} "
            f"<b style='color:{color}'>{word}</b> <span>{html.escape(result.text)}</span>"
            f"{cause}</div>")


class ChecksView:
    """`widget`: the view; `run()` starts the checks on `lab.config` (the lab's timer advances
    them: `lab.views.finish()` runs them now); `results` holds the last run's CheckResults."""

    name = "checks"

    def __init__(self, lab: Any, switch: Any) -> None:
        self.lab, self.switch = lab, switch
        g = lab.status.guarded
        self.button = w.Button(description="run the checks", icon="check",
                               tooltip="Run the four sanity checks on the current settings",
                               button_style="primary")
        self.button.on_click(g(lambda _: self.run(), "the checks"))
        self.stop_button = w.Button(description="stop", icon="stop", disabled=True,
                                    tooltip="Stop after the check that is running")
        self.stop_button.on_click(g(lambda _: self.switch.stop(), "stop"))
        self.progress = w.IntProgress(value=0, min=0, max=len(SANITY_CHECKS),
                                      description="checks", layout=w.Layout(width="260px"))
        self.settings = lean.html()
        self.rows = [w.HTML(row_html(t, None)) for t in TITLES]
        self.fixes = FindingsView(g(lab._apply_fix, "a fix button"), max_rows=4)
        self.results: list[CheckResult] = []
        self.config: Config | None = None          # what the results are about
        top = w.HBox([self.button, self.stop_button, self.progress])
        top.add_class("il-row")
        self.fixes_title = lean.html()
        self.widget = w.VBox([lean.html(INTRO), top, self.settings, *self.rows,
                              self.fixes_title, self.fixes.widget],
                             layout=w.Layout(padding="0 8px"))
        self.widget.add_class("il-view")
        self.widget.add_class("il-view-checks")

    def follow(self) -> None:
        """Say whether the results shown are about the settings in the controls."""
        cfg = self.lab.config
        if self.config is None:
            text = "Not run yet on these settings."
        elif cfg == self.config:
            text = "The results below are for the settings in the controls."
        else:
            changed = ", ".join(sorted(self.config.changed_fields(cfg)))
            text = f"The settings changed since ({changed}): run the checks again."
        value = f"<div style='color:#555'>{html.escape(text + data_note(self.lab))}</div>"
        if self.settings.value != value:
            self.settings.value = value

    def run(self) -> None:
        """Start the checks on the controls' settings (one per timer tick)."""
        config = self.lab.config
        self.switch.stop()
        self.config, self.results = config, []
        self.button.disabled, self.stop_button.disabled = True, False
        self.progress.value = 0
        self.fixes.update([])
        self.fixes_title.value = ""
        for row, title in zip(self.rows, TITLES):
            row.value = row_html(title, None, "waiting")
        self.follow()
        self.switch.start(self, self._job(config))

    def _job(self, config: Config) -> Iterator[None]:
        for i, (check, title) in enumerate(zip(SANITY_CHECKS, TITLES)):
            self.rows[i].value = row_html(title, None, "running...")
            yield
            result = check(config)
            self.results.append(result)
            self.rows[i].value = row_html(title, result)
            self.progress.value = i + 1
            found = []                  # each finding once: two checks can raise the same one
            for f in (f for r in self.results for f in r.findings):
                if f.code not in {g.code for g in found}:
                    found.append(f)
            self.fixes.update([("", found)])
            self.fixes_title.value = ("<b>what the assistant says</b> about the failed checks "
                                      "(a button where one knob fixes it):" if found else "")
            yield

    def stopped(self) -> None:
        """The job ended (done or stopped): the buttons come back."""
        self.button.disabled, self.stop_button.disabled = False, True
        for row, title in zip(self.rows[len(self.results):], TITLES[len(self.results):]):
            row.value = row_html(title, None, "stopped")
