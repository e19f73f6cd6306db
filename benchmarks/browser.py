"""The lab as students feel it: a live Voila server, headless Chromium, timings taken in the page.

Prints: time to first full render; control-to-redraw latency (median, p90) for the default net and
the largest (10 x 500); redraws per second while playing; memory per session; and 5 and 10
concurrent students, each moving a control a few times, with latency and whether every page ends
on the picture of its last value.

Timings come from the page itself: a MutationObserver stamps every change to the histogram
figures with performance.now(), and each change is dispatched (Enter in the slider's readout)
from inside the page after stamping its start, so network, kernel and rendering are all counted.

    python benchmarks/browser.py [--changes 30] [--students 5 10]
"""
from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from initlab import Config, Run, serve
from initlab.ui.panels.histograms import short

# the same flags as the browser tests: headless, loopback only, nothing fetched from outside
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic",
                 "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]
DEFAULT = "?init=gaussian&weight_std=0.1"             # the default net; std drives the histograms
LARGEST = "?dataset=digits&n_classes=10&depth=10&width=500&init=gaussian&weight_std=0.1"
# weight std values on the log slider's 0.05-decade grid, alternating so each change redraws
EXPONENTS = [-1.0, -0.5, -1.5, -0.3, -2.0, -0.7]

OBSERVER_JS = """() => {
  window.__marks = [];
  const obs = new MutationObserver(() => window.__marks.push(performance.now()));
  document.querySelectorAll('.bqplot.figure').forEach(f => {
    const t = f.querySelector('.mainheading');
    if (t && t.textContent.startsWith('layer '))
      obs.observe(f, {subtree: true, attributes: true, childList: true, characterData: true});
  });
}"""

DISPATCH_JS = """(value) => {
  const row = [...document.querySelectorAll('.widget-inline-hbox')].find(r =>
      (r.querySelector('.widget-label') || {}).textContent === 'weight std');
  const readout = row.querySelector('.widget-readout');
  readout.textContent = value;
  window.__marks = [];
  window.__t0 = performance.now();
  readout.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter', keyCode: 13, bubbles: true}));
}"""

LAST_TITLE_JS = """() => { const t = [...document.querySelectorAll('.bqplot.figure .mainheading')]
  .map(e => e.textContent).filter(x => x.startsWith('layer ')); return t[t.length - 1]; }"""


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def expected_title_end(query: str, exponent: float) -> str:
    config = Config.from_query(query).replace(weight_std=10 ** exponent)
    return f"std {short(Run(config).snapshot().layers[-1].act_std)}"


def open_lab(page, url: str, query: str) -> float:
    """Load the app; returns ms from navigation start to every panel's marks in the DOM."""
    page.goto(url + query, timeout=120_000)
    page.wait_for_function(
        "() => document.querySelectorAll('.bqplot.figure rect.bar').length > 0 && "
        "[...document.querySelectorAll('.bqplot.figure .mainheading')]"
        ".some(t => t.textContent.startsWith('update / weight'))",
        timeout=120_000)
    rendered = page.evaluate("() => performance.now()")
    page.locator(".lm-TabBar-tab", has_text="network").click()
    page.evaluate(OBSERVER_JS)
    return rendered


def change_and_wait(page, exponent: float, expected_end: str, settle_ms: int = 250) -> float:
    """Dispatch one change; ms from dispatch to the last histogram mutation of its redraw."""
    page.evaluate(DISPATCH_JS, f"{10 ** exponent:.6g}")
    page.wait_for_function(f"(end) => ({LAST_TITLE_JS})().endsWith(end)", arg=expected_end,
                           timeout=60_000)
    page.wait_for_timeout(settle_ms)               # let the redraw's remaining marks land
    return page.evaluate("() => Math.max(...window.__marks) - window.__t0")


def latency(page, url: str, query: str, changes: int) -> tuple[float, list[float]]:
    first_render = open_lab(page, url, query)
    ends = {e: expected_title_end(query, e) for e in EXPONENTS}
    times = []
    for i in range(changes):
        e = EXPONENTS[i % len(EXPONENTS)]
        if i and e == EXPONENTS[(i - 1) % len(EXPONENTS)]:
            continue
        times.append(change_and_wait(page, e, ends[e]))
    return first_render, times


def redraw_rate(page, url: str, seconds: float = 5.0) -> tuple[float, int]:
    """Loss-path updates per second while playing, and the steps trained meanwhile."""
    open_lab(page, url, "")
    page.evaluate("""() => { window.__frames = 0;
      const loss = [...document.querySelectorAll('.bqplot.figure')].find(f =>
          (f.querySelector('.mainheading') || {}).textContent === 'loss');
      new MutationObserver(() => window.__frames++).observe(loss,
          {subtree: true, attributes: true, attributeFilter: ['d']}); }""")
    page.get_by_role("button", name="Play").click()
    page.wait_for_timeout(1000)
    start_frames = page.evaluate("() => window.__frames")
    start_step = _step(page)
    page.wait_for_timeout(seconds * 1000)
    frames = page.evaluate("() => window.__frames") - start_frames
    steps = _step(page) - start_step
    page.get_by_role("button", name="Pause").click()
    return frames / seconds, steps


