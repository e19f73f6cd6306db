"""A class at once: the Voila server's and its kernels' memory, and n students moving a control
at about the same time, each page checked to end on its own last value (benchmarks/browser.py)."""
from __future__ import annotations

import time
from pathlib import Path

from initlab.serving import serve
from labpage import (DISPATCH_JS, ENDS_JS, SPLIT_JS, KernelTimings, close_page,
                     expected_title_end, kernel_process, med, new_page, open_lab, pct, readout,
                     show_network_tab)


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def memory(url: str) -> tuple[float, list[float]]:
    """(MB of the Voila server on `url`'s port, MB of each of its kernels): ours only, not
    the other servers a shared machine may be running."""
    server = serve.server_pids(url)[0]
    return rss_mb(server), [rss_mb(k) for k in serve.child_pids(server)]


def students(browser, url: str, n: int, preset: tuple, moves: int = 5, gap_s: float = 2.0
             ) -> dict:
    """n students, one browser context each, all moving `preset`'s control at about the same
    time."""
    _, query, label, values = preset
    pages = [new_page(browser) for _ in range(n)]
    for page in pages:
        open_lab(page, url, query)
        show_network_tab(page)
        page.kernel = KernelTimings(page.kernels[-1])
    server, kernels = memory(url)
    mine = [rss_mb(kernel_process(page.kernels[-1])[0]) for page in pages]
    ends = {v: expected_title_end(query, label, v) for v in values}
    times, late = [], 0
    deadline = time.monotonic() + 120 + moves * gap_s * 3
    last = {}
    for m in range(moves):
        for k, page in enumerate(pages):             # everyone moves at about the same time
            last[k] = values[(m + k) % len(values)]
            page.evaluate("() => { window.__hist = []; window.__all = []; }")
            page.t0 = page.evaluate(DISPATCH_JS, [label, last[k]])
        for k, page in enumerate(pages):
            try:
                page.wait_for_function(ENDS_JS, arg=ends[last[k]],
                                       timeout=max(1000, (deadline - time.monotonic()) * 1000))
                page.wait_for_timeout(50)
                times.append(page.evaluate(SPLIT_JS, page.t0)["hist"])
            except Exception:                          # noqa: BLE001 - counted, reported
                late += 1
        time.sleep(gap_s)
    # every page's final picture and control must show its own last value
    final_ok = sum(page.evaluate(ENDS_JS, ends[last[k]])
                   and readout(page, label) == last[k]
                   for k, page in enumerate(pages))
    handling = [1000 * sum(page.kernel.read()["comm"]) / moves for page in pages]
    for page in pages:
        page.kernel.close()
        close_page(page)
    return dict(times=times, late=late, final_ok=final_ok, server=server, kernels=kernels,
                mine=mine, handling=handling)


def report_students(n: int, r: dict) -> None:
    t, kernels = r["times"], r["kernels"]
    print(f"{n} students: redraw median {med(t):.0f} ms, p90 {pct(t, 0.9):.0f} ms over "
          f"{len(t)} moves; {r['late']} late or lost; {r['final_ok']}/{n} end on their "
          f"last value and show it; kernel handling per move median "
          f"{med(r['handling']):.0f} ms")
    print(f"  memory: server {r['server']:.0f} MB + the {n} pages' kernels "
          f"{sum(r['mine']):.0f} MB (median {med(r['mine']):.0f}) = "
          f"{(r['server'] + sum(r['mine'])) / n:.0f} MB per open session; "
          f"{len(kernels)} kernels alive in all (a closed page's tab shuts its kernel down)")
