"""Page helpers for the browser tests (and benchmarks/browser.py): open the lab, drive its controls
the way a student does, and read back what bqplot drew in the SVG.

Everything here waits on conditions in the page, never on fixed sleeps: the machine is shared.
The activation histograms are one ridgeline figure: each layer's row is a step curve (`path.line`)
that starts on its baseline and runs flat across every bin, so a bin's height is the baseline's
pixel y minus the curve's (pixels; their shares are what the eye sees).  Row labels and the
mean/std per row are the figure's `text.label` elements.
"""
from __future__ import annotations

import re

DEADLINE_MS = 30_000           # one control change to its picture, on a loaded 2-core machine
LOAD_MS = 120_000              # a page load: Voila may be starting a kernel for it
SCREEN = {"width": 1366, "height": 768}  # a student's laptop: the whole lab fits without scrolling

# ---- reading the SVG ----------------------------------------------------------------------------
# A JS prelude defining `figs()` and `hists()`; predicates below are written against it.
PRELUDE = """
const title = f => (f.querySelector('.mainheading') || {}).textContent || '';
const axisTicks = (f, label) => {
  const ax = [...f.querySelectorAll('g.axis')].find(a =>
      (a.querySelector('.axislabel') || {}).textContent === label);
  return ax ? [...ax.querySelectorAll('.tick text')].map(t => t.textContent.replace('\u2212', '-'))
            : [];
};
const numbers = d => (d.match(/-?\\d+(\\.\\d+)?(e-?\\d+)?/g) || []).map(Number);
const binHeights = path => {          // a step curve's bins: baseline y minus each flat's y
  const v = numbers(path.getAttribute('d') || ''), ys = v.filter((_, i) => i % 2 === 1);
  const out = [];
  for (let i = 1; i < ys.length - 1; i += 2) out.push(Math.max(0, ys[0] - ys[i]));
  return out;
};
const isRidge = f => title(f).startsWith('activations');
const figs = () => [...document.querySelectorAll('.bqplot.figure')].map(f => ({
  title: title(f),
  heights: [...f.querySelectorAll('rect.bar')].map(r => parseFloat(r.getAttribute('height')) || 0),
  paths: [...f.querySelectorAll('path.line')].map(p => (p.getAttribute('d') || '').length),
  rows: isRidge(f) ? [...f.querySelectorAll('path.line')].map(binHeights) : [],
  labels: [...f.querySelectorAll('text.label')].map(t => t.textContent),
  dots: f.querySelectorAll('path.dot').length,
  // a raster: a HeatMap's <image>, or an ImageGL texture (its figure has class il-gl)
  images: f.querySelectorAll('image').length + (f.classList.contains('il-gl') ? 1 : 0),
  events: f.querySelectorAll('.plotarea_events').length,
  xticks: axisTicks(f, 'activation').concat(axisTicks(f, 'step'), axisTicks(f, 'hidden layer')),
  box: (b => [b.left, b.top, b.right, b.bottom])(f.getBoundingClientRect()),
  plot: [...f.querySelectorAll('rect.plotarea_events')].map(r =>   // the drawn plot area (px)
      [parseFloat(r.getAttribute('width')) || 0, parseFloat(r.getAttribute('height')) || 0])[0]
      || [0, 0],
}));
// one entry per ridgeline row, first layer first: its bin heights, 'layer i  mu ..  sigma ..'
// as its title (the row's two labels) and the figure's x ticks
const hists = () => {
  const f = figs().find(x => x.title.startsWith('activations'));
  if (!f) return [];
  const n = f.rows.length;
  return f.rows.map((heights, i) => ({heights, xticks: f.xticks, events: f.events,
                                       title: (f.labels[i] || '') + '  '
                                              + (f.labels[n + i] || '')}));
};
const last = () => { const h = hists(); return h[h.length - 1]; };
const shares = h => { const s = h.reduce((a, b) => a + b, 0); return s ? h.map(v => v / s) : h; };
const centre = h => { const s = shares(h), m = s.length / 2; return s[m - 1] + s[m]; };
const edges = h => { const s = shares(h); return s[0] + s[s.length - 1]; };
"""

# Every panel has drawn its marks: each histogram its bars, the depth profile its lines, the 2-D
# panels their points and boundary image (or their reason text), the curves and ratio figures.
READY_JS = "() => {" + PRELUDE + """
  const f = figs();
  const has = (start, ok) => f.some(x => x.title.startsWith(start) && ok(x));
  const plane = has('decision boundary', x => x.images > 0 && x.labels.length > 0)
      && has('', x => / first-layer units| off the data/.test(x.title) && x.dots > 0);
  const noPlane = document.body.innerText.includes('needs 2-D inputs');
  return hists().length > 0 && hists().every(h => h.heights.length > 0 && h.events === 1
                                              && h.title.includes('\u03c3'))
      && has('forward', x => x.paths.length > 0) && has('backward', x => x.paths.length > 0)
      && (plane || noPlane) && has('loss', x => x.events === 1)
      && has('update / weight', x => x.events === 1);
}"""


def figures(page) -> list[dict]:
    """Every bqplot figure: title, bar heights (px), path lengths, dots, x ticks, bounding box."""
    return page.evaluate("() => {" + PRELUDE + " return figs(); }")


def histograms(page) -> list[dict]:
    """The ridgeline's rows, first layer first: heights (px per bin), title, xticks."""
    return page.evaluate("() => {" + PRELUDE + " return hists(); }")


