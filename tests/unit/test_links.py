"""Links and JSON for one run or two: short, exact round trips and errors that name the key."""
from __future__ import annotations

import json
import math
import subprocess
from pathlib import Path

import numpy as np
import pytest

from initlab.core.config import FIELDS, Config, FieldError
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


@pytest.mark.parametrize("query, field, message", [
    ("depht=3", "depht", "link key 'depht' is not a setting"),
    ("b.depht=3", "depht", "link key 'b.depht' is not a setting"),
    ("b.activation=" + "x" * 500, "activation", "b.activation='xxx"),
    ("depth=ten", "depth", "link key 'depth': depth='ten' is not allowed: expected an integer"),
    ("b.init=bogus", "init", "link key 'b.init': init='bogus' is not allowed: expected one of"),
    ("residual=maybe", "residual", "residual='maybe' is not allowed: expected true or false"),
    ("depth=99", "depth", "link key 'depth': depth=99 is not allowed: expected an integer in "
                          "[1, 20]"),
    ("depth=3&depth=4", "depth", "link key 'depth' appears twice"),
    ("compare=maybe", "compare", "link key 'compare': 'maybe' is not allowed: expected 1 or 0"),
    ("b.dataset=moons", "n_classes",
     "run B's settings from the link do not fit together: n_classes=3"),
    ("activation=" + "x" * 5000, "activation", "(5,000 characters)"),
])
def test_a_bad_link_raises_a_field_error_naming_the_key_and_what_is_allowed(query, field,
                                                                           message):
    with pytest.raises(FieldError) as err:
        from_query(query)
    assert err.value.field == field
    assert message in str(err.value) and len(str(err.value)) < 500     # a long value is cut


def _other_values(name: str) -> list:
    """Values of field `name` other than its default: every choice, the other truth value, or
    the bounds of its range (those allowed) and a few points inside it."""
    meta, default = FIELDS[name].metadata, getattr(Config(), name)
    if meta["kind"] == "choice":
        values = list(meta["choices"])
    elif meta["kind"] == "bool":
        values = [not default]
    else:
        lo, hi = meta["lo"], meta["hi"]
        inside = [lo + (hi - lo) * t for t in (1e-3, 0.1, 1 / 3, 0.5)] + [default * 0.7 + lo * 0.3]
        values = ([] if meta["lo_open"] else [lo]) + inside + ([] if meta["hi_open"] else [hi])
        values = [int(round(v)) if meta["kind"] == "int" else float(v) for v in values]
    return [v for v in dict.fromkeys(values) if v != default]


def _fits(name: str, value) -> Config | None:
    try:
        return Config().replace(**{name: value})
    except ValueError:             # allowed alone, but not with the other defaults (or budget)
        return None


@pytest.mark.parametrize("name", list(FIELDS))
def test_every_field_round_trips_through_the_link_and_the_json(name):
    configs = [c for c in (_fits(name, v) for v in _other_values(name)) if c is not None]
    assert configs, f"no value other than the default of {name} fits the other defaults"
    for config in configs:
        query = to_query(config)
        assert query.startswith(f"{name}=")
        assert from_query(query) == (config, None)
        assert from_query(to_query(Config(), config)) == (Config(), config)      # as run B
        assert from_json(to_json(config)).a == config
        assert from_json(to_json(Config(), config)).b == config
        assert from_json(json.dumps(config.to_dict())).a == config           # plain export
        value = getattr(config, name)
        assert type(getattr(from_query(query)[0], name)) is type(value)
        if isinstance(value, float):
            assert math.copysign(1, value) == math.copysign(1, getattr(from_query(query)[0], name))


@pytest.mark.parametrize("name", list(FIELDS))
def test_a_bad_value_for_any_field_names_that_field(name):
    kind = FIELDS[name].metadata["kind"]
    bad = {"choice": "no_such_thing", "bool": "perhaps", "int": "1.5x", "float": "lots",
           "logfloat": "-"}[kind]
    for read in (lambda: from_query(f"{name}={bad}"), lambda: from_query(f"b.{name}={bad}"),
                 lambda: from_json(json.dumps({name: bad})),
                 lambda: from_json(json.dumps({"a": {}, "b": {name: bad}}))):
        with pytest.raises(FieldError) as err:
            read()
        assert err.value.field == name and err.value.value == bad
        assert err.value.allowed and f"{name}={bad!r} is not allowed" in str(err.value)
    if kind in ("int", "float", "logfloat"):
        hi = FIELDS[name].metadata["hi"]
        with pytest.raises(FieldError) as err:
            from_query(f"{name}={hi * 2 + 1}")
        assert err.value.field == name


def test_there_is_one_query_parser_and_one_json_reader():
    """Only initlab/core/links.py splits a query string or reads settings from JSON text."""
    root = Path(__file__).resolve().parents[2]
    def files_with(pattern: str) -> set[str]:
        found = subprocess.run(["git", "grep", "-l", "-E", pattern, "--", "initlab", "benchmarks"],
                               cwd=root, capture_output=True, text=True).stdout.split()
        return set(found)
    assert files_with(r"parse_qsl|parse_qs\b|split\(.&.\)") == {"initlab/core/links.py"}
    assert files_with(r"def from_query|def from_json|def config_from") == \
        {"initlab/core/links.py"}
    assert files_with(r"safejson\.loads\(") == {"initlab/core/links.py"}


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
    session = from_json(json.dumps(Config(depth=7).to_dict()))
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
