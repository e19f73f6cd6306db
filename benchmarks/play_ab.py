"""Playing, before and after: redraws per second, steps per second and how busy the browser is.

Two Voila servers (an older checkout given by --before, and this one), one page each in one
headless Chromium; Play runs on each page in turn for a few seconds, several rounds, so that both
see the same load.  Counted in the page: status-line changes (one per redraw), loss-path changes
and decision-boundary raster changes per second, steps per second from the status line, and the
share of the time Chromium's main thread was busy.

    git archive <commit> | tar -x -C /tmp/initlab-before
    python benchmarks/play_ab.py --before /tmp/initlab-before [--rounds 3] [--seconds 4]
"""
from __future__ import annotations

import argparse
import os
import sys
from contextlib import ExitStack
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))
import browser as bench  # noqa: E402

from initlab.serving import serve  # noqa: E402

COUNT_JS = """() => {
  window.__loss = 0; window.__status = 0; window.__boundary = 0;
  const fig = t => [...document.querySelectorAll('.bqplot.figure')].find(f =>
      ((f.querySelector('.mainheading') || {}).textContent || '').startsWith(t));
  new MutationObserver(() => window.__loss++).observe(fig('loss'),
      {subtree: true, attributes: true, attributeFilter: ['d']});
  new MutationObserver(() => window.__boundary++).observe(fig('decision'),
      {subtree: true, attributes: true, attributeFilter: ['href']});
  new MutationObserver(() => window.__status++).observe(document.querySelector('.il-status'),
      {subtree: true, childList: true, characterData: true});
}"""
READ_JS = "() => [window.__loss, window.__status, window.__boundary, performance.now()]"


def start_server(stack: ExitStack, name: str, tree: str | None) -> str:
    saved = os.environ.get("PYTHONPATH")
    if tree:
        os.environ["PYTHONPATH"] = tree               # the older checkout's initlab
    try:
        notebook = Path(tree) / "initlab" / "app" / "lab.ipynb" if tree else serve.app_notebook()
        return stack.enter_context(serve.voila_server(
            notebook, log=open(f"/tmp/initlab-play-{name}.log", "w"), pool_size=0))
    finally:
        if tree:
            if saved is None:
                del os.environ["PYTHONPATH"]
            else:
                os.environ["PYTHONPATH"] = saved


def window(page, seconds: float) -> str:
    bench.full_speed(page)
    page.get_by_role("button", name="Play").click()
    page.wait_for_timeout(1500)                        # past the first ticks
    c0, s0, m0 = page.evaluate(READ_JS), bench._step(page), bench.main_thread_ms(page.cdp)
    page.wait_for_timeout(seconds * 1000)
    c1, s1, m1 = page.evaluate(READ_JS), bench._step(page), bench.main_thread_ms(page.cdp)
    page.get_by_role("button", name="Pause").click()
    page.wait_for_timeout(800)
    page.get_by_role("button", name="Reset").click()
    page.wait_for_timeout(800)
    dt = (c1[3] - c0[3]) / 1000
    busy = (m1["TaskDuration"] - m0["TaskDuration"]) / (10 * dt)
    return (f"{(c1[1] - c0[1]) / dt:5.1f} redraws/s (loss path {(c1[0] - c0[0]) / dt:4.1f}/s, "
            f"boundary raster {(c1[2] - c0[2]) / dt:4.1f}/s) at {(s1 - s0) / dt:4.0f} steps/s; "
            f"browser main thread busy {busy:3.0f}%")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", required=True, help="an older initlab checkout")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=4.0)
    args = parser.parse_args()
    with ExitStack() as stack, sync_playwright() as pw:
        urls = {"before": start_server(stack, "before", str(Path(args.before).resolve())),
                "after": start_server(stack, "after", None)}
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                     args=bench.CHROMIUM_ARGS)
        pages = {}
        for name, url in urls.items():
            page = bench.new_page(browser)
            page.goto(url, timeout=120_000)
            page.wait_for_function("() => document.body.innerText.includes('step 0')",
                                   timeout=120_000)
            page.wait_for_timeout(1500)
            page.evaluate(COUNT_JS)
            pages[name] = page
        for _ in range(args.rounds):
            for name, page in pages.items():
                print(f"{name:6s} {window(page, args.seconds)}", flush=True)
        browser.close()


if __name__ == "__main__":
    main()
