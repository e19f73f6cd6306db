"""Hand-made Snapshots and Histories for panel tests (no Run needed), and a small Lab factory."""
from __future__ import annotations

import html
import math

import numpy as np
import pytest

from initlab.core.config import Config
from initlab.core.run import Run
from initlab.core.snapshot import History, LayerStats, Plane, Snapshot
from initlab.ui.panels.base import RunView, run_views

BINS = 40


def make_snapshot(depth: int = 3, activation: str = "tanh", hist_bin: int | None = None,
                  plane: bool = True, units: int = 4, n_classes: int = 3, step: int = 0,
                  dead: tuple = (1,), grad_norms: list | None = None) -> Snapshot:
    """A Snapshot with `depth` layers; each layer's histogram puts all mass in `hist_bin`
    (default: layer i in bin i) and layer i has act_mean = i / 10, act_std = 1 + i / 10."""
    edges = np.linspace(-1, 1, BINS + 1).astype(np.float32)
    layers = []
    for i in range(depth):
        hist = np.zeros(BINS, np.float32)
        hist[i if hist_bin is None else hist_bin] = 1.0
        layers.append(LayerStats(
            index=i, act_mean=i / 10, act_std=1 + i / 10, act_hist=hist, act_outside=0.0,
            act_above=0.0, saturation=0.0, unit_active=np.full(units, 0.5, np.float32),
            unit_saturated=np.zeros(units, np.float32), off_units=0, dead_units=0,
            dead_fraction=0.0,
            weight_std=0.1, grad_norm=(grad_norms[i] if grad_norms else 10.0 ** -i),
            act_grad_std=1e-3, update_ratio=math.nan))
    p = None
    if plane:
        g = 5
        # neuron maps over the grid: unit u of layer i rises along x, (u + 1) / units high
        ramp = np.linspace(-1, 1, g, dtype=np.float32)
        for i, stats in enumerate(layers):
            stats.unit_maps = (np.tile(ramp, (g, 1))[None] * ((np.arange(units) + 1) / units)
                               [:, None, None] * (i + 1)).astype(np.float32)
        unit_dead = np.zeros(units, bool)
        unit_dead[list(dead)] = True
        seg = np.tile(np.array([[-1.0, 1.0]], np.float32), (units, 1))
        seg[-1] = np.nan                             # the last unit's line misses the view
        side = np.zeros((units, 2), np.float32)
        side[-1] = np.nan
        p = Plane(points=np.array([[0.0, 0.0], [0.5, -0.5], [-0.5, 0.5]], np.float32),
                  labels=np.array([0, 1, 2]), active_count=np.array([0, 2, 4]),
                  segments_x=seg, segments_y=seg.copy(),
                  active_side=side, line_unit=np.arange(units), unit_off=unit_dead.copy(),
                  unit_dead=unit_dead if activation == "relu" else np.zeros(units, bool),
                  view=(-1.0, 1.0, -2.0, 2.0),
                  grid_x=np.linspace(-1, 1, g).astype(np.float32),
                  grid_y=np.linspace(-2, 2, g).astype(np.float32),
                  grid_pred=np.arange(g * g).reshape(g, g) % n_classes,
                  grid_conf=np.full((g, g), 1.0, np.float32), max_active=units,
                  grid_active=np.arange(g * g).reshape(g, g) % (units + 1),
                  active_x=np.linspace(-1, 1, g).astype(np.float32),
                  active_y=np.linspace(-2, 2, g).astype(np.float32))
    return Snapshot(step=step, status="ok", message="", activation=activation,
                    units_can_die=activation == "relu",
                    n_classes=n_classes, loss=1.1, expected_initial_loss=math.log(n_classes),
                    act_edges=edges, layers=layers, plane=p,
                    plane_reason="" if plane else "needs 2-D inputs")


