"""What the lesson-claim tests share: the seeds, the lecture's deep net on the digits, the
init scales, and the per-seed check that prints every seed's value when a claim fails."""
from __future__ import annotations

from functools import lru_cache

from initlab import Config, Run
from initlab.lessons import demos, toys

SEEDS = demos.SEEDS
DEEP = dict(depth=10, width=500, dataset="digits", n_classes=10, n_samples=600,
            preprocessing="standardize")
SCALES = {"small": dict(init="gaussian", weight_std=0.01),
          "large": dict(init="gaussian", weight_std=1.0),
          "xavier": dict(init="xavier_normal"),
          "he": dict(init="he_normal"),
          "lecun": dict(init="lecun")}


def holds_on(values: list, condition, need: int = len(SEEDS)) -> list:
    """Assert condition(value) on at least `need` of the per-seed values; print them all if not."""
    holds = [bool(condition(v)) for v in values]
    assert sum(holds) >= need, (f"held on {sum(holds)} of {len(values)} seeds (need {need}); "
                                f"per seed: {values}")
    return values


@lru_cache(maxsize=None)
def deep_snapshot(activation: str, scale: str, seed: int, norm: str = "none"):
    """Snapshot of the untrained 10 x 500 network on the digits."""
    return Run(Config(**DEEP, **SCALES[scale], activation=activation, norm=norm,
                      seed=seed)).snapshot()


@lru_cache(maxsize=None)
def deep_flow(scale: str, seed: int, norm: str = "none") -> dict:
    """demos.gradient_flow of the untrained 10 x 500 tanh network."""
    return demos.gradient_flow(Run(Config(**DEEP, **SCALES[scale], activation="tanh", norm=norm,
                                          seed=seed)))


@lru_cache(maxsize=None)
def small_init_accuracy(depth: int, seed: int, norm: str = "none", weight_std: float = 0.01
                        ) -> float:
    """Validation accuracy of a 64-wide tanh net on the spiral after 300 momentum steps."""
    run = Run(Config(depth=depth, width=64, activation="tanh", init="gaussian",
                     weight_std=weight_std, optimizer="momentum", lr=0.05, norm=norm, seed=seed))
    run.step(300)
    return run.accuracy("val")


NO_EVAL = dict(eval_every=10**9)   # skip the periodic accuracy measurement: scored at the end


def table(**rows) -> str:
    """The per-seed numbers, for an assertion message."""
    return "\n" + toys.seed_table({k: list(v) for k, v in rows.items()})
