"""Layers: gradients match centred differences; batch norm, layer norm and dropout behave as taught."""
import numpy as np
import pytest

from initlab.nn.activations import get_activation
from initlab.nn.gradcheck import numeric_gradient, rel_error
from initlab.nn.layers import ActivationLayer, BatchNorm, Dense, Dropout, LayerNorm


def _rng(seed=0):
    return np.random.default_rng(seed)


def _check_layer(layer, x, forward, tol=1e-7):
    """Compare dx and every parameter gradient with numeric ones; forward(x) -> output."""
    rng = _rng(9)
    y = forward(x)
    dy = rng.standard_normal(y.shape)
    forward(x)
    dx = layer.backward(dy)
    grads = {k: g.copy() for k, g in layer.grads.items()}
    assert rel_error(dx, numeric_gradient(forward, x, dy)) < tol
    for name, p in layer.params.items():
        assert rel_error(grads[name], numeric_gradient(lambda _: forward(x), p, dy)) < tol, name


def test_numeric_gradient_and_rel_error_on_a_known_function():
    x = np.array([1.0, -2.0, 3.0])
    np.testing.assert_allclose(numeric_gradient(lambda v: np.sum(v ** 3), x), 3 * x ** 2, rtol=1e-8)
    assert x.tolist() == [1.0, -2.0, 3.0]                       # restored after perturbation
    assert rel_error(np.array([1.0, 0.0]), np.array([1.1, 0.0])) == pytest.approx(0.1 / 2.1)


def test_dense_gradients():
    rng = _rng()
    layer = Dense(rng.standard_normal((4, 3)), rng.standard_normal(3))
    x = rng.standard_normal((5, 4))
    np.testing.assert_allclose(layer.forward(x), x @ layer.params["w"] + layer.params["b"])
    _check_layer(layer, x, layer.forward)


def test_dense_can_skip_the_input_gradient():
    rng = _rng()
    layer = Dense(rng.standard_normal((4, 3)), np.zeros(3))
    layer.forward(rng.standard_normal((5, 4)))
    assert layer.backward(np.ones((5, 3)), need_dx=False) is None
    np.testing.assert_allclose(layer.grads["b"], [5.0, 5.0, 5.0])


def _batchnorm(dim=4):
    rng = _rng(1)
    bn = BatchNorm(dim)
    bn.params["gamma"][:] = rng.uniform(0.5, 2.0, dim)
    bn.params["beta"][:] = rng.standard_normal(dim)
    return bn


def test_batchnorm_train_gradients():
    bn = _batchnorm()
    x = _rng(2).standard_normal((6, 4)) * 3 + 1
    _check_layer(bn, x, lambda v: bn.forward(v, train=True, update_running=False))


def test_batchnorm_eval_gradients():
    bn = _batchnorm()
    bn.running_mean[:] = [0.5, -1.0, 0.0, 2.0]
    bn.running_var[:] = [1.0, 4.0, 0.25, 9.0]
    x = _rng(2).standard_normal((6, 4))
    _check_layer(bn, x, lambda v: bn.forward(v, train=False))


