"""Panels: pure views of the runs on screen, each a Snapshot and History.

Every panel is a `Panel` (base.py): it builds its figures once (`widget`) and its
`update(views)` only assigns changed data to its marks, one `RunView` per run (its tag, snapshot,
history and colours; `run_views` makes them), the pinned run first.  Every module of this
package is imported here, and a panel module registers its panels (`@register`): a new picture
is one new module, its `place` saying where it goes.  PANELS lists them in screen order.
"""
from __future__ import annotations

import importlib
import pkgutil

from initlab.ui.panels.base import PANELS, Panel, RunView, run_views
from initlab.ui.panels.curves import TrainingCurves
from initlab.ui.panels.depth import DepthProfile
from initlab.ui.panels.histograms import ActivationHistograms
from initlab.ui.panels.plane import DeadUnits, DecisionBoundary
from initlab.ui.panels.ratio import UpdateRatio

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")      # registers its panels

__all__ = ["PANELS", "Panel", "RunView", "run_views", "ActivationHistograms", "DepthProfile",
           "DeadUnits", "DecisionBoundary", "TrainingCurves", "UpdateRatio"]
