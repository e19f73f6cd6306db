"""Panels: pure views of a Snapshot and History (and of a second run's, comparing).

Every panel is a `Panel` (base.py): it builds its figures once (`widget`) and its
`update(snapshot, history, other=None)` only assigns changed data to its marks.  Importing a
panel module registers it; PANELS lists them in the order the lab lays them out.
"""
from __future__ import annotations

from initlab.ui.panels.base import PANELS, Panel
from initlab.ui.panels.histograms import ActivationHistograms
from initlab.ui.panels.depth import DepthProfile  # noqa: I001 - import order is screen order
from initlab.ui.panels.plane import DeadUnits, DecisionBoundary
from initlab.ui.panels.curves import TrainingCurves
from initlab.ui.panels.ratio import UpdateRatio

__all__ = ["PANELS", "Panel", "ActivationHistograms", "DepthProfile", "DeadUnits",
           "DecisionBoundary", "TrainingCurves", "UpdateRatio"]
