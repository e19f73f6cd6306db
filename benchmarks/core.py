"""Training speed of the NumPy core against plain matrix multiplication on this machine.

For each preset: training steps per second (forward + backward + update), the GFLOP/s that the
matrix products of those steps amount to, and the GFLOP/s of the same products done as bare
`A @ B` calls with the same shapes and dtype, measured in the same run.  The ratio says how much
of the machine's matmul speed the rest of the step (activations, norms, optimiser) leaves.

Then the cost of a rebuild, what a control that changes the architecture or the init waits for:
a new Run plus its first Snapshot, median over --repeats, cold (a seed never built before, so
every weight is drawn) and warm (the weight-std slider moved: same seed and shapes, the draws
are remembered).

    python benchmarks/core.py [--seconds 2] [--threads 1] [--presets large ...] [--repeats 15]

--threads limits BLAS threads (both sides of the comparison run under the same limit).
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

from initlab import Config, Run

PRESETS = {
    "small": Config(depth=2, width=32, batch_size=64),
    "default": Config(),
    "large": Config(dataset="spiral", n_samples=20000, depth=10, width=500, batch_size=1000, lr=1e-3),
    "large-float32": Config(dataset="spiral", n_samples=20000, depth=10, width=500,
                            batch_size=1000, lr=1e-3, dtype="float32"),
    "large-tanh-batchnorm": Config(dataset="spiral", n_samples=20000, depth=10, width=500,
                                   batch_size=1000, activation="tanh", norm="batch",
                                   init="xavier_normal", lr=1e-3),
}


# the lecture's deep tanh net on the digits, and the lab's default
REBUILDS = {
    "10x500 tanh digits": Config(dataset="digits", depth=10, width=500, activation="tanh",
                                 init="gaussian", weight_std=0.01),
    "default": Config(init="gaussian", weight_std=0.5),
}


def time_rebuilds(config: Config, repeats: int, cold: bool) -> tuple[float, float, float]:
    """Median (build, snapshot, CPU) seconds of Run(config) + snapshot(); cold: a new seed each
    time.  CPU is this process's CPU time for both: on a shared machine it is the steadier
    figure (single-threaded BLAS: on a quiet machine wall time is the same)."""
    builds, snaps, cpu = [], [], []
    Run(config).snapshot()                               # imports, the shipped digits file
    for i in range(repeats):
        changed = (config.replace(seed=1000 + i) if cold else
                   config.replace(weight_std=config.weight_std * (1.1 if i % 2 else 1.0)))
        c0, t0 = time.process_time(), time.perf_counter()
        run = Run(changed)
        t1 = time.perf_counter()
        run.snapshot()
        builds.append(t1 - t0)
        snaps.append(time.perf_counter() - t1)
        cpu.append(time.process_time() - c0)
    return statistics.median(builds), statistics.median(snaps), statistics.median(cpu)


def matmul_shapes(run: Run) -> list[tuple[int, int, int]]:
    """(m, k, n) of every product in one training step: forward, dW and (except layer 0) dX."""
    batch = min(run.config.batch_size, len(run.data.y_train))
    shapes = []
    for i, dense in enumerate(run.model.dense):
        fan_in, fan_out = dense.params["w"].shape
        shapes.append((batch, fan_in, fan_out))          # x @ W
        shapes.append((fan_in, batch, fan_out))          # x.T @ dy
        if i > 0:
            shapes.append((batch, fan_out, fan_in))      # dy @ W.T
    return shapes


def time_steps(run: Run, seconds: float) -> float:
    """Median seconds per step over blocks of steps filling about `seconds`."""
    run.step(3)                                          # warm caches and allocations
    per_step = []
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline or len(per_step) < 5:
        t0 = time.perf_counter()
        run.step(1)
        per_step.append(time.perf_counter() - t0)
    return statistics.median(per_step)


def time_matmuls(shapes, dtype, seconds: float) -> float:
    """Median seconds for one pass of bare products with these shapes."""
    rng = np.random.default_rng(0)
    pairs = [(rng.standard_normal((m, k)).astype(dtype), rng.standard_normal((k, n)).astype(dtype))
             for m, k, n in shapes]
    times = []
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline or len(times) < 5:
        t0 = time.perf_counter()
        for a, b in pairs:
            a @ b
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="time per measurement")
    parser.add_argument("--presets", nargs="*", default=list(PRESETS))
    parser.add_argument("--threads", type=int, default=None, help="BLAS threads (default: all)")
    parser.add_argument("--repeats", type=int, default=15, help="rebuilds timed per setting")
    args = parser.parse_args()
    if args.threads:
        threadpool_limits(args.threads)
    blas = [f"{i['internal_api']} {i['version']} ({i['num_threads']} threads)"
            for i in threadpool_info() if i["user_api"] == "blas"]
    print(f"numpy {np.__version__}, BLAS: {', '.join(blas)}")
    print(f"{'preset':22} {'steps/s':>9} {'step ms':>8} {'GFLOP/s':>8} {'matmul GFLOP/s':>15} "
          f"{'ratio':>6}")
    for name in args.presets:
        run = Run(PRESETS[name])
        shapes = matmul_shapes(run)
        flops = sum(2 * m * k * n for m, k, n in shapes)
        step = time_steps(run, args.seconds)
        bare = time_matmuls(shapes, np.dtype(run.config.dtype), args.seconds)
        achieved, plain = flops / step / 1e9, flops / bare / 1e9
        print(f"{name:22} {1 / step:9.1f} {step * 1e3:8.2f} {achieved:8.2f} {plain:15.2f} "
              f"{achieved / plain:6.0%}", flush=True)
    print(f"\n{'rebuild (Run + snapshot)':28} {'build ms':>9} {'snapshot ms':>12} {'total ms':>9} "
          f"{'CPU ms':>7}")
    for name, config in REBUILDS.items():
        for cold in (False, True):
            build, snap, cpu = time_rebuilds(config, args.repeats, cold)
            label = f"{name}, {'cold' if cold else 'warm'}"
            print(f"{label:28} {build * 1e3:9.1f} {snap * 1e3:12.1f} {(build + snap) * 1e3:9.1f} "
                  f"{cpu * 1e3:7.1f}", flush=True)


if __name__ == "__main__":
    main()
