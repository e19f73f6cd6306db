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
import ast
import json
import re
import statistics
import sys
import time
from contextlib import ExitStack
from pathlib import Path

from playwright.sync_api import sync_playwright

from initlab import Run
from initlab.core import links
from initlab.core.config import Config
from initlab.serving import serve
from initlab.lessons.presets import PRESETS
from initlab.ui.panels.histograms import short

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "e2e"))
from helpers import DISPATCH_JS, READY_JS, readout  # noqa: E402  (shared with the browser tests)

# the same flags as the browser tests (tests/e2e/conftest.py; a script cannot import a conftest):
# headless, loopback only, nothing fetched from outside
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic",
                 "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]
VIEWPORT = {"width": 1366, "height": 768}      # a student's laptop: the lab fits one screen
# (name, link, control, values): values alternate so every change redraws every histogram
DEFAULT = ("default preset", "?" + PRESETS["default"].query, "width",
           ["48", "80", "56", "72", "40", "64"])
DEPTH20 = ("depth 20", "?" + links.to_query(Config(depth=20)), "width",
           ["48", "80", "56", "72", "40", "64"])
LARGEST = ("largest preset (10 x 500, digits)", "?" + PRESETS["small init collapses"].query,
           "weight std", [f"{10 ** e:.6g}" for e in (-1.0, -0.5, -1.5, -0.3, -2.0, -0.7)])
FIELD = {"width": "width", "weight std": "weight_std"}

# Stamp every WebSocket frame: time, bytes, message type, kernel execution state and, for widget
# updates, the names of the traits sent.  Frames use Jupyter's binary v1 protocol (a count of
# offsets, the offsets, then channel, header, parent header, metadata, content, buffers) or JSON.
WEBSOCKET_JS = """(() => {
  const Native = window.WebSocket;
  window.__ws = [];
  const utf8 = new TextDecoder();
  const parse = d => {
    if (typeof d === 'string') { const m = JSON.parse(d); return [m.header, m.content]; }
    const view = new DataView(d), n = Number(view.getBigUint64(0, true)), at = [];
    for (let i = 1; i <= n; i++) at.push(Number(view.getBigUint64(8 * i, true)));
    const part = i => JSON.parse(utf8.decode(new Uint8Array(d, at[i], at[i + 1] - at[i])));
    return [part(1), part(4)];
  };
  const size = d => typeof d === 'string' ? d.length : (d.byteLength || d.size || 0);
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', e => {
        const frame = {t: performance.now(), dir: 'in', n: size(e.data)};
        try {
          const [header, content] = parse(e.data);
          frame.type = header.msg_type;
          frame.state = content.execution_state;
          const data = content.data || {};
          if (data.method === 'update' || data.method === 'echo_update')
            frame.traits = Object.keys(data.state || {}).sort().join(',');
        } catch (err) { frame.type = 'unparsed'; }
        window.__ws.push(frame);
      });
    }
    send(d) {
      window.__ws.push({t: performance.now(), dir: 'out', n: size(d)});
      return super.send(d);
    }
  };
})();"""

# __hist: changes to the histogram figure (the ridgeline); __all: changes to any figure (the
# whole redraw).
OBSERVER_JS = """() => {
  window.__hist = []; window.__all = [];
  const hist = new MutationObserver(() => window.__hist.push(performance.now()));
  const all = new MutationObserver(() => window.__all.push(performance.now()));
  document.querySelectorAll('.bqplot.figure').forEach(f => {
    const opts = {subtree: true, attributes: true, childList: true, characterData: true};
    const t = f.querySelector('.mainheading');
    if (t && t.textContent.startsWith('activations')) hist.observe(f, opts);
    all.observe(f, opts);
  });
}"""

