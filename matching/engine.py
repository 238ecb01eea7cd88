"""Matcher: ranks reports of the opposite kind for a query report (simple first version)."""

from __future__ import annotations

import math
from collections.abc import Iterable

from anyascii import anyascii
from rapidfuzz.distance import JaroWinkler

from matching.candidate import Candidate
from matching.report import ChildReport


def _norm(s: str) -> str:
    return " ".join(anyascii(s).lower().split())


def _km(a: ChildReport, b: ChildReport) -> float | None:
    if a.lat is None or a.lon is None or b.lat is None or b.lon is None:
        return None
    p1, p2 = math.radians(a.lat), math.radians(b.lat)
    dp, dl = p2 - p1, math.radians(b.lon - a.lon)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0 * 2 * math.asin(min(1.0, math.sqrt(h)))


class Matcher:
    """Scores (missing, found) pairs; see `rank`."""

    def score_pair(self, missing: ChildReport, found: ChildReport) -> Candidate | None:
        llr = -3.0
        reasons: list[str] = []
        a, b = _norm(missing.given_name), _norm(found.given_name)
        if a and b:
            sim = JaroWinkler.normalized_similarity(a, b)
            llr += 4.0 * (sim - 0.75) * 4
            if sim > 0.85:
                reasons.append(f"name {found.given_name} ~ {missing.given_name}")
        if missing.age_years is not None and found.age_min is not None:
            hi = found.age_max if found.age_max is not None else found.age_min
            if found.age_min - 1 <= missing.age_years <= hi + 1:
                llr += 1.5
            else:
                llr -= 3.0
        if missing.sex in ("male", "female") and found.sex in ("male", "female"):
            llr += 1.0 if missing.sex == found.sex else -4.0
        d = _km(missing, found)
        if d is not None:
            llr += 2.0 if d < 2 else (0.0 if d < 30 else -2.0)
        score = 1.0 / (1.0 + math.exp(-llr))
        if score < 0.05:
            return None
        return Candidate(missing.id if found else "", round(score, 4), False, reasons)

    def build_index(self, reports: Iterable[ChildReport] = ()) -> ReportIndex:
        return ReportIndex(self, reports)

    def rank(
        self, query: ChildReport, pool: Iterable[ChildReport], top: int = 3
    ) -> list[Candidate]:
        out: list[Candidate] = []
        for other in pool:
            if other.kind == query.kind:
                continue
            m, f = (query, other) if query.kind == "missing" else (other, query)
            c = self.score_pair(m, f)
            if c is not None:
                c.other_id = other.id
                out.append(c)
        out.sort(key=lambda c: (-c.score, c.other_id))
        out = out[:top]
        if out and out[0].score >= 0.9 and (len(out) < 2 or out[0].score - out[1].score > 0.3):
            out[0].match = True
        return out


class ReportIndex:
    """Reports of one kind, indexed once and queried with reports of the other kind."""

    def __init__(self, matcher: Matcher, reports: Iterable[ChildReport] = ()) -> None:
        self._matcher = matcher
        self._reports: dict[str, ChildReport] = {}
        for r in reports:
            self.add(r)

    def add(self, report: ChildReport) -> None:
        self._reports[report.id] = report

    def __len__(self) -> int:
        return len(self._reports)

    def rank(self, query: ChildReport, top: int = 3) -> list[Candidate]:
        return self._matcher.rank(query, self._reports.values(), top)
