"""The lab's page as the browser benchmarks drive it: Chromium's flags, the in-page stamps of
every WebSocket frame and figure change, opening and closing a page, the kernel's own timings and
the browser's main-thread time (benchmarks/browser.py and the *_ab.py scripts build on these)."""
from __future__ import annotations

import ast
import json
import re
import statistics
import sys
from pathlib import Path

from initlab import Run
from initlab.core import links

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests" / "e2e"))
from helpers import DISPATCH_JS, READY_JS, readout  # noqa: E402,F401  (shared with the browser tests)
from initlab.ui.panels.histograms import short  # noqa: E402

# the same flags as the browser tests (tests/e2e/conftest.py; a script cannot import a conftest):
# headless, loopback only, nothing fetched from outside
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic",
                 "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]
VIEWPORT = {"width": 1366, "height": 768}      # a student's laptop: the lab fits one screen
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
