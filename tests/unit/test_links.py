"""Links and JSON for one run or two: short, exact round trips and errors that name the key."""
from __future__ import annotations

import json

import numpy as np
import pytest

from initlab.core.config import Config
from initlab.core.links import from_json, from_query, parse_json_text, to_json, to_query
from initlab.lessons.presets import PRESETS
from initlab.data.userdata import Points, add_point

A = Config(dataset="digits", n_classes=10, depth=10, width=500, activation="tanh",
           init="gaussian", weight_std=0.01)


def test_a_link_writes_only_what_differs_from_the_defaults():
    assert to_query(Config()) == ""
    assert to_query(Config(depth=10, residual=True, lr=1e-5)) == "depth=10&residual=true&lr=1e-05"


def test_run_b_is_written_as_its_differences_from_a_with_a_b_prefix():
    query = to_query(Config(depth=10), Config(depth=10, init="xavier_normal"))
    assert query == "depth=10&b.init=xavier_normal"
    assert from_query("?" + query) == (Config(depth=10), Config(depth=10, init="xavier_normal"))


def test_compare_with_b_equal_to_a_survives_the_round_trip():
    assert to_query(Config(), Config()) == "compare=1"
    assert from_query("compare=1") == (Config(), Config())
    assert from_query("depth=4") == (Config(depth=4), None)


@pytest.mark.parametrize("b_changes", [{}, dict(weight_std=1.0), dict(init="xavier_normal"),
                                       dict(norm="batch", lr=0.001), dict(dataset="moons",
                                                                          n_classes=2)])
def test_every_pair_round_trips_exactly(b_changes):
    b = A.replace(**b_changes)
    assert from_query(to_query(A, b)) == (A, b)
    assert from_query(to_query(A)) == (A, None)


def test_every_preset_round_trips_through_a_link():
    for preset in PRESETS.values():
        assert from_query(to_query(preset.config)) == (preset.config, None)


def test_voila_and_server_keys_are_not_settings():
    assert from_query("depth=2&theme=dark&voila-template=lab&token=abc") == (Config(depth=2),
                                                                             None)


@pytest.mark.parametrize("query, message", [
    ("depht=3", "link key 'depht' is not a setting"),
    ("b.depht=3", "link key 'b.depht' is not a setting"),
    ("depth=ten", "link key 'depth': depth='ten' is not allowed: expected an integer"),
    ("b.init=bogus", "link key 'b.init': init='bogus' is not allowed: expected one of"),
    ("depth=3&depth=4", "link key 'depth' appears twice"),
    ("compare=maybe", "link key 'compare': 'maybe' is not allowed: expected 1 or 0"),
    ("b.dataset=moons", "run B's settings from the link do not fit together: n_classes=3"),
])
def test_a_bad_link_names_the_key_and_what_is_allowed(query, message):
    with pytest.raises(ValueError) as err:
        from_query(query)
    assert message in str(err.value)


def test_json_carries_both_runs_and_the_students_points():
    points = add_point(Points.empty(), (0.5, -0.25), 2)
    text = to_json(A, A.replace(init="xavier_normal"), points)
    doc = json.loads(text)
    assert set(doc) == {"a", "b", "points"} and doc["points"] == [[0.5, -0.25, 2]]
    points = Points(np.random.default_rng(0).normal(size=(12, 2)), np.arange(12) % 3)
    session = from_json(to_json(A, A.replace(init="xavier_normal"), points))
    assert session.a == A and session.b == A.replace(init="xavier_normal")
    np.testing.assert_array_equal(session.points.x, points.x)
    np.testing.assert_array_equal(session.points.y, points.y)
    assert from_json(to_json(A)) == type(session)(A, None, None)


def test_todays_plain_config_json_still_loads():
    session = from_json(Config(depth=7).to_json())
    assert session.a == Config(depth=7) and session.b is None and session.points is None
    assert from_json('{"depth": 7}').a == Config(depth=7)


def test_b_in_json_is_read_on_top_of_a():
    session = from_json('{"a": {"depth": 9}, "b": {"init": "xavier_normal"}}')
    assert session.b == Config(depth=9, init="xavier_normal")


@pytest.mark.parametrize("text, message", [
    ('{"a": {"depth": 3}', "the JSON is not valid: Expecting ',' delimiter (line 1, column 19)"),
    ("[1, 2]", "the JSON must be an object, got list"),
    ('{"a": {}, "c": 1}', "JSON key 'c' is not allowed"),
    ('{"a": 3}', "JSON key 'a' must be an object of settings, got int"),
    ('{"a": {}, "b": {"depth": 0}}', "JSON key 'b': depth=0 is not allowed"),
    ('{"a": {}, "points": [[0, 0, 0], [1, "x", 1]]}',
     "JSON key 'points': row 2, column 2 (x2): 'x' is not a number"),
    ('{"a": {}, "points": {"x": 1}}', "JSON key 'points' must be a list of rows"),
    ('{"depht": 3}', "unknown config field 'depht'"),
])
def test_bad_json_names_the_key_or_the_place(text, message):
    with pytest.raises(ValueError) as err:
        from_json(text)
    assert message in str(err.value)


def test_all_json_text_goes_through_one_parser():
    assert parse_json_text(b'{"a": 1}') == {"a": 1}
    with pytest.raises(ValueError, match="at most 2,000,000"):
        parse_json_text(" " * 2_000_001)
    with pytest.raises(ValueError, match="nested 30 levels deep"):       # safejson's guards
        parse_json_text("[" * 30)
    with pytest.raises(ValueError, match="JSON key 'a': lr=<a number of 401 digits>"):
        from_json('{"a": {"lr": 1' + "0" * 400 + '}}')


def test_the_lectures_comparisons_open_as_two_runs_from_their_link():
    pairs = {n: p for n, p in PRESETS.items() if p.compare is not None}
    assert {"small init collapses", "xavier shrinks relu", "batch norm rescues", "dead relus",
            "deep sigmoid vanishes"} <= set(pairs)
    for preset in pairs.values():
        a, b = from_query(preset.compare_query)
        assert a == preset.config and b == preset.compare_config and b != a
