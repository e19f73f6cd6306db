"""The lab without widgets (initlab.ui.controller): settings, runs in lockstep, compare mode,
JSON export/import and the student's own points, driven the way the Lab's buttons drive them."""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from initlab.core.config import Config, FieldError
from initlab.data import userdata
from initlab.data.userdata import Points
from initlab.ui.controller import LabController, run_tags

SEEDS = range(5)
SMALL = dict(depth=2, width=16, n_samples=200)


def _points(seed: int, n: int = 40) -> Points:
    rng = np.random.default_rng(seed)
    return Points(rng.normal(size=(n, 2)), np.arange(n) % 2)


def test_the_controller_imports_no_widget_library():
    code = ("import sys, initlab.ui.controller; "
            "print(sorted(m for m in ('ipywidgets', 'bqplot') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


def test_set_keeps_the_config_and_the_run_follows_on_sync():
    lab = LabController(**SMALL)
    assert lab.set(depth=4, lr=0.003) == Config(**SMALL).replace(depth=4, lr=0.003)
    assert lab.run.config.depth == 4 and len(lab.run.model.weights) == 5   # 4 hidden + classifier


@pytest.mark.parametrize("field, value", [("depth", 0), ("activation", "nope"), ("lr", -1.0)])
def test_a_bad_value_raises_a_field_error_naming_the_field_and_changes_nothing(field, value):
    lab = LabController(**SMALL)
    before = lab.config
    with pytest.raises(FieldError) as err:
        lab.set(**{field: value})
    assert err.value.field == field and field in str(err.value)
    assert lab.config == before and lab.run.config == before


def test_the_weight_std_slider_means_a_gaussian_and_says_so():
    lab = LabController(**SMALL)
    notice = lab.change("weight_std", 0.5)
    assert lab.config.init == "gaussian" and lab.config.weight_std == 0.5
    assert "he_normal to gaussian" in notice


@pytest.mark.parametrize("seed", SEEDS)
def test_step_trains_every_run_and_reset_returns_the_same_numbers(seed):
    lab = LabController(seed=seed, **SMALL)
    start = lab.run.loss()
    assert lab.step(7) == 7 and lab.run.step_count == 7
    lab.reset()
    assert lab.run.step_count == 0 and lab.run.loss() == start


@pytest.mark.parametrize("seed", SEEDS)
def test_comparing_pins_a_while_b_follows_the_controls(seed):
    lab = LabController(seed=seed, **SMALL)
    lab.step(5)
    a_config = lab.config
    b = lab.compare(init="xavier_normal")
    run_a, run_b = lab.runs
    assert [r.step_count for r in lab.runs] == [0, 0]           # both from step 0
    assert run_a.config == a_config and run_b.config == b
    assert run_a.data is run_b.data                             # one Data: same data fields
    lab.set(lr=0.001)                                           # a live change: B only
    assert lab.runs[0].config == a_config and lab.runs[1].config.lr == 0.001
    lab.step(3)
    assert [r.step_count for r in lab.runs] == [3, 3]
    assert [s.tag for s in lab.shown()] == ["A", "B"]


@pytest.mark.parametrize("seed", SEEDS)
def test_rebuilding_b_sends_a_back_to_step_0_in_lockstep(seed):
    lab = LabController(seed=seed, **SMALL)
    lab.compare(lr=0.003)
    lab.step(4)
    lab.set(depth=3)                                            # a rebuild of B
    run_a, run_b = lab.runs
    assert (run_a.step_count, run_b.step_count) == (0, 0)
    assert run_a.config.depth == 2 and run_b.config.depth == 3
    assert np.array_equal(run_a.data.x_train, run_b.data.x_train)   # the same examples
    assert lab.step_for(0.01, max_steps=6) <= 6
    assert run_a.step_count == run_b.step_count > 0             # Play steps both in turn


def test_stopping_compare_leaves_b_alone_with_its_steps():
    lab = LabController(**SMALL)
    lab.compare(activation="tanh")
    lab.step(3)
    run_b = lab.runs[1]
    assert lab.compare(False) is None
    assert lab.runs == (run_b,) and run_b.step_count == 3 and not lab.comparing
    assert [s.tag for s in lab.shown()] == [""]


def test_more_than_two_runs_take_the_same_path():
    lab = LabController(**SMALL)
    lab.compare(lr=0.003)
    lab.run_list.start(lab.config.replace(lr=0.0003))
    assert run_tags(3) == ("A", "B", "C") and [s.tag for s in lab.shown()] == ["A", "B", "C"]
    lab.step(2)
    assert [r.step_count for r in lab.runs] == [2, 2, 2]
    assert len({id(r.data) for r in lab.runs}) == 1


@pytest.mark.parametrize("seed", SEEDS)
def test_own_points_are_trained_on_by_every_run_and_dropped_again(seed):
    lab = LabController(seed=seed, **SMALL)
    lab.compare(lr=0.003)
    points = _points(seed)
    lab.use_points(points)
    for run in lab.runs:
        assert run.data.name == userdata.NAME
        assert len(run.data.y_train) + len(run.data.y_val) == len(points)
    added, done = lab.edit_points((0.1, 0.2), 1, "A")
    assert len(added) == len(points) + 1 and done == "Added a point of class 1"
    lab.drop_points()
    assert lab.points is None and all(r.data.name == "spiral" for r in lab.runs)


def test_a_built_in_data_change_leaves_the_points_and_says_so():
    lab = LabController(**SMALL)
    heard = []
    lab.on_points = lambda n_classes, notice: heard.append((n_classes, notice))
    lab.use_points(_points(0))
    lab.set(dataset="moons", n_classes=2)
    assert lab.run.data.name == "moons" and lab.points is None
    assert heard == [(2, "Back to the built-in data: a data setting changed.")]


def test_export_and_import_carry_both_runs_and_the_points():
    lab = LabController(**SMALL)
    lab.compare(init="xavier_normal")
    lab.use_points(_points(3))
    text = lab.export_json("checks")
    assert set(json.loads(text)) >= {"a", "b", "points"}
    other = LabController()
    session, refused = other.import_json(text)
    assert refused == "" and session.view == "checks"
    assert [r.config for r in other.runs] == [r.config for r in lab.runs]
    assert np.array_equal(other.points.x, lab.points.x)
    assert all(r.data.name == userdata.NAME for r in other.runs)


def test_a_bad_json_changes_nothing():
    lab = LabController(**SMALL)
    before = lab.runs
    with pytest.raises(ValueError):
        lab.import_json('{"a": {"depth": -3}}')
    assert lab.runs == before and lab.config == Config(**SMALL)
