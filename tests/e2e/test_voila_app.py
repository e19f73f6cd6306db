"""The Voila app as a student uses it: a real server, Debian's Chromium, clicks, drags, key presses.

Every change goes through the page (slider readouts and handles, drop-downs, buttons), never the
kernel; every check reads the SVG that bqplot drew.  Links (query strings) set the starting state,
as a teacher's link would.
"""
from __future__ import annotations

import time

import pytest
from helpers import (DEADLINE_MS, centre_share, choose, dispatch, drag_slider, edge_share,
                     export_settings, figures, histograms, open_app, readout, selected,
                     status_area, step_count, tab, title_std, type_into_slider, wait_last,
                     watch_console)

from initlab import Config, Run
from initlab.core import links
from initlab.ui.panels import PANELS
from initlab.ui.panels.histograms import short

TANH_DEEP = "?activation=tanh&init=gaussian&weight_std=1.0&depth=6&width=200"
FIGURES = 9      # ridgeline, forward, backward, neurons, data cloud, boundary, loss, accuracy, ratio


def overlapping(boxes: list[list[float]]) -> list[tuple[int, int]]:
    """Pairs of [left, top, right, bottom] boxes that overlap by more than a pixel."""
    return [(i, j) for i, a in enumerate(boxes) for j, b in enumerate(boxes[:i])
            if min(a[2], b[2]) - max(a[0], b[0]) > 1 and min(a[3], b[3]) - max(a[1], b[1]) > 1]


# pieces ("M" commands) of the data cloud's first path: one per line, one per active-side tick
CLOUD_PIECES_JS = """() => {
  const f = [...document.querySelectorAll('.bqplot.figure')].find(x =>
      ((x.querySelector('.mainheading') || {}).textContent || '').includes('first-layer units'));
  return (f.querySelector('path.line').getAttribute('d').match(/M/g) || []).length;
}"""


def test_the_app_renders_every_panel_without_errors(page, voila_server):
    errors = watch_console(page)
    open_app(page, voila_server)
    figs = figures(page)
    depth = Config().depth
    assert len(figs) == FIGURES
    assert all(f["events"] == 1 for f in figs)                  # every figure's plot area is live
    hists = histograms(page)
    assert [h["title"].split()[1] for h in hists] == [str(i) for i in range(1, depth + 1)]
    assert all(len(h["heights"]) == 40 and sum(h["heights"]) > 0 for h in hists)
    by_title = {f["title"].split(":")[0].split(" (")[0]: f for f in figs}
    assert len(by_title["activations"]["paths"]) == depth       # one step curve per layer
    assert by_title["decision boundary"]["images"] == 1            # the raster of predictions
    assert len(by_title["decision boundary"]["labels"]) == 256     # the probe batch (shapes)
    neurons = next(f for f in figs if f["title"].startswith("neurons"))
    assert neurons["images"] == 1                  # every layer's units' maps: one raster
    assert [t for t in neurons["labels"] if t.isdigit()] == [str(i) for i in range(1, depth + 1)]
    cloud = next(f for f in figs if "first-layer units" in f["title"])
    assert len(cloud["paths"]) <= 2          # every line in one path (dead ones in a second)
    assert cloud["images"] == 1              # the shade: units on at each spot
    pieces = page.evaluate(CLOUD_PIECES_JS)  # each alive unit: its line and its tick
    assert 0.75 * Config().width <= pieces / 2 <= Config().width
    assert len(by_title["forward"]["paths"]) == 2 and len(by_title["backward"]["paths"]) == 2
    page.get_by_text("how to read the pictures").click()
    for panel in PANELS.values():                                   # every hint one click away
        assert page.get_by_text(panel.title, exact=True).is_visible(), panel.title
    assert not overlapping([f["box"] for f in figs])
    assert all(f["box"][2] - f["box"][0] > 100 and f["box"][3] - f["box"][1] > 100 for f in figs)
    # no error output, no traceback, nothing wrong in the status area, no uncaught exception
    assert page.locator(".jp-OutputArea-output[data-mime-type*=error]").count() == 0
    assert page.locator(".jp-RenderedText[data-mime-type*=stderr]").count() == 0
    assert "Traceback" not in page.inner_text("body")
    assert "Something went wrong" not in status_area(page).inner_text()
    assert not errors, errors


