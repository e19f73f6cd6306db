"""Run: determinism, live changes versus rebuilds, history, snapshots."""
import math
import time
import types

import numpy as np
import pytest

from initlab import Config, Run
from initlab.core import run as run_module
from initlab.core.snapshot import Snapshot


def test_same_config_gives_the_same_numbers():
    a, b = Run(Config(dropout=0.2)), Run(Config(dropout=0.2))
    a.step(40)
    b.step(40)
    assert a.history.loss == b.history.loss
    assert np.array_equal(a.snapshot().layers[0].act_hist, b.snapshot().layers[0].act_hist)


def test_a_different_seed_gives_different_weights():
    a, b = Run(Config(seed=0)), Run(Config(seed=1))
    assert not np.allclose(a.model.weights[0], b.model.weights[0])


def test_default_config_trains_a_good_model_on_the_default_dataset():
    run = Run(Config())
    run.step(1500)
    assert run.status == "ok"
    assert run.accuracy("val") > 0.9
    assert run.history.loss[-1] < 0.3 * run.history.loss[0]


def test_history_records_loss_every_step_and_accuracy_every_eval():
    run = Run(Config(), eval_every=10)
    run.step(35)
    h = run.history
    assert h.steps == list(range(1, 36)) and len(h.loss) == 35 and len(h.lr) == 35
    assert h.eval_steps == [10, 20, 30]
    assert all(0 <= acc <= 1 for acc in h.train_acc + h.val_acc)
    assert h.update_ratio[-1].shape == (Config().depth + 1,)
    x, y = h.series("loss", max_points=10)                  # every 4th step, and the last
    assert list(x) == [1, 5, 9, 13, 17, 21, 25, 29, 33, 35] and y.dtype == np.float32
    np.testing.assert_array_equal(y, np.float32(h.loss)[[0, 4, 8, 12, 16, 20, 24, 28, 32, 34]])


def test_a_thinned_curve_keeps_its_points_while_it_grows():
    run = Run(Config())
    run.step(700)
    before, _ = run.history.series("loss", 300)
    run.step(3)
    after, _ = run.history.series("loss", 300)
    assert 150 <= len(before) <= 300 and 150 <= len(after) <= 300
    assert set(before[:-1]) <= set(after)        # no point moves; only the end grows


def test_live_changes_keep_the_model_and_the_history():
    run = Run(Config())
    run.step(20)
    w = run.model.weights[0].copy()
    assert run.apply(run.config.replace(lr=0.001, l2=0.01, optimizer="sgd", dropout=0.3)) == "adjusted"
    assert run.step_count == 20 and len(run.history.loss) == 20
    assert np.array_equal(run.model.weights[0], w)
    assert run.model.drops[0].p == 0.3
    run.step(1)
    assert run.history.lr[-1] == pytest.approx(0.001)


def test_architecture_init_data_or_seed_changes_rebuild():
    run = Run(Config())
    run.step(5)
    for change in ({"depth": 4}, {"init": "xavier_normal"}, {"dataset": "moons", "n_classes": 2},
                   {"seed": 3}, {"norm": "batch"}):
        run.step(5)
        assert run.apply(run.config.replace(**change)) == "rebuilt"
        assert run.step_count == 0 and len(run.history) == 0
    assert run.apply(run.config) == "unchanged"


def test_reset_recovers_from_divergence_with_the_same_numbers():
    cfg = Config(optimizer="sgd", lr=50.0, momentum=0.0)
    run = Run(cfg)
    run.step(100)
    assert run.diverged
    run.apply(cfg.replace(lr=0.05))
    run.reset()
    assert run.status == "ok" and run.message == "" and run.step_count == 0
    run.step(50)
    assert run.status == "ok"
    fresh = Run(cfg.replace(lr=0.05))
    fresh.step(50)
    assert fresh.history.loss == run.history.loss


class StepClock:
    """A clock that moves `tick` seconds each time it is read: step_for reads it once to set its
    deadline and once after every step, so each step "takes" one tick."""

    def __init__(self, tick: float) -> None:
        self.now, self.tick = 0.0, tick

    def perf_counter(self) -> float:
        self.now += self.tick
        return self.now


@pytest.mark.parametrize("seconds, tick, steps", [(1.0, 0.25, 4), (1.0, 0.5, 2), (0.75, 0.25, 3),
                                                  (2.0, 0.125, 16), (0.0, 0.25, 1)])
