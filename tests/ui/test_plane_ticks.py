"""The plane pictures' ticks stay off the corners, where the two axes' end labels collided."""
import numpy as np
import pytest

from initlab import Config, Run
from initlab.ui.panels.plane import inner_ticks


@pytest.mark.parametrize("lo, hi", [(-3, 3), (-2.2, 3), (-1, 1), (0, 1), (-3.3, 2.9), (-10, 40),
                                    (0.001, 0.002), (-0.37, 5.2)])
def test_ticks_are_round_inside_and_off_the_ends(lo, hi):
    ticks = inner_ticks(lo, hi)
    span = hi - lo
    assert 2 <= len(ticks) <= 4
    assert (ticks >= lo + 0.12 * span - 1e-12).all() and (ticks <= hi - 0.12 * span + 1e-12).all()
    steps = np.diff(ticks)
    assert np.allclose(steps, steps[0])
    mantissa = steps[0] / 10 ** np.floor(np.log10(steps[0]))
    assert min(abs(mantissa - m) for m in (1, 2, 5, 10)) < 1e-9
    assert not any(np.signbit(t) and t == 0 for t in ticks)        # no "-0" label


@pytest.mark.parametrize("dataset", ["spiral", "moons", "digits"])
def test_the_boundary_axes_carry_inner_ticks_for_each_data_set(dataset):
    from initlab.ui.panels.plane import DecisionBoundary
    kw = {"digits": dict(n_classes=10), "moons": dict(n_classes=2)}.get(dataset, {})
    snap = Run(Config(dataset=dataset, **kw)).snapshot()
    panel = DecisionBoundary()
    panel.frame(snap)
    x0, x1, y0, y1 = snap.plane.view
    np.testing.assert_allclose(panel.x_axis.tick_values, inner_ticks(x0, x1))
    np.testing.assert_allclose(panel.y_axis.tick_values, inner_ticks(y0, y1))
