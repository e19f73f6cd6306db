"""The probe pass and the Snapshot it feeds: pure, explicit, per unit, a picture of 64-D data."""
import math

import numpy as np
import pytest

from initlab import Config, Run
from initlab.core.probe import SATURATION_MARGIN, TINY

DIGITS = dict(dataset="digits", n_classes=10, n_samples=500)


def _probe_batch(run):
    return run.data.x_train[run.probe_index], run.data.y_train[run.probe_index]


def _state(run):
    """Everything a snapshot could disturb: parameters, gradients, caches, averages, streams."""
    m = run.model
    arrays = [a.copy() for layer in m.dense
              for a in (*layer.params.values(), *layer.grads.values())]
    arrays += [n.running_mean.copy() for n in m.norms if n is not None]
    arrays += [layer.z.copy() for layer in m.acts if layer.z is not None]
    streams = (run._batch_rng.bit_generator.state, m.drops[0].rng.bit_generator.state)
    return arrays, streams


def test_taking_a_snapshot_changes_nothing_in_the_run():
    run = Run(Config(norm="batch", dropout=0.3, width=16))
    run.step(5)
    arrays, streams = _state(run)
    run.snapshot()
    after, streams_after = _state(run)
    assert all(np.array_equal(a, b) for a, b in zip(arrays, after)) and len(arrays) == len(after)
    assert streams == streams_after


def test_one_input_feature_has_no_plane_and_says_why():
    from initlab.data.datasets import Data, Preprocessor
    rng = np.random.default_rng(0)
    x = rng.standard_normal((120, 1))
    y = (x[:, 0] > 0).astype(np.int64)
    data = Data(x_train=x[:100], y_train=y[:100], x_val=x[100:], y_val=y[100:],
                raw_train=x[:100], raw_val=x[100:], n_classes=2, input_dim=1,
                preprocessor=Preprocessor("none").fit(x[:100]), name="line")
    snap = Run(Config(n_classes=2, width=8), data=data).snapshot()
    assert snap.plane is None and "at least 2 input features" in snap.plane_reason
    assert "line" in snap.plane_reason and len(snap.layers) == 3


def test_run_probe_returns_the_probe_batch_measurements_in_the_runs_dtype():
    run = Run(Config(activation="tanh", depth=2, width=16))
    record = run.probe()
    assert record.dtype == np.float64 and len(record.z) == 2
    assert record.z[0].shape == (len(run.probe_index), 16)
    assert int(np.count_nonzero(np.all(record.z[0] <= 0, axis=0))) == \
        run.snapshot().layers[0].off_units


@pytest.mark.parametrize("fields", [
    dict(norm="batch", residual=True, activation="tanh"),
    dict(norm="layer", activation="maxout", maxout_pieces=3),
    dict(norm="none", activation="gelu", dropout=0.5),
    dict(norm="batch", activation="leaky_relu", dtype="float32"),
])
def test_the_probe_pass_returns_what_forward_and_backward_compute(fields):
    """The pure probe pass is the same mathematics as the gradient-checked layers."""
    run = Run(Config(depth=3, width=16, **fields))
    run.step(10)
    tight = dict(rtol=1e-10, atol=1e-12) if run.config.dtype == "float64" else \
        dict(rtol=1e-5, atol=1e-6)
    x, y = _probe_batch(run)
    record = run.model.probe(x, y)
    from initlab.nn.losses import softmax_cross_entropy
    scores = run.model.forward(x, "probe")
    loss, dscores, _ = softmax_cross_entropy(scores, y)
    run.model.backward(dscores)
    assert record.loss == pytest.approx(loss, rel=tight["rtol"])
    for i, layer in enumerate(run.model.acts):
        assert np.allclose(record.z[i], layer.z, **tight)
        assert np.allclose(record.a[i], layer.a, **tight)
        assert np.allclose(record.act_grad[i], run.model.act_grads[i], rtol=tight["rtol"],
                           atol=tight["atol"] * 1e-2)
        norm = float(np.linalg.norm(run.model.dense[i].grads["w"]))
        assert record.weight_grad_norm[i] == pytest.approx(norm, rel=tight["rtol"] * 10)


