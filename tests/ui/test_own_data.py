"""Your own data in the lab: clicked points, the eraser, a CSV upload (a bad one explains itself
and changes nothing), points in the JSON export, and which setting changes keep them."""
from __future__ import annotations

import datetime
import html
import json

import numpy as np

from initlab.ui.app import Lab
from initlab.ui.owndata import ERASER


def _status(lab: Lab) -> str:
    return html.unescape(lab.status.notice.value)


def _upload(lab: Lab, name: str, text: str) -> None:
    now = datetime.datetime.now(datetime.timezone.utc)
    lab.json_box.selected_index = 0               # the student opens the settings box
    lab.own.upload.value = ({"name": name, "type": "text/csv", "size": len(text),
                             "last_modified": now, "content": memoryview(text.encode())},)


def _browser_click(lab: Lab, x: float, y: float) -> None:
    """What bqplot's 'add' interaction sends: the clicked position appended to x and y."""
    clicks = lab.own.clicks
    with clicks.hold_trait_notifications():
        clicks.x = np.append(clicks.x, np.float32(x))
        clicks.y = np.append(clicks.y, np.float32(y))


def test_a_clicked_point_of_the_chosen_class_is_drawn_and_trained_on():
    lab = Lab(panels=["boundary", "loss"])
    n_before = len(lab.run.data.y_train) + len(lab.run.data.y_val)
    lab.own.label.value = 2
    _browser_click(lab, 0.25, -0.5)
    assert len(lab.own.clicks.x) == 0                 # the catcher is empty for the next click
    points = lab.own.points
    assert len(points) == n_before + 1 and points.y[-1] == 2
    assert lab.run.data.name == "custom"
    # drawn where it was clicked (the picture plane is the network's input space; the
    # standardisation is refitted with the new point, which moves the plane a little)
    shown = np.c_[lab.own.shown.x, lab.own.shown.y]
    assert np.allclose(shown[-1], [0.25, -0.5], atol=0.05)
    assert len(shown) == len(points)
    assert lab.own.shown.visible and not lab.panels["boundary"].points.visible
    first = lab.run.loss()
    lab.step(200)
    assert lab.run.loss() < 0.7 * first


def test_the_eraser_removes_the_nearest_point_and_a_miss_removes_none():
    lab = Lab(panels=["boundary"])
    lab.own.click((0.1, 0.1))
    n = len(lab.own.points)
    lab.own.label.value = ERASER
    _browser_click(lab, 0.1 + 1e-3, 0.1)
    assert len(lab.own.points) == n - 1
    view = lab.snapshot.plane.view
    lab.own.click((view[0] - 10.0, view[2] - 10.0), erase=True)     # far off every point
    assert len(lab.own.points) == n - 1
    assert "No point there" in _status(lab)


def test_a_bad_csv_names_row_and_column_and_changes_nothing():
    lab = Lab(panels=["boundary"])
    run = lab.run
    _upload(lab, "mine.csv", "x1,x2,label\n0.1,0.2,0\n0.3,abc,1\n")
    message = _status(lab)
    assert "mine.csv was not loaded" in message
    assert "row 3, column 2 (x2)" in message and "'abc' is not a number" in message
    assert lab.run is run and lab.own.points is None


def test_an_uploaded_csv_is_trained_on_and_goes_into_the_json_export():
    rows = [f"{np.cos(k):.3f},{np.sin(k):.3f},{k % 2}" for k in range(40)]
    lab = Lab(panels=["boundary"])
    _upload(lab, "circle.csv", "\n".join(rows))
    assert len(lab.own.points) == 40 and lab.run.data.n_classes == 2
    assert "Loaded 40 points" in _status(lab)
    lab._export()
    doc = json.loads(lab.json_text.value)
    assert len(doc["points"]) == 40 and doc["points"][1][2] == 1
    other = Lab(panels=["boundary"])
    other.json_text.value = lab.json_text.value
    other._import()
    assert np.array_equal(other.own.points.x, lab.own.points.x)
    assert other.run.data.name == "custom"


