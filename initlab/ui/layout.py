"""The lab's one-screen layout: a stylesheet, the header line and the picture grid.

At 1366x768 in Voila everything is on screen: a 300 px control column on the left and the
pictures in a 3 x 3 grid of cells beside it, rows sized from the window height so that larger
screens get larger pictures.  The control column stays in view while the page scrolls and scrolls
within itself when taller than the window; the findings list scrolls within 150 px.  When the lab
itself is narrower than 1000 px (a JupyterLab output area, a small window) the pictures beside
the controls make one column, the histograms and the loss first, so that both share the first
screen with the control being moved; below 640 px the controls go on top.  The breakpoints are
CSS container queries on the lab's own width, so they follow the output area, not the window.
bqplot sizes each figure from its box.

Where each picture goes is said once, on its panel class (`Panel.place`, panels/place.py); the
grid areas of all three layouts are derived here from the registered panels (PANELS), so a new
panel needs no edit in this file.
"""
from __future__ import annotations

import html
from typing import Iterable, Mapping

import ipywidgets as w

from initlab.ui import lean
from initlab.ui.panels import PANELS, Panel
from initlab.ui.panels.place import COLUMNS
from initlab.ui.panels.place import check as check_places

SIDE_PX = 300
HEADER_PX = 66              # header line plus page margins: what the grid rows leave free


def _rows_text(rows: list[list[str]]) -> str:
    """grid-template-areas: one quoted string per row."""
    return " ".join('"' + " ".join(row) + '"' for row in rows)


def wide_areas(panels: Mapping[str, type[Panel]]) -> str:
    """The full lab's grid areas, 3 columns wide and as many rows as the panels reach ("." is
    an empty cell), from each panel's `place` (row, column, rows, columns)."""
    check_places((name, cls.place) for name, cls in panels.items())
    cells = {cell: name for name, cls in panels.items() for cell in cls.place.cells()}
    height = max((r for r, _ in cells), default=0)
    return _rows_text([[cells.get((r, c), ".") for c in range(1, COLUMNS + 1)]
                       for r in range(1, height + 1)])


def column_areas(panels: Mapping[str, type[Panel]], beside: bool) -> str:
    """The one-column areas beside the controls (`beside`) or below them, in the panels'
    declared order, each repeated for the rows it spans there."""
    check_places((name, cls.place) for name, cls in panels.items())
    places = sorted(((cls.place.beside if beside else cls.place.below), name, cls.place)
                    for name, cls in panels.items())
    return _rows_text([[name] for _, name, place in places
                       for _ in range(place.rows_beside if beside else place.rows)])


def area_rules(panels: Mapping[str, type[Panel]]) -> str:
    """Each panel's cell (class il-cell-NAME, see cell()) in its named area of the full lab, and
    the row spans of a lab that shows only some panels."""
    rules = [f".il-lab .il-full > .il-cell-{n} {{ grid-area: {n}; }}" for n in panels]
    spans = sorted({cls.place.rows_some for cls in panels.values()} - {1})
    rules += [f".il-lab .il-grid.il-some .il-span{n} {{ grid-row: span {n}; }}" for n in spans]
    return "\n".join(rules)


