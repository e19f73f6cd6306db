"""The notebooks' toy pictures: each shows what its notebook says it shows."""
import numpy as np
import pytest

from initlab.lessons import demos
from initlab.nn.activations import get_activation


# ---- activation curves -------------------------------------------------------------------------
def test_curve_derivatives_match_centred_differences():
    x = np.linspace(-4, 4, 81) + 0.013                 # off the kinks at 0
    h = 1e-6
    for name in ("sigmoid", "tanh", "relu", "leaky_relu", "elu", "gelu"):
        f, df = demos.curve(name, x, leaky_slope=0.1)
        numeric = (demos.curve(name, x + h, leaky_slope=0.1)[0]
                   - demos.curve(name, x - h, leaky_slope=0.1)[0]) / (2 * h)
        assert np.allclose(df, numeric, atol=1e-6), name


def test_sigmoid_and_tanh_saturate_where_relu_does_not():
    far = np.array([-10.0, 10.0])
    assert demos.curve("sigmoid", far)[1].max() < 1e-4
    assert demos.curve("tanh", far)[1].max() < 1e-8
    assert list(demos.curve("relu", far)[1]) == [0.0, 1.0]
    assert list(demos.curve("leaky_relu", far, leaky_slope=0.05)[1]) == [0.05, 1.0]


def test_maxout_of_two_lines_is_relu_or_leaky_relu():
    x = np.linspace(-3, 3, 61)
    relu, d_relu = demos.curve("relu", x)
    m, dm = demos.curve("maxout", x, maxout_lines=((1.0, 0.0), (0.0, 0.0)))
    assert np.array_equal(m, relu)
    leaky, _ = demos.curve("leaky_relu", x, leaky_slope=0.2)
    assert np.allclose(demos.curve("maxout", x, maxout_lines=((1.0, 0.0), (0.2, 0.0)))[0], leaky)
    assert np.allclose(dm[x > 0], 1.0) and np.allclose(dm[x < 0], 0.0)


# ---- the all-positive-input zig-zag ------------------------------------------------------------
def _inputs(name, n=200):
    pre = np.random.default_rng(0).normal(0.0, 2.0, (n, 2))
    return get_activation(name).forward(pre)[0]


def test_all_positive_inputs_give_updates_that_share_a_sign():
    path, updates = demos.zigzag(_inputs("sigmoid"), (1.0, -1.0), lr=0.5)
    assert path.shape == (201, 2) and updates.shape == (200, 2)
    assert np.all(np.sign(updates[:, 0]) == np.sign(updates[:, 1]))
    assert np.allclose(np.diff(path, axis=0), updates)


def test_zero_centred_inputs_reach_the_target_sooner_than_all_positive_ones():
    def steps(path):
        return int(np.argmax(np.linalg.norm(path - (1.0, -1.0), axis=1) < 0.1))

    positive, _ = demos.zigzag(_inputs("sigmoid"), (1.0, -1.0), lr=0.5)
    centred, updates = demos.zigzag(_inputs("tanh"), (1.0, -1.0), lr=0.5)
    assert np.any(np.sign(updates[:, 0]) != np.sign(updates[:, 1]))
    assert 0 < 2 * steps(centred) < steps(positive)


# ---- the optimiser bowl ------------------------------------------------------------------------
def test_bowl_gradient_matches_its_loss():
    w, h = np.array([0.7, -0.2]), 1e-6
    numeric = [(demos.bowl_loss(w + h * e) - demos.bowl_loss(w - h * e)) / (2 * h)
               for e in np.eye(2)]
    assert np.allclose(demos.bowl_grad(w), numeric)


def test_contours_lie_on_their_levels():
    xs, ys = demos.bowl_contours([0.1, 2.0])
    loss = demos.bowl_loss(np.stack([xs, ys], axis=-1))
    assert np.allclose(loss[0], 0.1) and np.allclose(loss[1], 2.0)


