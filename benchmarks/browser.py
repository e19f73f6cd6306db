"""The lab as students feel it: a live Voila server, headless Chromium, timings taken in the page.

Prints: time to first full render; control-to-redraw latency (median, p90) for the default preset
and the largest (10 x 500), with where the time goes; redraws per second while playing; memory
per session; and 5 and 10 concurrent students, each moving a control a few times, with latency and
whether every page ends on the picture of its last value.

Timings come from the page itself.  A MutationObserver stamps every change to the figures with
performance.now(); each change is dispatched (Enter in the slider's readout) from inside the page
after stamping its start, so network, kernel and rendering are all counted.  A WebSocket wrapper
installed before the page's scripts stamps every frame (size, message type, kernel busy/idle), and
the kernel's own `lab.timings` (run, snapshot, panels) is read over a second client, so each change
splits into: browser to kernel, kernel work (busy to idle), and drawing left after the kernel is
idle.

    python benchmarks/browser.py [--changes 30] [--students 5 10] [--quick]
    python benchmarks/browser.py --against 2618e5b [--changes 30] [--quick]

With --against REF the same measures are taken on this checkout and on commit REF in one run,
alternately (benchmarks/against.py), and a table of both versions' medians ends the output.
"""
from __future__ import annotations

import argparse
import sys
from contextlib import ExitStack
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent / "lib"))
# the page primitives, Play and the class live in benchmarks/lib; against.py, timeline.py,
# play_ab.py and browser_ab.py read them through this module (bench.X)
from classroom import memory, report_students, students  # noqa: E402
from labpage import (BROWSER_METRICS, CHROMIUM_ARGS, DISPATCH_JS, ENDS_JS,  # noqa: E402,F401
                     FIELD, LAST_TITLE_JS, OBSERVER_JS, READY_JS, SPLIT_JS, KernelTimings,
                     close_page, expected_title_end, main_thread_ms, med, new_page, open_lab,
                     pct, show_network_tab)
from playing import PLAY_COUNT_JS, _step, full_speed, play_window, redraw_rate  # noqa: E402,F401

from initlab.core import links  # noqa: E402
from initlab.core.config import Config  # noqa: E402
from initlab.lessons.presets import PRESETS  # noqa: E402
from initlab.serving import serve  # noqa: E402

# (name, link, control, values): values alternate so every change redraws every histogram
DEFAULT = ("default preset", "?" + PRESETS["default"].query, "width",
           ["48", "80", "56", "72", "40", "64"])
DEPTH20 = ("depth 20", "?" + links.to_query(Config(depth=20)), "width",
           ["48", "80", "56", "72", "40", "64"])
LARGEST = ("largest preset (10 x 500, digits)", "?" + PRESETS["small init collapses"].query,
           "weight std", [f"{10 ** e:.6g}" for e in (-1.0, -0.5, -1.5, -0.3, -2.0, -0.7)])


def change_and_wait(page, label: str, value: str, expected_end: str,
                    settle_ms: int = 250) -> dict:
    """Dispatch one change and wait for its picture; returns SPLIT_JS's figures (ms) and the
    browser main thread's busy time over the change (`browser`, ms)."""
    page.evaluate("() => { window.__hist = []; window.__all = []; }")
    busy = main_thread_ms(page.cdp)
    t0 = page.evaluate(DISPATCH_JS, [label, value])
    page.wait_for_function(ENDS_JS, arg=expected_end, timeout=60_000)
    page.wait_for_timeout(settle_ms)               # let the redraw's remaining marks land
    split = page.evaluate(SPLIT_JS, t0)
    after = main_thread_ms(page.cdp)
    split.update({name: after[name] - busy[name] for name in BROWSER_METRICS})
    return split


def report_latency(name: str, s: list[dict]) -> None:
    """One preset's changes (change_and_wait's splits, each with the kernel's side)."""
    k = [x["kernel"] for x in s]
    hist, every = [x["hist"] for x in s], [x["all"] for x in s]
    print(f"  {name}: control -> every picture redrawn: median {med(every):.0f} ms, "
          f"p90 {pct(every, 0.9):.0f} ms over {len(every)} changes (histograms: median "
          f"{med(hist):.0f}, p90 {pct(hist, 0.9):.0f} ms; first histogram change "
          f"{med([x['first'] for x in s]):.0f} ms)")
    run, snap, panels = (1000 * med([t["lab"].get(key) for t in k])
                         for key in ("run", "snapshot", "panels"))
    handling = med([1000 * sum(t["comm"]) for t in k])
    print(f"    where the time goes (medians per change): kernel handling its comm messages "
          f"{handling:.0f} ms (lab.timings: run {run:.0f} + snapshot {snap:.0f} + panels "
          f"{panels:.0f} ms); browser main thread busy "
          f"{med([x['TaskDuration'] for x in s]):.0f} ms "
          f"(script {med([x['ScriptDuration'] for x in s]):.0f}, layout "
          f"{med([x['LayoutDuration'] for x in s]):.0f}, style "
          f"{med([x['RecalcStyleDuration'] for x in s]):.0f} ms); "
          f"{med([x['messages'] for x in s]):.0f} comm messages, "
          f"{med([x['bytes'] for x in s]) / 1024:.1f} kB received")
    counts: dict[str, int] = {}
    for x in s:
        for traits, count in x["traits"].items():
            counts[traits] = counts.get(traits, 0) + count
    common = sorted(counts.items(), key=lambda kv: -kv[1])[:8]
    print("    widget updates per change, by traits sent: " + "; ".join(
        f"{traits or '(none)'} x{count / len(s):.1f}" for traits, count in common))
    print(f"    timeline in the page (medians): frame out {med([x['out'] for x in s]):.0f} ms, "
          f"kernel busy seen {med([x['busy'] for x in s]):.0f} ms, kernel idle seen "
          f"{med([x['idle'] for x in s]):.0f} ms, last histogram change {med(hist):.0f} ms, "
          f"last figure change {med(every):.0f} ms")


