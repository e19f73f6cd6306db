"""The lab's runs: a list whose last run follows the controls; the runs before it are pinned.

One run is the lab alone.  Compare mode pins the run on screen as run A and adds run B, which
the controls (and `lab.set`) move from then on; more runs would be pinned the same way.  Every
run comes from one seed, and runs whose data fields match share one Data object (as in
`initlab.core.compare.Pair`), so where the architectures match B starts from A's very draws.
They train in lockstep: when the followed run is rebuilt (a new init, depth, data ...) every
pinned run goes back to step 0 as well, so all curves start from the same step and data, and
Play steps them one minibatch each in turn.
"""
from __future__ import annotations

import time
from typing import Callable, Sequence

from initlab.core import budget
from initlab.core.compare import same_data
from initlab.core.config import Config
from initlab.core.run import Run
from initlab.data.datasets import Data
from initlab.data.userdata import Points

Follow = Callable[[Run, Config], "tuple[Run, str]"]


def check_budget(config: Config, pinned: Sequence[Config] = (),
                 points: Points | None = None) -> None:
    """Raise ValueError when the runs these settings make are over the cost budget together:
    `config` and the pinned runs' Configs (all train in this kernel), on the student's points
    (priced by their rows and features, not by n_samples) or else on their data sets.

    One Config alone on its own data set was priced when it was made (Config validation)."""
    if not pinned and points is None:
        return
    configs = (*pinned, config)
    if points is None:
        budget.check_runs(configs)
    else:
        budget.check_runs(configs, len(points), points.dim)


def shared_data(config: Config, runs: Sequence[Run]) -> Data | None:
    """The Data of the first of `runs` whose data fields (and seed) match `config`'s, else None:
    a run on those settings reuses the very same arrays."""
    return next((run.data for run in runs if same_data(run.config, config)), None)


def step_in_turn(runs: Sequence[Run], seconds: float, max_steps: int = 10**9) -> int:
    """Train `runs` for about `seconds` in total, one minibatch each in turn, so that their step
    counts stay equal (unless one diverges); at least one round.  Returns the most steps any
    run did."""
    deadline = time.perf_counter() + seconds
    done = [0] * len(runs)
    while not any(done) or time.perf_counter() < deadline:
        did = [run.step(1) for run in runs]
        done = [total + d for total, d in zip(done, did)]
        if not any(did) or max(done) >= max_steps:
            break
    return max(done)


class LabRuns:
    """The runs behind the Lab, in screen order.  `driven` (the last) is the run the controls
    move; the others are pinned at the settings they had when compare mode began."""

    def __init__(self, config: Config) -> None:
        self.list: list[Run] = [Run(config)]

    @property
    def all(self) -> tuple[Run, ...]:
        return tuple(self.list)

    @property
    def comparing(self) -> bool:
        return len(self.list) > 1

    @property
    def driven(self) -> Run:
        """The run the controls change: the only one, or the last (B)."""
        return self.list[-1]

    @property
    def pinned(self) -> tuple[Config, ...]:
        """The pinned runs' Configs (run A's in compare mode; none for a run alone)."""
        return tuple(run.config for run in self.list[:-1])

    def _options(self) -> dict:
        first = self.list[0]
        return dict(probe_size=first.probe_size, eval_every=first.eval_every)

    def sync(self, config: Config, follow: Follow | None = None) -> str:
        """Bring the driven run to `config`: "unchanged", "adjusted" or "rebuilt" (Run.apply).

        follow(run, config) -> (run, outcome), if given, moves the run instead of Run.apply (own
        points: they survive what they can).  A rebuilt run reuses a pinned run's Data when their
        data fields match, and sends every pinned run back to step 0 (lockstep from one start)."""
        run, pinned = self.list[-1], self.list[:-1]
        if follow is not None:
            run, outcome = follow(run, config)
        else:
            outcome = run.apply(config)
            shared = shared_data(config, pinned) if outcome == "rebuilt" else None
            if shared is not None and run._given_data is None:    # A's arrays, not equal ones
                run = Run(config, data=shared, **self._options())
        self.list[-1] = run
        if outcome == "rebuilt":
            for held in pinned:
                if held.step_count or held.diverged:
                    held.reset()
        return outcome

    def start(self, config: Config) -> None:
        """Compare mode: the runs on screen are pinned (back to step 0), a new run on `config`
        follows the controls.  It trains on the first run's given data (the student's points)
        if there is any, else on a pinned run's Data when the data fields match."""
        for run in self.list:
            if run.step_count or run.diverged:
                run.reset()
        given = self.list[0]._given_data
        data = given if given is not None else shared_data(config, self.list)
        self.list.append(Run(config, data=data, **self._options()))

    def restart(self, configs: Sequence[Config]) -> None:
        """Fresh runs on `configs` from step 0 (an experiment, a link, a JSON file): the first
        is the run on screen moved there, the others are started as in compare mode."""
        first, *more = configs
        run = self.driven
        if run.apply(first) != "rebuilt" and (run.step_count or run.diverged):
            run.reset()                          # a fresh start even when only live fields differ
        self.list = [run]
        for config in more:
            self.start(config)

    def use_data(self, make_data: Callable[[Config], Data | None]) -> None:
        """Fresh runs, same Configs, on other examples: make_data(config) gives each run's Data
        (the student's points; None: the built-in data its Config describes).  Runs whose data
        fields match get one Data.  Nothing changes if make_data raises."""
        options, made = self._options(), []
        for run in self.list:
            data = shared_data(run.config, made)
            made.append(Run(run.config, data=data if data is not None else
                            make_data(run.config), **options))
        self.list = made

    def stop(self) -> None:
        """End compare mode: the driven run, the one the controls show, carries on alone."""
        self.list = self.list[-1:]

    def step(self, n: int) -> int:
        """Train every run n minibatches.  Returns the most steps any run did."""
        return max(run.step(n) for run in self.list)

    def step_for(self, seconds: float, max_steps: int = 10**9) -> int:
        """Train for about `seconds`, at most `max_steps`, every run one step in turn."""
        return step_in_turn(self.list, seconds, max_steps)

    def reset(self) -> None:
        for run in self.list:
            run.reset()

    @property
    def diverged(self) -> bool:
        """True when no run can train any more."""
        return all(run.diverged for run in self.list)
