"""The Panel contract (initlab/ui/panels/base.py), checked over every registered panel, and a new
panel added by registering it alone: the lab's grid takes it in without an edit to layout.py."""
from __future__ import annotations

import re

import bqplot as bq
import ipywidgets as w
import pytest
from conftest import make_history, make_snapshot, views

from initlab.ui import layout
from initlab.ui.app import Lab
from initlab.ui.panels import PANELS, Panel
from initlab.ui.panels.base import register
from initlab.ui.panels.place import COLUMNS, Place
from initlab.ui.panels.place import check as check_places


@pytest.mark.parametrize("name", list(PANELS))
def test_every_registered_panel_keeps_the_written_contract(name):
    cls = PANELS[name]
    assert issubclass(cls, Panel) and cls.name == name
    assert re.fullmatch(r"[a-z][a-z0-9_]*", name), "a name is a CSS grid-area and class name"
    assert isinstance(cls.title, str) and cls.title.strip()
    assert isinstance(cls.hint, str) and len(cls.hint.split()) >= 8     # how to read it
    assert isinstance(cls.heavy, bool)
    assert isinstance(cls.place, Place)
    assert 1 <= cls.place.column <= cls.place.column + cls.place.columns - 1 <= COLUMNS
    panel = cls()
    assert isinstance(panel.widget, w.DOMWidget)                         # built in __init__
    assert panel.rows == cls.place.rows_some >= 1
    assert panel.run_choice is None or isinstance(panel.run_choice, w.ToggleButtons)
    panel.update(views((make_snapshot(), make_history())))
    figures = panel.figures()
    assert figures and all(isinstance(f, bq.Figure) for f in figures)
    for figure in figures:                        # each picture says what it shows
        assert figure.title.strip(), (name, figure)
        assert all(axis.label for axis in figure.axes), (name, figure.title)
    panel.update(views((make_snapshot(), make_history()), (make_snapshot(), make_history())))
    panel.show_run("A")                           # every panel takes it (most: nothing to do)
    tools = list(panel.tools)
    assert all(isinstance(t, w.DOMWidget) for t in tools)
    for tool in tools:                            # a floating tool has a name a reader can say
        assert (getattr(tool, "description", "") or tool.tooltip).strip(), (name, tool)
    cell = layout.cell(name, panel)
    assert f"il-cell-{name}" in cell._dom_classes
    assert all("il-overlay" in t._dom_classes for t in panel.tools)


def test_the_registered_places_fill_the_wide_grid_without_overlap():
    check_places((n, c.place) for n, c in PANELS.items())
    covered = [cell for c in PANELS.values() for cell in c.place.cells()]
    assert len(covered) == len(set(covered)) == 3 * COLUMNS      # one screen, no hole


def test_a_panel_that_cannot_take_a_tool_says_so():
    panel = PANELS["depth"]()
    with pytest.raises(NotImplementedError, match="'depth' has no room"):
        panel.add_tool(w.Button(description="x"))


class Dummy(Panel):
    """A tiny panel of the test's own: one figure, a fourth row of the wide grid to itself."""
    name = "dummy_for_test"
    title = "A test picture"
    hint = "Nothing but a title and an empty plot: it shows a new panel is one class."
    place = Place(row=4, column=1, columns=2, beside=7, below=7)

    def __init__(self) -> None:
        self.fig = bq.Figure(title="dummy", marks=[], axes=[])
        self.widget = w.VBox([self.fig])
        self.drawn = 0

    def update(self, views) -> None:
        self.drawn += 1

    def figures(self) -> list[bq.Figure]:
        return [self.fig]


@pytest.fixture
def dummy():
    register(Dummy)
    yield Dummy
    del PANELS[Dummy.name]


def test_a_registered_panel_joins_the_derived_grid_without_an_edit_to_layout(dummy):
    assert list(PANELS)[-1] == dummy.name                         # screen order: row 4 last
    assert layout.wide_areas(PANELS).endswith(
        '"ratio loss depth" "dummy_for_test dummy_for_test ."')
    assert layout.column_areas(PANELS, beside=True).endswith('"ratio" "dummy_for_test"')
    assert layout.column_areas(PANELS, beside=False).endswith('"ratio" "dummy_for_test"')
    lab = Lab()
    assert lab.panels[dummy.name].drawn >= 1
    grid = lab.children[1].children[1]
    assert "il-full" in grid._dom_classes
    assert lab.panels[dummy.name].widget in grid.children
    css = lab.children[0].value
    assert ".il-full > .il-cell-dummy_for_test { grid-area: dummy_for_test; }" in css
    assert '"ratio loss depth" "dummy_for_test dummy_for_test ."' in css
    assert "A test picture" in css                                # its hint in the header


def test_after_unregistering_the_grid_is_todays_again(dummy):
    del PANELS[dummy.name]
    try:
        assert '"dummy' not in layout.style()
    finally:
        register(dummy)


@pytest.mark.parametrize("place,message", [
    (Place(row=2, column=1, beside=7, below=7),
     "'histograms' and 'dummy_for_test' both claim the cell at row 2, column 1"),
    (Place(row=3, column=3, rows=2, beside=7, below=7),
     "'depth' and 'dummy_for_test' both claim the cell at row 3, column 3"),
    (Place(row=4, column=3, columns=2, beside=7, below=7),
     "'dummy_for_test': cell .* is outside the grid: rows from 1, columns 1 to 3"),
    (Place(row=0, column=1, beside=7, below=7), "'dummy_for_test': cell .* outside the grid"),
    (Place(row=4, column=1, beside=2, below=7),
     "'loss' and 'dummy_for_test' both claim position 2 of the column beside the controls"),
    (Place(row=4, column=1, beside=7, below=1),
     "'histograms' and 'dummy_for_test' both claim position 1 of the column below"),
    (Place(row=4, column=1, rows=0, beside=7, below=7), "'dummy_for_test': spans and positions"),
])
def test_a_taken_or_outside_place_is_refused_naming_the_panels(place, message):
    clash = type("Clash", (Dummy,), {"place": place})
    before = dict(PANELS)
    with pytest.raises(ValueError, match=message):
        register(clash)
    assert PANELS == before                                       # nothing registered


def test_a_panel_without_a_place_is_refused_by_name():
    nowhere = type("Nowhere", (Dummy,), {"place": None, "name": "nowhere_for_test"})
    with pytest.raises(ValueError, match="panel 'nowhere_for_test': place must be a Place"):
        register(nowhere)
    assert "nowhere_for_test" not in PANELS
