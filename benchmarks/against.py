"""`benchmarks/browser.py --against REF`: this checkout and another commit, measured in one run.

The other commit's files are exported (`git archive`, nothing in the repository changes) to
/tmp/initlab-against-<commit>, and each version gets its own Voila servers: one with the pool of
preheated kernels `initlab serve` keeps (latency, Play, first render) and, for the plain first
render, one without.  The servers of the other commit run with PYTHONPATH pointing at its copy
and from a neutral working directory, so its kernels, its Voila page template and its app
notebook are its own.  Every measure alternates between the two versions, change by change,
Play window by Play window and page by page, so that both see the same load on a shared machine;
the summary gives each row's medians side by side and their ratio.
"""
from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path

from initlab.serving import serve

HERE = Path(__file__).resolve().parent
REPO = HERE.parent


def export_tree(ref: str) -> tuple[str, Path]:
    """(full commit, a copy of its files under /tmp), made once per commit."""
    commit = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--verify", ref + "^{commit}"],
                            capture_output=True, text=True, check=True).stdout.strip()
    tree = Path(f"/tmp/initlab-against-{commit[:12]}")
    if not (tree / "initlab" / "app" / "lab.ipynb").is_file():
        tree.mkdir(parents=True, exist_ok=True)
        archive = subprocess.Popen(["git", "-C", str(REPO), "archive", commit],
                                   stdout=subprocess.PIPE)
        subprocess.run(["tar", "-x", "-C", str(tree)], stdin=archive.stdout, check=True)
        if archive.wait() != 0:
            raise RuntimeError(f"git archive {commit} failed")
    return commit, tree


@contextmanager
def environment_of(tree: Path | None):
    """PYTHONPATH and working directory for a server of `tree` (None: this checkout).  `python
    -m` puts the working directory first on sys.path: run from this checkout, the other
    version's server would import this initlab."""
    saved_path, saved_cwd = os.environ.get("PYTHONPATH"), os.getcwd()
    if tree is not None:
        os.environ["PYTHONPATH"] = str(tree)
        os.chdir("/tmp")
    try:
        yield
    finally:
        os.chdir(saved_cwd)
        if saved_path is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = saved_path


def start_server(stack: ExitStack, name: str, tree: Path | None, pool_size: int) -> str:
    notebook = tree / "initlab" / "app" / "lab.ipynb" if tree is not None else serve.app_notebook()
    with environment_of(tree):
        return stack.enter_context(serve.voila_server(
            notebook, pool_size=pool_size,
            log=open(f"/tmp/initlab-browser-bench-{name}-pool{pool_size}.log", "w")))


def ready_js(tree: Path | None, default: str) -> str:
    """That version's own "every panel drawn" test (its tests/e2e/helpers.py), else `default`."""
    path = (tree or REPO) / "tests" / "e2e" / "helpers.py"
    if tree is None or not path.is_file():
        return default
    spec = importlib.util.spec_from_file_location(f"helpers_{tree.name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.READY_JS


def models_at_load(tree: Path | None) -> int:
    code = ("import warnings; warnings.simplefilter('ignore'); import ipywidgets as w; "
            "from initlab import Lab; n = len(w.Widget.widgets); Lab(); "
            "print(len(w.Widget.widgets) - n)")
    with environment_of(tree):
        out = subprocess.run([sys.executable, "-c", code],
                             capture_output=True, text=True, check=True).stdout
    return int(out.split()[-1])


def latency(bench, browser, urls: dict, ready: dict, preset: tuple, changes: int) -> dict:
    """Changes made alternately on one page per version; {name: splits}."""
    _, query, label, values = preset
    pages, kernels = {}, {}
    for name, url in urls.items():
        pages[name] = bench.new_page(browser)
        bench.open_lab(pages[name], url, query, ready[name])
        bench.show_network_tab(pages[name])
        kernels[name] = bench.KernelTimings(pages[name].kernels[-1])
    ends = {v: bench.expected_title_end(query, label, v) for v in values}
    splits = {name: [] for name in urls}
    order = list(urls)
    for i in range(changes):
        value = values[i % len(values)]
        for name in order if i % 2 == 0 else order[::-1]:     # neither always goes first
            split = bench.change_and_wait(pages[name], label, value, ends[value])
            split["kernel"] = kernels[name].read()
            splits[name].append(split)
    for name in urls:
        kernels[name].close()
        bench.close_page(pages[name])
    return splits


def playing(bench, browser, urls: dict, ready: dict, rounds: int, seconds: float) -> dict:
    """Play windows alternately on one page per version; {name: [(redraws/s, steps/s,
    loss-path changes/s, browser main thread busy share)]}."""
    pages = {}
    for name, url in urls.items():
        pages[name] = bench.new_page(browser)
        bench.open_lab(pages[name], url, "", ready[name])
        pages[name].evaluate(bench.PLAY_COUNT_JS)
    rates = {name: [] for name in urls}
    for _ in range(rounds):
        for name, page in pages.items():
            rates[name].append(bench.play_window(page, seconds))
    for page in pages.values():
        bench.close_page(page)
    return rates


def first_renders(bench, browser, urls: dict, ready: dict, query: str, pages: int,
                  wait_s: float) -> dict:
    """Fresh pages, the versions alternating and each going first in turn; `wait_s` before
    every page lets the pools refill and a closed page's kernel finish shutting down (a kernel
    starting or stopping beside a page that loads slows it down)."""
    renders = {name: [] for name in urls}
    order = list(urls)
    for i in range(pages):
        for name in order if i % 2 == 0 else order[::-1]:
            time.sleep(wait_s)
            page = bench.new_page(browser)
            renders[name].append(bench.open_lab(page, urls[name], query, ready[name]))
            bench.close_page(page)
    return renders


def summary(bench, rows: list[tuple[str, dict, str]], names: list[str]) -> None:
    """One line per measure: each version's figure and after/before ratio of the medians."""
    before, after = names
    print(f"\n{'measure':58s} {before:>22s} {after:>22s}  ratio")
    for label, values, unit in rows:
        texts = []
        for name in names:
            v = [x for x in values[name] if x is not None]
            texts.append(f"{bench.med(v):.1f}" + (f" / p90 {bench.pct(v, 0.9):.0f}"
                                                   if unit == "ms" else "") + f" {unit}")
        a, b = bench.med(values[before]), bench.med(values[after])
        print(f"{label:58s} {texts[0]:>22s} {texts[1]:>22s}  {b / a if a else float('nan'):.2f}")
