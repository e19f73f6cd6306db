"""The lab on one screen, and the ridgeline read back from what bqplot drew.

At 1366x768 (a student's laptop) every figure and the control column lie inside the viewport and
the page does not scroll; at 1920x1080 the pictures grow; at 900 px wide (a JupyterLab output
area) the pictures beside the controls make one column, the histograms and the loss on the first
screen.  At every size no text runs out of its box and no two boxes overlap.  Screenshots of the
three go to artifacts/e2e/screens/ and docs/ (lab-1366x768.png, lab-1920x1080.png, lab-900x800.png).
"""
from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ARTIFACTS
from helpers import (PRELUDE, SCREEN, centre_share, edge_share, figures, histograms, open_app,
                     tab, watch_console)
from test_voila_app import FIGURES, TANH_DEEP, overlapping

SCREENS = ARTIFACTS / "screens"
DOCS = Path(__file__).resolve().parents[2] / "docs"
WIDE = {"width": 1920, "height": 1080}
NARROW = {"width": 900, "height": 800}

# Text that runs out of its box (taller than its box, whether drawn over its neighbours or cut
# off), and overlapping neighbours in the control column: [what, its text].
SPILLS_JS = """() => {
  const out = [];
  const seen = el => el.offsetParent !== null && el.getClientRects().length > 0;
  for (const el of document.querySelectorAll('.il-lab .widget-html-content, .il-lab .widget-label')) {
    if (!seen(el) || el.closest('.il-sr')) continue;
    const box = el.parentElement.getBoundingClientRect();
    const r = el.getBoundingClientRect();
    if (el.scrollHeight > el.clientHeight + 2 || r.bottom > box.bottom + 2)
      out.push(['spills', el.textContent.trim().slice(0, 60)]);
    if (r.right > box.right + 2)        // e.g. the copy-link row ran 90 px past the column
      out.push(['spills right', el.textContent.trim().slice(0, 60) || el.innerHTML.slice(0, 60)]);
  }
  for (const col of document.querySelectorAll('.il-side, .il-side .widget-vbox, .il-play')) {
    const kids = [...col.children].filter(seen).map(k => [k, k.getBoundingClientRect()]);
    for (let i = 0; i < kids.length; i++) for (let j = 0; j < i; j++) {
      const [a, b] = [kids[i][1], kids[j][1]];
      if (Math.min(a.right, b.right) - Math.max(a.left, b.left) > 1 &&
          Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 1)
        out.push(['overlap', kids[i][0].textContent.trim().slice(0, 30) + ' / ' +
                              kids[j][0].textContent.trim().slice(0, 30)]);
    }
  }
  return out;
}"""


def spills(page) -> list:
    """Text out of its box and overlapping controls, in every tab of the control column."""
    found = []
    for name in ("data", "network", "training"):
        tab(page, name)
        found += page.evaluate(SPILLS_JS)
    return found

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
    """A screenshot for the artifacts and for docs/ (the README shows the lab)."""
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / f"{name}.png"))
    page.screenshot(path=str(DOCS / f"{name}.png"))


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
    assert not spills(page)
    tab(page, "network")                          # the tab with the init note
    shoot(page, "lab-1366x768")
    assert not errors, errors


def test_the_findings_list_never_pushes_the_controls_off_the_screen(page, voila_server):
    # a deep tanh net with N(0, 1) weights: saturated, several findings at once
    open_app(page, voila_server, TANH_DEEP.replace("depth=6", "depth=12") + "&lr=3")
    tab(page, "network")
    layout = page.evaluate("""() => {
      const box = s => (b => [b.left, b.top, b.right, b.bottom])(
          document.querySelector(s).getBoundingClientRect());
      return {side: box('.il-side'), findings: box('.il-findings'),
              settings: box('.il-side .widget-accordion, .il-side .jupyter-widget-Accordion')};
    }""")
    assert layout["findings"][3] - layout["findings"][1] <= 151          # bounded, scrolls
    assert inside(layout["side"], SCREEN["width"], SCREEN["height"])
    assert layout["settings"][3] <= SCREEN["height"] or layout["side"][3] <= SCREEN["height"]


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
    assert not spills(page)
    tab(page, "network")
    shoot(page, "lab-1920x1080")


def test_at_900_px_the_histograms_and_the_loss_share_the_first_screen_with_the_controls(
        page, voila_server):
    open_app(page, voila_server, TANH_DEEP, viewport=NARROW)
    figs, layout = figures(page), page.evaluate(BOXES_JS)
    w, h = NARROW["width"], NARROW["height"]
    assert layout["side"][2] <= layout["grid"][0]                        # controls beside
    assert inside(layout["side"], w, h)                                  # all on screen
    assert layout["page"][0] <= w                                        # no sideways scroll
    assert not overlapping([f["box"] for f in figs])
    first = {f["title"].split(":")[0].split(" \u00b7")[0] for f in figs if inside(f["box"], w, h)}
    assert {"activations", "loss"} <= first, first
    assert all(f["box"][2] - f["box"][0] >= 180 for f in figs)
    assert not spills(page)
    tab(page, "network")
    shoot(page, "lab-900x800")
    page.mouse.wheel(0, 1500)                    # the pictures scroll, the controls stay
    page.wait_for_function("() => window.scrollY > 500 || document.scrollingElement.scrollTop > 500"
                           " || [...document.querySelectorAll('*')].some(e => e.scrollTop > 500)")
    assert inside(page.evaluate(BOXES_JS)["side"], w, h)


# Inside every picture's cell: a title under a floating tool (the A/B switch, "log loss"), and
# a text of one figure drawn into another's box (the neuron picture's legend under the data
# cloud's title): [what, the text].
COVERED_JS = """() => {
  const hit = (a, b) => Math.min(a.right, b.right) - Math.max(a.left, b.left) > 1 &&
                        Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 1;
  const seen = el => el.getClientRects().length > 0 && el.offsetParent !== null;
  const out = [];
  for (const cell of document.querySelectorAll('.il-cell')) {
    const figs = [...cell.querySelectorAll('.il-fig')].filter(seen);
    const tools = [...cell.querySelectorAll('.il-overlay')].filter(seen);
    for (const f of figs) for (const t of f.querySelectorAll('text')) {
      const box = t.getBoundingClientRect(), text = t.textContent.trim();
      if (!text) continue;
      if (t.classList.contains('mainheading') && tools.some(x => hit(box, x.getBoundingClientRect())))
        out.push(['title under a tool', text]);
      if (figs.some(g => g !== f && hit(box, g.getBoundingClientRect())))
        out.push(['text in another figure', text]);
    }
  }
  return out;
}"""


@pytest.mark.parametrize("viewport", [SCREEN, WIDE], ids=["1366x768", "1920x1080"])
def test_no_title_or_legend_is_covered_with_one_run_or_two(page, voila_server, viewport):
    open_app(page, voila_server, TANH_DEEP, viewport=viewport)
    assert page.evaluate(COVERED_JS) == []
    page.get_by_role("button", name="compare").click()
    page.wait_for_function("() => [...document.querySelectorAll('.il-cell .mainheading')].filter("
                           "t => / of B |^B: /.test(t.textContent)).length == 2")   # both planes
    assert page.evaluate(COVERED_JS) == []


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
