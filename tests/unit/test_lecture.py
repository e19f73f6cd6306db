"""The lecture's claims, each as a number the core must reproduce.

Deep-network initialisation experiments follow CS231n lecture 6: 10 hidden layers of 500 units
on standardised inputs (the 8x8 digits: 64 features, like the lecture's many-dimensional input),
looking at the activation statistics layer by layer.
"""
import math

import numpy as np
import pytest

from initlab import Config, Run
from initlab.core.checks import initial_loss, overfit_tiny_subset

DEEP = dict(depth=10, width=500, dataset="digits", n_classes=10, n_samples=600,
            preprocessing="standardize")


def act_std(**fields):
    snap = Run(Config(**{**DEEP, **fields})).snapshot()
    return snap.column("act_std"), snap


def test_small_init_collapses_deep_tanh_activations():
    std, snap = act_std(activation="tanh", init="gaussian", weight_std=0.01)
    assert std[-1] < 1e-4 * std[0]            # orders of magnitude smaller by the last layer
    assert np.all(np.diff(std) < 0)          # shrinking at every layer
    centre = len(snap.act_edges) // 2 - 1
    assert snap.layers[-1].act_hist[centre:centre + 2].sum() == pytest.approx(1.0)


def test_large_init_saturates_most_tanh_units():
    _, snap = act_std(activation="tanh", init="gaussian", weight_std=1.0)
    assert all(layer.saturation > 0.8 for layer in snap.layers[1:])
    hist = snap.layers[-1].act_hist
    assert hist[0] + hist[-1] > 0.8          # mass piled at -1 and +1


def test_xavier_keeps_tanh_activations_spread_across_depth():
    std, snap = act_std(activation="tanh", init="xavier_normal")
    assert std[-1] > 0.15 and std[-1] > 0.4 * std[0]
    assert max(layer.saturation for layer in snap.layers) < 0.05


def test_xavier_halves_relu_variance_per_layer_and_he_keeps_it():
    xavier, _ = act_std(activation="relu", init="xavier_normal")
    he, _ = act_std(activation="relu", init="he_normal")
    per_layer = (xavier[-1] / xavier[0]) ** (1 / 9)
    assert per_layer == pytest.approx(1 / math.sqrt(2), rel=0.1)   # variance halves per layer
    assert he[-1] / he[0] == pytest.approx(1.0, abs=0.5)


def test_zero_init_leaves_all_hidden_units_identical_after_training():
    run = Run(Config(init="zeros", activation="tanh", depth=2, width=16, optimizer="sgd", lr=0.5))
    run.step(50)
    for dense in run.model.dense[:-1]:
        w = dense.params["w"]
        assert np.allclose(w, w[:, :1])                   # every unit has the same weights


def test_initial_loss_is_close_to_ln_c():
    loss, expected = initial_loss(Config(dataset="spiral", n_classes=5, init="gaussian",
                                         weight_std=0.01))
    assert expected == pytest.approx(math.log(5))
    assert loss == pytest.approx(expected, rel=0.01)


def test_a_tiny_subset_is_overfit_to_full_training_accuracy():
    run = overfit_tiny_subset(Config(dataset="digits", n_classes=10, depth=2, width=64), 20, 300)
    assert run.accuracy("train") == 1.0
    assert run.history.loss[-1] < 1e-3
    assert run.accuracy("val") < 0.9              # memorised, not learned: it does not generalise


def test_adding_l2_raises_the_loss_at_init():
    plain = Run(Config(l2=0.0)).loss()
    regularised = Run(Config(l2=0.1)).loss()
    assert regularised > plain + 0.1


def test_dropout_is_the_identity_at_evaluation():
    run = Run(Config(dropout=0.5, depth=2, width=32))
    x = run.data.x_val
    a = run.model.forward(x, "eval")
    b = run.model.forward(x, "eval")
    assert np.array_equal(a, b)
    assert run.model.drops[0].mask is None


def test_batch_norm_uses_running_statistics_at_evaluation():
    run = Run(Config(norm="batch", depth=2, width=32))
    run.step(30)
    bn = run.model.norms[0]
    x = run.data.x_val[:1]                   # a batch of one has no usable batch statistics
    run.model.forward(x, "eval")
    z = run.model.dense[0].x @ run.model.dense[0].params["w"] + run.model.dense[0].params["b"]
    expected = (z - bn.running_mean) / np.sqrt(bn.running_var + bn.eps) * bn.params["gamma"] \
        + bn.params["beta"]
    assert np.allclose(run.model.acts[0].z, expected)
    assert not np.allclose(bn.running_var, 1.0)          # running averages did move


def test_batch_norm_rescues_a_badly_initialised_deep_net():
    bad = dict(depth=8, width=64, activation="tanh", init="gaussian", weight_std=0.01,
               optimizer="momentum", lr=0.05)
    without = Run(Config(**bad))
    with_bn = Run(Config(**bad, norm="batch"))
    without.step(300)
    with_bn.step(300)
    assert without.accuracy("val") < 0.4                 # stuck at chance (1/3)
    assert with_bn.accuracy("val") > 0.8
    assert with_bn.snapshot().layers[-1].act_std > 100 * without.snapshot().layers[-1].act_std


def test_batch_norm_allows_a_higher_learning_rate():
    fast = dict(depth=6, width=64, activation="relu", optimizer="sgd", lr=1.0, momentum=0.0)
    plain = Run(Config(**fast))
    normed = Run(Config(**fast, norm="batch"))
    plain.step(200)
    normed.step(200)
    assert plain.diverged or plain.accuracy("val") < 0.5
    assert not normed.diverged and normed.accuracy("val") > 0.8


def test_a_very_high_learning_rate_ends_in_diverged_status_not_an_error():
    run = Run(Config(optimizer="sgd", lr=50.0, momentum=0.0))
    done = run.step(200)
    assert run.status == "diverged" and run.diverged_at is not None
    assert done < 200
    assert "lower the learning rate" in run.message
    assert run.step(10) == 0                             # stays stopped, still no exception
    run.snapshot()                                        # and can still be looked at


def test_leaky_relu_has_no_dead_units_where_relu_has_many():
    # a learning rate that is far too high knocks ReLU units off the data cloud
    kill = dict(dataset="spiral", depth=2, width=64, optimizer="sgd", lr=3.0, momentum=0.9,
                grad_clip=5.0, clip_mode="norm")
    relu = Run(Config(**kill, activation="relu"))
    relu.step(150)
    dead = relu.snapshot().layers[0].dead_units
    assert dead >= 8
    leaky = Run(Config(**kill, activation="leaky_relu"))
    leaky.step(150)
    stats = leaky.snapshot().layers[0]
    assert stats.off_units >= 8                          # knocked off the data cloud too ...
    assert stats.dead_units == 0                         # ... but a leaky unit still gets gradient
    assert not leaky.snapshot().plane.unit_dead.any()
    fresh = Run(Config(dataset="spiral", depth=2, width=64)).snapshot().layers[0].dead_units
    assert fresh <= 2
