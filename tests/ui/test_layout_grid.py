"""The lab's grids, derived from the panels' places (layout.py), are the intended arrangement:
at 1366x768 the histograms fill column 1's first two rows beside the boundary over the loss,
the dead units fill column 3's; in one column the histograms come first."""
from __future__ import annotations

import re

from initlab.ui import layout
from initlab.ui.app import Lab
from initlab.ui.panels import PANELS


def area_rows(areas: str) -> list[list[str]]:
    """grid-template-areas as a table of names."""
    return [row.split() for row in re.findall(r'"([^"]*)"', areas)]


def cells_of(rows: list[list[str]], name: str) -> set[tuple[int, int]]:
    return {(r + 1, c + 1) for r, row in enumerate(rows) for c, n in enumerate(row) if n == name}


def test_the_wide_grid_is_three_by_three_with_the_tall_pictures_at_the_sides():
    rows = area_rows(layout.wide_areas(PANELS))
    assert rows == [["histograms", "boundary", "dead_relu"],
                    ["histograms", "loss", "dead_relu"],
                    ["ratio", "loss", "depth"]]
    assert cells_of(rows, "histograms") == {(1, 1), (2, 1)}     # two rows, column 1
    assert cells_of(rows, "dead_relu") == {(1, 3), (2, 3)}      # two rows, column 3
    assert cells_of(rows, "loss") == {(2, 2), (3, 2)}           # under the boundary


def test_beside_the_controls_the_histograms_and_the_loss_come_first():
    rows = area_rows(layout.column_areas(PANELS, beside=True))
    assert [r[0] for r in rows] == ["histograms", "histograms", "loss", "loss", "boundary",
                                    "boundary", "dead_relu", "dead_relu", "depth", "ratio"]


def test_below_the_controls_each_picture_keeps_its_wide_height():
    rows = area_rows(layout.column_areas(PANELS, beside=False))
    assert [r[0] for r in rows] == ["histograms", "histograms", "boundary", "dead_relu",
                                    "dead_relu", "loss", "loss", "depth", "ratio"]


def test_the_stylesheet_names_every_area_and_places_every_cell_in_it():
    css = layout.style()
    assert css.count("grid-template-areas") == 3
    for name in PANELS:
        assert f".il-full > .il-cell-{name} {{ grid-area: {name}; }}" in css
    assert ".il-grid.il-some .il-span2 { grid-row: span 2; }" in css


def test_a_subset_flows_and_spans_what_the_panels_say():
    lab = Lab(panels=["histograms", "boundary", "loss"], controls=["init"])
    grid = lab.children[1].children[1]
    assert "il-some" in grid._dom_classes and "il-full" not in grid._dom_classes
    spans = {n: "il-span2" in p.widget._dom_classes for n, p in lab.panels.items()}
    assert spans == {"histograms": True, "boundary": False, "loss": False}