def test_batchnorm_training_output_has_zero_mean_unit_std_per_unit():
    bn = BatchNorm(3)
    y = bn.forward(_rng().standard_normal((200, 3)) * [1.0, 10.0, 100.0] + [5.0, -5.0, 50.0])
    np.testing.assert_allclose(y.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(y.std(axis=0), 1.0, rtol=1e-4)


def test_batchnorm_running_averages_move_with_momentum():
    bn = BatchNorm(2, momentum=0.9)
    x = np.array([[1.0, 10.0], [3.0, 30.0]])                # mean (2, 20), variance (1, 100)
    bn.forward(x, train=True)
    np.testing.assert_allclose(bn.running_mean, [0.2, 2.0])
    np.testing.assert_allclose(bn.running_var, [0.9 + 0.1, 0.9 + 10.0])
    bn.forward(x, train=True, update_running=False)          # the probe batch must not move them
    np.testing.assert_allclose(bn.running_mean, [0.2, 2.0])


def test_batchnorm_uses_running_statistics_at_evaluation():
    bn = BatchNorm(2)
    bn.params["gamma"][:] = [2.0, 0.5]
    bn.params["beta"][:] = [1.0, -1.0]
    bn.running_mean[:] = [1.0, -2.0]
    bn.running_var[:] = [4.0, 0.25]
    x = np.array([[3.0, -2.0], [1.0, -1.0]])
    y = bn.forward(x, train=False)
    expected = [[2.0 * 2.0 / np.sqrt(4 + 1e-5) + 1.0, -1.0],
                [1.0, 0.5 * 1.0 / np.sqrt(0.25 + 1e-5) - 1.0]]
    np.testing.assert_allclose(y, expected, rtol=1e-12)
    # one example at a time gives the same answer: evaluation does not depend on the batch
    np.testing.assert_allclose(bn.forward(x[:1], train=False), y[:1], rtol=1e-12)


def test_batchnorm_with_a_batch_of_one_gives_no_nan():
    bn = BatchNorm(3)
    y = bn.forward(np.array([[1.0, 2.0, 3.0]]), train=True)
    dx = bn.backward(np.ones((1, 3)))
    assert np.isfinite(y).all() and np.isfinite(dx).all()
    np.testing.assert_array_equal(y, 0.0)                    # x minus its own mean


def test_layernorm_gradients():
    ln = LayerNorm(5)
    rng = _rng(3)
    ln.params["gamma"][:] = rng.uniform(0.5, 2.0, 5)
    ln.params["beta"][:] = rng.standard_normal(5)
    x = rng.standard_normal((4, 5)) * 2 + 1
    _check_layer(ln, x, ln.forward)


def test_layernorm_normalises_each_example_the_same_in_train_and_eval():
    ln = LayerNorm(6)
    x = _rng().standard_normal((3, 6)) * [[1.0], [10.0], [100.0]]
    y = ln.forward(x, train=True)
    np.testing.assert_allclose(y.mean(axis=1), 0.0, atol=1e-12)
    np.testing.assert_allclose(y.std(axis=1), 1.0, rtol=1e-3)
    np.testing.assert_array_equal(ln.forward(x, train=False), y)
    np.testing.assert_allclose(ln.forward(x[1:2]), y[1:2])   # independent of the rest of the batch


def test_dropout_gradients_with_a_fixed_mask():
    rng = _rng()
    drop = Dropout(0.4, rng)
    x = rng.standard_normal((5, 6))
    keep = rng.random((5, 6)) > 0.4
    drop.set_mask(keep)
    y = drop.forward(x)
    np.testing.assert_allclose(y, np.where(keep, x / 0.6, 0.0))
    _check_layer(drop, x, drop.forward)
    drop.set_mask(None)
    assert not np.array_equal(drop.forward(x) != 0, keep)     # drawing again


def test_inverted_dropout_keeps_the_expected_activation():
    drop = Dropout(0.5, _rng())
    x = np.full((400, 500), 2.0)
    y = drop.forward(x, train=True)
    assert np.mean(y == 0) == pytest.approx(0.5, abs=0.01)
    assert y.mean() == pytest.approx(2.0, rel=0.01)          # kept units are scaled by 1 / (1 - p)
    drop.p = 0.2                                             # changed live
    y = drop.forward(x, train=True)
    assert np.mean(y == 0) == pytest.approx(0.2, abs=0.01)
    assert y.mean() == pytest.approx(2.0, rel=0.01)


def test_dropout_is_the_identity_at_evaluation_and_when_p_is_zero():
    x = _rng().standard_normal((3, 4))
    drop = Dropout(0.5, _rng())
    assert drop.forward(x, train=False) is x
    assert drop.backward(x) is x
    assert Dropout(0.0, _rng()).forward(x, train=True) is x


def test_dropout_same_seed_same_mask():
    x = np.ones((10, 10))
    a = Dropout(0.5, _rng(4)).forward(x)
    b = Dropout(0.5, _rng(4)).forward(x)
    np.testing.assert_array_equal(a, b)


def test_activation_layer_keeps_z_and_a_for_the_probes():
    layer = ActivationLayer(get_activation("relu"))
    z = np.array([[-1.0, 2.0]])
    a = layer.forward(z)
    assert layer.z is z and layer.a is a
    np.testing.assert_array_equal(a, [[0.0, 2.0]])
    np.testing.assert_array_equal(layer.backward(np.array([[5.0, 7.0]])), [[0.0, 7.0]])


def test_float32_stays_float32_through_every_layer():
    f32 = np.float32
    rng = _rng()
    x = rng.standard_normal((8, 6)).astype(f32)
    layers = [Dense(rng.standard_normal((6, 6)).astype(f32), np.zeros(6, f32)),
              BatchNorm(6, dtype=f32), LayerNorm(6, dtype=f32), Dropout(0.5, rng),
              ActivationLayer(get_activation("tanh")),
              Dense(rng.standard_normal((6, 12)).astype(f32), np.zeros(12, f32)),
              ActivationLayer(get_activation("maxout", pieces=2))]
    h = x
    for layer in layers:
        h = layer.forward(h)
        assert h.dtype == f32, type(layer).__name__
    d = np.ones_like(h)
    for layer in reversed(layers):
        d = layer.backward(d)
        assert d.dtype == f32, type(layer).__name__
        assert all(g.dtype == f32 for g in layer.grads.values())
    bn = layers[1]
    assert bn.running_mean.dtype == f32 and bn.running_var.dtype == f32
    assert bn.forward(x, train=False).dtype == f32
