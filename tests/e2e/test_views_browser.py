"""The lab's views in a real browser (Voila + Chromium) at a laptop's 1366x768: each one click
from the dashboard (or opened by its link), each on the first screen, each doing its job.

Screenshots of each view go to artifacts/e2e/view-<name>.png (docs/ keeps copies).
"""
from __future__ import annotations

import re
import time
from pathlib import Path

from helpers import DEADLINE_MS, LOAD_MS, SCREEN, open_app, watch_console

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "e2e"   # as conftest.py's

SEARCH_MS = 240_000            # 20 short trials on a busy 2-core machine, with room to spare
# Opening the optimisers figure, bqplot logs two transient SVG errors ("translate(0,undefined)")
# while it first lays the figure out; once drawn, no element is left unplaced (UNPLACED_JS).
# Not found in time: the marks are made with their data and scales' ranges set.
TRANSIENT = re.compile(r'attribute transform: Trailing garbage, ".*undefined\)"')
UNPLACED_JS = ("() => [...document.querySelectorAll('g')].filter(g => "
               "(g.getAttribute('transform') || '').includes('undefined')).length")


def switch_to(page, label: str) -> None:
    """One click on the view switch above the pictures."""
    page.locator(".il-views").get_by_role("button", name=label, exact=True).click()


def fits_first_screen(page, selector: str) -> None:
    """The view's box ends inside the 1366x768 window and the page does not scroll."""
    box = page.locator(selector).bounding_box()
    assert box["y"] + box["height"] <= SCREEN["height"] + 1, box
    assert box["x"] + box["width"] <= SCREEN["width"] + 1, box
    assert page.evaluate("() => document.scrollingElement.scrollHeight") <= SCREEN["height"] + 1


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"view-{name}.png"))


def test_the_checks_view_runs_four_checks_that_pass_on_the_default(page, voila_server):
    errors = watch_console(page)
    open_app(page, voila_server)
    switch_to(page, "sanity checks")
    page.locator(".il-view-checks").wait_for(timeout=DEADLINE_MS)
    assert "view=checks" in page.locator(".il-copy-link").get_attribute("data-query")
    page.get_by_role("button", name="run the checks").click()
    page.wait_for_function("() => document.querySelectorAll('.il-check.il-pass').length === 4",
                           timeout=LOAD_MS)
    texts = page.locator(".il-check").all_inner_texts()
    assert "ln C" in texts[0] and "relative error" in texts[1]
    assert "training accuracy 100%" in texts[2] and "update/weight ratio" in texts[3]
    fits_first_screen(page, ".il-view-checks")
    shot(page, "checks")
    switch_to(page, "network")                       # back: the dashboard's pictures
    page.locator(".il-grid").wait_for(timeout=DEADLINE_MS)
    assert not errors, errors


def test_a_search_link_opens_the_search_and_twenty_trials_finish(page, voila_server):
    errors = watch_console(page)
    page.set_viewport_size(SCREEN)
    page.goto(voila_server + "?view=search", timeout=LOAD_MS)
    page.locator(".il-view-search").wait_for(timeout=LOAD_MS)
    pressed = page.locator(".il-views .mod-active")
    assert pressed.inner_text().strip() == "search"
    page.get_by_role("button", name="grid vs random").click()
    page.wait_for_function("() => document.body.innerText.includes('distinct learning rates')",
                           timeout=DEADLINE_MS)
    t0 = time.perf_counter()
    page.locator(".il-view-search button", has_text="start").click()
    page.wait_for_function("() => document.body.innerText.includes('20 of 20 trials done')",
                           timeout=SEARCH_MS)
    print(f"20 trials of the default net, clicked to drawn: {time.perf_counter() - t0:.1f} s")
    figure = page.locator(".bqplot.figure", has=page.locator(".mainheading",
                                                             has_text="trials:"))
    page.wait_for_function("f => f.querySelectorAll('path.dot').length >= 21",
                           arg=figure.element_handle(), timeout=DEADLINE_MS)   # 20 + the best
    assert "best" in page.locator(".il-view-search").inner_text()
    fits_first_screen(page, ".il-view-search")
    shot(page, "search")
    page.get_by_role("button", name="use these").click()
    page.wait_for_function("() => document.querySelector('.il-copy-link').dataset.query"
                           ".includes('lr=')", timeout=DEADLINE_MS)
    assert not errors, errors


def test_six_optimisers_play_on_the_saddle_from_a_typed_start(page, voila_server):
    errors = watch_console(page)
    open_app(page, voila_server)
    switch_to(page, "optimisers")
    view = page.locator(".il-view-optimisers")
    view.wait_for(timeout=DEADLINE_MS)
    figure = view.locator(".bqplot.figure")
    page.wait_for_function("f => ['SGD', 'momentum', 'Nesterov', 'AdaGrad', 'RMSProp', 'Adam']"
                           ".every(n => f.textContent.includes(n))",      # the names at the heads
                           arg=figure.element_handle(), timeout=DEADLINE_MS)
    assert page.evaluate(UNPLACED_JS) == 0
    shot(page, "optimisers")                                   # the whole paths, as opened
    legend = view.locator(".il-rule").all_inner_texts()
    assert [t.split()[1] for t in legend] == ["SGD", "momentum", "Nesterov", "AdaGrad",
                                              "RMSProp", "Adam"]
    paths = figure.locator("path.line")
    assert paths.count() >= 6
    step = view.locator(".widget-inline-hbox", has=page.locator(".widget-label",
                                                                 has_text="step")).first
    view.locator(".widget-play button").first.click()          # Play: the paths grow
    page.wait_for_function("e => +e.textContent > 5 && +e.textContent < 200",
                           arg=step.locator(".widget-readout").element_handle(),
                           timeout=DEADLINE_MS)
    view.locator(".widget-play button").first.click()          # pause (the same button)
    start = view.locator(".widget-text input").first            # a typed start point
    start.fill("1.5")
    start.press("Enter")
    page.wait_for_function("() => document.body.innerText.includes('steps from (1.5, 0.8)')",
                           timeout=DEADLINE_MS)
    fits_first_screen(page, ".il-view-optimisers")
    errors = [e for e in errors if not TRANSIENT.search(e)]
    assert not errors, errors
