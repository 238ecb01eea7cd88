"""Ninja's 422 answers in the request's language.

Pydantic words its errors in English. The answer keeps their shape (`{"detail": [...]}`, each
with `type`, `loc`, `msg` and, when pydantic gave one, `ctx`) and rewrites only `msg` from a
translatable template per error `type`, filled with the error's `ctx`. The English templates
are pydantic's own, so English answers are unchanged. Unknown types keep pydantic's message.
Errors without a `ctx` error (our own cross-field checks in the reunite API) were worded with
gettext when raised, in the language LocaleMiddleware activated for the request.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy, ngettext_lazy, pgettext, pgettext_lazy

TEMPLATES: dict[str, Promise] = {
    "missing": gettext_lazy("Field required"),
    "extra_forbidden": gettext_lazy("Extra inputs are not permitted"),
    "string_type": gettext_lazy("Input should be a valid string"),
    "int_type": gettext_lazy("Input should be a valid integer"),
    "int_parsing": gettext_lazy(
        "Input should be a valid integer, unable to parse string as an integer"
    ),
    "int_from_float": gettext_lazy(
        "Input should be a valid integer, got a number with a fractional part"
    ),
    "float_type": gettext_lazy("Input should be a valid number"),
    "float_parsing": gettext_lazy(
        "Input should be a valid number, unable to parse string as a number"
    ),
    "decimal_type": gettext_lazy(
        "Decimal input should be an integer, float, string or Decimal object"
    ),
    "decimal_parsing": gettext_lazy("Input should be a valid decimal"),
    "bool_type": gettext_lazy("Input should be a valid boolean"),
    "bool_parsing": gettext_lazy("Input should be a valid boolean, unable to interpret input"),
    "list_type": gettext_lazy("Input should be a valid list"),
    "dict_type": gettext_lazy("Input should be a valid dictionary"),
    "greater_than": gettext_lazy("Input should be greater than %(gt)s"),
    "greater_than_equal": gettext_lazy("Input should be greater than or equal to %(ge)s"),
    "less_than": gettext_lazy("Input should be less than %(lt)s"),
    "less_than_equal": gettext_lazy("Input should be less than or equal to %(le)s"),
    "literal_error": gettext_lazy("Input should be %(expected)s"),
    "enum": gettext_lazy("Input should be %(expected)s"),
    "datetime_type": gettext_lazy("Input should be a valid datetime"),
    "datetime_parsing": gettext_lazy("Input should be a valid datetime, %(error)s"),
    "datetime_from_date_parsing": gettext_lazy(
        "Input should be a valid datetime or date, %(error)s"
    ),
    "timezone_aware": gettext_lazy("Input should have timezone info"),
    "json_invalid": gettext_lazy("Invalid JSON: %(error)s"),
    "value_error": gettext_lazy("Value error, %(error)s"),
}

# Pydantic adds an "s" when the number is not 1; gettext knows each language's plural rules.
PLURAL_TEMPLATES: dict[str, Promise] = {
    "string_too_short": ngettext_lazy(
        "String should have at least %(min_length)s character",
        "String should have at least %(min_length)s characters",
        "min_length",
    ),
    "string_too_long": ngettext_lazy(
        "String should have at most %(max_length)s character",
        "String should have at most %(max_length)s characters",
        "max_length",
    ),
    "too_short": ngettext_lazy(
        "%(field_type)s should have at least %(min_length)s item after validation, "
        "not %(actual_length)s",
        "%(field_type)s should have at least %(min_length)s items after validation, "
        "not %(actual_length)s",
        "min_length",
    ),
    "too_long": ngettext_lazy(
        "%(field_type)s should have at most %(max_length)s item after validation, "
        "not %(actual_length)s",
        "%(field_type)s should have at most %(max_length)s items after validation, "
        "not %(actual_length)s",
        "max_length",
    ),
    "decimal_max_places": ngettext_lazy(
        "Decimal input should have no more than %(decimal_places)s decimal place",
        "Decimal input should have no more than %(decimal_places)s decimal places",
        "decimal_places",
    ),
    "decimal_max_digits": ngettext_lazy(
        "Decimal input should have no more than %(max_digits)s digit in total",
        "Decimal input should have no more than %(max_digits)s digits in total",
        "max_digits",
    ),
}

# The context is spelled out in each call: makemessages only reads literal strings.
FIELD_TYPES: dict[str, Promise] = {
    "List": pgettext_lazy(
        "the subject of a validation error: the list should have at most 20 items", "List"
    ),
    "Tuple": pgettext_lazy(
        "the subject of a validation error: the list should have at most 20 items", "Tuple"
    ),
    "Set": pgettext_lazy(
        "the subject of a validation error: the list should have at most 20 items", "Set"
    ),
    "Dictionary": pgettext_lazy(
        "the subject of a validation error: the list should have at most 20 items", "Dictionary"
    ),
}


def translated_errors(errors: list[Any]) -> list[Any]:
    return [translated_error(error) for error in errors]


def translated_error(error: Any) -> Any:
    """The same error with `msg` in the active language, when its type is one we know."""
    if not isinstance(error, Mapping) or "msg" not in error:
        return error
    kind = error.get("type")
    ctx = error.get("ctx") or {}
    if kind == "value_error" and "error" not in ctx:
        return error  # our own check: its message is already translated
    template = PLURAL_TEMPLATES.get(kind) or TEMPLATES.get(kind)  # type: ignore[arg-type]
    if template is None:
        return error
    try:
        msg = str(template % _ctx_values(ctx))
    except (KeyError, TypeError, ValueError):  # a ctx unlike pydantic's: keep its message
        return error
    return {**error, "msg": msg}


def _ctx_values(ctx: Mapping[str, Any]) -> dict[str, Any]:
    values = dict(ctx)
    if isinstance(values.get("expected"), str):
        values["expected"] = _translated_choices(values["expected"])
    if values.get("field_type") in FIELD_TYPES:
        values["field_type"] = str(FIELD_TYPES[values["field_type"]])
    return values


def _translated_choices(expected: str) -> str:
    """Pydantic lists choices as "'a', 'b' or 'c'"; only the "or" is language."""
    head, sep, last = expected.rpartition(" or ")
    if not sep:
        return expected
    # (outside the f-string: makemessages does not look inside one)
    word = pgettext("the last of several choices: a, b or c", "or")
    return f"{head} {word} {last}"
