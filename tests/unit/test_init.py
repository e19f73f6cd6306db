"""Initialisation: every scheme has the spread it claims; the lecture's deep-network story holds."""
import math

import numpy as np
import pytest

from initlab.nn.activations import get_activation
from initlab.nn.init import SCHEMES, implied_std, init_weights

RANDOM_SCHEMES = ["gaussian", "xavier_normal", "xavier_uniform", "he_normal", "he_uniform", "lecun",
                  "lecun_uniform", "orthogonal"]
NON_LINEARITIES = ["relu", "leaky_relu", "elu", "gelu", "tanh", "sigmoid", "maxout"]


def test_registry_holds_every_scheme_of_the_config():
    assert set(SCHEMES) == {"zeros", "constant", "gaussian", "xavier_normal", "xavier_uniform",
                            "he_normal", "he_uniform", "lecun", "lecun_uniform", "orthogonal"}


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
    assert implied_std("he_uniform", 100, 50, activation="tanh") == pytest.approx(math.sqrt(0.02))
    assert implied_std("he_normal", 100, 50, activation="identity") == pytest.approx(0.1)
    assert implied_std("lecun", 100, 50) == pytest.approx(0.1)
    assert implied_std("lecun_uniform", 100, 50) == pytest.approx(0.1)
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


@pytest.mark.parametrize("activation", NON_LINEARITIES)
@pytest.mark.parametrize("scheme", ["he_normal", "he_uniform"])
def test_he_is_sqrt_2_over_fan_in_for_every_non_linearity(scheme, activation):
    """PyTorch's kaiming_normal_ / kaiming_uniform_ (a = 0, mode fan_in), Keras's he_*: the
    std is sqrt(2 / fan_in) whatever follows the layer; only leaky ReLU's slope changes it."""
    fan_in, fan_out = 500, 800
    w = init_weights(scheme, fan_in, fan_out, np.random.default_rng(1), activation=activation,
                     leaky_slope=0.0)
    assert w.std() == pytest.approx(math.sqrt(2 / fan_in), rel=0.01)
    if scheme == "he_uniform":                           # bound sqrt(6 / fan_in)
        assert np.abs(w).max() <= math.sqrt(6 / fan_in)
        assert np.abs(w).max() > 0.99 * math.sqrt(6 / fan_in)


@pytest.mark.parametrize("scheme, std, bound", [
    ("xavier_normal", lambda i, o: math.sqrt(2 / (i + o)), None),
    ("xavier_uniform", lambda i, o: math.sqrt(2 / (i + o)), lambda i, o: math.sqrt(6 / (i + o))),
    ("lecun", lambda i, o: math.sqrt(1 / i), None),
    ("lecun_uniform", lambda i, o: math.sqrt(1 / i), lambda i, o: math.sqrt(3 / i)),
])
def test_xavier_and_lecun_are_the_frameworks_formulas(scheme, std, bound):
    """xavier_*: PyTorch's xavier_normal_ / xavier_uniform_ with gain 1 (Keras's glorot_*);
    lecun: Keras's lecun_normal / lecun_uniform.  Whatever the activation."""
    for activation in ("relu", "tanh"):
        w = init_weights(scheme, 400, 900, np.random.default_rng(2), activation=activation)
        assert w.std() == pytest.approx(std(400, 900), rel=0.01)
        if bound is not None:
            assert bound(400, 900) * 0.99 < np.abs(w).max() <= bound(400, 900)


def test_he_on_tanh_is_not_xavier_on_square_layers():
    he = init_weights("he_normal", 200, 200, np.random.default_rng(0), activation="tanh")
    xavier = init_weights("xavier_normal", 200, 200, np.random.default_rng(0), activation="tanh")
    assert not np.array_equal(he, xavier)
    np.testing.assert_allclose(he, math.sqrt(2) * xavier)        # the same draws, He's sqrt(2)


def test_maxout_counts_every_piece_in_fan_out_and_not_in_fan_in():
    """A maxout layer is one (fan_in, width * k) matrix, as PyTorch sees nn.Linear(fan_in,
    width * k) before the max: He and LeCun do not depend on k, Xavier does."""
    from initlab import Config, Run
    for k in (2, 4):
        for scheme, expected in (("he_normal", math.sqrt(2 / 100)), ("lecun", math.sqrt(1 / 100)),
                                 ("xavier_normal", math.sqrt(2 / (100 + 100 * k)))):
            run = Run(Config(activation="maxout", maxout_pieces=k, width=100, depth=2,
                             init=scheme))
            w = run.model.weights[1]                      # hidden layer: fan-in 100
            assert w.shape == (100, 100 * k)
            assert w.std() == pytest.approx(expected, rel=0.03)
            assert implied_std(scheme, 100, 100 * k, activation="maxout") == \
                pytest.approx(expected)


def test_the_classifier_is_drawn_as_a_layer_without_non_linearity():
    """Under He the scores' layer gets std 1 / sqrt(fan_in) (PyTorch's nonlinearity='linear'),
    so the loss starts near ln C; the hidden layers get sqrt(2 / fan_in)."""
    from initlab import Config, Run
    run = Run(Config(activation="tanh", init="he_normal", width=400, depth=2))
    hidden, scores = run.model.weights[1], run.model.weights[-1]
    assert hidden.std() == pytest.approx(math.sqrt(2 / 400), rel=0.02)
    assert math.sqrt(np.mean(scores ** 2)) == pytest.approx(math.sqrt(1 / 400), rel=0.1)


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


def test_he_holds_gelu_where_the_old_gain_1_shrank_it():
    he, _ = _layer_stds("he_normal", "gelu")
    lecun, _ = _layer_stds("lecun", "gelu")              # what "He" drew for GELU before
    assert he[-1] / he[0] > 0.25 and lecun[-1] / lecun[0] < 1e-2


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


def test_schemes_of_one_draw_family_give_proportional_weights_from_one_seed():
    """What compare mode relies on: Scheme.draws names the family whose draws a scheme scales."""
    for family in ("normal", "uniform"):
        names = [n for n in SCHEMES if SCHEMES[n].draws == family]
        assert len(names) >= 3
        first = init_weights(names[0], 30, 20, np.random.default_rng(5), weight_std=0.3)
        for name in names[1:]:
            w = init_weights(name, 30, 20, np.random.default_rng(5), weight_std=0.3,
                             activation="tanh")
            s = np.linalg.norm(w) / np.linalg.norm(first)
            np.testing.assert_allclose(w, s * first, rtol=1e-12, atol=1e-15)


def test_scheme_facts():
    assert [n for n in SCHEMES if SCHEMES[n].symmetric] == ["zeros", "constant"]
    assert [n for n in SCHEMES if SCHEMES[n].uses_weight_std] == ["constant", "gaussian"]
    assert [n for n in SCHEMES if not SCHEMES[n].scaled_by_fan] == ["zeros", "constant",
                                                                     "gaussian"]
    assert SCHEMES["he_normal"].label == "He" and SCHEMES["xavier_normal"].label == "Xavier"
