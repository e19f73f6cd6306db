"""Raster pictures on the GPU where the page can draw them there, as HeatMaps where it cannot.

A bqplot HeatMap paints every cell into a canvas of the plot's size and encodes it as a PNG, on
the browser's main thread, at every update (9-18 ms each; DESIGN.md, "Third shape").  An
`ImageGL` mark (bqplot-image-gl, drawn by bqplot-gl) uploads the values as one texture and
colours them in a WebGL shader through the same bqplot ColorScale.  A `Raster` holds one of the
two marks over the same scales and the same values, and can swap one for the other in its
figure.

Which one: every raster starts as a HeatMap (today's mark: it draws in every browser), and the
page says at load whether it has WebGL: initlab's Voila page template writes "webgl" or "none"
into a hidden text box (`WebGLProbe`, class il-webgl).  On "webgl", with bqplot-image-gl and
bqplot-gl installed (their JupyterLab extensions come prebuilt in their wheels: nothing from a
CDN), every raster of this kernel moves to ImageGL.  Where the answer never comes (JupyterLab,
no template), nothing changes.  An ImageGL mark in a browser without WebGL would break its whole
figure, so no raster is ever a GL one before the page has said it can draw it.
"""
from __future__ import annotations

import importlib.util
import weakref
from typing import Any

import bqplot as bq
import ipywidgets as w
import numpy as np

from initlab.ui import lean
from initlab.ui.panels.base import assign, f32

GL_CLASS = "il-gl"           # on a figure whose raster is an ImageGL texture
_RASTERS: "weakref.WeakSet[Raster]" = weakref.WeakSet()
_GL = {"on": False}          # the page has WebGL and the marks are installed: new rasters are GL


def gl_installed() -> bool:
    """True when bqplot-image-gl (the mark) and bqplot-gl (what draws it in bqplot 0.13) are
    installed; without bqplot-gl's extension an ImageGL mark cannot be drawn at all."""
    return all(importlib.util.find_spec(name) is not None
               for name in ("bqplot_image_gl", "bqplot_gl"))


def gl_on() -> bool:
    """True when this kernel's rasters are drawn with WebGL."""
    return _GL["on"]


def use_gl(on: bool) -> int:
    """Draw every raster of this kernel with ImageGL (on) or HeatMap; returns how many moved."""
    _GL["on"] = bool(on)
    return sum(raster.use_gl(on) for raster in list(_RASTERS))


def _edges(centres: np.ndarray, cell: float | None) -> tuple[float, float]:
    """The outer edges of evenly spaced cells with these centres."""
    n = len(centres)
    step = cell if cell is not None else (
        (float(centres[-1]) - float(centres[0])) / (n - 1) if n > 1 else 1.0)
    return float(centres[0]) - step / 2, float(centres[-1]) + step / 2


class Raster:
    """One raster over scales x, y and a ColorScale: values (H, W) at evenly spaced cell centres
    x (W,), y (H,) (row i at y[i]), drawn as an ImageGL texture or a HeatMap (see the module)."""

    def __init__(self, x: bq.Scale, y: bq.Scale, color: bq.ColorScale) -> None:
        self.scales = {"x": x, "y": y, "color": color}
        self.figure: bq.Figure | None = None       # set by whoever puts the mark in a figure
        self._data: tuple | None = None
        self.mark = self._make(gl_on())
        _RASTERS.add(self)

    @property
    def gl(self) -> bool:
        return not isinstance(self.mark, bq.HeatMap)

    def _make(self, gl: bool) -> bq.Mark:
        s = self.scales
        if gl:
            from bqplot_image_gl import ImageGL
            return ImageGL(image=np.zeros((2, 2), np.float32), x=[0.0, 1.0], y=[0.0, 1.0],
                           interpolation="nearest",
                           scales={"x": s["x"], "y": s["y"], "image": s["color"]})
        return bq.HeatMap(x=np.zeros(2, np.float32), y=np.zeros(2, np.float32),
                          color=np.zeros((2, 2), np.float32), scales=dict(s))

    def draw(self, x: Any, y: Any, color: Any, cell: tuple[float | None, float | None]
             = (None, None)) -> bool:
        """Show `color` (H, W) over cell centres x (W,), y (H,); cell: (width, height) of a cell
        where a side has one cell only (default: from the spacing, else 1).  True if sent."""
        x, y, color = f32(x), f32(y), f32(color)
        self._data = (x, y, color, cell)
        if self.gl:
            return assign(self.mark, x=f32(_edges(x, cell[0])), y=f32(_edges(y, cell[1])),
                          image=color)
        # bqplot squeezes a (1, n) colour array to (n,), which a HeatMap refuses: a single row
        # (or column) is drawn as two half-cells of the same colour
        if color.shape[0] == 1:
            lo, hi = _edges(y, cell[1])
            y, color = f32([(3 * lo + hi) / 4, (lo + 3 * hi) / 4]), np.repeat(color, 2, axis=0)
        if color.shape[1] == 1:
            lo, hi = _edges(x, cell[0])
            x, color = f32([(3 * lo + hi) / 4, (lo + 3 * hi) / 4]), np.repeat(color, 2, axis=1)
        return assign(self.mark, x=x, y=y, color=color)

    def use_gl(self, on: bool) -> bool:
        """Swap the mark for the other kind in its figure, with the last values; True if done."""
        if bool(on) == self.gl:
            return False
        old, self.mark = self.mark, self._make(on)
        if self._data is not None:
            self.draw(*self._data)
        if self.figure is not None:
            self.figure.marks = [self.mark if m is old else m for m in self.figure.marks]
            # the page (and the browser tests) can tell a GL raster's figure by its class
            (self.figure.add_class if on else self.figure.remove_class)(GL_CLASS)
        old.close()
        return True


class WebGLProbe:
    """The hidden text box the page template answers "webgl" or "none" in (see the module)."""

    def __init__(self) -> None:
        self.widget = w.Text(value="", layout=lean.layout(display="none"),
                             style=lean.style(lean.TextStyle))
        self.widget.add_class("il-webgl")
        self.widget.observe(self._on_answer, "value")
        self.answer = ""

    def _on_answer(self, change: dict) -> None:
        self.answer = change["new"]
        if self.answer == "webgl" and gl_installed():
            use_gl(True)
