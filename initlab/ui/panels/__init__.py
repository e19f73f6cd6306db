"""Panels: pure views of a Snapshot and History.  Each builds its figures once (`widget`) and has
`update(snapshot, history)` that only assigns changed data to its marks."""
from __future__ import annotations

from initlab.ui.panels.curves import TrainingCurves
from initlab.ui.panels.depth import DepthProfile
from initlab.ui.panels.histograms import ActivationHistograms
from initlab.ui.panels.plane import DeadUnits, DecisionBoundary
from initlab.ui.panels.ratio import UpdateRatio

# Name -> panel class, in the order the lab lays them out.
PANELS = {cls.name: cls for cls in (ActivationHistograms, DepthProfile, DeadUnits,
                                    DecisionBoundary, TrainingCurves, UpdateRatio)}

__all__ = ["PANELS", "ActivationHistograms", "DepthProfile", "DeadUnits", "DecisionBoundary",
           "TrainingCurves", "UpdateRatio"]
