"""A day of Play keeps the kernel's memory flat (issue 15): the training history thins itself as
it grows, and the curves drawn from it still span the whole run."""
from __future__ import annotations

import math
import tracemalloc

import numpy as np

from initlab import Config, Run
from initlab.core.snapshot import DENSE, RECENT, History, _on_grid


def fill(h: History, start: int, stop: int, layers: int = 3) -> None:
    """Record steps start..stop-1 as Run does (a loss, a rate, a ratio array; accuracy every
    eval_every steps)."""
    ratio = np.full(layers, 1e-3, np.float32)
    for t in range(start, stop):
        h.record(t, 1.0 / t, 0.01, ratio.copy())
        if t % h.eval_every == 0:
            h.record_eval(t, 0.5, 0.4, 2.0 / t)


def bound(steps: int) -> int:
    """Records kept after `steps` steps at most: DENSE per doubling past DENSE, the RECENT tail,
    and up to DENSE not yet thinned (thinning runs every DENSE records)."""
    return int(DENSE * (1 + max(0.0, math.log2(steps / DENSE)))) + RECENT + DENSE


def test_a_long_history_keeps_a_bounded_number_of_points_and_bytes():
    h = History()
    tracemalloc.start()
    try:
        fill(h, 1, 2**15 + 1)
        size_15 = tracemalloc.get_traced_memory()[0]
        fill(h, 2**15 + 1, 2**17 + 1)            # four times as many steps ...
        size_17 = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert len(h) <= bound(2**17) and len(h.eval_steps) <= bound(2**17 // 10)
    assert len(h.loss) == len(h.lr) == len(h.update_ratio) == len(h)
    assert len(h.train_acc) == len(h.val_acc) == len(h.val_loss) == len(h.eval_steps)
    # ... add two doublings' worth of records (2 x DENSE), not 3 x 2^15 at ~250 bytes each
    # (measured: 1.6 MB -> 2.2 MB; every step kept would be ~33 MB at 2^17)
    assert size_17 - size_15 < 1_000_000 and size_17 < 3_000_000
    # what is kept is what was recorded at those steps
    assert h.loss == [1.0 / t for t in h.steps] and h.steps == sorted(set(h.steps))
    assert h.val_loss == [2.0 / t for t in h.eval_steps]


def test_the_curves_still_span_the_whole_run_and_the_recent_steps_stay_complete():
    h = History()
    fill(h, 1, 200_001)
    assert h.steps[:2 * DENSE] == list(range(1, 2 * DENSE + 1))  # the start: every step
    assert h.steps[-RECENT:] == list(range(200_001 - RECENT, 200_001))   # the last: every step
    x, y = h.series("loss", 600)
    assert x[0] == 1 and x[-1] == 200_000 and 300 <= len(x) <= 600
    gaps = np.diff(x)
    assert gaps.max() <= 2 * np.median(gaps)                    # evenly spread on a linear axis
    np.testing.assert_allclose(y, 1.0 / x, rtol=1e-6)
    ex, _ = h.series("val_acc", 600)
    assert ex[0] == 10 and ex[-1] == 200_000


def test_a_kept_point_stays_kept_so_a_redrawn_curve_does_not_shimmer():
    h = History()
    fill(h, 1, 50_001)
    steps = np.asarray(h.steps)
    settled = set(steps[_on_grid(steps - 1, DENSE)].tolist())     # not the unthinned newest
    x_before, _ = h.series("loss", 600)
    fill(h, 50_001, 60_001)
    assert settled <= set(h.steps)
    x_after, _ = h.series("loss", 600)
    assert set(x_before[:-1]) <= set(x_after)


def test_a_short_run_keeps_every_step():
    run = Run(Config())
    run.step(300)
    assert run.history.steps == list(range(1, 301))
    assert run.history.eval_steps == list(range(10, 301, 10))


def test_a_run_thins_its_own_history_as_it_trains():
    run = Run(Config(depth=1, width=4, batch_size=8), eval_every=10)
    steps = 4 * DENSE                      # every 2nd record of the third thousand and on
    run.step(steps)
    h = run.history
    assert len(h) < 0.9 * steps and h.steps[:2 * DENSE] == list(range(1, 2 * DENSE + 1))
    assert h.steps[-1] == steps and h.eval_steps[-1] == steps // 10 * 10
    x, _ = h.series("loss", 600)
    assert x[0] == 1 and x[-1] == steps
