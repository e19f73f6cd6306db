"""Paired runs: two settings from one starting point, stepped in lockstep (compare mode's core).

A Run draws everything from SeedSequence(config.seed), one stream per purpose (run.py), so two
Configs with the same seed share, without any extra machinery:
  - the data and its train/validation split (when the data fields match),
  - the minibatch order and the probe batch,
  - the initial random draws, layer by layer, when the layer shapes match: every normal scheme
    (gaussian, xavier_normal, he_normal, lecun) scales the same standard-normal draws, every
    uniform one (xavier_uniform, he_uniform) the same uniform draws.  So B with N(0, 1) starts
    from exactly A's N(0, 0.01) weights times 100 (up to float rounding), and He from Xavier's
    times sqrt(2) (ReLU, equal fan-in and fan-out).

`Pair` holds run A (pinned) and run B (follows the controls) on one shared Data object and steps
them together; `start_scales` says per layer how B's first weights relate to A's.
"""
from __future__ import annotations

import time
from typing import Any

import numpy as np

from initlab.core.config import Config
from initlab.data.datasets import Data
from initlab.core.run import DATA_FIELDS, Run
from initlab.core.snapshot import Snapshot

NORMAL_SCHEMES = frozenset({"gaussian", "xavier_normal", "he_normal", "lecun"})
UNIFORM_SCHEMES = frozenset({"xavier_uniform", "he_uniform"})
SCALE_RTOL = 1e-9          # two weight matrices are "the same draw scaled" within this


def same_draws(a: Config, b: Config) -> bool:
    """True when B's initial weights are A's random draws, scaled layer by layer.

    Needs the same seed, the same layer shapes (input, depth, width, maxout pieces, classes) and
    two schemes of the same family (both normal or both uniform).
    """
    shape_fields = {"seed", "dataset", "n_classes", "depth", "width", "maxout_pieces"}
    if any(getattr(a, n) != getattr(b, n) for n in shape_fields):
        return False
    if (a.activation == "maxout") != (b.activation == "maxout"):
        return False
    return ((a.init in NORMAL_SCHEMES and b.init in NORMAL_SCHEMES)
            or (a.init in UNIFORM_SCHEMES and b.init in UNIFORM_SCHEMES)
            or a.init == b.init == "orthogonal")


def start_scales(run_a: Run, run_b: Run) -> list[float] | None:
    """Per weight matrix (hidden layers, then the classifier), the factor s with
    W_B = s * W_A at step 0; None when the two runs did not start from the same draws."""
    if not same_draws(run_a.config, run_b.config):
        return None
    scales = []
    for wa, wb in zip(_initial_weights(run_a), _initial_weights(run_b)):
        norm_a = float(np.linalg.norm(wa))
        if norm_a == 0.0:
            return None
        s = float(np.linalg.norm(wb)) / norm_a
        if not np.allclose(wb, s * wa, rtol=SCALE_RTOL, atol=SCALE_RTOL * abs(s) * norm_a):
            return None
        scales.append(s)
    return scales


def _initial_weights(run: Run) -> list[np.ndarray]:
    if run.step_count == 0:
        return run.model.weights
    return Run(run.config, data=run.data).model.weights    # rebuilt: same seed, same draws


def same_data(a: Config, b: Config) -> bool:
    """True when two Configs describe the same data (and seed): their runs can share one Data."""
    return all(getattr(a, n) == getattr(b, n) for n in DATA_FIELDS | {"seed"})


class Pair:
    """Run A and run B from one seed, on the same data, stepped together.

    Pair(config_a, config_b, data=None, data_b=None): data, if given (e.g. the student's own
    points), is used by both, or by A alone when data_b is given too (the same points prepared
    for B's other preprocessing); otherwise B reuses A's Data whenever their data fields match,
    so both see the very same arrays.  `runs` is (run_a, run_b).
    """

    def __init__(self, config_a: Config, config_b: Config, *, data: Data | None = None,
                 data_b: Data | None = None, **run_options: Any) -> None:
        self.run_a = Run(config_a, data=data, **run_options)
        self._options = run_options
        self.run_b = Run(config_b, data=data_b if data_b is not None else
                         self._data_for(config_b, data), **run_options)

    @classmethod
    def from_run(cls, run_a: Run, config_b: Config) -> "Pair":
        """A Pair whose run A is `run_a` itself, reset to step 0 (no rebuild of its data or
        network: compare mode pins the run already on screen).  B shares its Data as in
        Pair(); a run on given data (the student's points) passes it on to B."""
        pair = cls.__new__(cls)
        if run_a.step_count or run_a.diverged:
            run_a.reset()
        pair.run_a = run_a
        pair._options = dict(probe_size=run_a.probe_size, eval_every=run_a.eval_every)
        pair.run_b = Run(config_b, data=pair._data_for(config_b, run_a._given_data),
                         **pair._options)
        return pair

    def _data_for(self, config_b: Config, data: Data | None) -> Data | None:
        if data is not None:
            return data
        if same_data(self.run_a.config, config_b):
            return self.run_a.data
        return None

    @property
    def runs(self) -> tuple[Run, Run]:
        return self.run_a, self.run_b

    def apply_b(self, config: Config) -> str:
        """Move run B to a new Config (A stays).  Returns Run.apply's outcome."""
        outcome = self.run_b.apply(config)
        if outcome == "rebuilt" and self.run_b._given_data is None:
            shared = self._data_for(config, None)
            if shared is not None:            # rebuild on A's arrays rather than new equal ones
                self.run_b = Run(config, data=shared, **self._options)
        return outcome

    def step(self, n: int = 1) -> tuple[int, int]:
        """Train both runs n minibatches.  Returns the steps each did (fewer if it diverged)."""
        return self.run_a.step(n), self.run_b.step(n)

    def step_for(self, seconds: float, max_steps: int = 10**9) -> tuple[int, int]:
        """Train both for about `seconds` in total, one step each in turn, so their step counts
        stay equal (unless one diverges).  Returns the steps each did."""
        deadline = time.perf_counter() + seconds
        done_a = done_b = 0
        while done_a + done_b == 0 or time.perf_counter() < deadline:
            a, b = self.run_a.step(1), self.run_b.step(1)
            done_a, done_b = done_a + a, done_b + b
            if (a == 0 and b == 0) or max(done_a, done_b) >= max_steps:
                break
        return done_a, done_b

    def reset(self) -> None:
        """Both runs back to step 0 (same seed: same numbers)."""
        self.run_a.reset()
        self.run_b.reset()

    def snapshots(self) -> tuple[Snapshot, Snapshot]:
        return self.run_a.snapshot(), self.run_b.snapshot()
