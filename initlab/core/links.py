"""Links and JSON that carry one run's settings or two (compare mode), and the student's points.

Query syntax:  run A's fields that differ from the defaults as `name=value`; run B's fields that
differ from A's with a `b.` prefix.  B starts from A, so `?depth=10&b.init=he_normal` is "A: ten
layers; B: the same with He init".  `compare=1` turns compare mode on when B equals A.

    to_query(Config(depth=10), Config(depth=10, init="he_normal"))
        -> 'depth=10&b.init=he_normal'
    from_query('?depth=10&b.init=he_normal') -> (Config(depth=10, ...), Config(..., init=...))

JSON:  {"a": {fields}, "b": {fields} (absent without compare), "points": [[x1, x2, label], ...]
(absent without own data)}.  Today's plain single-Config JSON ({"depth": 10, ...}) still loads.
B's fields are read on top of A's, so a hand-written {"a": {...}, "b": {"init": "he_normal"}} works.
All JSON text goes through `parse_json_text`.

This module is the one reader and writer of links and JSON: the served page
(initlab.serving.querystring), the Lab's share box and import/export, presets and benchmarks all
come here.  A bad key or value raises a FieldError (initlab.nn.registry) whose `.field` names the
setting; settings that are each allowed but do not fit together (classes for a data set, the
cost budget) are refused by Config and said of run A or run B.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, quote

from initlab.core import budget, safejson
from initlab.core.config import FIELDS, Config, FieldError, allowed, validate_field
from initlab.core.safejson import SHOWN, shorten
from initlab.data.userdata import MAX_BYTES, Points, points_from_rows

B_PREFIX = "b."
COMPARE_KEY = "compare"
# Keys a page's URL may carry that are not experiment settings (Voila's own, a server token).
IGNORED_KEYS = frozenset({"theme", "template", "token"})
IGNORED_PREFIX = "voila"
JSON_KEYS = ("a", "b", "points")


@dataclass(frozen=True)
class Session:
    """What a link or a JSON file restores: run A, run B (None: no compare) and own points."""
    a: Config
    b: Config | None = None
    points: Points | None = None


# ---- query strings --------------------------------------------------------------------------
def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value) if isinstance(value, float) else str(value)


def _pairs(config: Config, base: Config, prefix: str = "") -> list[str]:
    return [f"{prefix}{name}={quote(_text(getattr(config, name)), safe='')}"
            for name in FIELDS if getattr(config, name) != getattr(base, name)]


def to_query(a: Config, b: Config | None = None) -> str:
    """Query string (no leading '?') for run A and, in compare mode, run B.

    Writes only A's fields that differ from the defaults, and B's that differ from A's.
    """
    parts = _pairs(a, Config())
    if b is not None:
        b_parts = _pairs(b, a, B_PREFIX)
        parts += b_parts or [f"{COMPARE_KEY}=1"]
    return "&".join(parts)


def ignored(key: str) -> bool:
    """True for a key a page's URL may carry that is not a setting (Voila's, a server token)."""
    return key in IGNORED_KEYS or key.startswith(IGNORED_PREFIX)


def from_query(query: str, base: Config | None = None) -> tuple[Config, Config | None]:
    """(config A, config B or None) from a query string such as 'depth=10&b.init=he_normal'.

    A starts from `base` (default: the defaults), B from A.  Raises FieldError, its `.field`
    the setting's name (without 'b.') and its message naming the key, for an unknown, repeated
    or over-long key (no setting is longer than SHOWN characters) or a bad value, and when run
    A's or B's fields do not fit together (ValueError if together they are over the budget).
    """
    a_changes: dict[str, Any] = {}
    b_changes: dict[str, Any] = {}
    compare = False
    seen: set[str] = set()
    for key, raw in parse_qsl(query.lstrip("?"), keep_blank_values=True):
        if ignored(key):
            continue
        name, target = (key[len(B_PREFIX):], b_changes) if key.startswith(B_PREFIX) else (
            key, a_changes)
        if len(key) > SHOWN or len(raw) > SHOWN:
            raise FieldError(name, raw, f"at most {SHOWN} characters",
                             f"{shorten(key, 40) if len(key) > SHOWN else key}={shorten(raw)} is "
                             f"not allowed: no setting is longer than {SHOWN} characters")
        if key in seen:
            raise FieldError(name, raw, "each setting once", f"link key {key!r} appears twice: "
                             f"give each setting once")
        seen.add(key)
        if key == COMPARE_KEY:
            compare = _flag(raw)
            continue
        if name not in FIELDS:
            raise FieldError(name, raw, "a Config field, optionally prefixed 'b.'",
                             f"link key {key!r} is not a setting: allowed are the Config fields "
                             f"({', '.join(FIELDS)}), each optionally prefixed 'b.' for run B")
        try:
            target[name] = validate_field(name, parse_text(name, raw))
        except FieldError as err:
            raise err.at(f"link key {key!r}") from None
    a = _build(base or Config(), a_changes, "run A")
    if not (compare or b_changes):
        return a, None
    b = _build(a, b_changes, "run B")
    budget.check_runs((a, b))                   # compare mode: both runs in one kernel
    return a, b


TRUE, FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


def parse_text(name: str, raw: str) -> Any:
    """Field `name`'s value from a link's text ('10', '0.01', 'true', 'tanh'), or a FieldError.
    The range is not checked here (validate_field and Config do that)."""
    kind = FIELDS[name].metadata["kind"]
    text = raw.strip()
    try:
        if kind == "bool" and text.lower() in TRUE + FALSE:
            return text.lower() in TRUE
        if kind == "int":
            return int(text)
        if kind in ("float", "logfloat"):
            return float(text)
    except ValueError:
        pass
    else:
        if kind == "choice":
            return text
    raise FieldError(name, text, allowed(name))


def _flag(raw: str) -> bool:
    low = raw.strip().lower()
    if low == "" or low in TRUE + FALSE:
        return low == "" or low in TRUE
    raise FieldError(COMPARE_KEY, raw, "1 or 0",
                     f"link key {COMPARE_KEY!r}: {raw!r} is not allowed: expected 1 or 0")


def _build(base: Config, changes: dict[str, Any], which: str) -> Config:
    try:
        return base.replace(**changes)
    except FieldError as err:
        raise err.at(f"{which}'s settings from the link do not fit together") from None
    except ValueError as err:                  # the cost budget: several fields at once
        raise ValueError(f"{which}'s settings from the link do not fit together: {err}") from None


# ---- JSON -----------------------------------------------------------------------------------
def parse_json_text(text: str | bytes) -> Any:
    """The one place JSON text is parsed: the value, or ValueError saying where it is broken.

    safejson checks nesting and over-long numbers; the size limit is the own-points file's, since
    an export may carry up to that many points.
    """
    return safejson.loads(text, "the", max_chars=MAX_BYTES)


def to_json(a: Config, b: Config | None = None, points: Points | None = None,
            **dump_options: Any) -> str:
    """JSON text of run A, run B (compare mode) and own points (if any)."""
    doc: dict[str, Any] = {"a": a.to_dict()}
    if b is not None:
        doc["b"] = b.to_dict()
    if points is not None:
        doc["points"] = points.rows()
    return json.dumps(doc, **dump_options)


def from_json(text: str | bytes) -> Session:
    """A Session from to_json's text, or from a plain single-Config JSON object.

    Raises ValueError naming the key (and for points the row and column) that is wrong: a
    FieldError (with `.field`) for a setting's name or value.
    """
    doc = parse_json_text(text)
    if not isinstance(doc, dict):
        raise ValueError(f"the JSON must be an object, got {type(doc).__name__}")
    if "a" not in doc:                              # today's plain export: one Config
        return Session(_config_from(doc, Config(), ""))
    unknown = [k for k in doc if k not in JSON_KEYS]
    if unknown:
        raise ValueError(f"JSON key {unknown[0]!r} is not allowed: expected "
                         f"{', '.join(repr(k) for k in JSON_KEYS)}")
    a = _config_from(doc["a"], Config(), "a")
    b = None if doc.get("b") is None else _config_from(doc["b"], a, "b")
    points = None
    if doc.get("points") is not None:
        if not isinstance(doc["points"], list):
            raise ValueError("JSON key 'points' must be a list of rows [x1, x2, label]")
        try:
            points = points_from_rows(doc["points"])
        except ValueError as err:
            raise ValueError(f"JSON key 'points': {err}") from None
    # the runs on the data they will train on: imported points by their rows and features
    budget.check_runs((a,) if b is None else (a, b), *(
        (None, None) if points is None else (len(points), points.dim)))
    return Session(a, b, points)


def _config_from(fields: Any, base: Config, key: str) -> Config:
    """base with the JSON object's fields; errors are said of JSON key `key` ('' : the top)."""
    if not isinstance(fields, dict):
        raise ValueError(f"JSON key {key!r} must be an object of settings, got "
                         f"{type(fields).__name__}")
    try:
        safejson.check_scalars(fields, lambda name: allowed(name) if name in FIELDS else "")
        return base.replace(**fields)
    except FieldError as err:
        raise (err.at(f"JSON key {key!r}") if key else err) from None
    except ValueError as err:                  # the cost budget: several fields at once
        raise (ValueError(f"JSON key {key!r}: {err}") if key else err) from None
