"""Matcher: scores (missing, found) pairs and ranks candidates found through an index."""

from __future__ import annotations

import heapq
import math
from array import array
from collections import Counter
from collections.abc import Iterable
from operator import itemgetter

from matching import weights as W
from matching.blocking import index_keys, query_keys
from matching.candidate import Candidate
from matching.features import (
    FIELDS,
    Level_,
    Profile,
    compare,
    profile,
    quick_age,
    quick_levels,
)
from matching.report import ChildReport

MIN_SCORE = 0.01  # below this a pair is not plausible enough to show
MATCH_SCORE = 0.85  # the best candidate must reach this to be called a match ...
MATCH_MARGIN = 0.30  # ... and lead the runner-up by this much (calibrated scores)
MAX_REASONS = 6

# Candidate generation (see ReportIndex.rank)
MAX_POSTING = 6000  # a key with more reports than this tells too little to read
POSTING_BUDGET = 8000  # postings read per query and class of keys, rarest keys first
PRESCORED = 300  # reports sharing the most keys get the cheap pre-score ...
SCORED = 50  # ... and the best of those are fully scored


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
        self._by_field = [self.weights.get(f, {}) for f in FIELDS]

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

    def quick_score(self, m: Profile, f: Profile) -> float:
        """The pair's score without reasons (the same number `score_profiles` gives)."""
        total = 0.0
        for w, lv in zip(self._by_field, quick_levels(m, f), strict=True):
            total += w.get(lv, 0.0)
        return self.probability(total)

    def field_weight(self, field: str, level: str) -> float:
        return self.weights.get(field, {}).get(level, 0.0)

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

    def rank_profiles(self, q: Profile, others: Iterable[Profile], top: int = 3) -> list[Candidate]:
        """Best candidates for the query profile among `others` (profiles of the other kind).

        Every pair is scored on the fast path; reasons are written only for the `top` shown.
        """
        missing_side = q.report.kind == "missing"
        scored: list[tuple[float, str, Profile]] = []
        for o in others:
            if o.report.kind == q.report.kind:
                continue
            s = self.quick_score(q, o) if missing_side else self.quick_score(o, q)
            if s >= MIN_SCORE:
                scored.append((round(s, 4), o.report.id, o))
        scored.sort(key=lambda x: (-x[0], x[1]))
        out: list[Candidate] = []
        for i, (_, oid, o) in enumerate(scored):
            if i < top:
                m, f = (q, o) if missing_side else (o, q)
                c = self.score_profiles(m, f, oid)
                if c is not None:  # always, as the two paths agree (tested)
                    out.append(c)
            else:  # only the runner-up's score matters beyond the shown ones
                out.append(Candidate(oid, scored[i][0]))
                break
        return self.decide(out, top)

    def rank(
        self, query: ChildReport, pool: Iterable[ChildReport], top: int = 3
    ) -> list[Candidate]:
        """Best candidates for `query` among `pool` (reports of the other kind), linear scan."""
        return self.rank_profiles(profile(query), (profile(o) for o in pool), top)

    def build_index(self, reports: Iterable[ChildReport] = ()) -> ReportIndex:
        """An index of reports (usually the open missing ones) to query many times."""
        return ReportIndex(self, reports)


