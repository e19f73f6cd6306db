"""The lab on one screen, and the ridgeline read back from what bqplot drew.

At 1366x768 (a student's laptop) every figure and the control column lie inside the viewport and
the page does not scroll; at 1920x1080 the pictures grow; at 900 px wide (a JupyterLab output
area) the controls go on top and the grid stacks.  Screenshots of the three go to
artifacts/e2e/screens/ (the README's pictures are copied from there into docs/).
"""
from __future__ import annotations

import pytest
from conftest import ARTIFACTS
from helpers import (PRELUDE, SCREEN, centre_share, edge_share, figures, histograms, open_app,
                     watch_console)
from test_voila_app import FIGURES, TANH_DEEP, overlapping

SCREENS = ARTIFACTS / "screens"
WIDE = {"width": 1920, "height": 1080}
NARROW = {"width": 900, "height": 1000}

BOXES_JS = """() => {
  const box = el => (b => [b.left, b.top, b.right, b.bottom])(el.getBoundingClientRect());
  return {side: box(document.querySelector('.il-side')),
          grid: box(document.querySelector('.il-grid')),
          page: [document.documentElement.scrollWidth, document.documentElement.scrollHeight]};
}"""


def inside(box: list[float], width: float, height: float) -> bool:
    return box[0] >= 0 and box[1] >= 0 and box[2] <= width and box[3] <= height


def area(box: list[float]) -> float:
    return (box[2] - box[0]) * (box[3] - box[1])


def shoot(page, name: str) -> None:
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / f"{name}.png"))


def test_every_figure_and_the_controls_fit_a_1366x768_screen(page, voila_server):
    errors = watch_console(page)
    open_app(page, voila_server, TANH_DEEP)
    figs, layout = figures(page), page.evaluate(BOXES_JS)
    assert len(figs) == FIGURES
    w, h = SCREEN["width"], SCREEN["height"]
    outside = [f["title"] for f in figs if not inside(f["box"], w, h)]
    assert not outside, outside
    assert inside(layout["side"], w, h) and layout["page"] == [w, h]      # nothing scrolls
    assert layout["side"][2] <= layout["grid"][0]                        # controls left
    assert not overlapping([f["box"] for f in figs])
    ridge = next(f for f in figs if f["title"].startswith("activations"))
    assert ridge["box"][3] - ridge["box"][1] > 400                       # the tall picture
    shoot(page, "lab-1366x768")
    assert not errors, errors


def drawn_areas(page) -> dict[str, float]:
    """Plot area (px^2) bqplot drew for each figure, once every figure has laid itself out."""
    page.wait_for_function("() => {" + PRELUDE + """ return figs().every(f =>
        Math.abs(f.plot[0] - (f.box[2] - f.box[0])) < 200 && f.plot[0] > 50); }""")
    return {f["title"]: f["plot"][0] * f["plot"][1] for f in figures(page)}


def test_a_larger_screen_gets_larger_pictures(page, voila_server):
    open_app(page, voila_server, TANH_DEEP)
    small = drawn_areas(page)
    open_app(page, voila_server, TANH_DEEP, viewport=WIDE)
    large = drawn_areas(page)
    figs, layout = figures(page), page.evaluate(BOXES_JS)
    assert all(inside(f["box"], WIDE["width"], WIDE["height"]) for f in figs)
    grown = [large[t] / small[t] for t in large if t in small]
    assert len(grown) >= FIGURES - 2 and min(grown) > 1.5, grown        # ~2.2x the area
    assert layout["page"] == [WIDE["width"], WIDE["height"]]
    shoot(page, "lab-1920x1080")


def test_a_narrow_output_stacks_the_controls_over_a_two_column_grid(page, voila_server):
    open_app(page, voila_server, TANH_DEEP, viewport=NARROW)
    figs, layout = figures(page), page.evaluate(BOXES_JS)
    assert layout["side"][3] <= layout["grid"][1] + 1                    # controls on top
    assert layout["page"][0] <= NARROW["width"]                          # no sideways scroll
    assert not overlapping([f["box"] for f in figs])
    columns = {round(f["box"][0] / 50) for f in figs if f["title"] != "backward: gradients"}
    assert len(columns) == 2, columns
    assert all(f["box"][2] - f["box"][0] >= 180 for f in figs)
    shoot(page, "lab-900")


@pytest.mark.parametrize("std, shape", [("0.01", "spike at 0"), ("1.0", "piles at +-1")])
def test_every_ridgeline_row_of_a_deep_tanh_net_collapses_or_saturates(page, voila_server,
                                                                      std, shape):
    open_app(page, voila_server, TANH_DEEP.replace("weight_std=1.0", f"weight_std={std}"))
    rows = histograms(page)
    assert len(rows) == 6 and all(len(r["heights"]) == 40 for r in rows)
    assert rows[0]["xticks"][0] == "-1" and rows[0]["xticks"][-1] == "1"
    for i, row in enumerate(rows):
        if shape == "spike at 0":
            assert centre_share(row["heights"]) > 0.99, (i, row["title"])
        elif i > 0:                               # layer 1 sees the 2-D input: wider, not piled
            assert edge_share(row["heights"]) > 0.5, (i, row["title"])
            assert centre_share(row["heights"]) < 0.05
