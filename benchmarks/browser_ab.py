"""Before/after in the browser on a shared machine: two Voila servers, one with an older checkout
of initlab (`--before PATH`), one with this one, measured in alternation so that both see the
same load.  Each round changes a control on the "before" page, waits for its picture, then does
the same on the "after" page; first renders and Play windows alternate too.

    git archive main | tar -x -C /tmp/initlab-main
    python benchmarks/browser_ab.py --before /tmp/initlab-main [--changes 30]

Prints medians and p90 of control -> histograms redrawn and -> whole dashboard redrawn, comm
messages and bytes per change, first render, redraws/s while playing and widget models at load.
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
import time
from contextlib import ExitStack
from pathlib import Path

from playwright.sync_api import sync_playwright

HERE = Path(__file__).resolve().parent
spec = importlib.util.spec_from_file_location("browser_bench", HERE / "browser.py")
bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)

from initlab import Run  # noqa: E402
from initlab.core import links  # noqa: E402
from initlab.serving import serve  # noqa: E402
from initlab.ui.panels.histograms import short  # noqa: E402

# Both layouts: the old one's histograms were figures titled 'layer i  mean ..  std ..', the new
# one is a ridgeline whose rows are labelled 'layer i' and 'μ .. σ ..'.
OBSERVER_JS = bench.OBSERVER_JS.replace("t.textContent.startsWith('activations')",
                                        "(t.textContent.startsWith('activations') || "
                                        "t.textContent.startsWith('layer '))")
LAST_JS = """() => {
  const titles = [...document.querySelectorAll('.bqplot.figure .mainheading')]
      .map(e => e.textContent).filter(x => x.startsWith('layer '));
  if (titles.length) return titles[titles.length - 1];
  return (""" + bench.LAST_TITLE_JS + """)();
}"""


def std_text(query: str, label: str, value: str, old: bool) -> str:
    field = bench.FIELD[label]
    kind = int if field == "width" else float
    config = links.from_query(query)[0].replace(**{field: kind(value)})
    std = short(Run(config).snapshot().layers[-1].act_std)
    return f"std {std}" if old else f"\u03c3 {std}"


def ridgeline(tree: str) -> bool:
    """True when the checkout at `tree` labels its histogram rows with σ (the ridgeline)."""
    source = (Path(tree) / "initlab" / "ui" / "panels" / "histograms.py")
    return source.exists() and ("\\u03c3" in source.read_text() or "σ" in source.read_text())


def models_at_load(tree: str | None) -> int:
    code = ("import warnings; warnings.simplefilter('ignore'); import ipywidgets as w; "
            "from initlab import Lab; n = len(w.Widget.widgets); Lab(); "
            "print(len(w.Widget.widgets) - n)")
    env = dict(os.environ, **({"PYTHONPATH": tree} if tree else {}))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env=env, cwd=tree).stdout      # not this checkout's cwd
    return int(out.split()[-1])


def load(path: Path, name: str):
    spec_ = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec_)
    spec_.loader.exec_module(module)
    return module


def open_page(browser, url: str, query: str, ready_js: str = bench.READY_JS):
    """Load a page and wait until `ready_js` (that version's own 'every panel drawn') holds."""
    page = bench.new_page(browser)
    return page, bench.open_lab(page, url, query, ready_js, OBSERVER_JS)


def change(page, label: str, value: str, end: str) -> dict:
    page.evaluate("() => { window.__hist = []; window.__all = []; }")
    t0 = page.evaluate(bench.DISPATCH_JS, [label, value])
    page.wait_for_function(f"(end) => ({LAST_JS})().endsWith(end)", arg=end, timeout=60_000)
    page.wait_for_timeout(250)
    return page.evaluate(bench.SPLIT_JS, t0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", required=True, help="an older initlab checkout")
    parser.add_argument("--changes", type=int, default=30)
    args = parser.parse_args()
    before = str(Path(args.before).resolve())
    ready = {"before": load(Path(before) / "tests" / "e2e" / "helpers.py", "old_helpers").READY_JS,
             "after": bench.READY_JS}
    print(f"widget models at load: before {models_at_load(before)}, after {models_at_load(None)}")
    with ExitStack() as stack, sync_playwright() as pw:
        urls = {}
        for name, tree in (("before", before), ("after", None)):
            saved = os.environ.get("PYTHONPATH")
            if tree:
                os.environ["PYTHONPATH"] = tree
            notebook = Path(tree) / "initlab" / "app" / "lab.ipynb" if tree \
                else serve.app_notebook()
            urls[name] = stack.enter_context(serve.voila_server(
                notebook, log=open(f"/tmp/initlab-ab-{name}.log", "w"),
                pool_size=serve.DEFAULT_POOL_SIZE))
            if tree:
                if saved is None:
                    del os.environ["PYTHONPATH"]
                else:
                    os.environ["PYTHONPATH"] = saved
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                     args=bench.CHROMIUM_ARGS)
        renders = {"before": [], "after": []}
        # checkouts before the ridgeline titled each histogram "... std x"; since, "σ x"
        old_titles = {"before": not ridgeline(before), "after": False}
        time.sleep(10)                                 # both pools preheated
        for _ in range(2):
            for name in ("before", "after"):
                page, rendered = open_page(browser, urls[name], bench.DEFAULT[1], ready[name])
                renders[name].append(rendered)
                bench.close_page(page)
            time.sleep(10)
        for name in renders:
            print(f"first full render ({name}, preheated kernel): "
                  + ", ".join(f"{r:.0f}" for r in renders[name]) + " ms")
        for preset in (bench.DEFAULT, bench.LARGEST):
            title, query, label, values = preset
            pages = {n: open_page(browser, urls[n], query, ready[n])[0] for n in urls}
            for page in pages.values():
                bench.show_network_tab(page)
            ends = {(n, v): std_text(query, label, v, old_titles[n])
                    for n in urls for v in values}
            splits = {n: [] for n in urls}
            for i in range(args.changes):
                value = values[i % len(values)]
                for n, page in pages.items():
                    splits[n].append(change(page, label, value, ends[n, value]))
            print(f"{title}: control -> redrawn over {args.changes} alternating changes")
            for n, s in splits.items():
                hist, every = [x["hist"] for x in s], [x["all"] for x in s]
                print(f"  {n:6s}: histograms median {bench.med(hist):.0f} ms, p90 "
                      f"{bench.pct(hist, 0.9):.0f}; whole dashboard median "
                      f"{bench.med(every):.0f}, p90 {bench.pct(every, 0.9):.0f}; kernel idle seen "
                      f"{bench.med([x['idle'] for x in s]):.0f} ms; "
                      f"{bench.med([x['messages'] for x in s]):.0f} comm messages, "
                      f"{bench.med([x['bytes'] for x in s]) / 1024:.1f} kB")
            for page in pages.values():
                bench.close_page(page)
        rates = {n: [] for n in urls}
        all_ready = bench.READY_JS
        for _ in range(2):
            for n in urls:
                bench.READY_JS = ready[n]              # redraw_rate opens its page with it
                rates[n].append(bench.redraw_rate(browser, urls[n], seconds=5.0))
        bench.READY_JS = all_ready
        for n, r in rates.items():
            print(f"playing ({n}): " + "; ".join(f"{a:.1f} redraws/s at {b:.0f} steps/s"
                                                 for a, b, _ in r))
        browser.close()


if __name__ == "__main__":
    main()
