"""The rasters on the GPU, and without one: the page tells the lab whether it has WebGL.

With WebGL (and bqplot-gl installed) the decision boundary, the units-on shade and the neuron
picture are ImageGL textures; without WebGL (Chromium's --disable-3d-apis) they are today's
HeatMaps, and the lab says nothing alarming.  The pictures are checked in the page itself.
"""
from __future__ import annotations

import pytest
from conftest import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS
from helpers import figures, open_app, status_area, watch_console

from initlab.ui.panels.raster import gl_installed

RASTERS = ("decision boundary", "neurons", "0 dead of")     # the figures holding a raster
ANSWER_JS = "() => (document.querySelector('.il-webgl input') || {}).value || ''"
# the plot area of the figure whose title starts with `title`: [x, y, width, height]
PLOT_BOX_JS = """title => {
  const f = [...document.querySelectorAll('.bqplot.figure')].find(x =>
      ((x.querySelector('.mainheading') || {}).textContent || '').startsWith(title));
  const r = f.querySelector('.plotarea_events').getBoundingClientRect();
  return [r.x, r.y, r.width, r.height];
}"""


def inked(page, title: str) -> float:
    """Share of the plot area's pixels (as the screen shows them) that are not white, with the
    SVG dots and lines hidden for the moment: what is left is the raster (HeatMap or texture)."""
    from io import BytesIO

    import numpy as np
    from PIL import Image
    x, y, w, h = page.evaluate(PLOT_BOX_JS, title)
    hide = page.add_style_tag(content=".bqplot path.dot, .bqplot path.line, .bqplot text "
                                      "{ visibility: hidden; }")
    png = page.screenshot(clip={"x": x + 2, "y": y + 2, "width": w - 4, "height": h - 4})
    hide.evaluate("tag => tag.remove()")
    rgb = np.asarray(Image.open(BytesIO(png)).convert("RGB")).astype(int)
    return float((rgb.min(axis=2) < 235).mean())



def _rasters(page) -> dict[str, dict]:
    figs = figures(page)
    return {name: next(f for f in figs if f["title"].startswith(name)) for name in RASTERS}


def _nothing_alarming(page, errors: list[str]) -> None:
    assert page.locator(".jp-OutputArea-output[data-mime-type*=error]").count() == 0
    assert "Traceback" not in page.inner_text("body")
    assert "Something went wrong" not in status_area(page).inner_text()
    assert page.locator("#initlab-banner").count() == 0
    assert not errors, errors


def test_without_webgl_the_pictures_are_heatmaps_and_nothing_is_said(browser, voila_server):
    blind = browser.browser_type.launch(executable_path=CHROMIUM, headless=True,
                                        args=CHROMIUM_ARGS + ["--disable-3d-apis"])
    try:
        page = blind.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        errors = watch_console(page)
        assert not page.evaluate("() => !!document.createElement('canvas').getContext('webgl')")
        open_app(page, voila_server)
        page.wait_for_function(f"() => ({ANSWER_JS})() === 'none'")
        for name, fig in _rasters(page).items():
            assert fig["images"] == 1, name                       # a HeatMap's <image> ...
            assert inked(page, name) > 0.4, name                  # ... that shows
        _nothing_alarming(page, errors)
        page.get_by_role("button", name="Step").click()           # and they redraw
        page.wait_for_function("() => document.body.innerText.includes('step 1 ')")
        assert all(f["images"] == 1 for f in _rasters(page).values())
        # (bqplot's console complaints after a step, 'translate(NaN,NaN)', come from main's
        # other marks with or without WebGL: only what the page shows is checked here)
        _nothing_alarming(page, [])
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "without_webgl.png"))
    finally:
        blind.close()


def test_with_webgl_the_rasters_are_textures_that_draw(page, voila_server):
    if not gl_installed():
        pytest.skip("bqplot-gl is not installed: the rasters stay HeatMaps (tested above)")
    errors = watch_console(page)
    open_app(page, voila_server)
    page.wait_for_function(f"() => ({ANSWER_JS})() === 'webgl'")
    page.wait_for_function("() => document.querySelectorAll('.bqplot.figure.il-gl').length >= 3")
    figs = _rasters(page)
    assert all(f["images"] == 1 for f in figs.values())             # the class: one texture each
    assert page.evaluate("() => document.querySelectorAll('.bqplot image').length") == 0
    for name in RASTERS:                                            # and each drew its texture
        assert inked(page, name) > 0.4, name
    _nothing_alarming(page, errors)