# The last ridgeline row's statistics: the last label of the ridgeline with a σ in it ('μ 1e-09
# σ 4e-07', whether names and statistics are separate labels or one).  ENDS_JS: it shows `end`
# ('σ 4e-07'), not followed by more of a number.
LAST_TITLE_JS = """() => {
  const f = [...document.querySelectorAll('.bqplot.figure')].find(x =>
      ((x.querySelector('.mainheading') || {}).textContent || '').startsWith('activations'));
  if (!f) return '';
  const stats = [...f.querySelectorAll('text.label')].map(t => t.textContent)
      .filter(t => t.includes('\u03c3'));
  return stats.length ? stats[stats.length - 1] : '';
}"""
ENDS_JS = f"""(end) => {{ const t = ({LAST_TITLE_JS})(), i = t.lastIndexOf(end);
  return i >= 0 && !/[0-9.e]/.test(t.charAt(i + end.length)); }}"""

# One change's story, from the stamps: dispatch, first frame out, kernel busy, kernel idle,
# comm messages received and their bytes, first and last histogram change, last figure change.
SPLIT_JS = """(t0) => {
  const ws = window.__ws.filter(f => f.t >= t0);
  const out = ws.find(f => f.dir === 'out');
  const busy = ws.find(f => f.dir === 'in' && f.state === 'busy' && out && f.t >= out.t);
  const idle = busy && ws.find(f => f.dir === 'in' && f.state === 'idle' && f.t >= busy.t);
  const comm = ws.filter(f => f.dir === 'in' && f.type === 'comm_msg' && (!idle || f.t <= idle.t));
  const traits = {};
  comm.forEach(f => { if (f.traits) traits[f.traits] = (traits[f.traits] || 0) + 1; });
  return {out: out ? out.t - t0 : null, busy: busy ? busy.t - t0 : null, traits,
          idle: idle ? idle.t - t0 : null, messages: comm.length,
          bytes: comm.reduce((a, f) => a + f.n, 0),
          first: window.__hist.length ? Math.min(...window.__hist) - t0 : null,
          hist: window.__hist.length ? Math.max(...window.__hist) - t0 : null,
          all: window.__all.length ? Math.max(...window.__all) - t0 : null};
}"""


def pct(values: list, q: float) -> float:
    values = sorted(v for v in values if v is not None)
    if not values:
        return float("nan")
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def med(values: list) -> float:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else float("nan")


def expected_title_end(query: str, label: str, value: str) -> str:
    """How the last histogram's title ends once `label` shows `value` (computed by the core)."""
    field = FIELD[label]
    kind = int if field == "width" else float
    config = links.from_query(query)[0].replace(**{field: kind(value)})
    return f"\u03c3 {short(Run(config).snapshot().layers[-1].act_std)}"


def new_page(browser):
    context = browser.new_context(viewport=VIEWPORT)
    context.add_init_script(WEBSOCKET_JS)
    page = context.new_page()
    page.cdp = context.new_cdp_session(page)
    page.cdp.send("Performance.enable")
    kernels: list[str] = []
    page.on("websocket", lambda ws: kernels.extend(re.findall(r"/api/kernels/([\w-]+)", ws.url)))
    page.kernels = kernels                            # the kernel ids this page talks to
    return page


def close_page(page) -> None:
    """Close as a student's tab closes: Voila's beforeunload handler asks the server to shut
    the page's kernel down (a plain context.close() skips it, and kernels would pile up)."""
    with page.expect_event("close", timeout=30_000):
        page.close(run_before_unload=True)
    page.context.close()


def open_lab(page, url: str, query: str, ready_js: str = READY_JS,
             observer_js: str = OBSERVER_JS) -> float:
    """Load the app; returns ms from navigation start to every panel's marks in the DOM, then
    installs the change observers.  browser_ab.py passes an older checkout's own `ready_js`
    ('every panel drawn') and an observer that also knows its figure titles."""
    page.goto(url + query, timeout=120_000)
    # stamp the moment the page is first seen complete (polled every 10 ms)
    page.wait_for_function("() => { const ok = (" + ready_js + ")(); if (ok && !window.__ready) "
                           "window.__ready = performance.now(); return ok; }",
                           timeout=120_000, polling=10)
    rendered = page.evaluate("() => window.__ready")
    page.evaluate(observer_js)
    return rendered


def show_network_tab(page) -> None:
    """Width and weight std both live on the network tab."""
    page.locator(".lm-TabBar-tab", has_text=re.compile("^network$")).click()