def test_step_for_stops_at_the_first_step_past_its_time_budget(monkeypatch, seconds, tick, steps):
    clock = StepClock(tick)
    monkeypatch.setattr(run_module, "time", types.SimpleNamespace(perf_counter=clock.perf_counter))
    # (ticks of a power of two: the deadline sums are exact)
    run = Run(Config())
    done = run.step_for(seconds)
    assert done == run.step_count == steps           # at least one step, none after the deadline
    assert clock.now >= clock.tick + seconds         # it stopped only once the time was up
    assert run.step_for(seconds, max_steps=2) == min(2, steps)


def test_step_for_trains_until_its_time_is_up():
    run = Run(Config())
    start = time.perf_counter()
    done = run.step_for(0.1)
    assert time.perf_counter() - start >= 0.1        # never returns early (no max_steps given)
    assert done == run.step_count and len(run.history.loss) == done > 1


def test_snapshot_is_plain_arrays_with_fixed_edges():
    run = Run(Config(activation="tanh"))
    snap = run.snapshot()
    assert isinstance(snap, Snapshot)
    assert snap.act_edges[0] == -1 and snap.act_edges[-1] == 1
    assert len(snap.layers) == run.config.depth
    layer = snap.layers[0]
    assert layer.act_hist.dtype == np.float32
    assert layer.act_hist.sum() + layer.act_outside == pytest.approx(1.0, abs=1e-5)
    assert math.isnan(layer.update_ratio)                  # no step taken yet
    run.step(1)
    snap2 = run.snapshot()
    assert snap2 is not snap and snap2.step == 1 and snap2.layers[0].update_ratio > 0
    assert run.snapshot() is snap2                         # cached until the run changes


def test_snapshot_does_not_change_the_model():
    run = Run(Config(norm="batch", dropout=0.5))
    run.step(3)
    before = run.model.norms[0].running_mean.copy()
    run.snapshot()
    assert np.array_equal(run.model.norms[0].running_mean, before)
    a, b = Run(Config(norm="batch", dropout=0.5)), Run(Config(norm="batch", dropout=0.5))
    a.snapshot()
    a.step(10)
    b.step(10)
    assert a.history.loss == b.history.loss               # looking never alters training


def test_plane_has_hyperplanes_dead_units_and_the_decision_grid():
    run = Run(Config(dataset="spiral", width=32))
    plane = run.snapshot().plane
    n = len(run.probe_index)
    assert plane.points.shape == (n, 2) and plane.active_count.shape == (n,)
    assert plane.segments_x.shape == (32, 2) and plane.unit_dead.shape == (32,)
    g = len(plane.grid_x)
    assert plane.grid_pred.shape == (g, g) and 0 <= plane.grid_pred.min() <= plane.grid_pred.max() < 3
    assert plane.active_count.max() <= plane.max_active == 32
    # the hyperplane really is where the unit's pre-activation changes sign
    visible = np.flatnonzero(np.isfinite(plane.segments_x[:, 0]))
    u = visible[0]
    w, b = run.model.dense[0].params["w"], run.model.dense[0].params["b"]
    ends = np.stack([plane.segments_x[u], plane.segments_y[u]], axis=1)
    assert np.allclose(ends @ w[:, u] + b[u], 0, atol=1e-4)
    side = plane.active_side[u]
    assert side @ w[:, u] + b[u] > 0


@pytest.mark.parametrize("fields", [dict(dataset="spiral", width=32),
                                    dict(dataset="moons", n_classes=2, norm="batch", width=16),
                                    dict(activation="maxout", maxout_pieces=3, width=8),
                                    dict(dataset="digits", n_classes=10, width=24)])
def test_units_on_over_the_grid_are_the_first_layer_evaluated_at_each_grid_point(fields):
    run = Run(Config(**fields))
    run.step(10)
    plane = run.snapshot().plane
    from initlab.data.plane import plane_frame
    frame = plane_frame(run.data.x_train)
    uu, vv = np.meshgrid(plane.active_x.astype(np.float64), plane.active_y.astype(np.float64))
    lifted = frame.lift(np.stack([uu.ravel(), vv.ravel()], axis=1))    # into input space
    x = run.data.x_train[run.probe_index]
    from initlab.core.probe import first_layer_lines
    w, b = first_layer_lines(run.model, x)            # batch norm folded in, as for the lines
    z = lifted @ w + b
    k = run.model.activation.fan_out_factor
    on = (z.reshape(len(z), -1, k).max(axis=2) if k > 1 else z) > 0
    expected = on.sum(axis=1).reshape(uu.shape)
    assert plane.grid_active.shape == uu.shape and plane.grid_active.max() <= plane.max_active
    close = np.abs(z).reshape(*uu.shape, -1).min(axis=2) < 1e-6     # a grid point on a line
    assert np.array_equal(plane.grid_active[~close], expected[~close])
    assert 0 < plane.grid_active.max()
    assert (plane.active_x[0], plane.active_x[-1]) == (plane.grid_x[0], plane.grid_x[-1])
    assert len(plane.active_x) == min(30, len(plane.grid_x))      # coarser than the boundary


