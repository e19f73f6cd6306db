"""Every student, and a clean console: axe-core's audit, the console during a session, the
page's title and the keyboard.

axe-core (the engine of browsers' accessibility audits) comes from npm (tests/e2e/package.json,
`npm ci --prefix tests/e2e`); Playwright injects it into the served page.  Measured on
2026-12-07 before this test existed: 3 serious violations (slider handles without names, 4.45:1
grey tab labels, a tooltip-only select) and 12 "Unsatisfied version" warnings at every load,
~330 'transform ... NaN' errors in a minute of experiments.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from helpers import READY_JS, control, open_app, step_count, tab

AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
# Voila's own debug line when it opens the kernel's socket: not a problem
QUIET = re.compile(r"^Starting WebSocket")


def axe_violations(page) -> list[dict]:
    if not AXE.exists():
        pytest.skip(f"{AXE} is missing: npm ci --prefix tests/e2e (make test does it)")
    page.add_script_tag(path=str(AXE))
    return page.evaluate("""async () => (await axe.run(document)).violations.map(v => ({
        id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' '))}))""")


def collect_console(page) -> list[tuple[str, str]]:
    messages: list[tuple[str, str]] = []
    page.on("console", lambda m: messages.append((m.type, m.text)))
    page.on("pageerror", lambda err: messages.append(("pageerror", str(err))))
    return messages


def problems(messages: list[tuple[str, str]]) -> list[str]:
    """Errors, and warnings about package versions (the widget frontends' shared modules)."""
    return [f"[{kind}] {text[:200]}" for kind, text in messages
            if kind in ("error", "pageerror")
            or (kind == "warning" and re.search(r"Unsatisfied version|No satisfying version", text))]


def test_axe_finds_no_violation_in_any_tab(page, voila_server):
    """None of any impact: 20 nodes outside any landmark (the moderate "region" rule) were
    left after the serious ones were fixed; the page now marks the lab main and its controls a
    region."""
    open_app(page, voila_server)
    page.wait_for_function("() => document.querySelector('.il-lab[role=main]')")
    for name in ("data", "network", "training"):
        tab(page, name)
        page.wait_for_function("() => [...document.querySelectorAll('[role=slider]')]"
                               ".every(h => h.getAttribute('aria-label'))")
        assert not axe_violations(page), name


def test_the_console_stays_clean_through_load_play_compare_and_experiments(page, voila_server):
    messages = collect_console(page)
    open_app(page, voila_server)
    assert page.title() == "initlab"
    page.get_by_role("button", name="Play").click()
    page.wait_for_function("() => +((document.body.innerText.match(/step (\\d+) ·/) || [0, 0])[1])"
                           " >= 10")
    page.get_by_role("button", name="Pause").click()
    page.get_by_role("button", name="compare").click()
    page.wait_for_function("() => document.body.innerText.includes('same settings')")
    page.get_by_role("button", name="compare").click()
    handle = control(page, "speed").locator("[role=slider]")
    handle.focus()
    page.keyboard.press("End")                     # as fast as the machine goes
    assert control(page, "speed").locator(".widget-readout").inner_text() == "max"
    experiment = control(page, "experiment").locator("select")
    for name in ("dead relus", "learning rate too high", "deep sigmoid vanishes"):
        experiment.select_option(name)
        page.wait_for_function(READY_JS)
        start = step_count(page)
        page.get_by_role("button", name="Play").click()
        # Play has started: steps counted past the experiment's start, or a run diverged at
        # once and Play paused itself before its button could read "Pause"
        page.wait_for_function(
            f"() => +((document.body.innerText.match(/step (\\d+) ·/) || [0, 0])[1]) > {start}"
            f" || /diverged at step/.test(document.body.innerText)")
        # 100 steps on (at full speed), or Play paused itself (every run diverged)
        page.wait_for_function(
            f"() => +((document.body.innerText.match(/step (\\d+) ·/) || [0, 0])[1]) > "
            f"{start + 100} || [...document.querySelectorAll('button')].some(b => "
            f"b.textContent.trim() === 'Play')")
        if page.get_by_role("button", name="Pause").count():
            page.get_by_role("button", name="Pause").click()
        page.get_by_role("button", name="Play").wait_for()
    assert not problems(messages), problems(messages)


def test_play_speed_and_stop_work_from_the_keyboard(page, voila_server):
    open_app(page, voila_server)
    stop = control(page, "stop at").locator("input")
    stop.focus()
    page.keyboard.press("Control+A")
    page.keyboard.type("12")
    page.keyboard.press("Tab")
    play = page.get_by_role("button", name="Play")
    play.focus()
    page.keyboard.press("Space")                   # a toggle button answers Space
    page.wait_for_function("() => /step 12 ·/.test(document.body.innerText)")
    page.get_by_role("button", name="Play").wait_for()        # paused itself at the stop
    assert step_count(page) == 12


def test_a_typed_learning_rate_is_kept_as_typed_in_the_settings_and_the_link(page, voila_server):
    from helpers import export_settings, readout, type_into_slider
    open_app(page, voila_server)
    tab(page, "training")
    type_into_slider(page, "learning rate", "0.3")     # the 0.05-decade slider made it 0.316228
    page.wait_for_function("() => (document.querySelector('.il-link') || {}).value"
                           " && document.querySelector('.il-link').value.includes('lr=0.3')")
    assert export_settings(page)["lr"] == 0.3
    assert float(readout(page, "learning rate")) == 0.3           # "0.300": three digits
    link = page.locator(".il-link").input_value()
    assert "lr=0.3&" in link + "&" and "0.316" not in link
