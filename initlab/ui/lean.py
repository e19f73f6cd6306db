"""Shared Layout and Style models: fewer widget models for the page to create at load.

Every ipywidgets DOM widget makes its own Layout and Style model unless it is given one, and the
browser builds a model and a view for each: the lab made 318 models at load.  Widgets that look
alike can share one (a model may back any number of views), so `layout(...)` and `style(...)`
hand out one model per distinct set of traits.  A shared model must never be changed through one
of its widgets: a widget whose layout changes later (shown/hidden) gets its own.
"""
from __future__ import annotations

from typing import Any

import ipywidgets as w
# the Style classes ipywidgets does not export at top level, for callers of style()
from ipywidgets.widgets.widget_bool import CheckboxStyle, ToggleButtonStyle  # noqa: F401
from ipywidgets.widgets.widget_button import ButtonStyle  # noqa: F401
from ipywidgets.widgets.widget_description import DescriptionStyle  # noqa: F401
from ipywidgets.widgets.widget_int import SliderStyle  # noqa: F401
from ipywidgets.widgets.widget_string import HTMLStyle, TextStyle  # noqa: F401

_SHARED: dict[tuple, w.Widget] = {}


def _shared(cls: type, traits: dict[str, Any]) -> w.Widget:
    key = (cls, tuple(sorted(traits.items())))
    model = _SHARED.get(key)
    if model is None or model.comm is None:         # none yet, or closed (Widget.close_all)
        model = _SHARED[key] = cls(**traits)
    return model


def layout(**traits: Any) -> w.Layout:
    """The one Layout model with exactly these traits (e.g. layout(width="100%"))."""
    return _shared(w.Layout, traits)


def style(cls: type, **traits: Any) -> w.Widget:
    """The one Style model of this class with these traits (e.g. style(w.SliderStyle, ...))."""
    return _shared(cls, traits)


def html(value: str = "", **layout_traits: Any) -> w.HTML:
    """An HTML widget on shared layout and style models."""
    return w.HTML(value, layout=layout(**layout_traits), style=style(HTMLStyle))


def vbox(children: list | tuple = (), **layout_traits: Any) -> w.VBox:
    return w.VBox(list(children), layout=layout(**layout_traits))


def hbox(children: list | tuple = (), **layout_traits: Any) -> w.HBox:
    return w.HBox(list(children), layout=layout(**layout_traits))
