"""Matcher: scores (missing, found) pairs and ranks candidates found through an index."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Iterator

from matching import weights as W
from matching.candidate import Candidate
from matching.features import Level_, Profile, compare, profile
from matching.names import blocking_keys
from matching.report import ChildReport
from matching.vocab import Garment

MIN_SCORE = 0.01  # below this a pair is not plausible enough to show
MATCH_SCORE = 0.85  # the best candidate must reach this to be called a match ...
MATCH_MARGIN = 0.30  # ... and lead the runner-up by this much (calibrated scores)
MAX_REASONS = 6
MAX_CANDIDATES = 400  # pairs fully scored per query, chosen by how many keys they share
GEO_CELL_DEG = 0.5  # ~55 km: children reach shelters tens of km away


class Matcher:
    """Scores pairs of reports and ranks candidates. Stateless apart from its parameters."""

    def __init__(
        self,
        weights: dict[str, dict[str, float]] | None = None,
        slope: float = W.SLOPE,
        offset: float = W.OFFSET,
        match_score: float = MATCH_SCORE,
        match_margin: float = MATCH_MARGIN,
    ) -> None:
        self.weights = weights if weights is not None else W.WEIGHTS
        self.slope = slope
        self.offset = offset
        self.match_score = match_score
        self.match_margin = match_margin

    # -- scoring ---------------------------------------------------------------------------

    def levels(self, missing: ChildReport, found: ChildReport) -> list[Level_]:
        """The per-field comparison of a pair (for fitting and explanation)."""
        return compare(profile(missing), profile(found))

    def total(self, levels: list[Level_]) -> float:
        """Summed log-likelihood ratio of a pair's levels."""
        return sum(self.weights.get(lv.field, {}).get(lv.level, 0.0) for lv in levels)

    def probability(self, total: float) -> float:
        z = max(-40.0, min(40.0, self.slope * total + self.offset))
        return 1.0 / (1.0 + math.exp(-z))

    def _candidate(self, other_id: str, levels: list[Level_]) -> Candidate | None:
        score = self.probability(self.total(levels))
        if score < MIN_SCORE:
            return None
        return Candidate(other_id, round(score, 4), False, self._reasons(levels))

    def _reasons(self, levels: list[Level_]) -> list[str]:
        scored = [
            (self.weights.get(lv.field, {}).get(lv.level, 0.0), lv.reason)
            for lv in levels
            if lv.reason
        ]
        # Strongest evidence for first, then the strongest against; place/time always shown.
        pos = sorted(((w, r) for w, r in scored if w > 0.05), key=lambda x: -x[0])
        neg = sorted(((w, r) for w, r in scored if w < -0.05), key=lambda x: x[0])
        out = [r for _, r in pos[: MAX_REASONS - min(2, len(neg))] if r]
        out += [r for _, r in neg[:2] if r]
        place = next((lv.reason for lv in levels if lv.field == "place"), None)
        if place and place not in out:
            out.append(place)
        return out

    def score_profiles(self, m: Profile, f: Profile, other_id: str) -> Candidate | None:
        return self._candidate(other_id, compare(m, f))

    def score_pair(self, missing: ChildReport, found: ChildReport) -> Candidate | None:
        """Score one pair; None when implausible. `other_id` is the found report's id."""
        return self.score_profiles(profile(missing), profile(found), found.id)

    # -- ranking ---------------------------------------------------------------------------

    def decide(self, cands: list[Candidate], top: int) -> list[Candidate]:
        """Sort, cut to `top` and mark at most the best one as the match."""
        cands.sort(key=lambda c: (-c.score, c.other_id))
        if cands:
            best = cands[0]
            runner = cands[1].score if len(cands) > 1 else 0.0
            best.match = best.score >= self.match_score and best.score - runner >= self.match_margin
        return cands[:top]

    def rank(
        self, query: ChildReport, pool: Iterable[ChildReport], top: int = 3
    ) -> list[Candidate]:
        """Best candidates for `query` among `pool` (reports of the other kind), linear scan."""
        q = profile(query)
        out: list[Candidate] = []
        for other in pool:
            if other.kind == query.kind:
                continue
            o = profile(other)
            m, f = (q, o) if query.kind == "missing" else (o, q)
            c = self.score_profiles(m, f, other.id)
            if c is not None:
                out.append(c)
        return self.decide(out, top)

    def build_index(self, reports: Iterable[ChildReport] = ()) -> ReportIndex:
        """An index of reports (usually the open missing ones) to query many times."""
        return ReportIndex(self, reports)


# ---- blocking keys -----------------------------------------------------------------------

AGE_ANY = "*"


