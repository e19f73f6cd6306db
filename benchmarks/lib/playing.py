"""Play as the benchmarks measure it: at full speed, redraws, steps and the browser's busy share
per second over a window (benchmarks/browser.py, play_ab.py)."""
from __future__ import annotations

import re

from labpage import close_page, main_thread_ms, new_page, open_lab

def full_speed(page) -> None:
    """Play as fast as the machine goes (the speed slider's far end; a lab without one already
    does): redraw and step rates measure the machine, not the default watching pace."""
    handle = page.locator(".il-speed [role=slider]")
    if handle.count():
        handle.focus()
        page.keyboard.press("End")
        page.wait_for_function("() => document.querySelector('.il-speed .widget-readout')"
                               ".textContent.trim() === 'max'")


def redraw_rate(browser, url: str, seconds: float = 5.0) -> tuple[float, float, float]:
    """Loss-path redraws per second while playing, steps per second, kB/s received."""
    page = new_page(browser)
    open_lab(page, url, "")
    page.evaluate("""() => { window.__frames = 0;
      const loss = [...document.querySelectorAll('.bqplot.figure')].find(f =>
          (f.querySelector('.mainheading') || {}).textContent === 'loss');
      new MutationObserver(() => window.__frames++).observe(loss,
          {subtree: true, attributes: true, attributeFilter: ['d']}); }""")
    full_speed(page)
    page.get_by_role("button", name="Play").click()
    page.wait_for_function("() => window.__frames > 3", timeout=60_000)
    start = page.evaluate("() => [window.__frames, performance.now()]")
    start_step = _step(page)
    page.wait_for_timeout(seconds * 1000)
    end = page.evaluate("() => [window.__frames, performance.now()]")
    steps = _step(page) - start_step
    received = page.evaluate("([a, b]) => window.__ws.filter(f => f.dir === 'in' && f.t >= a && "
                             "f.t <= b).reduce((s, f) => s + f.n, 0)", [start[1], end[1]])
    page.get_by_role("button", name="Pause").click()
    close_page(page)
    elapsed = (end[1] - start[1]) / 1000
    return (end[0] - start[0]) / elapsed, steps / elapsed, received / 1024 / elapsed


# Counted while playing: status-line changes (one per redraw) and loss-path changes.
PLAY_COUNT_JS = """() => {
  window.__loss = 0; window.__status = 0;
  const loss = [...document.querySelectorAll('.bqplot.figure')].find(f =>
      ((f.querySelector('.mainheading') || {}).textContent || '').startsWith('loss'));
  new MutationObserver(() => window.__loss++).observe(loss,
      {subtree: true, attributes: true, attributeFilter: ['d']});
  new MutationObserver(() => window.__status++).observe(document.querySelector('.il-status'),
      {subtree: true, childList: true, characterData: true});
}"""


def play_window(page, seconds: float) -> tuple[float, float, float, float]:
    """Play at full speed for `seconds` (after 1.5 s to get going), then Pause and Reset:
    (redraws/s, steps/s, loss-path changes/s, share of the time the main thread was busy)."""
    read = "() => [window.__status, window.__loss, performance.now()]"
    full_speed(page)
    page.get_by_role("button", name="Play").click()
    page.wait_for_timeout(1500)
    c0, s0, m0 = page.evaluate(read), _step(page), main_thread_ms(page.cdp)
    page.wait_for_timeout(seconds * 1000)
    c1, s1, m1 = page.evaluate(read), _step(page), main_thread_ms(page.cdp)
    page.get_by_role("button", name="Pause").click()
    page.wait_for_function("() => [...document.querySelectorAll('button')].some(b => "
                           "b.textContent.trim() === 'Play')")
    page.get_by_role("button", name="Reset").click()
    page.wait_for_function("() => /step 0 ·/.test(document.body.innerText)", timeout=30_000)
    dt = (c1[2] - c0[2]) / 1000
    return ((c1[0] - c0[0]) / dt, (s1 - s0) / dt, (c1[1] - c0[1]) / dt,
            (m1["TaskDuration"] - m0["TaskDuration"]) / 1000 / dt)


def _step(page) -> int:
    return int(re.search(r"step (\d+) ·", page.inner_text("body")).group(1))
