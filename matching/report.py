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
        """Build from a schema-valid dict (validate first: see matching.schema)."""
        t = d["time"]
        when = t if isinstance(t, datetime) else datetime.fromisoformat(t.replace("Z", "+00:00"))

        def num(key: str) -> float | None:
            v = d.get(key)
            return None if v is None else float(v)

        return cls(
            id=str(d["id"]),
            kind=d["kind"],
            time=when,
            lat=num("lat"),
            lon=num("lon"),
            given_name=d.get("given_name") or "",
            family_name=d.get("family_name") or "",
            other_names=tuple(d.get("other_names") or ()),
            age_years=num("age_years"),
            age_min=num("age_min"),
            age_max=num("age_max"),
            sex=d.get("sex") or "",
            height_cm=num("height_cm"),
            hair=d.get("hair") or "",
            clothing=d.get("clothing") or "",
            carrying=d.get("carrying") or "",
            languages=tuple(d.get("languages") or ()),
            place=d.get("place") or "",
        )
