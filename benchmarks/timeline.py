"""One change's story in the page: every WebSocket frame and every figure mutation, in order.

Serves the lab, opens it in headless Chromium at 1366x768, changes a control a few times and
prints, for the last changes, each frame received (message type, kernel state, the traits a
widget update carries, bytes) and each burst of DOM mutations in a figure (its title, how many
mutations, of what), plus the main thread's long tasks, all in ms after the change was dispatched.
This is how to see where a redraw's time goes: which message costs the browser what, and when
the marks are finally drawn (bqplot's line paths wait for the next animation frame).

    python benchmarks/timeline.py [--largest] [--changes 4]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))
import browser as bench  # noqa: E402  (the same page set-up and stamps as benchmarks/browser.py)

from initlab.serving import serve  # noqa: E402

TIMELINE_JS = """() => {
  window.__mut = [];
  document.querySelectorAll('.bqplot.figure').forEach(f => {
    const t = (f.querySelector('.mainheading') || {}).textContent || '?';
    new MutationObserver(ms => window.__mut.push([performance.now(), t.slice(0, 18), ms.length,
        ms.slice(0, 3).map(m => m.type + ':' + (m.target.getAttribute
            ? (m.target.getAttribute('class') || m.target.tagName) : 'text')
            + (m.attributeName ? '@' + m.attributeName : '')).join(' ')]))
      .observe(f, {subtree: true, attributes: true, childList: true, characterData: true});
  });
  window.__long = [];
  new PerformanceObserver(l => l.getEntries().forEach(e =>
      window.__long.push([e.startTime, e.duration]))).observe({entryTypes: ['longtask']});
}"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--largest", action="store_true", help="the 10 x 500 net on digits")
    parser.add_argument("--changes", type=int, default=4, help="changes made (the first two "
                        "warm up and are not printed)")
    args = parser.parse_args()
    name, query, label, values = bench.LARGEST if args.largest else bench.DEFAULT
    with serve.voila_server(serve.app_notebook(), log=open("/tmp/initlab-timeline.log", "w"),
                            pool_size=0) as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                     args=bench.CHROMIUM_ARGS)
        page = bench.new_page(browser)
        bench.open_lab(page, url, query)
        bench.show_network_tab(page)
        page.evaluate(TIMELINE_JS)
        print(f"{name}: {label} changes; ms after dispatch")
        for i in range(args.changes):
            value = values[i % len(values)]
            page.evaluate("() => { window.__mut = []; window.__long = []; }")
            t0 = page.evaluate(bench.DISPATCH_JS, [label, value])
            page.wait_for_timeout(600)
            if i < 2:
                continue
            frames = page.evaluate("(t0) => window.__ws.filter(f => f.t >= t0)", t0)
            events = [(f["t"] - t0, f"frame {f['dir']} {f.get('type') or ''} "
                                    f"{f.get('state') or ''} {f.get('traits') or ''} {f['n']} B")
                      for f in frames]
            events += [(m[0] - t0, f"    {m[1]!r}: {m[2]} mutations ({m[3]})")
                       for m in page.evaluate("() => window.__mut")]
            events += [(t - t0, f"        long task {d:.0f} ms")
                       for t, d in page.evaluate("() => window.__long")]
            print(f"-- {label} = {value}")
            for t, text in sorted(events):
                print(f"{t:7.1f}  {text}")
        browser.close()


if __name__ == "__main__":
    main()
