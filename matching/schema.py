"""Validation of one decoded JSON line against the contract's child-report schema.

The schema ships inside the package (a byte-for-byte copy of
`../shared/contracts/child-report.schema.json`, checked by a test) so validation works from an
installed wheel, without the shared folder beside the repo.
"""

from __future__ import annotations

import json
import math
from datetime import datetime
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

SCHEMA_FILE = "child-report.schema.json"


@cache
def schema() -> dict[str, Any]:
    """The contract schema as a dict (read once)."""
    text = resources.files("matching").joinpath(SCHEMA_FILE).read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


@cache
def _validator() -> Draft202012Validator:
    # No FormatChecker: "date-time" needs the optional rfc3339-validator, which may be absent,
    # and then jsonschema silently accepts anything. `_check_time` enforces it instead.
    return Draft202012Validator(schema())


def _where(err: ValidationError) -> str:
    path = ".".join(str(p) for p in err.absolute_path)
    return f"{path}: " if path else ""


def _check_time(value: Any) -> str | None:
    if not isinstance(value, str):
        return None  # the schema already reports the type
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return f"time: {value!r} is not an ISO 8601 date-time"
    if "T" not in value.upper() and " " not in value:
        return f"time: {value!r} is a date without a time of day"
    if when.tzinfo is None or when.utcoffset() is None:
        return f"time: {value!r} has no UTC offset (write e.g. 2026-06-01T14:30:00-07:00)"
    return None


def _non_finite(d: dict[str, Any]) -> str | None:
    # json.loads accepts NaN and Infinity; the schema's minimum/maximum cannot catch NaN.
    for key, value in d.items():
        if isinstance(value, float) and not math.isfinite(value):
            return f"{key}: {value} is not a finite number"
    return None


_STRINGS = ("id", "given_name", "family_name", "hair", "clothing", "carrying", "place", "time")
_STRING_LISTS = ("other_names", "languages")
_NUMBERS = {
    "age_years": (0, 18),
    "age_min": (0, 18),
    "age_max": (0, 18),
    "height_cm": (30, 220),
    "lat": (-90, 90),
    "lon": (-180, 180),
}
_ENUMS = {"kind": ("missing", "found"), "sex": ("male", "female", "unknown")}
_REQUIRED = ("id", "kind", "lat", "lon", "time")


def _number_ok(v: Any, lo: float, hi: float) -> bool:
    t = type(v)
    if t is not int and t is not float:
        return isinstance(v, int | float) and not isinstance(v, bool) and lo <= v <= hi
    return lo <= v <= hi or v != v  # NaN passes the schema (caught by _non_finite)


def schema_ok(obj: dict[str, Any]) -> bool:
    """A hand-written check equivalent to the schema (tested against jsonschema), about
    a hundred times faster; the schema itself is consulted only to explain a failure."""
    for key in _REQUIRED:
        if key not in obj:
            return False
    for key in _STRINGS:
        v = obj.get(key)
        if v is not None and not isinstance(v, str):
            return False
        if key in obj and v is None:
            return False
    if not obj["id"]:
        return False
    for key, allowed in _ENUMS.items():
        if key in obj and obj[key] not in allowed:
            return False
    for key, (lo, hi) in _NUMBERS.items():
        if key in obj and not _number_ok(obj[key], lo, hi):
            return False
    for key in _STRING_LISTS:
        if key in obj:
            v = obj[key]
            if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
                return False
    if "guardian" in obj:
        g = obj["guardian"]
        if not isinstance(g, dict):
            return False
        for key in ("name", "phone", "email"):
            if key in g and not isinstance(g[key], str):
                return False
    return True


def validation_error(obj: Any, kind: str | None = None) -> str | None:
    """Why `obj` is not a valid child report (of `kind`, when given), or None when it is."""
    if not isinstance(obj, dict):
        return f"expected a JSON object, got {type(obj).__name__}"
    if schema_ok(obj):
        return _after_schema(obj, kind)
    errors = sorted(_validator().iter_errors(obj), key=lambda e: (list(e.absolute_path), e.message))
    if errors:
        err = errors[0]
        more = f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
        return f"{_where(err)}{err.message}{more}"
    return _after_schema(obj, kind)


def _after_schema(obj: dict[str, Any], kind: str | None) -> str | None:
    reason = _non_finite(obj) or _check_time(obj.get("time"))
    if reason:
        return reason
    if kind is not None and obj.get("kind") != kind:
        return f"kind: expected {kind!r} in this file, got {obj.get('kind')!r}"
    return None


def is_valid(obj: Any, kind: str | None = None) -> bool:
    """True when `obj` is a valid child report (of `kind`, when given)."""
    return validation_error(obj, kind) is None