def make_history(steps: int = 20, layers: int = 4, eval_every: int = 5) -> History:
    """A History whose loss falls as 1 / step and whose update ratios are 1e-3 * (layer + 1)."""
    h = History()
    for t in range(1, steps + 1):
        h.steps.append(t)
        h.loss.append(1.0 / t)
        h.lr.append(0.01)
        h.update_ratio.append(np.array([1e-3 * (i + 1) for i in range(layers)], np.float32))
        if t % eval_every == 0:
            h.eval_steps.append(t)
            h.train_acc.append(t / steps)
            h.val_acc.append(t / (2 * steps))
            h.val_loss.append(1.0 / t)
    return h


def views(*runs: tuple[Snapshot, History]) -> list[RunView]:
    """What a panel's update() takes for these (snapshot, history) runs, as the Lab makes it:
    one run untagged, several tagged A, B, ..."""
    return run_views(list(runs))


@pytest.fixture
def snapshot_factory():
    return make_snapshot


@pytest.fixture
def history_factory():
    return make_history


def ridge_heights(panel) -> np.ndarray:
    """(rows, bins) heights of the ridgeline's step curves above their baselines, top row first
    (what the Lines mark holds: each curve starts on its baseline, then two points per bin)."""
    y = np.atleast_2d(panel.curves.y)
    return y[:, 1:-1:2] - y[:, :1]


def shares(heights: np.ndarray) -> np.ndarray:
    """Heights as shares of their row's total (a drawn row's shape, whatever its scale)."""
    total = heights.sum(axis=-1, keepdims=True)
    return np.divide(heights, total, out=np.zeros_like(heights), where=total > 0)


def marks_of(panel) -> list:
    """Every mark of the panel's figures on screen now."""
    return [m for fig in panel.figures() for m in fig.marks]


# ---- driving a Lab as the browser would ---------------------------------------------------


def notice(lab) -> str:
    return html.unescape(lab.status.notice.value)


def timer_fires(lab) -> None:
    """What the browser does when the coalescing timer runs out."""
    if lab.coalescer.timer.playing:
        lab.coalescer.timer.playing = False


def tick(lab, n: int = 1) -> None:
    """What the browser's Play does every interval while playing (at full speed: each tick
    trains for a time budget; test_pace.py tests the set speeds)."""
    lab.pace.speed = None
    for _ in range(n):
        lab.player.timer.value += 1


def loss_end(lab) -> float:
    """The last step of the training-loss curve (row 0 of the loss mark; row 1 is validation)."""
    x = np.atleast_2d(lab.panels["loss"].loss.x)[0]
    x = x[np.isfinite(x)]
    return float(x[-1]) if len(x) else 0.0


def histogram_bars(lab, layer: int) -> np.ndarray:
    """Layer `layer`'s drawn histogram as shares of its row (one row per layer, one run)."""
    return shares(ridge_heights(lab.panels["histograms"]))[layer]


def assert_panels_match(lab, config: Config) -> None:
    """Every panel's marks hold what a fresh Run of `config` gives (no steps taken)."""
    snap = Run(config).snapshot()
    assert ridge_heights(lab.panels["histograms"]).shape[0] == config.depth
    for i, stats in enumerate(snap.layers):
        inside = stats.act_hist.sum()
        expected = stats.act_hist / inside if inside > 0 else stats.act_hist
        np.testing.assert_allclose(histogram_bars(lab, i), expected, atol=1e-6)
    np.testing.assert_allclose(lab.panels["depth"].forward.y[1], snap.column("act_std"),
                               rtol=1e-5)
    if snap.plane is not None:
        np.testing.assert_allclose(lab.panels["boundary"].regions.x, snap.plane.grid_x)
        units = len(snap.plane.unit_dead)
        shade = lab.panels["dead_relu"].counts.color
        np.testing.assert_array_equal(shade == -1, snap.plane.grid_active == 0)
        on = snap.plane.grid_active > 0
        np.testing.assert_allclose(shade[on], snap.plane.grid_active[on] / units, rtol=1e-6)
