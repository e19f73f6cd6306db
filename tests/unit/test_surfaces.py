"""The optimisers view's paths (initlab.lessons.surfaces): the lab's own update rules on the
valley and the saddle, NaN once a rule has blown up."""
import numpy as np
import pytest

from initlab.core.config import FieldError
from initlab.lessons import demos, toys
from initlab.lessons.surfaces import RULES, SURFACES, final_losses, paths
from initlab.lessons.demos import SEEDS


def test_six_paths_are_the_rules_own_trajectories():
    out = paths("valley", demos.BOWL_START, 0.01, 0.9, 100)
    assert out.shape == (6, 101, 2)
    for i, rule in enumerate(RULES):
        assert np.allclose(out[i], demos.trajectory(rule, steps=100, lr=0.01, momentum=0.9))


def test_a_rule_that_blows_up_stops_drawing_and_the_others_go_on():
    out = paths("valley", demos.BOWL_START, 0.5, 0.9, 300)    # SGD: 0.5 > 2 / 100
    sgd = RULES.index("sgd")
    assert np.isnan(out[sgd, -1]).all()
    assert np.isfinite(out[RULES.index("adam")]).all()
    assert np.isfinite(out[sgd, 100]).all()                   # drawn until it left the numbers
    assert final_losses("valley", out)[RULES.index("adam")] < 1e-3


def test_without_momentum_the_momentum_paths_fall_onto_sgd():
    out = paths("saddle", SURFACES["saddle"].start, 0.03, 0.0, 200)
    assert np.allclose(out[RULES.index("momentum")], out[RULES.index("sgd")])
    assert np.allclose(out[RULES.index("nesterov")], out[RULES.index("sgd")])


@pytest.mark.parametrize("seed", SEEDS)
def test_beside_the_saddle_momentum_leaves_the_plateau_before_sgd(seed):
    start = toys.saddle_start(np.random.default_rng(seed))
    out = paths("saddle", start, toys.SURFACE_LR, 0.9, 400)
    saddle = toys.critical_points()["saddle"]
    sgd = toys.steps_to_leave(out[RULES.index("sgd")], saddle)
    mom = toys.steps_to_leave(out[RULES.index("momentum")], saddle)
    assert mom is not None and (sgd is None or mom < sgd)


@pytest.mark.parametrize("kwargs,field", [(dict(surface="bowl"), "surface"),
                                          (dict(steps=-1), "steps"),
                                          (dict(start=(0.0, float("nan"))), "start")])
def test_bad_inputs_name_their_field(kwargs, field):
    args = dict(surface="valley", start=(1.0, 0.1), lr=0.01, momentum=0.9, steps=10) | kwargs
    with pytest.raises(FieldError) as err:
        paths(**args)
    assert err.value.field == field
