"""Take the README's pictures: the lab in Voila and headless Chromium at three screen sizes.

    python tools/screenshots.py            # writes docs/lab-1366x768.png, docs/lab-1920x1080.png,
                                           # docs/lab-900x800.png, docs/small-init.png, docs/compare.png
                                           # (tests/e2e/test_layout.py writes the first three too)

Each page waits until every panel has drawn and every figure has laid itself out at its size.
"""
from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "e2e"))
from conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from helpers import PRELUDE, open_app  # noqa: E402

from initlab.serving import serve  # noqa: E402

SATURATED = "?activation=tanh&init=gaussian&weight_std=1.0&depth=6&width=200"
SMALL_INIT = "?dataset=digits&n_classes=10&depth=10&width=500&activation=tanh&init=gaussian" \
             "&weight_std=0.01"
# compare mode: A with N(0, 0.01) weights, B with He's, both 30 steps from the same draws
COMPARE = "?depth=6&init=gaussian&weight_std=0.01&b.init=he_normal"
SHOTS = [("lab-1366x768", SATURATED, {"width": 1366, "height": 768}, 0),
         ("lab-1920x1080", SATURATED, {"width": 1920, "height": 1080}, 0),
         ("lab-900x800", SATURATED, {"width": 900, "height": 800}, 0),
         ("small-init", SMALL_INIT, {"width": 1366, "height": 768}, 0),
         ("compare", COMPARE, {"width": 1366, "height": 768}, 30)]
LAID_OUT = "() => {" + PRELUDE + """ return figs().every(f =>
    Math.abs(f.plot[0] - (f.box[2] - f.box[0])) < 200 && f.plot[0] > 50); }"""


def main() -> None:
    with serve.voila_server(serve.app_notebook()) as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        for name, query, viewport, steps in SHOTS:
            page = browser.new_page()
            open_app(page, url, query, viewport=viewport)
            for _ in range(steps):
                page.get_by_role("button", name="Step").click()
            if steps:
                page.wait_for_function(f"() => document.body.innerText.includes('step {steps} ')",
                                       timeout=60_000)
            page.wait_for_function(LAID_OUT, timeout=60_000)
            page.wait_for_timeout(500)                # the last relayout's frame
            page.screenshot(path=str(ROOT / "docs" / f"{name}.png"))   # the first screen
            page.close()
            print(f"docs/{name}.png")
        browser.close()


if __name__ == "__main__":
    main()
