"""The translated 422 messages: English identical to pydantic's, unknown types untouched."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation
from pydantic_core import PydanticKnownError

from showup.api_errors import PLURAL_TEMPLATES, TEMPLATES, translated_error

CTX: dict[str, dict[str, Any]] = {
    "greater_than": {"gt": 0},
    "greater_than_equal": {"ge": -180},
    "less_than": {"lt": 5},
    "less_than_equal": {"le": "18"},
    "literal_error": {"expected": "'missing' or 'found'"},
    "enum": {"expected": "'a', 'b' or 'c'"},
    "datetime_parsing": {"error": "input is too short"},
    "datetime_from_date_parsing": {"error": "input is too short"},
    "json_invalid": {"error": "EOF while parsing"},
    "value_error": {"error": "Use one of: en, es."},
    "string_too_short": {"min_length": 1},
    "string_too_long": {"max_length": 500},
    "too_short": {"field_type": "List", "min_length": 2, "actual_length": 1},
    "too_long": {"field_type": "List", "max_length": 20, "actual_length": 21},
    "decimal_max_places": {"decimal_places": 1},
    "decimal_max_digits": {"max_digits": 4},
}
PLURAL_CTX: dict[str, dict[str, Any]] = {
    "string_too_short": {"min_length": 3},
    "string_too_long": {"max_length": 1},
    "too_short": {"field_type": "List", "min_length": 1, "actual_length": 0},
    "too_long": {"field_type": "List", "max_length": 1, "actual_length": 2},
    "decimal_max_places": {"decimal_places": 2},
    "decimal_max_digits": {"max_digits": 1},
}


def pydantic_error(kind: str, ctx: dict[str, Any]) -> dict[str, Any]:
    message = PydanticKnownError(kind, ctx or None).message()  # type: ignore[arg-type]
    error: dict[str, Any] = {"type": kind, "loc": ["body", "x"], "msg": message}
    if ctx:
        error["ctx"] = ctx
    return error


CASES = [(kind, CTX.get(kind, {})) for kind in [*TEMPLATES, *PLURAL_TEMPLATES]] + [
    (kind, ctx) for kind, ctx in PLURAL_CTX.items()
]


@pytest.mark.parametrize(("kind", "ctx"), CASES)
def test_english_is_exactly_pydantics_message(kind: str, ctx: dict[str, Any]) -> None:
    error = pydantic_error(kind, ctx)
    with translation.override("en"):
        assert translated_error(error) == error


@pytest.mark.parametrize(("kind", "ctx"), CASES)
def test_every_known_type_has_a_spanish_message(kind: str, ctx: dict[str, Any]) -> None:
    error = pydantic_error(kind, ctx)
    with translation.override("es"):
        shown = translated_error(error)
    assert shown["msg"] != error["msg"]
    assert {k: v for k, v in shown.items() if k != "msg"} == {
        k: v for k, v in error.items() if k != "msg"
    }


def test_unknown_types_and_odd_errors_keep_their_message() -> None:
    unknown = pydantic_error("url_parsing", {"error": "relative URL without a base"})
    own = {"type": "value_error", "loc": ["body", "payload", "seen_at"], "msg": "Ya traducido."}
    cursor = {"cursor": "Invalid Cursor"}
    odd_ctx = {"type": "greater_than_equal", "loc": [], "msg": "Input should be ...", "ctx": {}}
    with translation.override("es"):
        assert translated_error(unknown) == unknown
        assert translated_error(own) == own
        assert translated_error(cursor) == cursor
        assert translated_error(odd_ctx) == odd_ctx
