"""Safe reading of settings pasted as JSON: every failure is a ValueError with a short message.

A pasted text can be hostile or just broken: megabytes long, nested 100,000 deep (Python's parser
recurses), numbers of thousands of digits (Python refuses to convert more than 4300 digits, and a
400-digit number overflows float conversion later).  ``loads_settings`` checks the text before
and after parsing so that none of these reaches a traceback, and ``shorten`` keeps every value
quoted in a message to about 100 characters.
"""
from __future__ import annotations

import json
from typing import Any, Callable

from initlab.nn.registry import FieldError

MAX_CHARS = 100_000      # a Config as JSON is about 1 kB; a two-run comparison a few kB
MAX_DEPTH = 20           # settings are an object of scalars, or a list/object of a few of those
MAX_DIGITS = 40          # digits in one number: float64 holds 17 significant digits
SHOWN = 100              # characters of a value quoted in a message


def shorten(value: Any, limit: int = SHOWN) -> str:
    """repr(value) cut to about `limit` characters, saying how long it was."""
    if isinstance(value, str) and len(value) > limit:
        return f"{value[:limit]!r}... ({len(value):,} characters)"
    text = _repr(value)
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text):,} characters)"


def _repr(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 256:
        return f"<an integer of about {int(value.bit_length() * 0.30103) + 1} digits>"
    if isinstance(value, (list, dict)):
        return f"<a JSON {'list' if isinstance(value, list) else 'object'} of {len(value)} items>"
    return repr(value)


class _Number(str):
    """A number literal that cannot be a setting (too many digits, NaN, Infinity), kept as text
    so that the message can name the field it was given for."""


def _number(text: str) -> Any:
    digits = sum(c.isdigit() for c in text)
    if digits > MAX_DIGITS:
        return _Number(text)
    return float(text) if any(c in text for c in ".eE") else int(text)


def _constant(name: str) -> Any:
    return _Number(name)              # NaN, Infinity, -Infinity


def nesting_depth(text: str) -> int:
    """Deepest nesting of [ and { in a JSON text, outside strings."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def loads(text: Any, what: str = "settings", max_chars: int = MAX_CHARS) -> Any:
    """Parse JSON `text` (str or bytes) within the limits above; ValueError says what is wrong.

    Numbers with more than MAX_DIGITS digits come back as ``_Number`` strings (see
    ``check_scalars``), so that the message can name the field they were given for.
    """
    if isinstance(text, (bytes, bytearray)):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as err:
            raise ValueError(f"{what} JSON is not UTF-8 text: {err.reason} at byte "
                             f"{err.start}") from None
    if not isinstance(text, str):
        raise ValueError(f"{what} JSON must be text, got {type(text).__name__}")
    if len(text) > max_chars:
        raise ValueError(f"{what} JSON is {len(text):,} characters long: at most {max_chars:,} "
                         f"are accepted (one config is about 1,000)")
    depth = nesting_depth(text)
    if depth > MAX_DEPTH:
        raise ValueError(f"{what} JSON is nested {depth} levels deep: at most {MAX_DEPTH} are "
                         f"accepted")
    try:
        return json.loads(text, parse_int=_number, parse_float=_number, parse_constant=_constant)
    except json.JSONDecodeError as err:
        raise ValueError(f"{what} JSON is not valid: {err.msg} (line {err.lineno}, column "
                         f"{err.colno})") from None
    except RecursionError:   # guarded by nesting_depth, kept as a last line of defence
        raise ValueError(f"{what} JSON is nested too deeply") from None


def check_scalars(data: dict[str, Any], allowed: Callable[[str], str] | None = None) -> None:
    """Refuse with a FieldError, naming the field, any value that is a list/object, an over-long
    number or a string longer than SHOWN characters: none is a setting, and the message must stay
    short.

    `allowed(name)` (optional) describes what a field accepts, for the message.
    """
    for name, value in data.items():
        if len(str(name)) > SHOWN:
            raise FieldError(str(name), value, "a config field",
                             f"unknown config field {shorten(str(name))}")
        too_long = isinstance(value, _Number) or (isinstance(value, str) and len(value) > SHOWN)
        if too_long or isinstance(value, (list, dict)):
            digits = sum(c.isdigit() for c in value) if isinstance(value, _Number) else 0
            shown = (f"<a number of {digits:,} digits>" if digits else
                     str(value) if isinstance(value, _Number) else shorten(value))
            expected = f": expected {allowed(name)}" if allowed else ""
            raise FieldError(name, value, allowed(name) if allowed else "",
                             f"{name}={shown} is not allowed{expected}")
