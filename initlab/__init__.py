"""initlab: see why neural-network training succeeds or fails."""
from initlab.core.config import Config
from initlab.core.run import Run

__all__ = ["Config", "Run", "Lab"]
__version__ = "0.1.0"


def __getattr__(name):
    # The widget lab is imported lazily so that the NumPy core works without ipywidgets/bqplot.
    if name == "Lab":
        from initlab.ui.app import Lab
        return Lab
    raise AttributeError(name)
