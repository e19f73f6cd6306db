"""Where a panel goes in the full lab, said once on its class (`Panel.place`).

The lab's layouts are derived from these (initlab/ui/layout.py): the wide grid of named areas,
the one column beside the controls and the one column below them.  `check` refuses two panels
in one cell, a cell outside the grid's three columns, and two panels at one position of a
column, naming the panels.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

COLUMNS = 3        # the wide grid's columns; it has as many rows as its panels reach (3 fit)


@dataclass(frozen=True)
class Place:
    """A panel's cells in each layout of the full lab.

    row, column:  its top-left cell in the wide grid (from 1; columns 1-3, rows 1-3 share one
                  1366x768 screen, a fourth row continues below it)
    rows, columns: the cells it spans there, and the rows it spans in the column below the
                  controls (250 px each)
    beside:       its position (1 = top) in the one column the pictures make beside the
                  controls when the lab is 641-1000 px wide (180 px rows)
    below:        its position in the one column under the controls (lab 640 px or narrower)
    beside_rows:  rows it spans beside the controls (None: `rows`)
    some_rows:    rows it spans when the lab shows only some panels, placed in order (None: `rows`)
    """

    row: int
    column: int
    beside: int
    below: int
    rows: int = 1
    columns: int = 1
    beside_rows: int | None = None
    some_rows: int | None = None

    @property
    def rows_beside(self) -> int:
        return self.rows if self.beside_rows is None else self.beside_rows

    @property
    def rows_some(self) -> int:
        return self.rows if self.some_rows is None else self.some_rows

    def cells(self) -> set[tuple[int, int]]:
        """The (row, column) cells it covers in the wide grid."""
        return {(r, c) for r in range(self.row, self.row + self.rows)
                for c in range(self.column, self.column + self.columns)}


def check(places: Iterable[tuple[str, Place]]) -> None:
    """ValueError naming the panel(s) if a place is outside the grid or taken by another."""
    owner: dict[tuple[int, int], str] = {}
    beside: dict[int, str] = {}
    below: dict[int, str] = {}
    for name, place in places:
        if not isinstance(place, Place):
            raise ValueError(f"panel {name!r}: place must be a Place(row=, column=, beside=, "
                             f"below=, ...), got {place!r}")
        spans = (place.rows, place.columns, place.rows_beside, place.rows_some)
        if min(spans) < 1 or min(place.beside, place.below) < 1:
            raise ValueError(f"panel {name!r}: spans and positions count from 1, got {place}")
        if place.row < 1 or place.column < 1 or place.column + place.columns - 1 > COLUMNS:
            raise ValueError(f"panel {name!r}: cell (row {place.row}, column {place.column}, "
                             f"{place.rows} x {place.columns}) is outside the grid: rows from "
                             f"1, columns 1 to {COLUMNS}")
        for cell in sorted(place.cells()):
            if cell in owner:
                raise ValueError(f"panels {owner[cell]!r} and {name!r} both claim the cell at "
                                 f"row {cell[0]}, column {cell[1]}")
            owner[cell] = name
        for column, position, where in ((beside, place.beside, "beside"),
                                        (below, place.below, "below")):
            if position in column:
                raise ValueError(f"panels {column[position]!r} and {name!r} both claim "
                                 f"position {position} of the column {where} the controls")
            column[position] = name
