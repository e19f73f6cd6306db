"""Compare mode in the Voila app, driven as a student does: the compare toggle, a slider that now
moves run B only, and the copied link that reopens the same two runs in a new page.

(Named test_compare_browser.py: pytest imports test modules by basename, and
tests/unit/test_compare.py already holds the name test_compare.)
"""
from __future__ import annotations

from helpers import DEADLINE_MS, LOAD_MS, READY_JS, SCREEN, open_app, tab, type_into_slider

TANH_SMALL = "?activation=tanh&init=gaussian&weight_std=0.01&depth=4&width=64"

# The ridgeline's row labels ('1 A', '1 B', ... in compare mode; 'layer 1', ... with one run)
# and their mean/std texts, top row first.
ROWS_JS = """() => {
  const fig = [...document.querySelectorAll('.bqplot.figure')].find(f =>
      ((f.querySelector('.mainheading') || {}).textContent || '').startsWith('activations'));
  const texts = [...fig.querySelectorAll('text.label')].map(t => t.textContent);
  const names = texts.filter(t => /^(layer )?\\d+( [AB])?$/.test(t));
  const stats = texts.filter(t => t.startsWith('\u03bc'));
  return names.map((n, i) => [n, stats[i]]);
}"""


def rows(page) -> list[list[str]]:
    return page.evaluate(ROWS_JS)


def sigma(stats: str) -> float:
    return float(stats.split("\u03c3")[1])


def wait_for(page, js: str) -> None:
    page.wait_for_function(js, timeout=DEADLINE_MS)


def compare_on(page) -> None:
    page.get_by_role("button", name="compare").click()
    wait_for(page, "() => document.body.innerText.includes('same settings: change a control')")


def test_compare_on_then_b_changes_both_pictures_differ_and_a_stays(page, voila_server):
    open_app(page, voila_server, TANH_SMALL)
    single = rows(page)
    assert [name for name, _ in single] == ["layer 1", "layer 2", "layer 3", "layer 4"]
    compare_on(page)
    wait_for(page, "() => document.body.innerText.includes('1 B')")
    pinned = rows(page)
    assert [name for name, _ in pinned] == [f"{i} {r}" for i in range(1, 5) for r in "AB"]
    assert [s for _, s in pinned[0::2]] == [s for _, s in single]      # A is the run on screen
    assert [s for _, s in pinned[1::2]] == [s for _, s in single]      # B starts equal
    tab(page, "network")
    type_into_slider(page, "weight std", "1")
    wait_for(page, "() => document.body.innerText.includes('B: weight_std=1.0')")
    after = rows(page)
    assert [s for _, s in after[0::2]] == [s for _, s in single]       # A stays
    assert sigma(after[-1][1]) > 0.5 > 0.01 > sigma(after[-2][1])      # B saturates, A collapsed
    for _ in range(2):                                                   # Step trains both
        page.get_by_role("button", name="Step").click()
    wait_for(page, "() => (document.body.innerText.match(/step 2 ·/g) || []).length === 2")
    figs = page.evaluate("""() => [...document.querySelectorAll('.bqplot.figure')].map(f =>
        [(f.querySelector('.mainheading') || {}).textContent, f.querySelectorAll('image').length + (f.classList.contains('il-gl') ? 1 : 0),
         f.querySelectorAll('path.line').length])""")
    titles = {t: (images, lines) for t, images, lines in figs}
    assert titles["decision boundary of B (3 classes)"][0] == 1    # the A/B switch shows B
    # A and B: training and validation loss and the learning rate each, and the ln C line
    assert titles["loss A, B \u00b7 lr (dotted)"][1] == 7
    assert "Something went wrong" not in page.inner_text("body")


def test_the_copied_link_reopens_the_same_two_runs(page, voila_server):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=voila_server)
    open_app(page, voila_server, "?depth=5&width=32")
    compare_on(page)
    tab(page, "network")
    page.locator(".widget-inline-hbox", has=page.locator(".widget-label", has_text="activation")
                 ).first.locator("select").select_option("tanh")
    wait_for(page, "() => document.body.innerText.includes('B: activation=tanh')")
    shown = rows(page)
    page.locator("button.il-copy-link").click()
    wait_for(page, "() => document.querySelector('button.il-copy-link').textContent === 'copied'")
    link = page.evaluate("() => navigator.clipboard.readText()")
    assert link == page.locator("input.il-link").input_value()
    assert link.startswith(voila_server) and link.endswith("?depth=5&width=32&b.activation=tanh")

    other = page.context.new_page()
    other.set_viewport_size(SCREEN)
    other.goto(link, timeout=LOAD_MS)
    other.wait_for_function(READY_JS, timeout=LOAD_MS)
    other.wait_for_function("() => document.body.innerText.includes('B: activation=tanh')",
                            timeout=DEADLINE_MS)
    assert rows(other) == shown                                        # the same two runs
    assert "A: activation=relu" in other.inner_text("body")
    assert "mod-active" in other.get_by_role("button", name="compare").get_attribute("class")
    other.close()
