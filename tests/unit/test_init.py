"""Initialisation: every scheme has the spread it claims; the lecture's deep-network story holds."""
import math

import numpy as np
import pytest

from initlab.nn.activations import get_activation
from initlab.nn.init import SCHEMES, implied_std, init_weights

RANDOM_SCHEMES = ["gaussian", "xavier_normal", "xavier_uniform", "he_normal", "he_uniform", "lecun",
                  "orthogonal"]


def test_registry_holds_every_scheme_of_the_config():
    assert set(SCHEMES) == {"zeros", "constant", "gaussian", "xavier_normal", "xavier_uniform",
                            "he_normal", "he_uniform", "lecun", "orthogonal"}


@pytest.mark.parametrize("scheme", RANDOM_SCHEMES)
@pytest.mark.parametrize("fan_in,fan_out", [(400, 300), (300, 400)])
def test_scheme_has_the_std_it_implies(scheme, fan_in, fan_out):
    kw = dict(weight_std=0.05, activation="relu")
    w = init_weights(scheme, fan_in, fan_out, np.random.default_rng(0), **kw)
    assert w.shape == (fan_in, fan_out) and w.dtype == np.float64
    assert abs(w.mean()) < 0.01 * w.std() + 1e-12
    # root mean square: the std about zero, what a layer's output spread depends on
    assert math.sqrt(np.mean(w * w)) == pytest.approx(implied_std(scheme, fan_in, fan_out, **kw),
                                                      rel=0.02)


def test_implied_std_formulas():
    assert implied_std("gaussian", 100, 50, weight_std=0.3) == 0.3
    assert implied_std("xavier_normal", 100, 50) == pytest.approx(math.sqrt(2 / 150))
    assert implied_std("xavier_uniform", 100, 50) == pytest.approx(math.sqrt(2 / 150))
    assert implied_std("he_normal", 100, 50) == pytest.approx(math.sqrt(2 / 100))
    assert implied_std("he_uniform", 100, 50, activation="tanh") == pytest.approx(0.1)
    assert implied_std("lecun", 100, 50) == pytest.approx(0.1)
    assert implied_std("orthogonal", 100, 50, activation="tanh") == pytest.approx(0.1)
    assert implied_std("zeros", 100, 50) == 0.0 and implied_std("constant", 100, 50) == 0.0


def test_zeros_and_constant_give_identical_weights():
    rng = np.random.default_rng(0)
    assert not init_weights("zeros", 3, 4, rng).any()
    np.testing.assert_array_equal(init_weights("constant", 3, 4, rng, weight_std=0.2),
                                  np.full((3, 4), 0.2))


def test_he_uses_the_leaky_relu_gain():
    a, fan_in = 0.5, 400
    w = init_weights("he_normal", fan_in, 300, np.random.default_rng(0), activation="leaky_relu",
                     leaky_slope=a)
    expected = math.sqrt(2 / (1 + a * a)) / math.sqrt(fan_in)
    assert implied_std("he_normal", fan_in, 300, activation="leaky_relu", leaky_slope=a) == \
        pytest.approx(expected)
    assert w.std() == pytest.approx(expected, rel=0.02)


@pytest.mark.parametrize("fan_in,fan_out", [(60, 40), (40, 60), (50, 50)])
def test_orthogonal_is_orthogonal_up_to_the_gain(fan_in, fan_out):
    w = init_weights("orthogonal", fan_in, fan_out, np.random.default_rng(3), activation="relu")
    small = min(fan_in, fan_out)
    gram = w.T @ w if fan_in >= fan_out else w @ w.T
    np.testing.assert_allclose(gram, 2.0 * np.eye(small), atol=1e-12)   # gain sqrt(2) squared