def test_batch_norm_hyperplanes_include_the_normalisation():
    run = Run(Config(dataset="moons", n_classes=2, norm="batch", width=16))
    run.step(20)
    plane = run.snapshot().plane
    x, y = run.data.x_train[run.probe_index], run.data.y_train[run.probe_index]
    z = run.model.probe(x, y).z[0]                 # probe-mode pre-activations, after batch norm
    assert np.array_equal((z > 0).sum(axis=1), plane.active_count)
    from initlab.core.probe import first_layer_lines
    w, b = first_layer_lines(run.model, x)
    assert np.allclose(x @ w + b, z, atol=1e-8)


def test_float32_runs_stay_float32():
    run = Run(Config(dtype="float32", norm="batch"))
    run.step(5)
    assert all(w.dtype == np.float32 for w in run.model.weights)
    assert run.data.x_train.dtype == np.float32


def test_a_live_change_keeps_the_snapshot_because_it_measures_the_same_numbers():
    run = Run(Config())
    run.step(3)
    snap = run.snapshot()
    run.apply(run.config.replace(lr=0.5, l2=0.1, dropout=0.5))
    assert run.snapshot() is snap
    run.weights_changed()                          # a fresh measurement of the same weights
    again = run.snapshot()
    assert again.loss == snap.loss
    assert np.array_equal(again.layers[-1].act_hist, snap.layers[-1].act_hist)


def test_values_outside_the_bins_are_counted_apart_not_piled_into_the_edge_bin():
    # N(0, 1) weights in a deep ReLU net: activations grow far past the histogram's top (3)
    snap = Run(Config(activation="relu", init="gaussian", weight_std=1.0, depth=4)).snapshot()
    last = snap.layers[-1]
    assert last.act_outside > 0.3 and last.act_above == pytest.approx(last.act_outside)
    assert last.act_hist.sum() + last.act_outside == pytest.approx(1.0, abs=1e-5)
    assert last.act_hist[-1] < 0.1                          # no false pile at the edge


@pytest.mark.parametrize("seed", range(5))
def test_a_live_switch_to_adam_starts_fresh_and_its_first_step_has_size_lr(seed):
    """Adam's bias correction counts Adam's own steps: its first step after a switch moves every
    weight by lr (m_hat / sqrt(v_hat) = dw / |dw|), not by the 1.35 lr that the run's step 301
    would give."""
    run = Run(Config(optimizer="sgd", lr=0.1, momentum=0.0, seed=seed))
    run.step(300)
    before = [w.copy() for w in run.model.weights]
    assert run.apply(run.config.replace(optimizer="adam", lr=1e-3)) == "adjusted"
    assert run.opt_state == {}
    run.step(1)
    for old, new in zip(before, run.model.weights):
        moved = np.abs(new - old)
        moved = moved[moved > 0]
        assert moved.max() <= 1e-3 * (1 + 1e-6)
        assert np.median(moved) == pytest.approx(1e-3, rel=1e-3)
    assert set(run.opt_state["dense0.w"]) == {"m", "v"}


def test_a_step_out_of_memory_frees_every_array_the_step_kept(monkeypatch):
    run = Run(Config(norm="batch", dropout=0.2, depth=3))
    before = {id(layer): {k for k, v in vars(layer).items() if isinstance(v, np.ndarray)}
              for layer in [*run.model.dense, *run.model.norms, *run.model.acts,
                            *run.model.drops]}
    run.step(2)                                    # forward and backward fill the caches
    assert all(a is not None for a in run.model.act_grads)

    def no_memory():
        raise MemoryError
    monkeypatch.setattr(run, "train_step", no_memory)
    run.step(1)
    assert run.status == "out_of_memory"
    for layer in [*run.model.dense, *run.model.norms, *run.model.acts, *run.model.drops]:
        kept = {k for k, v in vars(layer).items() if isinstance(v, np.ndarray)}
        assert kept == before[id(layer)], type(layer).__name__      # parameters, not caches
    assert run.model.act_grads == [None] * 3


def test_a_hand_edit_of_the_weights_is_measured_by_the_next_snapshot():
    from initlab.lessons import demos
    run = Run(Config(depth=2, width=16))
    before = run.snapshot()
    demos.push_off_cloud(run, np.arange(16))              # every first-layer unit off the cloud
    after = run.snapshot()
    assert after is not before
    assert before.layers[0].dead_fraction < 0.5 and after.layers[0].dead_fraction == 1.0
