"""What a Config costs: estimated memory (MB) and seconds per training step, from its fields alone.

A class server runs one kernel per student, so one link asking for a 20-layer, 1024-wide maxout
net on 20,000 examples in one batch must not take the machine down.  ``estimate(config)`` adds up
the arrays a Run holds (data, weights with their gradients and optimiser state, one batch's
activations cached for backprop, the probe and decision-boundary passes) and the arithmetic of one
step; ``check(config)`` refuses a Config over the limits with a message naming the fields.
What is loaded counts, not only what the Config says: ``estimate(config, rows, features)``
prices the student's own or imported points, and ``check_runs([a, b], rows, features)`` prices
the runs a kernel trains side by side (compare mode) together, naming the rows and the limit.

The limits are module-level defaults that a served kernel reads from its environment
(``initlab serve --max-mb-per-student`` sets INITLAB_MAX_MB), so one choke point, Config
validation, refuses an expensive setting wherever it comes from: link, JSON, control or lab.set.
The coefficients were fitted to allocated memory and CPU time per step measured with one BLAS
thread: ``python benchmarks/budget.py`` prints estimate against measurement for 16 configs, and
tests/test_serve_budget.py checks three large ones within a factor of 2.  Small nets are
over-estimated (BASE_MB, and the decision-boundary grid counted in full), which a budget can
afford.  On a busy machine a step's wall time is longer by however much CPU the other processes
take.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from initlab.core import environment
from initlab.nn.activations import get_activation
from initlab.nn.optim import RULES

DEFAULT_MAX_MB = 1000.0          # a 10x500 net on 20,000 examples, batch 1000, needs ~210 MB
DEFAULT_MAX_SECONDS = 3.0        # CPU seconds per training step, with one BLAS thread
MB = 2.0 ** 20

# ---- fitted coefficients (one BLAS thread; python benchmarks/budget.py refits them) ----------
# Fitted to 16 configs from the default net to 5x1024 at batch 2000 on the 2-core machine the lab
# is developed on: the nets over 100 MB within 0.8-1.35 of their measured CPU time, the small ones'
# few milliseconds over-estimated up to 2x.  The machine itself varies: its 1000x500 @ 500x500
# product ran at 25-54 GFLOP/s within one session.
BASE_MB = 15.0                   # a Run's own objects, history, snapshot, boundary picture
FLOPS_PER_SECOND = 4.0e10        # matrix products, float64 (float32 runs about twice as fast)
SECONDS_PER_ELEMENT = 3.7e-9     # element-wise work per activation value, forward + backward
SECONDS_PER_WEIGHT = 2.3e-9      # the update, per weight and per array it reads (Adam reads 3)
SECONDS_PER_ROW = 2.9e-6         # gathering the batch, softmax, loss: per example
STEP_OVERHEAD = 5.4e-4           # Python work per layer per step, seconds
EVAL_EVERY, EVAL_ROWS = 10, 1000  # Run evaluates 500 train + 500 validation rows every 10 steps
PROBE_ROWS = 256
GRID_MIN, GRID_MAX, GRID_FLOP_BUDGET = 16, 60, 4e7   # the decision-boundary grid (cells per
# side, forward FLOPs): probe.grid_size reads these
DIGITS_SAMPLES, DIGITS_DIM = 1797, 64
# Per activation and optimiser the entry says what it costs: Activation.cost (element-wise passes
# per activation value, relative to ReLU), fan_out_factor (pre-activations per unit) and
# Rule.state_arrays (arrays of the weights' size the optimiser keeps).
NORM_COST = {"none": 0.0, "batch": 6.0, "layer": 10.0}


@dataclass(frozen=True)
class Cost:
    """Estimated memory of a Run in MB (above the kernel's own) and seconds per training step."""
    mb: float
    seconds_per_step: float
    parts: dict                  # MB per part: data, weights, activations, maps, base

    def __str__(self) -> str:
        return f"about {self.mb:,.0f} MB and {self.seconds_per_step:.2g} s per step"


def _get(fields: Any, name: str) -> Any:
    """A field of a Config, or of a mapping (a missing name takes the Config default)."""
    if not isinstance(fields, Mapping):
        return getattr(fields, name)
    if name in fields:
        return fields[name]
    from initlab.core.config import FIELDS      # here: config.py imports this module
    return FIELDS[name].default


def estimate(config: Any, rows: int | None = None, features: int | None = None) -> Cost:
    """Estimated cost of a Run of `config` (a Config, or a mapping with the same field names).

    rows and features: the data loaded (the student's own points, an imported file), which the
    Run trains on instead of the data set the Config describes; None: the Config's data set.
    """
    f = lambda name: _get(config, name)          # noqa: E731 - reads like the formula
    size = 4 if f("dtype") == "float32" else 8
    digits = f("dataset") == "digits"
    n = rows if rows is not None else (
        min(f("n_samples"), DIGITS_SAMPLES) if digits else f("n_samples"))
    dim = features if features is not None else (DIGITS_DIM if digits else 2)
    n_train = max(1, int(n * (1 - f("val_fraction"))))
    act = get_activation(f("activation"), leaky_slope=f("leaky_slope"), pieces=f("maxout_pieces"))
    state_arrays = RULES[f("optimizer")].state_arrays
    k = act.fan_out_factor
    depth, width, classes = f("depth"), f("width"), f("n_classes")
    units = width * k                            # pre-activations per hidden layer
    weights = dim * units + (depth - 1) * width * units + width * classes
    # the arrays: params, grads, optimiser state; data: raw, preprocessed, split
    weight_bytes = weights * size * (2 + state_arrays)
    data_bytes = n * dim * 8 * 4
    batch = min(f("batch_size"), n_train)
    # the decision-boundary grid (every data set has a picture plane), and its neuron maps:
    # each hidden unit's output at every cell, float32, kept in the snapshot
    grid = int(min(GRID_MAX, max(GRID_MIN, (GRID_FLOP_BUDGET / (2 * weights)) ** 0.5))) ** 2 \
        if dim >= 2 else 0
    rows = max(batch, EVAL_ROWS // 2, PROBE_ROWS, grid)
    norm = f("norm") != "none"
    # cached per row and layer: z, activation and its cache, norm's x-hat and centred x, the
    # dropout mask, the gradient kept per layer; maxout keeps the winning piece's index too
    per_row = units * (2 + 2 * norm) + width * (3 + (f("dropout") > 0)) + (k > 1) * width
    act_bytes = rows * depth * per_row * size * 0.65     # fitted: not all are alive at once
    parts = {"base": BASE_MB, "data": data_bytes / MB, "weights": weight_bytes / MB,
             "activations": act_bytes / MB, "maps": grid * depth * width * 4 / MB}
    # time: 2 flops per weight per row forward, 4 backward; evaluation every EVAL_EVERY steps
    speed = FLOPS_PER_SECOND * (2.0 if size == 4 else 1.0)
    flops = 6 * batch * weights + 2 * EVAL_ROWS * weights / EVAL_EVERY
    elementwise = batch * depth * units * (act.cost + NORM_COST[f("norm")] + (f("dropout") > 0))
    arrays = 1 + state_arrays
    seconds = (flops / speed + elementwise * SECONDS_PER_ELEMENT
               + weights * arrays * SECONDS_PER_WEIGHT
               + batch * SECONDS_PER_ROW + depth * STEP_OVERHEAD)
    return Cost(mb=sum(parts.values()), seconds_per_step=seconds, parts=parts)


def limits(environ: Mapping[str, str] | None = None) -> tuple[float, float]:
    """(max MB, max seconds per step): INITLAB_MAX_MB / INITLAB_MAX_SECONDS, else the defaults.

    A value that is not a positive number is ignored (the default applies).
    """
    env = os.environ if environ is None else environ
    return (_positive(env.get(environment.MAX_MB), DEFAULT_MAX_MB),
            _positive(env.get(environment.MAX_SECONDS), DEFAULT_MAX_SECONDS))


def _positive(text: str | None, default: float) -> float:
    try:
        value = float(text) if text else default
    except ValueError:
        return default
    return value if value > 0 else default


# Read once per process: a served kernel gets its limits from `initlab serve`'s environment.
MAX_MB, MAX_SECONDS = limits()

# Fields named in a refusal: the ones that make a Run big or slow.
COSTLY_FIELDS = ("depth", "width", "activation", "maxout_pieces", "norm", "n_samples",
                 "batch_size", "val_fraction", "dtype")


def check(config: Any, max_mb: float | None = None, max_seconds: float | None = None) -> Cost:
    """Raise ValueError when `config` is over the budget; return its Cost otherwise."""
    max_mb = MAX_MB if max_mb is None else max_mb
    max_seconds = MAX_SECONDS if max_seconds is None else max_seconds
    cost = estimate(config)
    if cost.mb <= max_mb and cost.seconds_per_step <= max_seconds:
        return cost
    knobs = get_activation(_get(config, "activation")).knobs      # maxout_pieces for maxout
    shown = ", ".join(f"{name}={_get(config, name)!r}" for name in COSTLY_FIELDS
                      if name != "maxout_pieces" or name in knobs)
    over = (f"{cost.mb:,.0f} MB of memory (the limit is {max_mb:,.0f} MB per student)"
            if cost.mb > max_mb else
            f"{cost.seconds_per_step:.1f} s per training step (the limit is {max_seconds:g} s)")
    raise ValueError(f"these settings would need about {over}: {shown}. Make the network "
                     f"smaller (depth, width, maxout pieces) or the batch or data set smaller; "
                     f"a teacher can raise the limit (initlab serve --max-mb-per-student)")


def estimate_runs(configs: Sequence[Any], rows: int | None = None,
                  features: int | None = None) -> Cost:
    """What runs trained side by side cost together (compare mode: A and B in one kernel), each
    on the loaded data (rows x features; None: each Config's own data set)."""
    costs = [estimate(config, rows, features) for config in configs]
    parts = {name: sum(cost.parts[name] for cost in costs) for name in costs[0].parts}
    return Cost(mb=sum(cost.mb for cost in costs),
                seconds_per_step=sum(cost.seconds_per_step for cost in costs), parts=parts)


def check_runs(configs: Sequence[Any], rows: int | None = None, features: int | None = None,
               max_mb: float | None = None, max_seconds: float | None = None) -> Cost:
    """Raise ValueError when these runs (A and B in compare mode), on the loaded data (rows x
    features, None: the Configs' data sets), are over the budget together; their Cost otherwise.

    The message names the rows and the limit, and how many rows would fit these settings.
    """
    max_mb = MAX_MB if max_mb is None else max_mb
    max_seconds = MAX_SECONDS if max_seconds is None else max_seconds
    cost = estimate_runs(configs, rows, features)
    if cost.mb <= max_mb and cost.seconds_per_step <= max_seconds:
        return cost
    over = (f"{cost.mb:,.0f} MB of memory (the limit is {max_mb:,.0f} MB per student)"
            if cost.mb > max_mb else
            f"{cost.seconds_per_step:.1f} s per training step (the limit is {max_seconds:g} s)")
    runs = "run A and run B together" if len(configs) > 1 else "these settings"
    if rows is None:
        which = "one of them" if len(configs) > 1 else "the network"
        raise ValueError(f"{runs} would need about {over}. Make {which} smaller (depth, width, "
                         f"maxout pieces, batch or data set)")
    fit = _most_rows(configs, features, max_mb, max_seconds, rows)
    room = (f"at most {fit:,} rows fit {runs}" if fit else f"no data fits {runs}")
    data = f"{rows:,} rows" + (f" of {features} features" if features is not None else "")
    raise ValueError(f"{data} with {runs} would need about {over}: {room}. Use fewer rows, or "
                     f"make the network or the batch smaller")


def _most_rows(configs: Sequence[Any], features: int | None, max_mb: float, max_seconds: float,
               rows: int) -> int:
    """The most rows (below `rows`) these runs may load within the limits; 0 if none."""
    def fits(n: int) -> bool:
        cost = estimate_runs(configs, n, features)
        return cost.mb <= max_mb and cost.seconds_per_step <= max_seconds
    if not fits(1):
        return 0
    low, high = 1, rows                      # fits(low), not fits(high)
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if fits(middle) else (low, middle)
    return low


_MEASURE = r"""
import json, sys, time, tracemalloc
import numpy as np
from initlab.core.config import Config
from initlab.core.run import Run
np.seterr(all="ignore")
steps, blocks = int(sys.argv[2]), int(sys.argv[3])
def anon_mb():
    for line in open("/proc/self/status"):
        if line.startswith("RssAnon:"):
            return int(line.split()[1]) / 1024
a, b = np.random.default_rng(0).standard_normal((2, 1000, 500))
t = time.process_time()
for _ in range(10):
    a @ b[:500]
gflops = 2 * 1000 * 500 * 500 * 10 / (time.process_time() - t) / 1e9
tracemalloc.start()                  # numpy reports its arrays to tracemalloc
before = anon_mb()
run = Run(Config(**json.loads(sys.argv[1])))
run.snapshot()
run.train_step()
times = []
for _ in range(blocks):
    t = time.process_time()          # CPU time: other processes on the machine do not count
    for _ in range(steps):
        run.train_step()
    times.append((time.process_time() - t) / steps)
run.snapshot()
print(json.dumps({"mb": tracemalloc.get_traced_memory()[1] / 2**20,
                  "anon_mb": anon_mb() - before, "seconds": min(times),
                  "status": run.status, "gflops": gflops}))
"""


def measure(fields: Mapping[str, Any], steps: int = 10, blocks: int = 3) -> dict:
    """What a Run of `fields` really takes, measured in a fresh process with one BLAS thread.

    Returns mb (peak of allocated memory: tracemalloc, which numpy reports its arrays to; the
    RSS peak under-counts on a machine short of memory, where library pages are evicted),
    anon_mb (anonymous resident memory the Run added), seconds (CPU seconds per step: the least
    of `blocks` means over `steps` steps, so one evaluation in ten is counted), status (the
    Run's at the end: a diverged step stops before backprop, so only "ok" timed whole steps)
    and gflops (this machine's float64 matrix-product speed, measured first).
    """
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
           "MKL_NUM_THREADS": "1"}
    out = subprocess.run([sys.executable, "-c", _MEASURE, json.dumps(dict(fields)), str(steps),
                          str(blocks)], env=env, capture_output=True, text=True, timeout=600,
                         check=True)
    return json.loads(out.stdout)