def _step(page) -> int:
    import re
    return int(re.search(r"step (\d+)", page.inner_text("body")).group(1))


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def processes() -> tuple[list[int], list[int]]:
    """(voila server pids, kernel pids) among this machine's processes."""
    servers, kernels = [], []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if "ipykernel_launcher" in cmd:
            kernels.append(int(proc.name))
        elif "voila" in cmd and "python" in cmd and "benchmarks/browser.py" not in cmd:
            servers.append(int(proc.name))
    return servers, kernels


def students(browser, url: str, n: int, moves: int = 5, gap_s: float = 2.0) -> dict:
    """n students, one browser context each, each moving weight std `moves` times."""
    contexts = [browser.new_context(viewport={"width": 1400, "height": 1000}) for _ in range(n)]
    pages = [c.new_page() for c in contexts]
    for page in pages:
        open_lab(page, url, DEFAULT)
    servers, kernels = processes()
    memory = (sum(rss_mb(p) for p in servers), sum(rss_mb(p) for p in kernels), len(kernels))
    ends = {e: expected_title_end(DEFAULT, e) for e in EXPONENTS}
    times, stale = [], 0
    deadline = time.monotonic() + 60 + moves * gap_s * 3
    for m in range(moves):
        for k, page in enumerate(pages):             # everyone moves at about the same time
            e = EXPONENTS[(m + k) % len(EXPONENTS)]
            page.evaluate(DISPATCH_JS, f"{10 ** e:.6g}")
        for k, page in enumerate(pages):
            e = EXPONENTS[(m + k) % len(EXPONENTS)]
            try:
                page.wait_for_function(f"(end) => ({LAST_TITLE_JS})().endsWith(end)",
                                       arg=ends[e], timeout=max(1000, (deadline - time.monotonic()) * 1000))
                page.wait_for_timeout(50)
                times.append(page.evaluate("() => Math.max(...window.__marks) - window.__t0"))
            except Exception:                          # noqa: BLE001 - counted, reported
                stale += 1
        time.sleep(gap_s)
    final_ok = sum(page.evaluate(LAST_TITLE_JS).endswith(ends[EXPONENTS[(moves - 1 + k) % len(EXPONENTS)]])
                   for k, page in enumerate(pages))
    for c in contexts:
        c.close()
    return dict(times=times, stale=stale, final_ok=final_ok, memory=memory)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=30)
    parser.add_argument("--students", type=int, nargs="*", default=[5, 10])
    args = parser.parse_args()
    log = open("/tmp/initlab-browser-bench-voila.log", "w")
    # served as `initlab serve` serves a class: with its pool of preheated kernels
    with serve.voila_server(serve.app_notebook(), log=log, pool_size=serve.DEFAULT_POOL_SIZE) \
            as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                     args=CHROMIUM_ARGS)
        renders = []
        for _ in range(3):                           # each page takes the pool's ready kernel
            time.sleep(15)                           # ... once the pool has refilled
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            renders.append(open_lab(page, url, DEFAULT))
            page.close()
        print(f"first full render, fresh page with a preheated kernel waiting: median "
              f"{statistics.median(renders):.0f} ms of {', '.join(f'{r:.0f}' for r in renders)}")
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        first, times = latency(page, url, DEFAULT, args.changes)
        print(f"first full render right after the previous page took the pool's kernel: "
              f"{first:.0f} ms")
        print(f"control -> histogram redraw, default net: median {statistics.median(times):.0f} ms, "
              f"p90 {pct(times, 0.9):.0f} ms over {len(times)} changes")
        page.close()
        servers, kernels = processes()
        print(f"memory, one session: server {sum(rss_mb(p) for p in servers):.0f} MB, "
              f"kernel {sum(rss_mb(p) for p in kernels):.0f} MB ({len(kernels)} kernel(s) alive)")
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        first, times = latency(page, url, LARGEST, max(6, args.changes // 3))
        print(f"first full render (10 x 500 net): {first:.0f} ms")
        print(f"control -> histogram redraw, 10 x 500 net: median {statistics.median(times):.0f} ms, "
              f"p90 {pct(times, 0.9):.0f} ms over {len(times)} changes")
        page.close()
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        rate, steps = redraw_rate(page, url)
        print(f"playing (default net): {rate:.1f} loss-curve redraws/s, {steps / 5:.0f} steps/s")
        page.close()
        for n in args.students:
            r = students(browser, url, n)
            server, kernel, alive = r["memory"]
            t = r["times"]
            print(f"{n} students: redraw median {statistics.median(t):.0f} ms, p90 {pct(t, 0.9):.0f} ms "
                  f"over {len(t)} moves; {r['stale']} late/lost; {r['final_ok']}/{n} end on their "
                  f"last value; RSS server {server:.0f} MB + kernels {kernel:.0f} MB over {alive} "
                  f"kernels = {(server + kernel) / max(1, alive):.0f} MB per open session")
        browser.close()


if __name__ == "__main__":
    main()
