"""Pasted settings JSON: every hostile or broken paste becomes a short message naming the field.

Before this, a 400-digit number, 100,000-deep nesting and 5000-digit integers ended in
tracebacks (OverflowError, RecursionError, Python's 4300-digit limit) and a 5 MB string was
echoed whole in the message.
"""
from __future__ import annotations

import json

import pytest

from initlab.core import safejson
from initlab.core.config import Config, FieldError
from initlab.core.links import from_json, to_json


def refusal(text: str) -> str:
    with pytest.raises(ValueError) as info:
        from_json(text)
    return str(info.value)


def test_a_400_digit_number_names_the_field_without_a_traceback():
    message = refusal('{"lr": ' + "1" * 400 + '.5}')
    assert message == ("lr=<a number of 401 digits> is not allowed: expected a number in "
                       "(0.0, 100.0]")
    with pytest.raises(FieldError) as info:
        from_json('{"lr": ' + "1" * 400 + '.5}')
    assert info.value.field == "lr"
    # as an integer it used to raise OverflowError (int too large to convert to float)
    assert refusal('{"lr": ' + "1" * 400 + "}").startswith("lr=<a number of 400 digits>")


def test_a_5000_digit_integer_names_the_field():
    message = refusal('{"seed": ' + "9" * 5000 + "}")
    assert message.startswith("seed=<a number of 5,000 digits> is not allowed")
    assert len(message) < 200


def test_100000_deep_nesting_is_refused_before_parsing():
    message = refusal("[" * 1_000_001 + "]" * 1_000_001)
    assert "2,000,002 characters long" in message            # the size limit comes first
    message = refusal("[" * 100_000 + "]" * 100_000)
    assert message == "the JSON is nested 100000 levels deep: at most 20 are accepted"
    with pytest.raises(ValueError, match="nested 5000 levels deep: at most 20"):
        safejson.loads("[" * 5000 + "]" * 5000)


def test_a_5_mb_paste_is_refused_by_size_and_not_echoed():
    message = refusal('{"dataset": "' + "x" * 5_000_000 + '"}')
    assert "5,000,015 characters long: at most 2,000,000" in message
    assert len(message) < 200


def test_long_values_are_cut_to_about_100_characters_in_messages():
    message = refusal('{"dataset": "' + "x" * 5000 + '"}')
    assert "(5,000 characters)" in message and len(message) < 250
    message = refusal('{"' + "k" * 500 + '": 1}')
    assert message.startswith("unknown config field") and len(message) < 200
    message = refusal('{"lr": [' + ",".join(["1"] * 3000) + "]}")
    assert message == ("lr=<a JSON list of 3000 items> is not allowed: expected a number in "
                       "(0.0, 100.0]")


def test_nan_and_infinity_name_the_field():
    assert refusal('{"lr": NaN}') == "lr=NaN is not allowed: expected a number in (0.0, 100.0]"
    assert refusal('{"weight_std": -Infinity}').startswith("weight_std=-Infinity is not allowed")
    assert refusal('{"lr": 1e400}') == "lr=inf is not allowed: expected a number in (0.0, 100.0]"


def test_broken_json_says_where_without_quoting_the_text():
    message = refusal('{"lr": 0.1,, "depth": 3}')
    assert message == "the JSON is not valid: Expecting property name enclosed in double " \
                      "quotes (line 1, column 12)"
    assert refusal("[1, 2]") == "the JSON must be an object, got list"
    with pytest.raises(ValueError, match="not UTF-8"):
        safejson.loads(b"\xff\xfe{}")


def test_good_settings_still_round_trip():
    config = Config(activation="tanh", depth=6, lr=3e-4, seed=2**31 - 1, residual=True)
    assert from_json(to_json(config, indent=1)).a == config
    assert from_json('{"lr": 1' + "0" * 10 + "e-12}").a.lr == pytest.approx(0.01)


def test_shorten_keeps_messages_short():
    assert safejson.shorten("abc") == "'abc'"
    assert safejson.shorten("y" * 1000).endswith("... (1,000 characters)")
    assert safejson.shorten(10 ** 5000).startswith("<an integer of about 5001 digits>")
    assert safejson.shorten(list(range(10))) == "<a JSON list of 10 items>"