def test_float32_probe_shows_the_float64_numbers():
    run = Run(Config(depth=4, width=64, activation="tanh", init="xavier_normal"))
    run.step(100)
    snap = run.snapshot()                                  # probed in float32
    x, y = _probe_batch(run)
    exact = run.model.probe(x, y)                          # the run's own float64
    assert snap.loss == pytest.approx(exact.loss, rel=1e-5)
    for i, layer in enumerate(snap.layers):
        assert layer.act_std == pytest.approx(np.std(exact.a[i]), rel=1e-4)
        assert layer.act_grad_std == pytest.approx(np.std(exact.act_grad[i]), rel=1e-4)
        assert layer.grad_norm == pytest.approx(exact.weight_grad_norm[i], rel=1e-4)


def test_numbers_too_small_for_float32_are_measured_in_float64():
    # 20 tanh layers of N(0, 0.001^2) weights on 100 units: each layer shrinks the signal 100x
    run = Run(Config(depth=20, width=100, activation="tanh", init="gaussian", weight_std=1e-3))
    snap = run.snapshot()
    x, y = _probe_batch(run)
    exact = run.model.probe(x, y)
    assert np.std(exact.a[-1]) < TINY                      # far below float32's reach
    assert snap.layers[-1].act_std == pytest.approx(np.std(exact.a[-1]), rel=1e-6)
    assert snap.layers[-1].grad_norm == pytest.approx(exact.weight_grad_norm[-1], rel=1e-6)


def test_unit_arrays_count_units_and_agree_with_the_counts():
    run = Run(Config(dataset="spiral", depth=3, width=32, activation="relu", init="gaussian",
                     weight_std=0.5, lr=3.0, optimizer="sgd"))
    run.step(50)                                          # a rate this high kills some units
    for layer in run.snapshot().layers:
        assert layer.unit_active.shape == (32,) and layer.unit_active.dtype == np.float32
        assert 0 <= layer.unit_active.min() and layer.unit_active.max() <= 1
        assert layer.off_units == int(np.count_nonzero(layer.unit_active == 0))
        assert layer.dead_units == layer.off_units                  # ReLU: off means dead
        assert layer.dead_fraction == layer.dead_units / 32
        assert not layer.unit_saturated.any()                       # ReLU has no upper bound
    assert sum(layer.dead_units for layer in run.snapshot().layers) > 0