@pytest.mark.parametrize("scheme", RANDOM_SCHEMES)
def test_same_seed_same_weights_in_both_precisions(scheme):
    w1 = init_weights(scheme, 20, 30, np.random.default_rng(7))
    w2 = init_weights(scheme, 20, 30, np.random.default_rng(7))
    w3 = init_weights(scheme, 20, 30, np.random.default_rng(8))
    w32 = init_weights(scheme, 20, 30, np.random.default_rng(7), dtype=np.float32)
    np.testing.assert_array_equal(w1, w2)
    assert not np.array_equal(w1, w3)
    assert w32.dtype == np.float32
    np.testing.assert_array_equal(w32, w1.astype(np.float32))


def test_unknown_scheme_names_the_field_and_the_choices():
    with pytest.raises(ValueError, match=r"init='kaiming'.*'zeros'.*'orthogonal'"):
        init_weights("kaiming", 3, 3, np.random.default_rng(0))
    with pytest.raises(ValueError, match="init="):
        implied_std("kaiming", 3, 3)


def _layer_stds(scheme, activation, weight_std=0.01, width=256, depth=10):
    """Std of each layer's activations in a deep plain network on unit-Gaussian input."""
    rng = np.random.default_rng(0)
    act = get_activation(activation)
    h = rng.standard_normal((256, width))
    stds = []
    for _ in range(depth):
        w = init_weights(scheme, width, width, rng, weight_std=weight_std, activation=activation)
        h, _ = act.forward(h @ w)
        stds.append(h.std())
    return np.array(stds), h


def test_small_init_collapses_deep_tanh_activations():
    stds, _ = _layer_stds("gaussian", "tanh", weight_std=0.01)
    assert stds[-1] < 1e-6          # each layer multiplies the spread by about 0.01 * sqrt(256)


def test_unit_gaussian_init_saturates_tanh():
    _, h = _layer_stds("gaussian", "tanh", weight_std=1.0)
    assert np.mean(np.abs(h) > 0.99) > 0.7


def test_xavier_keeps_the_spread_for_tanh():
    stds, _ = _layer_stds("xavier_normal", "tanh")
    assert stds[-1] > 0.15


def test_xavier_shrinks_relu_activations_and_he_fixes_it():
    xavier, _ = _layer_stds("xavier_normal", "relu")
    he, _ = _layer_stds("he_normal", "relu")
    assert xavier[-1] / xavier[0] < 0.1          # about halves the variance per layer
    assert 0.5 < he[-1] / he[0] < 2


@pytest.mark.parametrize("scheme", ["gaussian", "xavier_normal", "he_normal", "lecun",
                                    "orthogonal"])
def test_remembered_draws_are_the_numbers_drawing_would_give(scheme):
    """A rebuild reuses the standard-normal draws of the same seed and shapes: the weights are
    exactly rng.normal's, and the generator ends where drawing leaves it."""
    from initlab.nn import init
    init._draws.clear()
    fresh = np.random.default_rng(11)
    expected = [fresh.normal(0.0, 0.3, (6, 5)), fresh.normal(0.0, 0.3, (5, 4))]
    for _ in range(2):                                   # the second time comes from memory
        rng = np.random.default_rng(11)
        got = [init_weights("gaussian", 6, 5, rng, weight_std=0.3),
               init_weights("gaussian", 5, 4, rng, weight_std=0.3)]
        assert all(np.array_equal(a, b) for a, b in zip(got, expected))
        assert rng.bit_generator.state == fresh.bit_generator.state
        assert got[0].flags.writeable                    # weights are the run's own arrays
    again = [init_weights(scheme, 6, 5, np.random.default_rng(11)) for _ in range(2)]
    assert np.array_equal(again[0], again[1]) and len(init._draws) >= 2


def test_the_draw_memory_is_bounded():
    from initlab.nn import init
    init._draws.clear()
    rows = int(init.DRAW_CACHE_BYTES // (8 * 1000)) // 3 + 1   # a third of the budget and a bit
    for seed in range(4):
        init_weights("gaussian", rows, 1000, np.random.default_rng(seed))
    assert sum(z.nbytes for z, _ in init._draws.values()) <= init.DRAW_CACHE_BYTES
    assert len(init._draws) == 2
