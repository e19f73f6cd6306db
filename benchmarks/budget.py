"""The cost budget's estimate (initlab.core.budget) against what a Run really takes on this machine.

For each config, `budget.measure` (a fresh process with one BLAS thread): the peak of allocated
memory, the anonymous resident memory the Run added, and the CPU seconds per training step (mean
of `--steps` whole steps, so one evaluation every ten steps is counted; the least of `--blocks`
blocks). Every run must still be training at the end ("ok"): a diverged step stops before
backprop and would time only the forward pass.

It prints estimate / measured for each, and the matrix-product speed of this machine (GFLOP/s
of a 1000x500 @ 500x500 float64 product) next to the FLOPS_PER_SECOND the estimate assumes.

    python benchmarks/budget.py [--steps 10] [--blocks 3] [--only NAME ...]
"""
from __future__ import annotations

import argparse

from initlab.core import budget
from initlab.core.config import Config

LARGE = dict(n_samples=20000, depth=10, width=500, batch_size=1000, lr=1e-3)
CONFIGS = {
    "default": {},
    "5x100-b256": dict(depth=5, width=100, batch_size=256),
    "20x100-b256-tanh": dict(depth=20, width=100, batch_size=256, activation="tanh",
                             init="xavier_normal", lr=1e-3),
    "10x500-relu": LARGE,
    "10x500-relu-f32": {**LARGE, "dtype": "float32"},
    "10x500-relu-sgd": {**LARGE, "optimizer": "sgd"},
    "10x500-tanh": {**LARGE, "activation": "tanh", "init": "xavier_normal"},
    "10x500-sigmoid": {**LARGE, "activation": "sigmoid", "init": "xavier_normal"},
    "10x500-gelu": {**LARGE, "activation": "gelu"},
    "10x500-relu-bn": {**LARGE, "norm": "batch"},
    "10x500-tanh-bn": {**LARGE, "activation": "tanh", "norm": "batch"},
    "10x500-relu-ln": {**LARGE, "norm": "layer"},
    "10x500-relu-drop": {**LARGE, "dropout": 0.5},
    "digits-10x500": dict(dataset="digits", n_classes=10, n_samples=1797, depth=10, width=500,
                          batch_size=1000, lr=1e-3),
    "maxout5-10x256-bn": dict(depth=10, width=256, activation="maxout", maxout_pieces=5,
                              norm="batch", batch_size=512, lr=1e-3),
    "5x1024-b2000": dict(n_samples=20000, depth=5, width=1024, batch_size=2000, lr=1e-3),
}

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--blocks", type=int, default=3)
    parser.add_argument("--only", nargs="*", choices=sorted(CONFIGS))
    args = parser.parse_args()
    print(f"{'config':20s} {'est MB':>7s} {'peak MB':>7s} {'ratio':>5s} {'anon MB':>7s} "
          f"{'ratio':>5s} {'est s':>6s} {'CPU s':>6s} {'ratio':>5s}  status  GFLOP/s")
    ratios = []
    for name in args.only or CONFIGS:
        fields = CONFIGS[name]
        cost = budget.estimate(Config(**fields))
        m = budget.measure(fields, args.steps, args.blocks)
        r = (cost.mb / m["mb"], cost.mb / max(m["anon_mb"], 1e-9),
             cost.seconds_per_step / m["seconds"])
        ratios.append(r)
        print(f"{name:20s} {cost.mb:7.0f} {m['mb']:7.0f} {r[0]:5.2f} {m['anon_mb']:7.0f} "
              f"{r[1]:5.2f} {cost.seconds_per_step:6.3f} {m['seconds']:6.3f} {r[2]:5.2f}  "
              f"{m['status']:7s} {m['gflops']:.0f}", flush=True)
    worst = [max(max(x, 1 / x) for x in col) for col in zip(*ratios)]
    print(f"worst factor: peak MB {worst[0]:.2f}, anon MB {worst[1]:.2f}, s/step {worst[2]:.2f} "
          f"(estimate assumes {budget.FLOPS_PER_SECOND / 1e9:.0f} GFLOP/s)")


if __name__ == "__main__":
    main()