def test_a_link_sets_the_controls(page, voila_server):
    open_app(page, voila_server, TANH_DEEP)
    tab(page, "network")
    assert (readout(page, "depth"), readout(page, "width")) == ("6", "200")
    assert (selected(page, "activation"), selected(page, "init")) == ("tanh", "gaussian")
    assert float(readout(page, "weight std")) == 1.0
    assert len(histograms(page)) == 6
    assert histograms(page)[0]["xticks"][:3] == ["-1", "0", "1"]     # tanh's fixed range


def test_a_bad_link_explains_itself_and_shows_the_defaults(page, voila_server):
    open_app(page, voila_server, "?depth=ten&activation=tanh")
    notice = status_area(page).inner_text()
    assert "depth='ten' is not allowed" in notice and "[1, 20]" in notice
    assert "Showing the default settings" in notice
    tab(page, "network")
    defaults = Config()
    assert readout(page, "depth") == str(defaults.depth)
    assert selected(page, "activation") == defaults.activation        # tanh was not half-applied
    assert len(histograms(page)) == defaults.depth


def test_weight_std_from_1_to_0_01_moves_the_last_layer_from_the_edges_to_the_centre(
        page, voila_server):
    open_app(page, voila_server, TANH_DEEP)
    saturated = histograms(page)[-1]["heights"]
    assert edge_share(saturated) > 0.5                  # N(0, 1): piled up at -1 and +1
    assert centre_share(saturated) < 0.05
    tab(page, "network")
    start = time.monotonic()
    type_into_slider(page, "weight std", "0.01")
    wait_last(page, "centre(h.heights) > 0.99")          # N(0, 0.01): collapsed onto 0
    elapsed = time.monotonic() - start
    assert readout(page, "weight std") == "0.0100"
    assert edge_share(histograms(page)[-1]["heights"]) < 0.01
    assert elapsed < DEADLINE_MS / 1000
    # dragging the handle to the right end (std 10) saturates it again
    drag_slider(page, "weight std", 1.0)
    wait_last(page, "edges(h.heights) > 0.5")
    assert float(readout(page, "weight std")) == 10.0


def test_relu_widens_the_histogram_range_and_batch_norm_spreads_a_collapsed_net(
        page, voila_server):
    open_app(page, voila_server, TANH_DEEP.replace("weight_std=1.0", "weight_std=0.01"))
    collapsed = histograms(page)[-1]
    assert collapsed["xticks"][:3] == ["-1", "0", "1"] and centre_share(collapsed["heights"]) > 0.99
    tab(page, "network")
    choose(page, "activation", "relu")
    wait_last(page, "h.xticks.includes('3') && !h.xticks.includes('-1')")   # relu: [0, 3]
    choose(page, "activation", "tanh")
    wait_last(page, "h.xticks.includes('-1') && centre(h.heights) > 0.99")
    choose(page, "norm", "batch")
    # normalised: spread out again (the row's σ label too, not only its curve)
    wait_last(page, "centre(h.heights) < 0.3 && parseFloat(h.title.split('\u03c3 ')[1]) > 0.3")
    spread = histograms(page)[-1]
    assert float(title_std(spread["title"])) > 0.3
    assert sum(1 for s in spread["heights"] if s > 0) > 20   # most bins in use


