"""A new activation or optimiser is one registration: Config accepts it, the budget prices it, and
the lab reads its init and dead-unit facts from the entry, with no table to edit elsewhere."""
import math

import numpy as np
import pytest

from initlab import Config, Run
from initlab.core import budget
from initlab.nn.activations import ACTIVATIONS, Activation
from initlab.nn.init import implied_std
from initlab.nn.optim import RULES, Rule
from initlab.nn.registry import registered_name


@pytest.fixture
def relu6():
    """A clipped ReLU with its facts stated on the class: it dies, He suits it, it costs 2."""
    @registered_name(ACTIVATIONS)
    class ReLU6(Activation):
        name, hist_range, relu_like, dies = "relu6_for_test", (0.0, 6.0), True, True
        recommended_init, cost = "he_normal", 2.0

        def forward(self, z):
            return np.clip(z, 0, 6), z

        def backward(self, da, z):
            return da * ((z > 0) & (z < 6))
    yield ReLU6
    ACTIVATIONS.unregister("relu6_for_test")


@pytest.fixture
def sign_sgd():
    """signSGD with momentum: one state array, reads the momentum knob, steps by lr."""
    def update(dw, state, *, lr, momentum, t):
        m = state.setdefault("m", np.zeros_like(dw))
        m *= momentum
        m += (1 - momentum) * dw
        return -lr * np.sign(m)
    rule = RULES.register("signsgd_for_test",
                          Rule(update, state_arrays=1, knobs=("momentum",), adaptive=True))
    yield rule
    RULES.unregister("signsgd_for_test")


def test_config_accepts_them_and_a_run_trains_with_them(relu6, sign_sgd):
    cfg = Config(activation="relu6_for_test", optimizer="signsgd_for_test", depth=2, width=16)
    run = Run(cfg)
    run.step(5)
    assert run.status == "ok" and set(run.opt_state["dense0.w"]) == {"m"}


def test_the_budget_prices_them_from_their_entries(relu6, sign_sgd):
    base = dict(depth=4, width=200, batch_size=100)
    relu, new = (budget.estimate(Config(**base, activation=a)) for a in ("relu", "relu6_for_test"))
    # only the element-wise passes differ: (2.0 - 1.0) per activation value of one batch
    extra = 100 * 4 * 200 * (2.0 - 1.0) * budget.SECONDS_PER_ELEMENT
    assert new.seconds_per_step - relu.seconds_per_step == pytest.approx(extra)
    sgd, adam, sign = (budget.estimate(Config(**base, optimizer=o))
                       for o in ("sgd", "adam", "signsgd_for_test"))
    # weights, gradients and the state arrays: 2, 4 and 3 arrays of the weights' size
    assert sign.parts["weights"] == pytest.approx(sgd.parts["weights"] * 3 / 2)
    assert adam.parts["weights"] == pytest.approx(sgd.parts["weights"] * 4 / 2)


def test_dead_units_and_init_are_read_from_the_entry(relu6):
    run = Run(Config(activation="relu6_for_test", dataset="spiral", depth=3, width=32,
                     init="gaussian", weight_std=0.5, lr=3.0, optimizer="sgd"))
    run.step(50)                                          # a rate this high kills some units
    snap = run.snapshot()
    assert snap.units_can_die
    assert all(layer.dead_units == layer.off_units for layer in snap.layers)
    assert sum(layer.dead_units for layer in snap.layers) > 0
    assert ACTIVATIONS["relu6_for_test"]().gain == pytest.approx(math.sqrt(2))
    assert implied_std("he_normal", 100, 50, activation="relu6_for_test") == \
        pytest.approx(math.sqrt(2 / 100))
    assert implied_std("orthogonal", 100, 50, activation="relu6_for_test") == \
        pytest.approx(math.sqrt(2 / 100))


def test_an_activation_that_states_no_cost_is_priced_like_the_dearest(relu6):
    class Quiet(Activation):
        name = "quiet_for_test"
    ACTIVATIONS.register("quiet_for_test", Quiet)
    try:
        dearest = max(ACTIVATIONS[n].cost for n in ACTIVATIONS if n != "quiet_for_test")
        assert Quiet().cost == dearest
        assert not Quiet().dies and Quiet().recommended_init == "xavier_normal"
    finally:
        ACTIVATIONS.unregister("quiet_for_test")


def test_the_assistant_offers_the_init_the_entry_recommends():
    from initlab import diagnose

    @registered_name(ACTIVATIONS)
    class Softsign(Activation):
        name, hist_range, bounds = "softsign_for_test", (-1.0, 1.0), (-1.0, 1.0)
        recommended_init = "lecun_uniform"

        def forward(self, z):
            return z / (1 + np.abs(z)), z

        def backward(self, da, z):
            return da / (1 + np.abs(z)) ** 2
    try:
        run = Run(Config(activation="softsign_for_test", init="gaussian", weight_std=1.0))
        fixes = [f.fix for f in diagnose(run) if f.fix and "init" in f.fix]
        assert fixes and all(fix == {"init": "lecun_uniform"} for fix in fixes)
        labels = {f.fix_label for f in diagnose(run) if f.fix and "init" in f.fix}
        assert labels == {"switch init to LeCun (uniform)"}
    finally:
        ACTIVATIONS.unregister("softsign_for_test")