def kernel_process(kernel_id: str) -> tuple[int, str]:
    """(pid, connection file) of a running kernel, from its command line (-f kernel-<id>.json)."""
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            args = cmdline.read_bytes().decode().split("\0")
        except OSError:
            continue
        found = [a for a in args if a.endswith(f"kernel-{kernel_id}.json")]
        if found:
            return int(cmdline.parent.name), found[0]
    raise LookupError(f"no running kernel {kernel_id}")


# Installed in the page's kernel by KernelTimings: times every comm message the kernel handles.
HOOK = """
import time as _bench_time
_bench_kernel = get_ipython().kernel
_bench_comm = []
def _bench_timed(stream, idents, msg, _handle=_bench_kernel.shell_handlers['comm_msg']):
    start = _bench_time.perf_counter()
    try:
        return _handle(stream, idents, msg)
    finally:
        _bench_comm.append(_bench_time.perf_counter() - start)
_bench_kernel.shell_handlers['comm_msg'] = _bench_timed
"""
READ = ("__import__('json').dumps({'lab': lab.timings, "
        "'comm': (_bench_comm.copy(), _bench_comm.clear())[0]})")


class KernelTimings:
    """The kernel's side of each change, read over a second client: the lab's own `lab.timings`
    (run, snapshot, panels: seconds of the last redraw) and the time spent handling each comm
    message (a hook installed in the kernel; the benchmark's own requests are not comm messages).
    """

    def __init__(self, kernel_id: str) -> None:
        from jupyter_client import BlockingKernelClient
        self.client = BlockingKernelClient(connection_file=kernel_process(kernel_id)[1])
        self.client.load_connection_file()
        self.client.start_channels()
        self._run(HOOK)

    def _run(self, code: str, expressions: dict | None = None) -> dict:
        msg_id = self.client.execute(code, silent=True, store_history=False,
                                     user_expressions=expressions or {})
        while True:
            reply = self.client.get_shell_msg(timeout=30)
            if reply["parent_header"].get("msg_id") == msg_id:
                return reply["content"]

    def read(self) -> dict:
        """{'lab': {run, snapshot, panels}, 'comm': [seconds per comm message since last read]}"""
        text = self._run("", {"t": READ})["user_expressions"]["t"]["data"]["text/plain"]
        return json.loads(ast.literal_eval(text))      # the repr of a JSON string

    def close(self) -> None:
        self.client.stop_channels()


BROWSER_METRICS = ("TaskDuration", "ScriptDuration", "LayoutDuration", "RecalcStyleDuration")


def main_thread_ms(cdp) -> dict[str, float]:
    """The page's main-thread time so far, in ms: all tasks, and of those script, layout and
    style recalculation (Chrome's own counters)."""
    metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    return {name: 1000 * metrics[name] for name in BROWSER_METRICS}


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


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def server_processes(url: str) -> tuple[int, list[int]]:
    """(pid of the Voila server on `url`'s port, pids of its kernels): only ours, not the
    other servers a shared machine may be running."""
    port = url.rstrip("/").rsplit(":", 1)[1]
    server, parents = None, {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            parents[int(proc.name)] = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        # `initlab serve` runs Voila through its subclass (python -m initlab.serving.voila_app)
        if ("-m voila" in cmd or "-m initlab.serving.voila_app" in cmd) and f"--port={port}" in cmd:
            server = int(proc.name)
    return server, [pid for pid, ppid in parents.items() if ppid == server]


def memory(url: str) -> tuple[float, list[float]]:
    server, kernels = server_processes(url)
    return rss_mb(server), [rss_mb(k) for k in kernels]


def students(browser, url: str, n: int, moves: int = 5, gap_s: float = 2.0) -> dict:
    """n students, one browser context each, all moving a control at about the same time."""
    _, query, label, values = DEFAULT
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
                report_students(n, students(browser, url, n))
        browser.close()
    if args.against:
        against.summary(sys.modules[__name__], rows, names)


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


if __name__ == "__main__":
    main()
