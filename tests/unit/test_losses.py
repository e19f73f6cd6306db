"""Softmax cross-entropy and weight penalties: values, gradients, stability."""
import math

import numpy as np
import pytest

from initlab.nn.gradcheck import numeric_gradient, rel_error
from initlab.nn.losses import l1_penalty, l2_penalty, softmax_cross_entropy


def test_softmax_cross_entropy_gradient():
    rng = np.random.default_rng(0)
    scores, y = rng.standard_normal((6, 4)) * 2, rng.integers(0, 4, 6)
    loss, dscores, probs = softmax_cross_entropy(scores, y)
    assert isinstance(loss, float)
    num = numeric_gradient(lambda s: softmax_cross_entropy(s, y)[0], scores)
    assert rel_error(dscores, num) < 1e-7
    np.testing.assert_allclose(probs.sum(axis=1), 1.0)


def test_softmax_cross_entropy_known_value():
    scores = np.array([[0.0, math.log(3.0)]])                 # probabilities 1/4, 3/4
    loss, dscores, probs = softmax_cross_entropy(scores, np.array([1]))
    assert loss == pytest.approx(-math.log(0.75))
    np.testing.assert_allclose(probs, [[0.25, 0.75]])
    np.testing.assert_allclose(dscores, [[0.25, -0.25]])


def test_initial_loss_is_about_ln_of_the_number_of_classes():
    scores = np.random.default_rng(1).standard_normal((500, 10)) * 1e-3
    loss, _, _ = softmax_cross_entropy(scores, np.zeros(500, int))
    assert loss == pytest.approx(math.log(10), rel=1e-3)


def test_softmax_cross_entropy_is_stable_for_huge_scores():
    scores = np.array([[1e4, 0.0, -1e4], [-1e4, 1e4, 0.0]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        loss, dscores, probs = softmax_cross_entropy(scores, np.array([1, 1]))
    assert loss == pytest.approx(1e4 / 2)                    # first row pays 1e4, second 0
    assert np.isfinite(dscores).all() and np.isfinite(probs).all()


def test_softmax_cross_entropy_float32_stays_float32():
    scores = np.zeros((3, 5), np.float32)
    _, dscores, probs = softmax_cross_entropy(scores, np.array([0, 1, 2]))
    assert dscores.dtype == np.float32 and probs.dtype == np.float32


def test_l1_penalty_value_and_gradient():
    rng = np.random.default_rng(2)
    ws = [rng.standard_normal((3, 4)), rng.standard_normal((4, 2))]
    value, grads = l1_penalty(ws, 0.3)
    assert value == pytest.approx(0.3 * sum(np.abs(w).sum() for w in ws))
    for w, g in zip(ws, grads):
        assert rel_error(g, numeric_gradient(lambda _: l1_penalty(ws, 0.3)[0], w)) < 1e-7
        np.testing.assert_array_equal(g, 0.3 * np.sign(w))


def test_l2_penalty_value_and_gradient():
    rng = np.random.default_rng(3)
    ws = [rng.standard_normal((3, 4)), rng.standard_normal((4, 2))]
    value, grads = l2_penalty(ws, 0.3)
    assert value == pytest.approx(0.15 * sum((w * w).sum() for w in ws))
    for w, g in zip(ws, grads):
        assert rel_error(g, numeric_gradient(lambda _: l2_penalty(ws, 0.3)[0], w)) < 1e-7
        np.testing.assert_allclose(g, 0.3 * w)


def test_penalties_keep_float32():
    w = [np.ones((2, 2), np.float32)]
    assert l1_penalty(w, 0.1)[1][0].dtype == np.float32
    assert l2_penalty(w, 0.1)[1][0].dtype == np.float32
    assert l2_penalty(w, 0.1)[0] == pytest.approx(0.2)
