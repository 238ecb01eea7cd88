"""The record the engine reads: one child report, missing or found (framework-free)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

Kind = Literal["missing", "found"]


@dataclass(frozen=True, slots=True)
class ChildReport:
    """One report as `../shared/contracts/child-report.schema.json` describes it.

    lat/lon may be None inside the application (a guardian who only typed an address); the
    contract's JSON always carries them.
    """

    id: str
    kind: Kind
    time: datetime
    lat: float | None = None
    lon: float | None = None
    given_name: str = ""
    family_name: str = ""
    other_names: tuple[str, ...] = ()
    age_years: float | None = None
    age_min: float | None = None
    age_max: float | None = None
    sex: str = ""
    height_cm: float | None = None
    hair: str = ""
    clothing: str = ""
    carrying: str = ""
    languages: tuple[str, ...] = ()
    place: str = ""
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ChildReport:
        """Build from a schema-valid dict (validate first: see matching.schema).

        The batch command builds half a million of these, so the frozen dataclass's
        generated __init__ (one checked object.__setattr__ per field) is bypassed: the
        slots are filled directly, with the same values it would store."""
        t = d["time"]
        when = t if isinstance(t, datetime) else _parse_time(t)
        get = d.get
        r = object.__new__(cls)
        put = object.__setattr__
        put(r, "id", str(d["id"]))
        put(r, "kind", d["kind"])
        put(r, "time", when)
        for key in _NUMBERS:
            v = get(key)
            put(r, key, None if v is None else float(v))
        for key in _TEXTS:
            put(r, key, get(key) or "")
        on = get("other_names")
        put(r, "other_names", tuple(on) if on else ())
        la = get("languages")
        put(r, "languages", tuple(la) if la else ())
        put(r, "extra", {})
        return r


_NUMBERS = ("lat", "lon", "age_years", "age_min", "age_max", "height_cm")
_TEXTS = ("given_name", "family_name", "sex", "hair", "clothing", "carrying", "place")


def _parse_time(t: str) -> datetime:
    return datetime.fromisoformat(t.replace("Z", "+00:00"))
