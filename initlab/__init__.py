"""initlab: see why neural-network training succeeds or fails."""
from initlab.core.config import Config

__all__ = ["Config", "Run", "Lab", "diagnose"]
__version__ = "0.1.0"


def __getattr__(name):
    # Imported lazily: the widget lab needs ipywidgets/bqplot, the NumPy core does not.
    if name == "Run":
        from initlab.core.run import Run
        return Run
    if name == "diagnose":
        from initlab.core.diagnose import diagnose
        return diagnose
    if name == "Lab":
        from initlab.ui.app import Lab
        return Lab
    raise AttributeError(name)