def test_a_64_feature_csv_trains_but_clicks_are_for_2d_data_only():
    rng = np.random.default_rng(0)
    rows = [",".join(f"{v:.2f}" for v in rng.random(64)) + f",{k % 3}" for k in range(30)]
    lab = Lab(panels=["boundary"])
    _upload(lab, "digits.csv", "\n".join(rows))
    assert lab.run.data.input_dim == 64 and len(lab.own.points) == 30
    lab.own.click((0.0, 0.0))
    assert len(lab.own.points) == 30 and "2-D data only" in _status(lab)


def test_live_and_preprocessing_changes_keep_the_points_a_data_set_change_drops_them():
    lab = Lab(panels=["boundary"])
    lab.own.click((0.0, 0.5))
    n = len(lab.own.points)
    lab.set(lr=0.02)
    lab.set(preprocessing="none")
    assert lab.run.data.name == "custom" and len(lab.own.points) == n
    lab.set(noise=0.3)
    assert lab.own.points is None and lab.run.data.name == "spiral"
    assert "built-in data" in _status(lab)


def test_the_settings_box_is_made_when_first_opened_and_holds_the_upload():
    lab = Lab()
    assert lab.own.upload is None and lab.json_box.children[0].children == ()
    lab.json_box.selected_index = 0
    assert lab.own.upload in lab.json_box.children[0].children
    assert lab.json_text in lab.json_box.children[0].children


def test_comparing_a_click_restarts_both_runs_on_the_points_and_compare_stays():
    lab = Lab(panels=["boundary", "loss"])
    lab.compare(activation="tanh")
    lab.step(5)
    lab.own.click((0.25, -0.5), label=1)
    run_a, run_b = lab.runs                                   # still comparing
    assert run_a.data is run_b.data and run_a.data.name == "custom"   # the same arrays
    assert [run_a.step_count, run_b.step_count] == [0, 0]
    assert (run_a.config.activation, run_b.config.activation) == ("relu", "tanh")
    assert "both runs restart on your" in _status(lab)
    assert "copy link (no points)" in lab.share.widget.value     # a link leaves them out
    lab.step(20)
    assert [r.step_count for r in lab.runs] == [20, 20]
    lab.set(depth=4)                         # B is rebuilt on the points; A starts again too
    run_a, run_b = lab.runs
    assert run_b.config.depth == 4 and run_b.data.name == run_a.data.name == "custom"
    assert len(run_b.data.y_train) + len(run_b.data.y_val) == len(lab.own.points)
    assert run_a.step_count == 0
    lab.own.drop("Back to the built-in data.")                # both runs, compare stays
    assert len(lab.runs) == 2 and all(r.data.name == "spiral" for r in lab.runs)


def test_comparing_other_preprocessing_each_run_prepares_the_points_its_way():
    lab = Lab(panels=["boundary"])
    lab.compare(preprocessing="none")
    lab.own.click((0.0, 0.5), label=0)
    run_a, run_b = lab.runs
    assert run_a.data is not run_b.data
    assert not np.allclose(run_a.data.x_train, run_b.data.x_train)      # standardised vs raw
    # the points are drawn in the plane of the boundary on screen: B's, then A's
    raw = lab.own.points.x
    shown = lambda: np.c_[lab.own.shown.x, lab.own.shown.y]          # noqa: E731
    np.testing.assert_allclose(shown(), run_b.data.preprocessor.transform(raw), rtol=1e-5,
                               atol=1e-6)
    lab.panels["boundary"].run_choice.value = "A"
    np.testing.assert_allclose(shown(), run_a.data.preprocessor.transform(raw), rtol=1e-5,
                               atol=1e-6)


def test_an_export_of_two_runs_and_points_reopens_both_on_the_points():
    lab = Lab(panels=["boundary"])
    lab.compare(init="xavier_normal")
    lab.own.click((0.1, 0.2), label=2)
    lab._export()
    doc = json.loads(lab.json_text.value)
    assert set(doc) == {"a", "b", "points"}
    other = Lab(panels=["boundary"])
    other.json_text.value = lab.json_text.value
    other._import()
    run_a, run_b = other.runs
    assert run_b.config.init == "xavier_normal" and run_a.config.init == lab.runs[0].config.init
    assert run_a.data.name == run_b.data.name == "custom"
    assert np.array_equal(other.own.points.x, lab.own.points.x)
    assert "Settings loaded (run A and run B) with your" in _status(other)
