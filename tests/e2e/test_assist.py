"""The lab's assistant, change markers and own data in a real browser (Voila + Chromium).

A diagnosis appears for a small init, opens in full under the pointer, and its fix button
applies He; a point clicked on the decision boundary appears and is trained on (by both runs
when comparing); a bad CSV explains itself and changes nothing.
"""
from __future__ import annotations

from helpers import DEADLINE_MS, open_app, selected, step_count, tab, watch_console

SMALL_INIT = "?init=gaussian&weight_std=0.01&depth=6"
# The dots each scatter mark of the decision-boundary figure shows (hidden marks count 0).
BOUNDARY_DOTS_JS = """() => {
  const f = [...document.querySelectorAll('.bqplot.figure')].find(f =>
      ((f.querySelector('.mainheading') || {}).textContent || '').startsWith('decision boundary'));
  return [...f.querySelectorAll('path.dot')].filter(d => d.getClientRects().length > 0).length;
}"""


def boundary_plot(page):
    """The plot area (click target) of the decision-boundary figure."""
    figure = page.locator(".bqplot.figure", has=page.locator(
        ".mainheading", has_text="decision boundary"))
    return figure.locator(".plotarea_events")


def test_small_init_is_diagnosed_and_the_fix_button_applies_he(page, voila_server):
    errors = watch_console(page)
    open_app(page, voila_server, SMALL_INIT)
    finding = page.locator(".il-finding.il-problem", has_text="vanishing_gradients"
                           ).or_(page.locator(".il-finding.il-problem")).first
    finding.wait_for(timeout=DEADLINE_MS)
    assert "gradient" in finding.inner_text().lower()
    clamped = finding.bounding_box()["height"]
    finding.hover()                              # pointing at it shows the whole message
    page.wait_for_function("([e, h]) => e.getBoundingClientRect().height > h",
                           arg=[finding.element_handle(), clamped + 10], timeout=DEADLINE_MS)
    page.get_by_role("button", name="switch init to He").click()
    tab(page, "network")
    page.wait_for_function("() => ![...document.querySelectorAll('.il-finding')].length",
                           timeout=DEADLINE_MS)
    assert selected(page, "init") == "he_normal"
    assert not errors, errors


def test_a_clicked_point_appears_and_trains(page, voila_server):
    errors = watch_console(page)
    open_app(page, voila_server)
    before = page.evaluate(BOUNDARY_DOTS_JS)
    plot = boundary_plot(page)
    box = plot.bounding_box()
    page.mouse.click(box["x"] + 0.3 * box["width"], box["y"] + 0.2 * box["height"])
    page.get_by_text("Added a point of class 0").wait_for(timeout=DEADLINE_MS)
    page.wait_for_function(f"() => ({BOUNDARY_DOTS_JS})() > {before}", timeout=DEADLINE_MS)
    shown = page.evaluate(BOUNDARY_DOTS_JS)
    assert shown == 601                      # the spiral's 600 examples and the clicked one
    for _ in range(3):
        page.get_by_role("button", name="Step").click()
    page.wait_for_function("() => /step 3 ·/.test(document.body.innerText)", timeout=DEADLINE_MS)
    assert step_count(page) == 3
    assert not errors, errors


def test_comparing_a_clicked_point_restarts_both_runs_on_it(page, voila_server):
    errors = watch_console(page)
    open_app(page, voila_server, "?b.activation=tanh")
    box = boundary_plot(page).bounding_box()
    page.mouse.click(box["x"] + 0.3 * box["width"], box["y"] + 0.2 * box["height"])
    page.get_by_text("both runs restart on your 601 points").wait_for(timeout=DEADLINE_MS)
    page.wait_for_function(f"() => ({BOUNDARY_DOTS_JS})() === 601", timeout=DEADLINE_MS)
    for _ in range(3):
        page.get_by_role("button", name="Step").click()
    page.wait_for_function("() => /A step 3 ·[^]*B step 3 ·/.test(document.body.innerText)",
                           timeout=DEADLINE_MS)
    assert not errors, errors


def test_a_bad_csv_explains_itself_and_changes_nothing(page, voila_server):
    open_app(page, voila_server)
    before = page.evaluate(BOUNDARY_DOTS_JS)
    page.get_by_text("settings as JSON (export / import)").click()
    # ipywidgets' upload button opens a file input it never attaches to the page: answer the
    # file chooser it opens, as a student picking a file would
    with page.expect_file_chooser() as chooser:
        page.locator(".widget-upload").click()
    chooser.value.set_files(files=[{"name": "mine.csv", "mimeType": "text/csv",
                                    "buffer": b"x1,x2,label\n0.1,0.2,0\n0.3,abc,1\n"}])
    message = page.get_by_text("mine.csv was not loaded")
    message.wait_for(timeout=DEADLINE_MS)
    text = message.inner_text()
    assert "row 3, column 2 (x2)" in text and "'abc' is not a number" in text
    assert "Nothing changed" in text
    assert page.evaluate(BOUNDARY_DOTS_JS) == before
