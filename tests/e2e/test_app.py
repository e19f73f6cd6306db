"""The Voila app as a student uses it: a real server, Debian's Chromium, clicks and key presses.

Every change goes through the page (slider readouts, drop-downs, buttons), never the kernel, and
every check reads the SVG that bqplot drew.
"""
from __future__ import annotations

import re

import pytest

from initlab import Config, Run
from initlab.ui.panels.histograms import short

DEADLINE = 30_000      # ms; the machine is shared, so generous
TANH_DEEP = "?activation=tanh&init=gaussian&weight_std=1.0&depth=6&width=200"

# ---- page helpers -------------------------------------------------------------------------------
FIGURES_JS = """() => [...document.querySelectorAll('.bqplot.figure')].map(f => ({
    title: (f.querySelector('.mainheading') || {}).textContent || '',
    bars: [...f.querySelectorAll('rect.bar')].map(r => parseFloat(r.getAttribute('height')) || 0),
    paths: [...f.querySelectorAll('path.line')].map(p => (p.getAttribute('d') || '').length),
    ticks: [...f.querySelectorAll('.axis text')].map(t => t.textContent)}))"""


def open_app(page, url: str, query: str = "") -> None:
    page.goto(url + query, timeout=DEADLINE * 2)
    page.wait_for_function("() => document.querySelectorAll('.bqplot.figure rect.bar').length > 0",
                           timeout=DEADLINE * 2)


def figures(page) -> list[dict]:
    return page.evaluate(FIGURES_JS)


def histograms(page) -> list[dict]:
    return [f for f in figures(page) if f["title"].startswith("layer ")]


def last_std(page) -> float:
    return float(histograms(page)[-1]["title"].rsplit("std ", 1)[1])


def wait_last_std(page, predicate: str) -> None:
    """Wait until the last histogram's title std satisfies a JS predicate on `s`."""
    page.wait_for_function(
        "() => { const t = [...document.querySelectorAll('.bqplot.figure .mainheading')]"
        ".map(e => e.textContent).filter(x => x.startsWith('layer ')); if (!t.length) return false;"
        " const s = parseFloat(t[t.length - 1].split('std ')[1]); return " + predicate + "; }",
        timeout=DEADLINE)


def tab(page, name: str) -> None:
    page.locator(".lm-TabBar-tab", has_text=re.compile(f"^{name}$")).click()


def control(page, label: str):
    """The widget row whose description is exactly `label`."""
    return page.locator(".widget-inline-hbox", has=page.locator(
        ".widget-label", has_text=re.compile(f"^{re.escape(label)}$"))).first


def type_into_slider(page, label: str, value: str) -> None:
    readout = control(page, label).locator(".widget-readout")
    readout.click()
    page.keyboard.press("Control+A")
    page.keyboard.type(value)
    page.keyboard.press("Enter")


def choose(page, label: str, option: str) -> None:
    control(page, label).locator("select").select_option(option)


def status_text(page) -> str:
    return page.locator("text=/step \\d+/").first.inner_text()


# ---- tests --------------------------------------------------------------------------------------
def test_the_app_renders_every_panel_without_errors(page, voila_server):
    errors = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    open_app(page, voila_server, "?depth=4")
    figs = figures(page)
    titles = [f["title"] for f in figs]
    assert len(histograms(page)) == 4
    assert all(len(f["bars"]) == 40 for f in histograms(page))         # fixed bins, all drawn
    for expected in ("forward", "backward", "first-layer units", "decision boundary", "loss",
                     "accuracy", "update / weight ratio"):
        assert any(expected in t for t in titles), (expected, titles)
    units = next(f for f in figs if "first-layer units" in f["title"])
    assert len(units["paths"]) >= 32                                    # one line per unit
    assert page.locator(".bqplot.figure image, .bqplot.figure .heatmap, .bqplot.figure canvas") \
        .count() + page.locator(".bqplot.figure rect").count() > 0
    assert page.locator("text=/Traceback \\(most recent call last\\)/").count() == 0
    assert page.locator(".jp-RenderedText[data-mime-type='application/vnd.jupyter.stderr']") \
        .count() == 0
    assert not errors, errors


def test_weight_std_from_1_to_0_01_collapses_the_last_layer(page, voila_server):
    open_app(page, voila_server, TANH_DEEP)
    saturated = histograms(page)[-1]["bars"]
    assert saturated[0] + saturated[-1] > 0.5 * sum(saturated)         # piled at -1 and +1
    assert last_std(page) > 0.5
    tab(page, "network")
    type_into_slider(page, "weight std", "0.01")
    wait_last_std(page, "s < 1e-3")
    collapsed = histograms(page)[-1]["bars"]
    middle = len(collapsed) // 2
    assert sum(collapsed[middle - 1:middle + 1]) > 0.99 * sum(collapsed)   # all in the centre


