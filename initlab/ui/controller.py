"""The lab without its widgets: settings, runs, compare mode, import/export and own points.

    from initlab.ui.controller import LabController
    lab = LabController(depth=6, activation="tanh")
    lab.set(lr=0.01); lab.step(20)
    lab.compare(init="xavier_normal")       # A pinned, B = A with that field changed
    for shown in lab.shown(): ...           # what to draw: tag, run, snapshot, in screen order

`initlab.ui.app.Lab` builds the widgets around one of these and draws what `shown()` returns;
everything here is plain Python and NumPy (no ipywidgets, no bqplot), so tests drive it directly.

The Config is kept at once (cheap) and the runs follow it on `sync()` (every drawing syncs):
data, architecture, init and seed rebuild a run, learning rate, optimiser and regularisation
adjust it.  Bad values raise a FieldError (a ValueError) naming the field and change nothing.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np

from initlab.core import links
from initlab.core.config import CLASS_RANGE, Config, FieldError
from initlab.core.run import Run
from initlab.core.snapshot import Snapshot
from initlab.data import userdata
from initlab.data.userdata import BUILT_IN_FIELDS, Points
from initlab.nn.init import SCHEMES
from initlab.ui.runs import LabRuns, check_budget

ERASE_RADIUS = 0.05        # share of the picture's width: an erase further off removes no point
TAGS = "ABCDEFGH"          # the runs' names while they share the screen, pinned first


def run_tags(n: int) -> tuple[str, ...]:
    """The tags of n runs on screen: "" for a run alone, else "A", "B", ... in order."""
    return tuple(TAGS[:n]) if n > 1 else ("",)


@dataclass(frozen=True)
class Shown:
    """One run as the lab shows it now: its tag ("" alone, "A", "B" comparing), the run and
    its snapshot (what the pictures, the status line and the diagnosis read)."""

    tag: str
    run: Run
    snapshot: Snapshot


PointsListener = Callable[[int, str], None]    # (classes of the data now used, a notice)


class LabController:
    """Config, runs (LabRuns: the last follows the controls) and the student's own points.

    LabController(config=None, *, compare=None, **fields): compare is run B's Config or a dict
    of the fields B changes (opens in compare mode).

    on_points(n_classes, notice), if set, hears when the runs leave the student's points on their
    own (a built-in data field changed): the own-data tools follow it (owndata.py).
    """

    def __init__(self, config: Config | None = None, *, compare: Config | dict | None = None,
                 **fields: Any) -> None:
        config = config or Config()
        config = config.replace(**fields) if fields else config
        self._config = config
        self.run_list = LabRuns(config)
        self.points: Points | None = None
        self.on_points: PointsListener | None = None
        if compare is not None:
            self._config = self.b_config(compare)
            check_budget(self._config, (config,))    # A and B train in this kernel together
            self.run_list.start(self._config)

    # ---- state ------------------------------------------------------------------------------
    @property
    def config(self) -> Config:
        """The Config the controls show (the driven run catches up on `sync()`)."""
        return self._config

    @property
    def run(self) -> Run:
        """The run the controls drive (run B comparing), up to date with `config`."""
        self.sync()
        return self.run_list.driven

    @property
    def runs(self) -> tuple[Run, ...]:
        """Every run in screen order (pinned first), up to date with `config`."""
        self.sync()
        return self.run_list.all

    @property
    def comparing(self) -> bool:
        return self.run_list.comparing

    @property
    def pinned(self) -> tuple[Config, ...]:
        """The pinned runs' Configs (run A's comparing; none alone)."""
        return self.run_list.pinned

    @property
    def configs(self) -> tuple[Config, ...]:
        """Every run's Config in screen order, the driven one as the controls show it."""
        return (*self.pinned, self._config)

    @property
    def diverged(self) -> bool:
        """True when no run can train any more."""
        return self.run_list.diverged

    def sync(self) -> str:
        """Bring the driven run to `config`: "unchanged", "adjusted" or "rebuilt".  Own points
        survive what they can; a change of a built-in data field leaves them (on_points)."""
        follow = self._follow if self.points is not None else None
        return self.run_list.sync(self._config, follow)

    def _follow(self, run: Run, config: Config) -> tuple[Run, str]:
        run, outcome = userdata.follow_config(run, self.points, config)
        if run.data.name != userdata.NAME:
            self.points = None
            if self.on_points is not None:
                self.on_points(run.data.n_classes,
                               "Back to the built-in data: a data setting changed.")
        return run, outcome

    def shown(self) -> list[Shown]:
        """What to draw: every run (synced) with its tag and snapshot, in screen order."""
        runs = self.runs
        return [Shown(tag, run, run.snapshot()) for tag, run in zip(run_tags(len(runs)), runs)]

    # ---- settings ---------------------------------------------------------------------------
    def priced(self, config: Config, pinned: Sequence[Config] | None = None) -> Config:
        """`config`, if the runs it makes fit the cost budget together: with the pinned runs
        (`pinned`, default those on screen) and on the student's points while they stay (a
        change of a built-in data field leaves them).  ValueError naming rows and limit."""
        points = self.points
        if points is not None and self._config.changed_fields(config) & BUILT_IN_FIELDS:
            points = None
        check_budget(config, self.pinned if pinned is None else pinned, points)
        return config

    def set(self, **fields: Any) -> Config:
        """Change Config fields of the driven run; returns the new Config.  A bad value raises
        FieldError (its `.field` the name) and changes nothing."""
        self._config = self.priced(self._config.replace(**fields))
        return self._config

    def use(self, config: Config) -> None:
        """Switch the driven run to a whole Config."""
        if not isinstance(config, Config):
            raise FieldError("config", config, "an initlab Config",
                             f"config must be an initlab Config, got {type(config).__name__}")
        self._config = self.priced(config)

    def change(self, name: str, value: Any) -> str:
        """A control moved: set `name` to `value` with what it implies (a data set keeps a class
        count it allows; the weight-std slider means N(0, std^2)).  Returns a notice saying what
        else changed ("" if nothing); raises like set()."""
        changes, notice = {name: value}, ""
        if name == "dataset":
            lo, hi = CLASS_RANGE[value]
            if not lo <= self._config.n_classes <= hi:
                changes["n_classes"] = min(max(self._config.n_classes, lo), hi)
                notice = f"{value} has {lo}..{hi} classes: classes set to {changes['n_classes']}."
        if name == "weight_std" and not SCHEMES[self._config.init].uses_weight_std:
            changes["init"] = "gaussian"          # the slider sets a scale: that is N(0, std^2)
            notice = (f"init switched from {self._config.init} to gaussian: N(0, {value:.3g}²) "
                      "in every layer.")
        self.set(**changes)
        return notice

    # ---- training ---------------------------------------------------------------------------
    def step(self, n: int = 1) -> int:
        """Train every run n minibatches.  Returns the most steps any run did."""
        self.sync()
        return self.run_list.step(int(n))

    def step_for(self, seconds: float, max_steps: int = 10**9) -> int:
        """Train for about `seconds`, every run one step in turn (Play)."""
        self.sync()
        return self.run_list.step_for(seconds, max_steps)

    def reset(self) -> None:
        """Every run back to step 0: same Config, same seed, same numbers."""
        self.sync()
        self.run_list.reset()

    # ---- compare mode -----------------------------------------------------------------------
    def b_config(self, compare: Config | dict) -> Config:
        """Run B's Config from a Config or a dict of the fields B changes (from `config`)."""
        if isinstance(compare, Config):
            return compare
        if isinstance(compare, dict):
            return self._config.replace(**compare)
        raise ValueError(f"compare must be run B's Config or a dict of its fields, "
                         f"got {type(compare).__name__}")

    def compare(self, on: bool | Config = True, **fields: Any) -> Config | None:
        """compare(**fields): pin the settings on screen as run A, open run B = A with those
        fields changed, both from step 0; returns B's Config (comparing already: B becomes A's
        settings with the fields changed).  compare(config_b): B is that Config.  compare(False)
        ends compare mode (B carries on alone).  Bad fields raise and change nothing."""
        if on is False:
            if fields:
                raise ValueError("compare(False) ends compare mode: it takes no fields")
            self.sync()
            self.run_list.stop()
            return None
        if on is not True and not isinstance(on, Config):
            raise ValueError(f"compare's first argument must be True, False or a Config, "
                             f"got {on!r}")
        pinned = self.pinned or (self._config,)
        config_b = (on if isinstance(on, Config) else pinned[0]).replace(**fields)
        self.priced(config_b, pinned)
        self.sync()
        self._config = config_b
        if self.comparing:
            self.sync()
            self.run_list.reset()
        else:
            self.run_list.start(config_b)
        return config_b

    def open(self, configs: Sequence[Config]) -> None:
        """Fresh runs on `configs` (A, then B: compare mode) from step 0: an experiment, a
        link, a JSON file.  The controls show the last."""
        self.run_list.restart(configs)
        self._config = configs[-1]
        self.sync()

    # ---- import / export --------------------------------------------------------------------
    def export_json(self, view: str = links.VIEWS[0], **dump_options: Any) -> str:
        """Every run's settings (A and B comparing), the own points and the view as JSON
        (initlab.core.links)."""
        return links.to_json(*self.configs, points=self.points, view=view, **dump_options)

    def import_json(self, text: str | bytes) -> tuple[links.Session, str]:
        """Open what export_json wrote: fresh runs on its settings, on its points if any.
        Returns the Session and why its points were not used ("" if they were, or there were
        none).  Text that is not such a JSON raises ValueError and changes nothing."""
        session = links.from_json(text)
        self.drop_points()
        self.open([session.a] if session.b is None else [session.a, session.b])
        if session.points is None:
            return session, ""
        try:
            self.use_points(session.points)
        except ValueError as err:
            return session, str(err)
        return session, ""

    # ---- own points -------------------------------------------------------------------------
    def use_points(self, points: Points) -> None:
        """Train on `points` from now on (fresh runs, same Configs, each preparing them its own
        way).  A set the runs cannot train on raises ValueError; then nothing changes."""
        check_budget(self._config, self.pinned, points)        # priced by rows, features
        self.sync()
        self.run_list.use_data(lambda config: userdata.make_user_data(points, config))
        self.points = points

    def drop_points(self) -> None:
        """Back to the data set each run's Config describes (fresh runs)."""
        if self.points is None:
            return
        self.points = None
        self.run_list.use_data(lambda config: None)

    def shown_run(self, tag: str = "") -> Run:
        """The run tagged `tag` ("A", "B", ...; "" or unknown: the driven run)."""
        runs = self.runs
        tags = run_tags(len(runs))
        return runs[tags.index(tag)] if tag in tags else runs[-1]

    def edit_points(self, xy: Sequence[float], label: int | None,
                    tag: str = "") -> tuple[Points | None, str]:
        """A click at xy in run `tag`'s picture (its input plane): add a point of class `label`,
        or (label None) remove the point nearest to xy.  Returns the new points and what was
        done, or None and why nothing was (the points are used by `use_points`, not here).
        ValueError on data that is not 2-D: a click cannot say where in 64-D a point goes."""
        run = self.shown_run(tag)
        if run.data.input_dim != 2:
            raise ValueError("Clicking adds points to 2-D data only; for digits-like data "
                             "upload a CSV with 64 features and a label.")
        points = self.points if self.points is not None else userdata.points_from_data(run.data)
        prep = run.data.preprocessor
        if label is not None:
            raw = userdata.raw_from_input(prep, np.asarray([xy]))[0]
            return userdata.add_point(points, raw, int(label)), f"Added a point of class {label}"
        if len(points) == 0:
            return None, ""
        view = run.snapshot().plane.view
        dist = np.linalg.norm(prep.transform(points.x) - np.asarray(xy), axis=1)
        nearest = int(np.argmin(dist))
        if dist[nearest] > ERASE_RADIUS * float(view[1] - view[0]):
            return None, "No point there to erase."
        keep = np.arange(len(points)) != nearest
        return (Points(points.x[keep], points.y[keep]),
                f"Removed a point of class {int(points.y[nearest])}")