def _age_keys(p: Profile) -> list[str]:
    # A missing child's known age indexes under one year; a found child's estimate under
    # every year it covers plus a margin. Two reports share an age key iff the ages could fit.
    if p.age_lo is None or p.age_hi is None:
        return [AGE_ANY]
    if p.report.kind == "missing" or (p.age_lo == p.age_hi and p.report.age_years is not None):
        return [str(int(p.age_lo))]
    margin = 2 if p.age_hi >= 10 else 1
    lo, hi = math.floor(p.age_lo) - margin, math.ceil(p.age_hi) + margin
    return [str(a) for a in range(max(0, lo), min(18, hi) + 1)]


def _query_ages(p: Profile) -> list[str]:
    ages = _age_keys(p)
    if ages == [AGE_ANY]:
        return [AGE_ANY, *(str(a) for a in range(19))]
    return [*ages, AGE_ANY]


def _cell(lat: float, lon: float) -> tuple[int, int]:
    return math.floor(lat / GEO_CELL_DEG), math.floor(lon / GEO_CELL_DEG)


def _garment_key(g: Garment) -> Iterator[str]:
    for c in g.colours or {"?"}:
        yield f"g:{g.category}:{c}"


def _base_keys(p: Profile) -> set[str]:
    """Age-free keys: names, clothing, carried items."""
    keys: set[str] = set()
    for tok in (*p.given, *p.family):
        keys |= blocking_keys(tok)
    for g in p.garments:
        keys.update(_garment_key(g))
    keys |= {"i:" + i for i in p.items}
    return keys


def _geo_keys(p: Profile, neighbours: bool) -> list[str]:
    r = p.report
    if r.lat is None or r.lon is None:
        return []
    y, x = _cell(r.lat, r.lon)
    if not neighbours:
        return [f"geo:{y}:{x}"]
    return [f"geo:{y + dy}:{x + dx}" for dy in (-1, 0, 1) for dx in (-1, 0, 1)]


def index_keys(p: Profile) -> set[str]:
    """Keys a report is stored under."""
    base = _base_keys(p) | set(_geo_keys(p, neighbours=False))
    return {f"{k}|{a}" for k in base for a in _age_keys(p)}


def query_keys(p: Profile) -> set[str]:
    """Keys to look up for a query report."""
    base = _base_keys(p) | set(_geo_keys(p, neighbours=True))
    return {f"{k}|{a}" for k in base for a in _query_ages(p)}


class ReportIndex:
    """Reports of one kind, indexed by blocking keys; queried with reports of the other kind.

    Candidate generation looks up inverted lists (name keys: token, nickname canonical forms,
    phonetic codes, prefixes; clothing; carried items; geographic cell), each qualified by an
    age year, and scores only the reports that share the most keys with the query.
    """

    def __init__(self, matcher: Matcher, reports: Iterable[ChildReport] = ()) -> None:
        self._matcher = matcher
        self._profiles: dict[str, Profile] = {}
        self._keys: dict[str, set[str]] = {}
        self._postings: dict[str, set[str]] = {}
        for r in reports:
            self.add(r)

    def __len__(self) -> int:
        return len(self._profiles)

    def __contains__(self, report_id: object) -> bool:
        return report_id in self._profiles

    def add(self, report: ChildReport) -> None:
        """Add or replace a report."""
        if report.id in self._profiles:
            self.remove(report.id)
        p = profile(report)
        keys = index_keys(p)
        self._profiles[report.id] = p
        self._keys[report.id] = keys
        for k in keys:
            self._postings.setdefault(k, set()).add(report.id)

    def remove(self, report_id: str) -> None:
        """Drop a report (closed, purged); unknown ids are ignored."""
        self._profiles.pop(report_id, None)
        for k in self._keys.pop(report_id, set()):
            ids = self._postings.get(k)
            if ids is not None:
                ids.discard(report_id)
                if not ids:
                    del self._postings[k]

    def candidates(self, query: ChildReport, limit: int = MAX_CANDIDATES) -> list[str]:
        """Ids of the indexed reports sharing the most blocking keys with `query`."""
        hits: Counter[str] = Counter()
        for k in query_keys(profile(query)):
            ids = self._postings.get(k)
            if ids:
                hits.update(ids)
        if len(hits) <= limit:
            return list(hits)
        return [i for i, _ in hits.most_common(limit)]

    def rank(self, query: ChildReport, top: int = 3) -> list[Candidate]:
        """Best candidates for `query` among the indexed reports of the other kind."""
        q = profile(query)
        out: list[Candidate] = []
        for oid in self.candidates(query):
            o = self._profiles[oid]
            if o.report.kind == query.kind:
                continue
            m, f = (q, o) if query.kind == "missing" else (o, q)
            c = self._matcher.score_profiles(m, f, oid)
            if c is not None:
                out.append(c)
        return self._matcher.decide(out, top)