def shares(heights: list[float]) -> list[float]:
    total = sum(heights)
    return [h / total for h in heights] if total else heights


def centre_share(heights: list[float]) -> float:
    """Share of the two bars either side of zero (the histograms have an even bin count)."""
    s, m = shares(heights), len(heights) // 2
    return s[m - 1] + s[m]


def edge_share(heights: list[float]) -> float:
    """Share of the first and last bars (tanh: the bins at -1 and +1)."""
    s = shares(heights)
    return s[0] + s[-1]


def title_std(title: str) -> str:
    """'layer 6  μ 1e-09 σ 4e-07' -> '4e-07'."""
    return title.rsplit("\u03c3 ", 1)[1].strip()


def wait_last(page, predicate: str, timeout: float = DEADLINE_MS) -> None:
    """Wait until the last layer's histogram `h` (from PRELUDE: heights, title, xticks) satisfies
    the JS expression `predicate`, e.g. "centre(h.heights) > 0.99"."""
    page.wait_for_function("() => {" + PRELUDE + " const h = last(); return !!h && ("
                           + predicate + "); }", timeout=timeout)


# ---- console ------------------------------------------------------------------------------------
# The only expected errors: the CDN icon font, unreachable on purpose (loopback only).
BENIGN = re.compile(r"Failed to load resource: net::ERR_NAME_NOT_RESOLVED")


def watch_console(page) -> list[str]:
    """Collect uncaught page errors and console errors (less the benign ones) from now on."""
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(f"[pageerror] {err}"))
    page.on("console", lambda msg: errors.append(f"[{msg.type}] {msg.text}")
            if msg.type == "error" and not BENIGN.search(msg.text) else None)
    return errors


# ---- driving the page ---------------------------------------------------------------------------
def open_app(page, url: str, query: str = "", viewport: dict | None = None) -> None:
    """Load the app at a laptop's 1366x768 (or `viewport`) and wait for every panel."""
    page.set_viewport_size(viewport or SCREEN)
    page.goto(url + query, timeout=LOAD_MS)
    page.wait_for_function(READY_JS, timeout=LOAD_MS)


def tab(page, name: str) -> None:
    """Open a controls tab: 'data', 'network' or 'training'."""
    page.locator(".lm-TabBar-tab", has_text=re.compile(f"^{name}$")).click()


def control(page, label: str):
    """The widget row whose description is exactly `label`."""
    return page.locator(".widget-inline-hbox", has=page.locator(
        ".widget-label", has_text=re.compile(f"^{re.escape(label)}$"))).first


def readout(page, label: str) -> str:
    return control(page, label).locator(".widget-readout").inner_text().strip()


def selected(page, label: str) -> str:
    return control(page, label).locator("select").input_value()


def type_into_slider(page, label: str, value: str) -> None:
    """Click the slider's readout, replace its text and press Enter, as a student would."""
    box = control(page, label).locator(".widget-readout")
    box.click()
    page.keyboard.press("Control+A")
    page.keyboard.type(value)
    page.keyboard.press("Enter")


def drag_slider(page, label: str, fraction: float) -> None:
    """Drag the slider's handle with the mouse to `fraction` (0: left end, 1: right end)."""
    row = control(page, label)
    handle = row.locator(".noUi-handle").bounding_box()
    track = row.locator(".noUi-target").bounding_box()
    page.mouse.move(handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2)
    page.mouse.down()
    target = track["x"] + fraction * track["width"]
    page.mouse.move(target, handle["y"] + handle["height"] / 2, steps=8)
    page.mouse.up()


def choose(page, label: str, option: str) -> None:
    control(page, label).locator("select").select_option(option)


# Type `value` into a slider's readout and press Enter, from inside the page: many changes can be
# dispatched within milliseconds, and performance.now() marks the moment each one left.
DISPATCH_JS = """([label, value]) => {
  const row = [...document.querySelectorAll('.widget-inline-hbox')].find(r =>
      (r.querySelector('.widget-label') || {}).textContent === label);
  const box = row.querySelector('.widget-readout');
  box.textContent = value;
  window.__dispatched = performance.now();
  box.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter', keyCode: 13, bubbles: true}));
  return window.__dispatched;
}"""


def dispatch(page, label: str, value: str) -> float:
    """Enter `value` in a slider's readout from inside the page; returns performance.now()."""
    return page.evaluate(DISPATCH_JS, [label, value])


STEP_RE = re.compile(r"step (\d+) ·")


def step_count(page) -> int:
    """The step counter in the status line."""
    return int(STEP_RE.search(page.inner_text("body")).group(1))


def status_area(page):
    """The lab's status area: status line, notice and traceback details."""
    return page.locator(".widget-vbox", has=page.locator("text=/step \\d+ ·/")).last


def export_settings(page) -> dict:
    """Press Export in the settings accordion and return the Config the controls show (run B's
    in compare mode) from the JSON it writes.  Being a kernel round trip, it also proves every
    earlier message was handled."""
    import json
    text = page.locator(".widget-textarea textarea")
    if not text.is_visible():
        page.get_by_text("settings as JSON (export / import)").click()
    text.fill("")
    text.dispatch_event("input")
    page.get_by_role("button", name="Export").click()
    page.wait_for_function("() => document.querySelector('.widget-textarea textarea').value"
                           ".includes('weight_std')", timeout=DEADLINE_MS)
    doc = json.loads(text.input_value())          # {"a": A's fields, "b": B's (compare mode)}
    return doc.get("b") or doc["a"]               # the Config the controls show