def test_momentum_reaches_the_bottom_of_the_ill_conditioned_bowl_in_fewer_steps_than_sgd():
    sgd = demos.trajectory("sgd", lr=0.019, steps=400)              # near SGD's limit of 2/100
    momentum = demos.trajectory("momentum", lr=0.01, momentum=0.9, steps=400)
    n_sgd, n_momentum = demos.steps_to_reach(sgd), demos.steps_to_reach(momentum)
    assert n_sgd is not None and n_momentum is not None
    assert 2 * n_momentum < n_sgd


def test_sgd_zig_zags_across_the_steep_direction_and_diverges_past_its_limit():
    path = demos.trajectory("sgd", lr=0.019, steps=30)
    steep = path[:, 1]
    assert np.all(np.sign(steep[1:]) != np.sign(steep[:-1]))
    assert np.all(np.diff(np.abs(path[:, 0])) < 0)                 # the shallow side only creeps
    blown = demos.trajectory("sgd", lr=0.021, steps=400)
    assert demos.bowl_loss(blown[-1]) > demos.bowl_loss(blown[0])


def test_learning_rate_decay_lets_rmsprop_settle():
    constant = demos.trajectory("rmsprop", lr=0.05, steps=300)
    decayed = demos.trajectory("rmsprop", lr=0.05, steps=300, schedule="step", decay=0.5,
                               decay_steps=50)
    assert demos.bowl_loss(constant[-1]) > 1e-2
    assert demos.bowl_loss(decayed[-1]) < 1e-3


def test_trajectory_stops_when_it_leaves_the_finite_numbers():
    path = demos.trajectory("sgd", lr=1.0, steps=2000)
    assert len(path) < 2001 and np.all(np.isfinite(path))


def test_steps_to_reach_needs_the_path_to_stay_below():
    path = np.array([[3.0, 0.0], [0.0, 0.0], [3.0, 0.0], [0.0, 0.0], [0.0, 0.0]])
    assert demos.steps_to_reach(path, 1.0) == 3
    assert demos.steps_to_reach(path[:3], 1.0) is None


# ---- data, normalisation, dropout --------------------------------------------------------------
def test_correlated_cloud_has_the_asked_centre_and_correlation():
    x = demos.correlated_cloud(20000, np.random.default_rng(0), centre=(3.0, 2.0),
                               stds=(2.0, 0.5), angle=0.6)
    assert np.allclose(x.mean(axis=0), (3.0, 2.0), atol=0.05)
    cov = np.cov(x.T)
    assert np.allclose(np.linalg.eigvalsh(cov), [0.25, 4.0], rtol=0.05)
    assert cov[0, 1] > 0.5                                            # the features are correlated


def test_batch_norm_output_depends_on_the_batch_and_layer_norm_output_does_not():
    rng = np.random.default_rng(0)
    z = rng.normal(1.0, 2.0, (300, 16))
    layer = demos.normalised_in_batches("layer", z, 0, 16, 20, rng)
    assert np.ptp(layer, axis=0).max() < 1e-12
    small = demos.normalised_in_batches("batch", z, 0, 4, 200, rng).std(axis=0).mean()
    large = demos.normalised_in_batches("batch", z, 0, 64, 200, rng).std(axis=0).mean()
    assert small > 2 * large > 0
    alone = demos.normalised_in_batches("batch", z, 0, 1, 3, rng)
    assert np.all(alone == 0)                                         # a batch of one: xhat = 0
    with pytest.raises(ValueError, match="kind"):
        demos.normalised_in_batches("group", z, 0, 4, 2, rng)


def test_inverted_dropout_keeps_the_expected_activation():
    rng = np.random.default_rng(0)
    a = rng.uniform(0.0, 2.0, (20, 30))
    mean = demos.dropout_mean(a, 0.5, 2000, rng)
    assert abs(mean.sum() / a.sum() - 1) < 0.01
    assert np.abs(mean - a).max() < 0.25 * a.max()
