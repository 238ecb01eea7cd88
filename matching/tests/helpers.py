"""Report builders for the tests (invented data)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from matching import ChildReport


def missing(**kw: Any) -> ChildReport:
    d: dict[str, Any] = {
        "id": "M-1",
        "kind": "missing",
        "lat": 34.05,
        "lon": -118.25,
        "time": "2026-06-01T12:00:00-07:00",
    }
    d.update(kw)
    return ChildReport.from_dict(d)


def found(**kw: Any) -> ChildReport:
    d: dict[str, Any] = {
        "id": "F-1",
        "kind": "found",
        "lat": 34.055,
        "lon": -118.255,
        "time": "2026-06-01T13:00:00-07:00",
    }
    d.update(kw)
    return ChildReport.from_dict(d)


def at(s: str) -> datetime:
    return datetime.fromisoformat(s)