def test_play_grows_the_loss_curve_and_pause_stops_training(page, voila_server):
    open_app(page, voila_server, "?depth=2&width=32")
    page.get_by_role("button", name="Play").click()
    loss = "([...document.querySelectorAll('.bqplot.figure')].find(f => " \
           "(f.querySelector('.mainheading') || {}).textContent.startsWith('loss'))" \
           ".querySelector('path.line').getAttribute('d') || '').length"
    page.wait_for_function(f"() => {loss} > 100", timeout=DEADLINE_MS)
    first = page.evaluate(f"() => {loss}")
    page.wait_for_function(f"() => {loss} > {first} + 200", timeout=DEADLINE_MS)   # still growing
    assert step_count(page) > 0
    page.get_by_role("button", name="Pause").click()
    page.get_by_role("button", name="Play").wait_for()
    export_settings(page)                      # a round trip: the pause's last redraw has landed
    paused = step_count(page)
    # one Step more, then a round trip: a lab still playing would be dozens of steps further
    page.get_by_role("button", name="Step").click()
    page.wait_for_function(f"() => /step {paused + 1} ·/.test(document.body.innerText)",
                           timeout=DEADLINE_MS)
    export_settings(page)
    assert step_count(page) == paused + 1


def test_a_learning_rate_of_10_diverges_and_reset_recovers(page, voila_server):
    open_app(page, voila_server, "?optimizer=sgd&momentum=0")
    tab(page, "training")
    type_into_slider(page, "learning rate", "10")
    page.get_by_role("button", name="Play").click()
    status = status_area(page)
    status.get_by_text("diverged at step").wait_for(timeout=DEADLINE_MS)
    assert "lower the learning rate" in status.inner_text()
    page.get_by_role("button", name="Play").wait_for(timeout=DEADLINE_MS)  # play stopped itself
    page.get_by_role("button", name="Reset").click()
    page.wait_for_function("() => /step 0 ·/.test(document.body.innerText) && "
                           "!/diverged at step/.test(document.body.innerText)",
                           timeout=DEADLINE_MS)
    assert "ln C" in status.inner_text()                 # a fresh start, finite loss again


def test_twenty_quick_changes_end_on_the_last_values_picture(page, voila_server):
    open_app(page, voila_server, TANH_DEEP)
    tab(page, "network")
    # values as a student types them: each is kept as typed (three significant digits)
    values = [1.0, 0.5, 0.02, 2.0, 0.1, 0.03, 0.8, 0.05, 0.3, 0.0707] * 2
    for v in values:                                     # 20 changes, milliseconds apart
        dispatch(page, "weight std", f"{v:g}")
    config = links.from_query(TANH_DEEP)[0].replace(weight_std=values[-1])
    expected = short(Run(config).snapshot().layers[-1].act_std)
    wait_last(page, f"h.title.endsWith('\u03c3 {expected}')")
    # a round trip after every change: the kernel holds the last value, and no stale redraw of
    # an earlier value lands after the right picture (each redraw draws the current config)
    assert export_settings(page)["weight_std"] == values[-1]             # exactly as typed
    assert float(readout(page, "weight std")) == pytest.approx(values[-1], rel=0.01)
    last = histograms(page)[-1]
    assert last["title"].startswith("layer 6") and title_std(last["title"]) == expected


def test_a_link_finer_than_a_slider_is_shown_and_kept_as_it_is(page, voila_server):
    # grad_clip 1e-4 on a 0.5 step once read "0.0" (clipping off) while the run clipped
    open_app(page, voila_server, "?optimizer=sgd&lr=0.1&grad_clip=0.0001&clip_mode=value"
                                 "&l2=3.7e-9&dropout=0.33&l1=5e-324")   # 5e-324 froze the page
    tab(page, "training")
    assert readout(page, "grad clip") == "0.0001"
    assert readout(page, "L2") == "3.70e-9"                    # finer than any decimal step
    assert readout(page, "dropout") == "0.33"
    settings = export_settings(page)              # the browser's slider changed nothing
    assert (settings["grad_clip"], settings["l2"], settings["dropout"]) == (1e-4, 3.7e-9, 0.33)
    assert settings["l1"] == 5e-324