def test_maxout_counts_units_not_pieces():
    run = Run(Config(dataset="spiral", depth=2, width=64, activation="maxout", maxout_pieces=2))
    snap = run.snapshot()
    x, y = _probe_batch(run)
    a = run.model.probe(x, y).a[0]
    for layer in snap.layers:
        assert layer.unit_active.shape == (64,) and layer.off_units <= 64
        assert layer.dead_units == 0                                # maxout never dies
    assert np.allclose(snap.layers[0].unit_active, (a > 0).mean(axis=0))
    plane = snap.plane
    assert plane.unit_off.shape == (64,) and plane.max_active == 64
    assert plane.segments_x.shape == (128, 2)                       # one line per piece ...
    assert np.array_equal(plane.line_unit, np.arange(128) // 2)     # ... two per unit


def test_saturated_tanh_units_are_counted_per_unit():
    snap = Run(Config(dataset="digits", depth=4, width=100, activation="tanh", init="gaussian",
                      weight_std=1.0, n_samples=500)).snapshot()
    deep = snap.layers[-1]
    assert deep.unit_saturated.shape == (100,)
    assert deep.saturation == pytest.approx(float(deep.unit_saturated.mean()), abs=1e-6)
    assert deep.saturation > 0.8 and np.median(deep.unit_saturated) > 0.8
    assert SATURATION_MARGIN == 0.02


def test_digits_are_drawn_in_the_plane_of_their_two_main_directions():
    run = Run(Config(**DIGITS, width=32))
    snap = run.snapshot()
    plane, frame = snap.plane, run.data.frame
    assert snap.plane_reason == "" and plane.axis_labels == ("PC 1", "PC 2")
    assert "62" in plane.note and "mean" in plane.note
    x = run.data.x_train.astype(np.float64)
    eig = np.sort(np.linalg.eigvalsh(np.cov(x.T, bias=True)))[::-1]
    assert f"({eig[:2].sum() / eig.sum():.0%} of the variance)" in plane.note
    # the frame: through the training mean along the two largest-variance directions
    assert np.allclose(frame.origin, x.mean(axis=0))
    assert np.allclose(frame.axes @ frame.axes.T, np.eye(2), atol=1e-10)
    var = np.var((x - frame.origin) @ frame.axes.T, axis=0)
    assert np.allclose(var, eig[:2], rtol=1e-8)
    # points are the probe inputs projected; every training point lies inside the view
    xp, y = _probe_batch(run)
    assert np.allclose(plane.points, (xp - frame.origin) @ frame.axes.T, atol=1e-5)
    u0, u1, v0, v1 = plane.view
    uv = frame.project(x)
    assert u0 < uv[:, 0].min() and uv[:, 0].max() < u1 and v0 < uv[:, 1].min() < v1
    # a line's ends, lifted into 64-D, are where that unit's pre-activation is 0
    w, b = run.model.dense[0].params["w"], run.model.dense[0].params["b"]
    unit = np.flatnonzero(np.isfinite(plane.segments_x[:, 0]))[0]
    ends = frame.lift(np.stack([plane.segments_x[unit], plane.segments_y[unit]], axis=1))
    assert np.allclose(ends @ w[:, unit] + b[unit], 0, atol=1e-4)
    # the grid's classes are the network's predictions at the lifted grid points
    g = len(plane.grid_x)
    cell = frame.lift(np.array([[plane.grid_x[1], plane.grid_y[g - 2]]]))
    assert np.argmax(run.model.scores(cell)) == plane.grid_pred[g - 2, 1]


def test_the_digits_frame_is_the_same_every_time():
    a, b = Run(Config(**DIGITS)), Run(Config(**DIGITS, depth=5))
    assert np.array_equal(a.data.frame.axes, b.data.frame.axes)
    assert a.data.frame.view == b.data.frame.view


def test_two_d_data_is_drawn_as_it_is():
    run = Run(Config(dataset="moons", n_classes=2))
    plane = run.snapshot().plane
    assert plane.axis_labels == ("x1", "x2") and plane.note == ""
    xp, _ = _probe_batch(run)
    assert np.array_equal(plane.points, xp.astype(np.float32))


def test_a_diverged_run_still_gives_a_snapshot():
    run = Run(Config(lr=50.0, optimizer="sgd", init="gaussian", weight_std=3.0))
    run.step(30)
    snap = run.snapshot()
    assert run.status == "diverged" and len(snap.layers) == run.config.depth
    for layer in snap.layers:
        assert layer.act_hist.sum() + layer.act_outside <= 1.0 + 1e-5
    assert snap.plane is not None and not math.isnan(float(snap.plane.view[0]))


def test_leaky_relu_with_slope_zero_counts_its_off_units_dead_like_relu():
    """Slope 0 makes leaky ReLU a ReLU: the activation instance says it dies, and the probe
    counts what the ReLU run counts; with slope 0.01 an off unit still learns, so none is dead."""
    kw = dict(dataset="spiral", depth=3, width=32, init="gaussian", weight_std=0.5, lr=3.0,
              optimizer="sgd")
    runs = {name: Run(Config(**kw, **fields)) for name, fields in (
        ("relu", dict(activation="relu")),
        ("flat", dict(activation="leaky_relu", leaky_slope=0.0)),
        ("leaky", dict(activation="leaky_relu", leaky_slope=0.01)))}
    for run in runs.values():
        run.step(50)
    relu, flat, leaky = (runs[n].snapshot() for n in ("relu", "flat", "leaky"))
    assert flat.units_can_die and relu.units_can_die and not leaky.units_can_die
    for r, f in zip(relu.layers, flat.layers):
        assert f.off_units == r.off_units and f.dead_units == f.off_units
    assert sum(layer.dead_units for layer in flat.layers) > 0
    assert np.array_equal(flat.plane.unit_dead, relu.plane.unit_dead)
    assert all(layer.dead_units == 0 for layer in leaky.layers) and not leaky.plane.unit_dead.any()


# ---- neuron maps: every hidden unit over the decision boundary's grid --------------------------
def _grid_inputs(run, plane):
    """The boundary's grid points lifted into input space, row-major (row i = grid_y[i])."""
    uu, vv = np.meshgrid(plane.grid_x.astype(np.float64), plane.grid_y.astype(np.float64))
    return run.data.frame.lift(np.stack([uu.ravel(), vv.ravel()], axis=1)), uu.shape


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("fields", [dict(dataset="spiral", width=32),
                                    dict(dataset="moons", n_classes=2, activation="tanh",
                                         width=16),
                                    dict(**DIGITS, width=24, activation="sigmoid")])
def test_a_first_layer_map_is_the_first_layer_evaluated_by_hand_on_the_grid(fields, seed):
    run = Run(Config(**fields, seed=seed))
    run.step(10)
    snap = run.snapshot()
    pts, shape = _grid_inputs(run, snap.plane)
    d = run.model.dense[0].params
    z = pts @ d["w"] + d["b"]
    by_hand = {"relu": lambda v: np.maximum(v, 0), "tanh": np.tanh,
               "sigmoid": lambda v: 1 / (1 + np.exp(-v))}[run.config.activation](z)
    maps = snap.layers[0].unit_maps
    assert maps.dtype == np.float32 and maps.shape == (run.config.width, *shape)
    assert shape[0] >= 16
    assert np.allclose(maps, by_hand.T.reshape(maps.shape), rtol=1e-4, atol=1e-4)
    assert maps.std() > 0                                  # a picture, not a constant


@pytest.mark.parametrize("seed", range(5))
def test_deeper_maps_and_batch_norm_are_evaluated_in_test_mode(seed):
    run = Run(Config(norm="batch", width=12, depth=2, seed=seed))
    run.step(20)                                           # running averages away from 0 / 1
    snap = run.snapshot()
    pts, shape = _grid_inputs(run, snap.plane)
    h = pts
    for i in range(2):
        p, bn = run.model.dense[i].params, run.model.norms[i]
        z = h @ p["w"] + p["b"]
        z = (z - bn.running_mean) / np.sqrt(bn.running_var + bn.eps)    # eval mode: averages
        h = np.maximum(z * bn.params["gamma"] + bn.params["beta"], 0)
        maps = snap.layers[i].unit_maps
        assert np.allclose(maps, h.T.reshape(maps.shape), rtol=1e-4, atol=1e-4)
    assert not np.allclose(run.model.norms[1].running_mean, 0)


@pytest.mark.parametrize("activation", ["relu", "leaky_relu", "elu", "gelu", "tanh", "sigmoid",
                                        "maxout", "identity"])
def test_every_activation_has_a_map_per_unit_and_layer(activation):
    run = Run(Config(activation=activation, width=10, depth=3, maxout_pieces=3))
    snap = run.snapshot()
    g = len(snap.plane.grid_x)
    for stats in snap.layers:
        assert stats.unit_maps.shape == (10, g, g) and stats.unit_maps.dtype == np.float32
        assert np.isfinite(stats.unit_maps).all()
    if activation == "maxout":                             # a unit's output: its largest piece
        pts, _ = _grid_inputs(run, snap.plane)
        d = run.model.dense[0].params
        z = (pts @ d["w"] + d["b"]).reshape(len(pts), 10, 3).max(axis=2)
        assert np.allclose(snap.layers[0].unit_maps, z.T.reshape(10, g, g), atol=1e-4)


def test_a_wide_net_still_gets_a_grid_of_sixteen_and_the_budget_counts_its_maps():
    from initlab.core import budget
    run = Run(Config(**DIGITS, depth=10, width=500, activation="tanh"))
    snap = run.snapshot()
    assert len(snap.plane.grid_x) == 16 and snap.layers[9].unit_maps.shape == (500, 16, 16)
    cost = budget.estimate(run.config)
    held = sum(s.unit_maps.nbytes for s in snap.layers) / budget.MB
    assert cost.parts["maps"] == pytest.approx(held)


def test_no_plane_no_maps():
    from initlab.data.datasets import Data, Preprocessor
    x = np.random.default_rng(0).standard_normal((60, 1))
    y = (x[:, 0] > 0).astype(np.int64)
    data = Data(x_train=x, y_train=y, x_val=x[:10], y_val=y[:10], raw_train=x, raw_val=x[:10],
                n_classes=2, input_dim=1, preprocessor=Preprocessor("none").fit(x), name="line")
    snap = Run(Config(n_classes=2, width=8), data=data).snapshot()
    assert all(s.unit_maps is None for s in snap.layers)