def style(panels: Mapping[str, type[Panel]] | None = None) -> str:
    """The lab's stylesheet, its grid areas derived from `panels` (default: every registered
    one, PANELS)."""
    panels = PANELS if panels is None else panels
    wide, narrow, one = wide_areas(panels), column_areas(panels, True), column_areas(panels, False)
    return f"""
<style>
.il-lab.il-lab {{ container-type: inline-size; overflow: visible; }}   /* the side can stick */
.jp-OutputArea:has(.il-lab), .jp-OutputArea-child:has(.il-lab),
.jp-OutputArea-output:has(.il-lab) {{ overflow: visible; }}   /* ... to the page's scroll */
.il-lab .il-header {{ font-size: 13px; line-height: 20px; margin: 0 0 4px 0; }}
.il-lab .il-header details {{ display: inline; }}
.il-lab .il-header details[open] > div {{ position: absolute; z-index: 20; background: #fff;
  border: 1px solid #bbb; padding: 8px 12px; max-width: 46em; box-shadow: 0 2px 8px #0003; }}
.il-lab .il-header summary {{ display: inline; cursor: pointer; color: #1f5fbf; }}
.il-lab .il-main.il-main {{ display: flex; flex-flow: row nowrap; gap: 12px;
  align-items: flex-start; overflow: visible; }}
/* the control column never leaves the screen: it stays in view while the pictures scroll, and
   scrolls within itself if it is taller than the window */
.il-lab .il-side.il-side {{ flex: 0 0 {SIDE_PX}px; width: {SIDE_PX}px; overflow-x: hidden;
  overflow-y: auto; position: sticky; top: 0; max-height: calc(100vh - 60px); }}
.il-lab .il-side > * {{ flex: none; }}   /* no row squeezed: the column scrolls instead */
.il-lab .il-side .widget-tab {{ min-height: 0; }}
.il-lab .il-side .widget-tab > .widget-tab-contents {{ padding: 4px 2px; }}
.il-lab .il-side .widget-inline-hbox {{ height: 26px; margin-top: 1px; margin-bottom: 1px; }}
.il-lab .il-side .widget-html {{ min-height: 0; }}
/* text that runs to several lines gets their height (the init note, the JSON box) */
.il-lab .il-side .il-implied.il-implied, .il-lab .il-side .widget-textarea {{ height: auto; }}
.il-lab .il-implied .widget-html-content {{ line-height: 1.3; height: auto; }}
.il-lab .il-findings.il-findings {{ max-height: 150px; overflow-y: auto; flex: none; }}
.il-lab .il-findings > * {{ flex: none; }}   /* rows keep their height: the list scrolls */
.il-lab .il-status .widget-html-content {{ font-size: 12px; line-height: 16px; }}
.il-lab .il-side .il-status .widget-html {{ height: auto; }}
.il-lab .il-grid.il-grid {{ flex: 1 1 0px; min-width: 0; display: grid; gap: 2px 10px;
  overflow: visible; grid-template-columns: repeat({COLUMNS}, minmax(0, 1fr));
  grid-auto-rows: max(190px, calc((100vh - {HEADER_PX}px) / 3)); }}
.il-lab .il-grid.il-full {{ grid-template-areas: {wide}; }}
.il-lab .il-grid.il-some {{ grid-template-columns: repeat(auto-fit, minmax(300px, 1fr)); }}
{area_rules(panels)}
.il-lab .il-cell.il-cell {{ min-height: 0; min-width: 0; height: auto; width: auto;
  overflow: hidden; margin: 0; position: relative; }}
.il-lab .il-cell .widget-box {{ min-height: 0; min-width: 0; overflow: hidden; }}
.il-lab .il-float-host {{ position: relative; }}   /* the data cloud's A/B switch floats in it */
.il-lab .il-overlay.il-overlay {{ position: absolute; top: 0; right: 2px; z-index: 5;
  width: auto; height: 20px; font-size: 11px; line-height: 18px; padding: 0 6px; }}
.il-lab .il-overlay.il-left {{ left: 0; right: auto; top: 0; bottom: auto; }}   /* beside the title */
/* a picture with a run switch (A/B) over its top right moves down by 14 px: its title, centred,
   ran under the switch at 1366x768 (boundary, data cloud) */
.il-lab .il-grid :has(> .widget-toggle-buttons.il-overlay) > .il-fig {{ margin-top: 14px; }}
/* the neuron picture's legend sits below its plot by 4.5% of the plot's height (neurons.py):
   on a tall screen it left the figure, under the data cloud's title; the figure lets it show
   and keeps that much room below (the plot is about (100vh - 94px) / 3 - 38px high) */
.il-lab .il-cell-dead_relu > .il-fig svg {{ overflow: visible; }}
.il-lab .il-cell-dead_relu > .il-fig {{ margin-bottom: max(0px, calc(1.5vh - 7px)); }}
/* the copy-link row's content fits what is left of the row: the link box shrinks (it ran
   90 px past the control column's edge, cut off) */
.il-lab .il-share-box .widget-html-content {{ min-width: 0; flex: 1 1 0px; overflow: hidden; }}
.il-lab .il-class-menu.il-class-menu {{ width: 80px; }}   /* a class rule: a Layout is a model */
/* the A/B switch's buttons hold one letter: the widgets' 12 px side padding ellipsed it ("A..") */
.il-lab .il-overlay .widget-toggle-button {{ padding: 0 2px; min-width: 0; }}
/* a click on the decision boundary reaches the plot area (bqplot's click catcher, owndata.py) */
.il-lab .il-cell-boundary .bqplot image, .il-lab .il-cell-boundary .bqplot path.dot,
.il-lab .il-cell-boundary .bqplot text.label {{ pointer-events: none; }}
/* the class marks (shapes, plane.py) outlined so they stand out on their own class's region */
.il-lab .il-cell-boundary .bqplot text.label {{ stroke: #222; stroke-width: 0.7px;
  paint-order: stroke; }}
.il-lab .il-play.il-play {{ flex-wrap: wrap; height: auto; }}   /* Play Step Reset / speed, stop */
.il-lab .il-play > .widget-button, .il-lab .il-play > .widget-toggle-button {{ width: 80px; }}
.il-lab .il-play > .widget-html {{ flex: 1 1 150px; min-width: 150px; }}   /* the link */
.il-lab .il-play .il-speed {{ width: 176px; }}
.il-lab .il-play .il-speed .widget-label {{ width: 40px !important; }}
.il-lab .il-play .il-stop {{ width: 104px; }}
.il-lab .il-play .il-stop .widget-label {{ width: 46px !important; }}
.il-lab .il-play .widget-label {{ height: 26px; line-height: 26px; }}
/* WCAG AA: the widgets' grey on grey tab and accordion labels were 4.45:1 (AA asks 4.5:1) */
.il-lab .lm-TabBar-tabLabel, .il-lab .jupyter-widget-Collapse-header {{ color: #4a4a4a; }}
.il-lab .il-status .widget-html-content {{ position: relative; }}   /* holds the il-sr text */
.il-lab .il-sr {{ position: absolute; top: 0; left: 0; width: 1px; height: 1px; overflow: hidden;
  clip: rect(0 0 0 0); clip-path: inset(50%); white-space: nowrap; }}   /* screen readers only */
.il-lab .il-implied {{ margin-left: 88px; }}
.il-lab .il-note {{ height: 16px; flex: none; font-size: 11px; color: #555;
  white-space: nowrap; overflow: hidden;
  text-overflow: ellipsis; }}
.il-lab .il-note .widget-html-content {{ height: 16px; line-height: 16px; overflow: hidden;
  text-overflow: ellipsis; }}   /* not the widgets' 28 px line: the text would sit below the box */
.il-lab .il-findings ul {{ margin: 2px 0; padding-left: 18px; font-size: 12px; }}
.il-lab .il-status .widget-html {{ height: auto; }}   /* a two-line notice pushes, not overlaps */
.il-lab .il-findings .widget-html {{ height: auto; margin-top: 3px; }}
.il-lab .il-findings .widget-html-content {{ line-height: 15px; }}
.il-lab .il-finding {{ display: -webkit-box; -webkit-box-orient: vertical; -webkit-line-clamp: 3;
  overflow: hidden; cursor: default; }}
/* pointing at a clamped finding shows all of it in place (a tooltip would cover the text) */
.il-lab .il-finding:hover {{ -webkit-line-clamp: unset; }}
.il-lab .il-findings .il-fix {{ height: 22px; line-height: 20px; margin: 2px 0 0 8px;
  flex: none; }}
@container (max-width: 1000px) {{
  .il-lab .il-grid.il-grid {{ grid-template-columns: minmax(0, 1fr); grid-auto-rows: 180px; }}
  .il-lab .il-grid.il-full {{ grid-template-areas: {narrow}; }}
}}
@container (max-width: 640px) {{
  .il-lab .il-main.il-main {{ flex-direction: column; align-items: stretch; }}
  .il-lab .il-side.il-side {{ flex: none; width: auto; position: static; max-height: none; }}
  .il-lab .il-grid.il-grid {{ flex: none; grid-template-columns: minmax(0, 1fr);
    grid-auto-rows: 250px; }}
  .il-lab .il-grid.il-full {{ grid-template-areas: {one}; }}
}}
</style>
"""

