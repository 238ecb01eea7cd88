"""Shared helpers for the bench scripts: load the development set, compute pair levels."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from matching.features import compare, profile
from matching.report import ChildReport

REPO = Path(__file__).resolve().parents[1]
DEV = REPO.parent / "shared" / "data" / "child-reports-dev"

Levels = list[tuple[str, str]]


@dataclass
class DevSet:
    missing: list[ChildReport]
    found: list[ChildReport]
    truth: dict[str, str | None]  # found id -> missing id


def _read(path: Path) -> list[ChildReport]:
    with path.open(encoding="utf-8-sig") as fh:
        return [ChildReport.from_dict(json.loads(line)) for line in fh if line.strip()]


def load(folder: Path = DEV) -> DevSet:
    truth: dict[str, str | None] = {}
    with (folder / "truth.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                r = json.loads(line)
                truth[r["found"]] = r["missing"]
    return DevSet(_read(folder / "missing.jsonl"), _read(folder / "found.jsonl"), truth)


def all_levels(ds: DevSet) -> dict[str, list[tuple[str, Levels]]]:
    """found id -> [(missing id, levels)] for every pair (fine at development-set size)."""
    mp = [profile(m) for m in ds.missing]
    out: dict[str, list[tuple[str, Levels]]] = {}
    for f in ds.found:
        fp = profile(f)
        out[f.id] = [(m.report.id, [(lv.field, lv.level) for lv in compare(m, fp)]) for m in mp]
    return out
