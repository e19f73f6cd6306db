"""Panels: pure views of the runs on screen, each a Snapshot and History.

Every panel is a `Panel` (base.py): it builds its figures once (`widget`) and its
`update(views)` only assigns changed data to its marks, one `RunView` per run (its tag, snapshot,
history and colours; `run_views` makes them), the pinned run first.  Importing a panel module
registers it; PANELS lists them in the order the lab lays them out.
"""
from __future__ import annotations

from initlab.ui.panels.base import PANELS, Panel, RunView, run_views
from initlab.ui.panels.histograms import ActivationHistograms
from initlab.ui.panels.depth import DepthProfile  # noqa: I001 - import order is screen order
from initlab.ui.panels.plane import DeadUnits, DecisionBoundary
from initlab.ui.panels.curves import TrainingCurves
from initlab.ui.panels.ratio import UpdateRatio

__all__ = ["PANELS", "Panel", "RunView", "run_views", "ActivationHistograms", "DepthProfile",
           "DeadUnits", "DecisionBoundary", "TrainingCurves", "UpdateRatio"]
