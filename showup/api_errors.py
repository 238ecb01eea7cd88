"""The API's error answers: their shared schemas (every operation documents 400, 401, 403,
404, 409, 422 and 429 with them), the bounds of path ids, the text and time checks of every
input schema (`CheckedIn`, `checked_time`), and ninja's 422 answers in the request's language.

Pydantic words its errors in English. The answer keeps their shape (`{"detail": [...]}`, each
with `type`, `loc`, `msg` and, when pydantic gave one, `ctx`) and rewrites only `msg` from a
translatable template per error `type`, filled with the error's `ctx`. The English templates
are pydantic's own, so English answers are unchanged. Unknown types keep pydantic's message.
Errors without a `ctx` error (our own cross-field checks in the reunite API) were worded with
gettext when raised, in the language LocaleMiddleware activated for the request.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from typing import Annotated, Any, ClassVar

from django.http import HttpRequest
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy, ngettext_lazy, pgettext, pgettext_lazy
from ninja import Field, Path, Schema
from ninja.errors import HttpError, ValidationError
from pydantic import ValidationInfo, field_validator

from showup.core.text import checked_text
from showup.core.when import api_time_problem

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


# --- the error answers every operation documents ----------------------------------------------

# The largest id a BigAutoField holds: larger ones in a path are a 422, never an overflow.
MAX_ID = 2**63 - 1


class ErrorOut(Schema):
    """Every 4xx answer but a validation error: what went wrong, for people, and for rules
    and access refusals a stable `code`."""

    detail: str = Field(description="What went wrong, for people, in the request's language.")
    code: str | None = Field(
        None, description="Stable code of the rule that refused, e.g. overlap, not_enough_stock."
    )


class FieldError(Schema):
    type: str | None = None
    loc: list[str | int] = Field(description="Where: e.g. ['body', 'payload', 'age_years'].")
    msg: str


class ValidationErrorOut(Schema):
    """422: the input was read but is not acceptable. Schema and field checks list each
    problem (`detail` is a list naming the field); a rule of the visits module that refused
    the values answers `detail` as text with its `code`."""

    detail: list[FieldError] | str
    code: str | None = None


ERROR_RESPONSES: dict[int, Any] = {
    400: ErrorOut,  # the body could not be read (not JSON, not multipart), a malformed header
    401: ErrorOut,  # not logged in
    403: ErrorOut,  # logged in, but this role may not; a missing CSRF token
    404: ErrorOut,  # no such record, or not one this account may see
    409: ErrorOut,  # the record's state does not allow it now
    422: ValidationErrorOut,  # the values are not acceptable
    429: ErrorOut,  # too many requests: wait and retry
}


def responses(ok: dict[int, Any]) -> dict[int, Any]:
    """An operation's documented answers: its own (`ok`, and any other it adds) and every
    error answer above."""
    return {**ERROR_RESPONSES, **ok}


# A path id: 1 to MAX_ID (a larger one would overflow the database's integer: a 422, not a 500).
ObjectId = Annotated[int, Path(ge=1, le=MAX_ID, description="The record's id.")]


class CheckedIn(Schema):
    """An API input whose every text field is checked by showup.core.text, as the web forms'
    are: control characters (NUL included) refused, line breaks and tabs only in the
    `MULTILINE` fields, bidirectional controls refused in the `NAMES` fields."""

    NAMES: ClassVar[frozenset[str]] = frozenset()
    MULTILINE: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*")
    @classmethod
    def _characters(cls, value: Any, info: ValidationInfo) -> Any:
        field = info.field_name or ""
        return checked_text(value, multiline=field in cls.MULTILINE, name=field in cls.NAMES)


def checked_time(value: datetime | None) -> datetime | None:
    """For pydantic validators of API times: see showup.core.when."""
    if value is not None:
        problem = api_time_problem(value)
        if problem:
            raise ValueError(problem)
    return value


# --- Idempotency-Key on API creates (reunite, events, stories) ----------------------------------


def json_body(request: HttpRequest, payload: Schema) -> Any:
    """The request body as sent (for the idempotency fingerprint), or the parsed payload."""
    try:
        return json.loads(request.body)
    except ValueError:
        return payload.model_dump(mode="json")


@contextmanager
def idempotency_errors() -> Iterator[None]:
    """An `Idempotency-Key` that cannot be honoured: 400 malformed, 409 still in flight, 422
    already used with another body (in the shape of every other 422)."""
    from showup.core import idempotency

    try:
        yield
    except idempotency.IdempotencyError as exc:
        if exc.code == "key_reused":
            raise ValidationError(
                [
                    {
                        "type": "idempotency_key_reused",
                        "loc": ["header", idempotency.HEADER],
                        "msg": exc.message,
                    }
                ]
            ) from exc
        raise HttpError(exc.status, exc.message) from exc
