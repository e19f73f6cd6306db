"""The diagnosis under the status line: what `initlab.core.diagnose` finds, worst first.

Each finding is one row: a coloured severity word, the message, and (where the fix is one knob)
a button whose click calls `apply(**finding.fix)`, i.e. `lab.set(...)`.  Comparing two runs, the
rows of both are listed, each tagged "A" or "B"; only B's have buttons, because the controls (and
`lab.set`) change run B while A stays pinned.

Rows are widgets built once and reused: a redraw whose findings did not change sends nothing, and
a changed finding re-sends only its own row (see DESIGN.md, "Performance budget").
"""
from __future__ import annotations

import html
from typing import Any, Callable, Sequence

import ipywidgets as w

from initlab.core.diagnose import SEVERITIES, Finding
from initlab.ui import lean
from initlab.ui.panels.base import assign

SEVERITY_COLORS = {"problem": "#b00020", "warning": "#b45309", "info": "#5b6470"}
MAX_ROWS = 3               # the control column has room for three (3 lines each, full on hover)
Tagged = tuple[str, Finding]     # ("A" / "B" / "", finding)


def ordered(findings_by_run: Sequence[tuple[str, Sequence[Finding]]]) -> list[Tagged]:
    """All findings of all runs as (run, finding), worst first (each run's list is already in
    reading order; a tie in severity keeps run A before B)."""
    tagged = [(run, f) for run, found in findings_by_run for f in found]
    return sorted(tagged, key=lambda t: SEVERITIES.index(t[1].severity))   # stable sort


def row_html(run: str, finding: Finding) -> str:
    """One finding as HTML: the severity word in its colour, the run's tag, the message."""
    color = SEVERITY_COLORS[finding.severity]
    tag = f"<b style='color:#333'>{html.escape(run)}</b> " if run else ""
    return (f"<div class='il-finding il-{finding.severity}' data-code='{finding.code}' "
            f"style='border-left:3px solid {color};padding-left:5px;font-size:12px;"
            f"line-height:15px'>{tag}<b style='color:{color}'>{finding.severity}</b> "
            f"{html.escape(finding.message)}</div>")


class _Row:
    """One finding's widgets: its text and its fix button (shown only when there is a fix)."""

    def __init__(self, on_fix: Callable[["_Row"], None]) -> None:
        self.text = lean.html()
        self.button = w.Button(layout=lean.layout(width="auto", max_width="calc(100% - 8px)"),
                               style=lean.style(lean.ButtonStyle), button_style="")
        self.button.add_class("il-fix")
        self.button.on_click(lambda _: on_fix(self))
        self.box = lean.vbox([self.text])
        self.fix: dict[str, Any] | None = None
        self.key: tuple = ()

    def show(self, run: str, finding: Finding, with_button: bool) -> None:
        key = (run, finding.code, finding.severity, finding.message, with_button,
               repr(finding.fix), finding.fix_label)
        if key == self.key:                       # the same finding: nothing to send
            return
        self.key = key
        self.fix = dict(finding.fix) if with_button and finding.fix else None
        assign(self.text, value=row_html(run, finding))     # clamped to 3 lines (layout.py)
        if self.fix is not None:
            assign(self.button, description=finding.fix_label,
                   tooltip=f"{finding.fix_label}: set " + ", ".join(
                       f"{k}={v!r}" for k, v in self.fix.items()))
        wanted = (self.text, self.button) if self.fix is not None else (self.text,)
        if self.box.children != wanted:
            self.box.children = wanted


class FindingsView:
    """The findings list.  `widget` goes in the lab's findings slot; `update(...)` after every
    redraw.  apply(**fields) is called by a fix button (the lab's `set`)."""

    def __init__(self, apply: Callable[..., Any], max_rows: int = MAX_ROWS) -> None:
        self.apply = apply
        self.max_rows = max_rows
        self.rows: list[_Row] = []
        self.more: w.HTML | None = None           # "and N more", made when first needed
        self.widget = lean.vbox()
        self.widget.add_class("il-findings")
        self.shown: list[Tagged] = []
        self.sends = 0                             # rows re-sent so far (tests, benchmarks)

    def update(self, findings_by_run: Sequence[tuple[str, Sequence[Finding]]],
               fixable: str | None = None) -> None:
        """Show the findings of ("A", [...]) (and ("B", [...]) comparing), worst first.

        fixable: the run whose findings get fix buttons ("" or "A" alone, "B" comparing);
        default: the last run listed.
        """
        if fixable is None:
            fixable = findings_by_run[-1][0] if findings_by_run else ""
        tagged = ordered(findings_by_run)
        self.shown = tagged[:self.max_rows]
        while len(self.rows) < len(self.shown):
            self.rows.append(_Row(self._on_fix))
        offered: set[str] = set()                  # one button per fix: the worst finding's
        for row, (run, finding) in zip(self.rows, self.shown):
            before = row.key
            fix = repr(sorted(finding.fix.items())) if finding.fix else ""
            row.show(run, finding, with_button=run == fixable and fix not in offered)
            if run == fixable and fix:
                offered.add(fix)
            self.sends += row.key != before
        hidden = len(tagged) - len(self.shown)
        if hidden and self.more is None:
            self.more = lean.html()
        if hidden:
            assign(self.more, value=f"<div style='font-size:11px;color:#555'>and {hidden} more "
                                    "(milder)</div>")
        wanted = tuple(r.box for r in self.rows[:len(self.shown)]) + ((self.more,) if hidden
                                                                     else ())
        if self.widget.children != wanted:
            self.widget.children = wanted

    def _on_fix(self, row: _Row) -> None:
        if row.fix is not None:
            self.apply(**row.fix)

    def buttons(self) -> list[w.Button]:
        """The fix buttons on screen now, in list order."""
        return [r.button for r in self.rows[:len(self.shown)] if r.fix is not None]