def main() -> None:
    import against
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=30)
    parser.add_argument("--students", type=int, nargs="*", default=[5, 10])
    parser.add_argument("--quick", action="store_true",
                        help="skip the fresh-page first renders (15 s of waiting before each, "
                        "and plain Voila)")
    parser.add_argument("--against", metavar="REF", help="also measure git commit REF, "
                        "alternately with this checkout in the same run (benchmarks/against.py)")
    parser.add_argument("--play-windows", type=int, default=3, help="Play windows per version")
    parser.add_argument("--play-seconds", type=float, default=5.0)
    parser.add_argument("--play-only", action="store_true", help="only the Play windows")
    parser.add_argument("--renders", type=int, default=4, help="fresh pages per version for "
                        "each first render (even: each version goes first as often)")
    args = parser.parse_args()
    trees: dict[str, Path | None] = {}
    if args.against:
        commit, tree = against.export_tree(args.against)
        trees[commit[:7]] = tree
        print(f"against {args.against} = {commit}, its files in {tree}")
    trees["this"] = None
    names = list(trees)
    for name, tree in trees.items():
        print(f"widget models at load ({name}): {against.models_at_load(tree)}")
    ready = {name: against.ready_js(tree, READY_JS) for name, tree in trees.items()}
    rows: list[tuple[str, dict, str]] = []
    with ExitStack() as stack, sync_playwright() as pw:
        # served as `initlab serve` serves a class: with its pool of preheated kernels
        urls = {name: against.start_server(stack, name, tree, serve.DEFAULT_POOL_SIZE)
                for name, tree in trees.items()}
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                     args=CHROMIUM_ARGS)
        if not (args.quick or args.play_only):
            # each page takes its pool's ready kernel, once the pool has refilled
            pre = against.first_renders(sys.modules[__name__], browser, urls, ready,
                                        DEFAULT[1], pages=args.renders, wait_s=15)
            plain_urls = {name: against.start_server(stack, name, tree, 0)
                          for name, tree in trees.items()}
            plain = against.first_renders(sys.modules[__name__], browser, plain_urls, ready,
                                          DEFAULT[1], pages=args.renders, wait_s=5)
            for name in names:
                print(f"first full render ({name}): preheated kernel median "
                      f"{med(pre[name]):.0f} ms of {', '.join(f'{r:.0f}' for r in pre[name])}; "
                      f"plain Voila (no preheated kernel) median {med(plain[name]):.0f} ms of "
                      f"{', '.join(f'{r:.0f}' for r in plain[name])}")
            rows += [("first render, preheated kernel", pre, "ms"),
                     ("first render, plain Voila", plain, "ms")]
        if not args.play_only:
            print("control -> redraw (Enter in the readout, stamped in the page)"
                  + (", the versions alternating change by change:" if args.against else ":"))
        for preset in () if args.play_only else (DEFAULT, DEPTH20, LARGEST):
            splits = against.latency(sys.modules[__name__], browser, urls, ready, preset,
                                     args.changes)
            for name in names:
                report_latency(f"{preset[0]} ({name})", splits[name])
            short_name = preset[0].split(" (")[0]
            rows += [(f"{short_name}: control -> every picture redrawn",
                      {n: [x["all"] for x in splits[n]] for n in names}, "ms"),
                     (f"{short_name}: browser main thread busy per change",
                      {n: [x["TaskDuration"] for x in splits[n]] for n in names}, "ms"),
                     (f"{short_name}: kB received per change",
                      {n: [x["bytes"] / 1024 for x in splits[n]] for n in names}, "kB")]
        rates = against.playing(sys.modules[__name__], browser, urls, ready, args.play_windows,
                                args.play_seconds)
        for name in names:
            print(f"playing, default net ({name}), {args.play_windows} windows of "
                  f"{args.play_seconds:.0f} s: " + "; ".join(
                      f"{r:.1f} redraws/s at {st:.0f} steps/s (loss path {lp:.1f}/s, browser "
                      f"busy {busy:.0%})" for r, st, lp, busy in rates[name]))
        rows += [("playing: redraws/s", {n: [r[0] for r in rates[n]] for n in names}, "/s"),
                 ("playing: steps/s", {n: [r[1] for r in rates[n]] for n in names}, "/s"),
                 ("playing: browser main thread busy",
                  {n: [100 * r[3] for r in rates[n]] for n in names}, "%")]
        if not (args.against or args.play_only):
            url = urls["this"]
            server, kernels = memory(url)
            print(f"memory with no page open: server {server:.0f} MB; {len(kernels)} kernels "
                  f"alive, {med(kernels):.0f} MB each (the preheated spares, and any closed "
                  f"page's kernel not yet shut down)")
            for n in args.students:
                report_students(n, students(browser, url, n, DEFAULT))
        browser.close()
    if args.against:
        against.summary(sys.modules[__name__], rows, names)


if __name__ == "__main__":
    main()