class ReportIndex:
    """Reports of one kind, indexed by blocking keys; queried with reports of the other kind.

    Memory: one `Profile` per report (its normalised features, with name tuples, garment
    lists and vocabulary sets shared between reports that say the same thing) and, per
    blocking key, an `array('I')` of row numbers (4 bytes a posting).

    A query (1) reads the posting lists of its keys, rarest first, skipping keys with more
    than MAX_POSTING reports and stopping after POSTING_BUDGET postings, and counts the keys
    each report shares with it; (2) pre-scores the PRESCORED reports sharing the most keys on
    age, sex, place and time; (3) fully scores the best SCORED of those and writes reasons for
    the `top` it returns.

    `add` appends the report's row to its keys' lists; `remove` marks the row dead (the
    lists skip dead rows) and the lists are compacted once a third of the rows are dead, so
    both cost O(keys of that report), amortised.
    """

    def __init__(self, matcher: Matcher, reports: Iterable[ChildReport] = ()) -> None:
        self._matcher = matcher
        self._rows: list[Profile | None] = []
        self._row_of: dict[str, int] = {}
        self._postings: dict[str, array[int]] = {}
        self._dead = 0
        for r in reports:
            self.add(r)

    def __len__(self) -> int:
        return len(self._row_of)

    def __contains__(self, report_id: object) -> bool:
        return report_id in self._row_of

    def add(self, report: ChildReport) -> None:
        """Add or replace a report."""
        if report.id in self._row_of:
            self.remove(report.id)
        p = profile(report)
        row = len(self._rows)
        self._rows.append(p)
        self._row_of[report.id] = row
        postings = self._postings
        for k in index_keys(p):
            ids = postings.get(k)
            if ids is None:
                postings[k] = array("I", (row,))
            else:
                ids.append(row)

    def remove(self, report_id: str) -> None:
        """Drop a report (closed, purged); unknown ids are ignored."""
        row = self._row_of.pop(report_id, None)
        if row is None:
            return
        self._rows[row] = None
        self._dead += 1
        if self._dead > 64 and self._dead * 3 > len(self._rows):
            self._compact()

    def _compact(self) -> None:
        """Renumber the live rows and drop dead rows from every posting list."""
        new_of = array("i", [-1]) * len(self._rows)
        rows: list[Profile | None] = []
        for old, p in enumerate(self._rows):
            if p is not None:
                new_of[old] = len(rows)
                self._row_of[p.report.id] = len(rows)
                rows.append(p)
        postings: dict[str, array[int]] = {}
        for k, ids in self._postings.items():
            kept = array("I", [new_of[r] for r in ids if new_of[r] >= 0])
            if kept:
                postings[k] = kept
        self._rows, self._postings, self._dead = rows, postings, 0

    def _hits(self, q: Profile) -> Counter[int]:
        """Row -> weighted number of blocking keys shared with the query.

        Each class of keys is read rarest first within its own budget; a shared description
        key (a garment with its colour, a carried item, the place cell) counts twice a
        name key, since an exact name shares about eight name keys.
        """
        names, other = query_keys(q)
        hits: Counter[int] = Counter()
        for keys, weight in ((names, 1), (other, 2)):
            lists = [ids for k in keys if (ids := self._postings.get(k)) is not None]
            lists.sort(key=len)
            budget = POSTING_BUDGET
            for ids in lists:
                if len(ids) > MAX_POSTING or len(ids) > budget:
                    break
                for _ in range(weight):
                    hits.update(ids)
                budget -= len(ids)
        return hits

    def _shortlist(self, q: Profile) -> list[Profile]:
        """The reports worth scoring fully: most shared keys, then a cheap pre-score."""
        hits = self._hits(q)
        rows = self._rows
        if len(hits) > PRESCORED:
            top = heapq.nlargest(PRESCORED, hits.items(), key=itemgetter(1))
        else:
            top = list(hits.items())
        kind = q.report.kind
        live = [(n, p) for r, n in top if (p := rows[r]) is not None and p.report.kind != kind]
        if len(live) <= SCORED:
            return [p for _, p in live]
        w = self._matcher.field_weight
        age_w = {lv: w("age", lv) for lv in ("in", "near", "off", "far", "none")}
        sex_same, sex_differ = w("sex", "same"), w("sex", "differ")
        implausible = w("place", "implausible")
        q_missing = kind == "missing"
        q_sex, q_lo, q_hi, q_h = q.sex, q.age_lo, q.age_hi, q.hours
        q_lat, q_lon = q.report.lat, q.report.lon
        pre: list[tuple[float, int, Profile]] = []
        for i, (n, o) in enumerate(live):
            s = 0.45 * n
            if q_sex and o.sex:
                s += sex_same if q_sex == o.sex else sex_differ
            if q_lo is not None and q_hi is not None and o.age_lo is not None:
                m, f = (q, o) if q_missing else (o, q)
                s += age_w[quick_age(m, f)]
            hours = abs(o.hours - q_h)
            s -= 0.25 * min(hours / 24.0, 8.0)
            lat, lon = o.report.lat, o.report.lon
            if q_lat is not None and q_lon is not None and lat is not None and lon is not None:
                # flat-earth distance is close enough to spot the implausible
                dy = (lat - q_lat) * 111.0
                dx = (lon - q_lon) * 111.0 * math.cos(math.radians(q_lat))
                km = math.sqrt(dx * dx + dy * dy)
                if km <= 1.5 + 1.5 * hours:
                    s += 1.5
                elif km > (60.0 if hours <= 24 else 80.0) * 1.2:
                    s += implausible
            pre.append((s, i, o))
        return [o for _, _, o in heapq.nlargest(SCORED, pre)]

    def candidates(self, query: ChildReport, limit: int = SCORED) -> list[str]:
        """Ids of the indexed reports worth scoring for `query`, most promising first."""
        return [p.report.id for p in self._shortlist(profile(query))[:limit]]

    def rank(self, query: ChildReport, top: int = 3) -> list[Candidate]:
        """Best candidates for `query` among the indexed reports of the other kind."""
        q = profile(query)
        return self._matcher.rank_profiles(q, self._shortlist(q), top)