INTRO = ("<b>initlab</b> &middot; why neural-network training succeeds or fails: move a control "
         "and every picture redraws from the network it now describes; Play trains it. ")
ABOUT = ("The pictures follow CS231n lecture 6 (initialisation, batch norm, dead ReLUs, "
         "babysitting the learning process). Choose an experiment on the left to load one of "
         "the lecture's settings with its lesson, or move any control.")


def header(panels: Iterable) -> w.HTML:
    """The stylesheet and the one-line title; how to read each picture one click away."""
    notes = "".join(f"<li><b>{html.escape(p.title)}</b>: {html.escape(p.hint)}</li>"
                    for p in panels)
    head = lean.html(style() + f"<div>{INTRO}<details><summary>how to read the pictures&hellip;"
                             f"</summary><div>{ABOUT}<ul>{notes}</ul></div></details></div>")
    head.add_class("il-header")
    return head


def cell(name: str, panel) -> w.Widget:
    """Place a panel's widget in the grid (no wrapper: every box is a model the page builds).

    Its tools (e.g. the log-loss toggle) float in the cell's top-right corner.  (A bqplot
    Figure's `tooltip` is a mark tooltip widget, not a hover text: the hints are in the header.)
    """
    body = panel.widget
    body.add_class("il-cell")
    body.add_class(f"il-cell-{name}")
    if panel.rows > 1:
        body.add_class(f"il-span{panel.rows}")
    for tool in panel.tools:
        tool.add_class("il-overlay")
    return body


def grid(cells: list[w.Widget], names: list[str], all_names: list[str]) -> w.GridBox:
    """The picture grid: named areas for the full lab, auto-placement for a subset."""
    box = w.GridBox(cells, layout=lean.layout())
    box.add_class("il-grid")
    box.add_class("il-full" if sorted(names) == sorted(all_names) else "il-some")
    return box
