"""The lab's runs: one, or two in compare mode (A pinned, B following the controls).

Compare mode pins the settings on screen as run A and from then on every control (and
`lab.set`) moves run B only.  Both come from one seed and share one Data object
(`initlab.core.compare.Pair`), so where the architectures match B starts from A's very draws.
They are trained in lockstep: when B is rebuilt (a new init, depth, data ...) A goes back to
step 0 as well, so the two curves always start from the same step and the same data.
"""
from __future__ import annotations

from typing import Callable

from initlab.core import budget
from initlab.core.compare import Pair, same_data
from initlab.core.config import Config
from initlab.data.datasets import Data
from initlab.core.run import Run
from initlab.data.userdata import Points

Follow = Callable[[Run, Config], "tuple[Run, str]"]


def check_budget(config: Config, pinned: Config | None = None,
                 points: Points | None = None) -> None:
    """Raise ValueError when the runs these settings make are over the cost budget together:
    `config` and, in compare mode, run A (`pinned`: both train in this kernel), on the student's
    points (priced by their rows and features, not by n_samples) or else on their data sets.

    One Config alone on its own data set was priced when it was made (Config validation)."""
    if pinned is None and points is None:
        return
    configs = (config,) if pinned is None else (pinned, config)
    if points is None:
        budget.check_runs(configs)
    else:
        budget.check_runs(configs, len(points), points.dim)


class LabRuns:
    """Run (one) or Pair (two) behind the Lab.  `driven` is the run the controls move."""

    def __init__(self, config: Config) -> None:
        self.single: Run | None = Run(config)
        self.pair: Pair | None = None

    @property
    def comparing(self) -> bool:
        return self.pair is not None

    @property
    def all(self) -> tuple[Run, ...]:
        """(run,) or (run_a, run_b)."""
        return self.pair.runs if self.pair is not None else (self.single,)

    @property
    def driven(self) -> Run:
        """The run the controls change: the only one, or B."""
        return self.pair.run_b if self.pair is not None else self.single

    @property
    def pinned(self) -> Config | None:
        """Run A's Config in compare mode, else None."""
        return self.pair.run_a.config if self.pair is not None else None

    def sync(self, config: Config, follow: Follow | None = None) -> str:
        """Bring the driven run to `config`: "unchanged", "adjusted" or "rebuilt" (Run.apply).

        follow(run, config) -> (run, outcome), if given, moves the run instead of Run.apply (own
        points: OwnData.follow keeps them).  In compare mode a rebuilt B sends A back to step 0
        too (lockstep from one start)."""
        if self.pair is None:
            if follow is None:
                return self.single.apply(config)
            self.single, outcome = follow(self.single, config)
            return outcome
        if follow is None:
            outcome = self.pair.apply_b(config)
        else:
            self.pair.run_b, outcome = follow(self.pair.run_b, config)
        a = self.pair.run_a
        if outcome == "rebuilt" and (a.step_count or a.diverged):
            a.reset()
        return outcome

    def start(self, config_b: Config) -> None:
        """Compare mode: the run on screen becomes A (back to step 0), B is `config_b`."""
        run_a = self.driven
        self.pair = Pair.from_run(run_a, config_b)
        self.single = None

    def restart(self, config_a: Config, config_b: Config | None) -> None:
        """Fresh runs: A (and B, if given) from step 0 (an experiment, a link, a JSON file)."""
        run = self.driven
        if run.apply(config_a) != "rebuilt" and (run.step_count or run.diverged):
            run.reset()                          # a fresh start even when only live fields differ
        self.pair, self.single = None, run
        if config_b is not None:
            self.start(config_b)

    def use_data(self, make_data: Callable[[Config], Data | None]) -> None:
        """Fresh runs, same Configs, on other examples: make_data(config) gives each run's Data
        (the student's points; None: the built-in data its Config describes).  Both runs of a
        pair get one Data when their data fields match.  Nothing changes if make_data raises."""
        if self.pair is None:
            run = self.single
            data = make_data(run.config)
            self.single = Run(run.config, data=data, probe_size=run.probe_size,
                              eval_every=run.eval_every)
            return
        a, b = self.pair.runs
        data_a = make_data(a.config)
        data_b = data_a if data_a is None or same_data(a.config, b.config) else make_data(b.config)
        self.pair = Pair(a.config, b.config, data=data_a, data_b=data_b,
                         probe_size=a.probe_size, eval_every=a.eval_every)

    def stop(self) -> None:
        """End compare mode: B, the run the controls show, carries on alone."""
        if self.pair is not None:
            self.single, self.pair = self.pair.run_b, None

    def step(self, n: int) -> int:
        """Train every run n minibatches.  Returns the most steps any run did."""
        return max(run.step(n) for run in self.all)

    def step_for(self, seconds: float, max_steps: int = 10**9) -> int:
        """Train for about `seconds`, at most `max_steps` (both runs in turn when comparing)."""
        if self.pair is not None:
            return max(self.pair.step_for(seconds, max_steps))
        return self.single.step_for(seconds, max_steps)

    def reset(self) -> None:
        for run in self.all:
            run.reset()

    @property
    def diverged(self) -> bool:
        """True when no run can train any more."""
        return all(run.diverged for run in self.all)