def test_switching_activation_changes_the_histogram_range_and_batch_norm_restores_spread(
        page, voila_server):
    open_app(page, voila_server, TANH_DEEP.replace("weight_std=1.0", "weight_std=0.01"))
    ticks = histograms(page)[-1]["ticks"]
    assert {"-1", "0", "1"} <= set(ticks) and "3" not in ticks          # tanh: fixed [-1, 1]
    tab(page, "network")
    choose(page, "activation", "relu")
    page.wait_for_function(
        "() => [...document.querySelectorAll('.bqplot.figure')].some(f => "
        "(f.querySelector('.mainheading')||{}).textContent.startsWith('layer 6') && "
        "[...f.querySelectorAll('.axis text')].some(t => t.textContent === '3'))",
        timeout=DEADLINE)
    choose(page, "activation", "tanh")
    wait_last_std(page, "s < 1e-3")
    choose(page, "norm", "batch")
    wait_last_std(page, "s > 0.3")                                      # spread out again


def test_play_grows_the_loss_curve_and_pause_stops_it(page, voila_server):
    open_app(page, voila_server, "?depth=2&width=32")
    page.get_by_role("button", name="Play").click()
    page.wait_for_function(
        "() => [...document.querySelectorAll('.bqplot.figure')].some(f => "
        "(f.querySelector('.mainheading')||{}).textContent === 'loss' && "
        "[...f.querySelectorAll('path.line')].some(p => (p.getAttribute('d')||'').length > 200))",
        timeout=DEADLINE)
    first = int(re.search(r"step (\d+)", status_text(page)).group(1))
    page.wait_for_function(
        f"() => parseInt((document.body.innerText.match(/step (\\d+)/)||[0,0])[1]) > {first + 50}",
        timeout=DEADLINE)
    page.get_by_role("button", name="Pause").click()
    page.wait_for_timeout(500)
    paused = int(re.search(r"step (\d+)", status_text(page)).group(1))
    page.wait_for_timeout(1000)
    assert int(re.search(r"step (\d+)", status_text(page)).group(1)) == paused


def test_a_learning_rate_of_10_shows_the_diverged_message_and_reset_recovers(page, voila_server):
    open_app(page, voila_server, "?optimizer=sgd&lr=10&momentum=0")
    page.get_by_role("button", name="Play").click()
    page.wait_for_selector("text=/diverged at step \\d+/", timeout=DEADLINE)
    assert page.locator("text=lower the learning rate").count() >= 1
    page.get_by_role("button", name="Play").wait_for(timeout=DEADLINE)  # play stopped itself
    page.get_by_role("button", name="Reset").click()
    page.wait_for_function("() => /step 0 /.test(document.body.innerText) && "
                           "!/diverged at step/.test(document.body.innerText)", timeout=DEADLINE)


def test_rapid_slider_changes_end_on_the_last_values_picture(page, voila_server):
    open_app(page, voila_server, TANH_DEEP)
    tab(page, "network")
    # values on the log slider's grid (0.05 decades), so the browser does not snap them
    exponents = [0.0, -0.3, -1.7, 0.3, -1.0, -1.5, -0.1, -1.3, -0.5, -1.15] * 2
    for e in exponents:
        type_into_slider(page, "weight std", f"{10 ** e:.6g}")
    config = Config.from_query(TANH_DEEP).replace(weight_std=10 ** exponents[-1])
    expected = short(Run(config).snapshot().layers[-1].act_std)
    page.wait_for_function(
        "() => [...document.querySelectorAll('.bqplot.figure .mainheading')].some(e => "
        f"e.textContent.startsWith('layer 6') && e.textContent.endsWith('std {expected}'))",
        timeout=DEADLINE)
    page.wait_for_timeout(1500)                          # nothing stale arrives afterwards
    assert histograms(page)[-1]["title"].endswith(f"std {expected}")


@pytest.mark.parametrize("query, shown", [
    ("?depth=5&activation=tanh", "layer 5"),
    ("?depth=ten", "depth='ten' is not allowed"),
])
def test_a_link_sets_the_experiment_or_says_why_not(page, voila_server, query, shown):
    open_app(page, voila_server, query)
    page.wait_for_selector(f"text={shown}", timeout=DEADLINE)
    if "ten" in query:
        assert len(histograms(page)) == Config().depth                  # the defaults
