"""Matcher: scores (missing, found) pairs and ranks candidates found through an index."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from matching import weights as W
from matching.blocking import (
    age_keys,
    density_cells,
    index_keys,
    place_keys,
    query_ages,
    query_keys,
)
from matching.candidate import Candidate
from matching.features import (
    AGE_ERROR_GROWTH,
    AGE_OFF_UNITS,
    BEFORE_TOLERANCE_H,
    EARTH_KM,
    FIELDS,
    Level_,
    Profile,
    compare,
    profile,
    quick_eval,
    quick_levels,
)
from matching.names import Level, NameMatch
from matching.partitions import (
    HERE_KEY,
    NOWHERE,
    PostingStore,
    coarse_cell,
    coarse_disk,
    composites,
    here_bucket,
    here_cell,
    here_partitions,
    is_cold,
    key_hash,
    partition_hash,
    placed,
    warm_weeks,
    week,
)
from matching.reach import FAR_LATE_KM, FAR_SOON_KM, SOON_H
from matching.reasons import RARE_OF, Reason
from matching.report import ChildReport

MIN_SCORE = 0.01  # a pair whose own score (alone, no competitors) is below this is not shown
MATCH_SCORE = W.MATCH_SCORE  # the posterior the best candidate needs to be called a match
MAX_REASONS = 6
# A pair scored alone (`score_pair`, and the floor below which a candidate is not shown) is
# judged as if this many open reports were plausible by place, time and age: about a fair's.
PAIR_DENSITY = 1000
# Fewer plausible open reports than this do not make a chance look-alike much less likely
# (a pool of one in a demo is no proof): the null mass stops falling here.
DENSITY_FLOOR = 20
# The crowd's mean place-and-time weight is shrunk towards nothing as if this many more
# candidates had none: one or two candidates are no crowd (and a pair alone has none).
CROWD_PRIOR = 5
# Say that place and time say little (a fair) when the plausible candidates' mean place-and-
# time weight (`crowd_of`) is this high: every report was "here, minutes ago". (Set on the
# crowd itself, not on its share of the null, so a recalibration does not move it.)
CROWD_SAY = 2.35


def crowd_of(where_when: list[float]) -> float:
    """The plausible candidates' mean place-and-time weight, shrunk (see CROWD_PRIOR)."""
    return sum(where_when) / (len(where_when) + CROWD_PRIOR)


# Candidate generation (see ReportIndex): every plausible candidate gets the cheap pre-score;
SCORED = 50  # at least this many of the best are fully scored, more as the plausible grow
SCORED_GROWTH = 2.0  # (this many times the square root of the plausible count),
SCORED_CAP = 150  # never more than this (the p99 latency at a million: docs/matching.md),
CLOSE = 2.0  # every one within this many log-units of the best pre-score up to the cap;
TAIL_SAMPLE = 10  # a sample of this many of the rest stands in for all of them in the posterior

# Name frequency (term-frequency adjustment, as Splink does)
TF_MIN_POOL = 100  # fewer open reports than this say nothing about which names are common
TF_LOW, TF_HIGH = -3.0, 2.0  # clip of the adjustment, in log-likelihood-ratio units
LANG_LOW, LANG_HIGH = -2.5, 1.0  # the same for a shared language
NAME_LANG_OVERLAP = 0.5  # share of a shared language's weight a name agreement already gave
COMMON_SAY = -0.3  # say "common here" below this adjustment ...
RARE_SAY = 1.0  # ... and "rare" above this one


_FAR_AGE = ("off", "far")


class NameFreq:
    """How many reports of a pool carry each folded given-name and family-name token.

    Kept by the index as reports come and go; counted on the fly for a plain pool."""

    __slots__ = ("family", "given", "langs", "n")

    def __init__(self, profiles: Iterable[Profile] = ()) -> None:
        self.given: Counter[str] = Counter()
        self.family: Counter[str] = Counter()
        self.langs: Counter[str] = Counter()
        self.n = 0
        for p in profiles:
            self.add(p)

    def add(self, p: Profile) -> None:
        self.n += 1
        self.given.update(p.given)
        self.family.update(p.family)
        self.langs.update(p.languages)

    def remove(self, p: Profile) -> None:
        self.n -= 1
        self.given.subtract(p.given)
        self.family.subtract(p.family)
        self.langs.subtract(p.languages)

    def adjust(self, counts: Counter[str], token: str, u_ref: float) -> tuple[float, int]:
        """(log(u_ref / share of the pool with this token), its count), clipped; 0 in small
        pools. A name nobody else in the pool has is strong evidence, a name 41 open reports
        share is weak."""
        if self.n < TF_MIN_POOL:
            return 0.0, 0
        c = max(1, counts.get(token, 0))
        adj = math.log(u_ref * self.n / c)
        return max(TF_LOW, min(TF_HIGH, adj)), c


@dataclass(slots=True)
class _Scored:
    """One fully compared pair of a ranking."""

    s: float  # log-likelihood ratio (slope * summed weights)
    other_id: str
    other: Profile
    notes: list[tuple[str, str, int]]  # (field, "common" | "rare", count): name frequency
    plausible: bool  # could be the child by place, time and age alone
    where_when: float  # the place and time weights alone (summed, before the slope)


class Matcher:
    """Scores pairs of reports and ranks candidates. Stateless apart from its parameters.

    A pair's evidence is a summed log-likelihood ratio (Fellegi–Sunter weights per field,
    the name weights adjusted for how common the name is in the pool). A ranking turns the
    candidates' ratios into posteriors that account for every competitor and for the chance
    that the child has no open report at all:

        P(candidate i) = LR_i / (exp(-OFFSET) + sum over candidates j of LR_j)

    so 0.9 means right about nine times in ten whatever the pool's size or crowding
    (bench/calibrate.py fits SLOPE and OFFSET on synthetic scenes and checks it).
    `score_pair` scores a pair alone (no competitors): the same formula with one candidate
    and the null mass of PAIR_DENSITY plausible reports.
    """

    def __init__(
        self,
        weights: dict[str, dict[str, float]] | None = None,
        slope: float = W.SLOPE,
        offset: float = W.OFFSET,
        match_score: float = MATCH_SCORE,
        match_margin: float = 0.0,
        u_given: float = W.U_GIVEN,
        u_family: float = W.U_FAMILY,
        u_lang: float = W.U_LANG,
        tf: bool = True,
        density_power: float = W.DENSITY_POWER,
        crowd_weight: float = W.CROWD_WEIGHT,
    ) -> None:
        self.weights = weights if weights is not None else W.WEIGHTS
        self.slope = slope
        self.offset = offset
        self.match_score = match_score
        self.match_margin = match_margin
        self.u_given = u_given
        self.u_family = u_family
        self.u_lang = u_lang
        self.tf = tf
        self.density_power = density_power
        self.crowd_weight = crowd_weight
        self._by_field = [self.weights.get(f, {}) for f in FIELDS]
        self._pair_null = self.null_mass(PAIR_DENSITY)

    # -- scoring ---------------------------------------------------------------------------

    def levels(self, missing: ChildReport, found: ChildReport) -> list[Level_]:
        """The per-field comparison of a pair (for fitting and explanation)."""
        return compare(profile(missing), profile(found))

    def total(self, levels: list[Level_]) -> float:
        """Summed log-likelihood ratio of a pair's levels."""
        return sum(self.weights.get(lv.field, {}).get(lv.level, 0.0) for lv in levels)

    def probability(self, total: float) -> float:
        """A pair's score alone (no competitors), against the null mass of a pool of
        PAIR_DENSITY plausible reports."""
        z = max(-40.0, min(40.0, self.slope * total - self._pair_null))
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

    def _reasons(
        self, levels: list[Level_], notes: list[tuple[str, str, int]] | None = None
    ) -> list[Reason]:
        adj = {field: (kind, n) for field, kind, n in notes or ()}
        scored: list[tuple[float, Reason]] = []
        for lv in levels:
            if not lv.reason:
                continue
            w = self.weights.get(lv.field, {}).get(lv.level, 0.0)
            reason = lv.reason
            if lv.field in adj:
                reason = _frequency_note(lv, *adj[lv.field])
            scored.append((w, reason))
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

    @staticmethod
    def _tf(
        hit: NameMatch | None,
        tokens: tuple[str, ...],
        pool_is_missing: bool,
        counts: Counter[str],
        u_ref: float,
        freq: NameFreq,
    ) -> tuple[float, str, int]:
        """The name-frequency adjustment of one name agreement, and whether to mention it.

        The name's share is that of the pool-side token that agreed or of the pool report's
        first name, whichever is commoner (a rare nickname of a common name is common).
        Only an exact agreement is strengthened by rarity: a spelling or sound match is
        not a match on that rare token. Commonness weakens every level."""
        if hit is None:
            return 0.0, "", 0
        token = hit.known if pool_is_missing else hit.said
        if tokens and counts.get(tokens[0], 0) > counts.get(token, 0):
            token = tokens[0]
        adj, count = freq.adjust(counts, token, u_ref)
        if hit.level != Level.EXACT:
            adj = min(0.0, adj)
        if adj <= COMMON_SAY and count >= 3:
            return adj, "common", count
        if adj >= RARE_SAY:
            return adj, "rare", count
        return adj, "", count

    def _score_all(
        self, q: Profile, others: Iterable[Profile], freq: NameFreq | None
    ) -> list[_Scored]:
        q_kind = q.report.kind
        missing_side = q_kind == "missing"
        getters = [w.get for w in self._by_field]
        slope = self.slope
        use_tf = self.tf and freq is not None and freq.n >= TF_MIN_POOL
        out: list[_Scored] = []
        for o in others:
            if o.report.kind == q_kind:
                continue
            m, f = (q, o) if missing_side else (o, q)
            levels, ghit, fhit = quick_eval(m, f)
            total = 0.0
            for get, lv in zip(getters, levels, strict=True):
                total += get(lv, 0.0)
            notes: list[tuple[str, str, int]] = []
            if use_tf:
                assert freq is not None
                pool_missing = not missing_side
                a, say, n = self._tf(ghit, o.given, pool_missing, freq.given, self.u_given, freq)
                total += a
                if say:
                    notes.append(("name", say, n))
                b, say, n = self._tf(fhit, o.family, pool_missing, freq.family, self.u_family, freq)
                total += b
                if say:
                    notes.append(("family", say, n))
                if levels[10] == "shared":
                    # a language spoken by many in the pool says less; and a shared name
                    # already implies much of a shared language (Nguyen speaks vi)
                    c = min(freq.langs.get(x, 0) for x in m.languages & f.languages)
                    share = max(1, c) / freq.n
                    lang_w = getters[10]("shared", 0.0)
                    adj = max(LANG_LOW, min(LANG_HIGH, math.log(self.u_lang / share)))
                    if ghit is not None and ghit.level >= Level.PHONETIC:
                        adj -= NAME_LANG_OVERLAP * max(0.0, lang_w + adj)
                    total += adj
            plausible = levels[2] not in _FAR_AGE and levels[11] != "before_long"
            plausible = plausible and levels[12] != "implausible"
            where_when = getters[11](levels[11], 0.0) + getters[12](levels[12], 0.0)
            out.append(_Scored(slope * total, o.report.id, o, notes, plausible, where_when))
        return out

    def null_mass(self, density: float, crowd: float = 0.0) -> float:
        """Log of the prior mass of "this child has no open report here", against which the
        candidates' likelihood ratios compete. It grows with `density`, the number of open
        reports that could be the child by place, time and age alone: the more children
        nearby, the likelier a stranger resembles one of them by chance. It grows too with
        `crowd`, the place-and-time weight the plausible candidates share on average: at a
        fair every report was "here, minutes ago", so being here says little, while after a
        disaster every report is far and days old, and a good look-alike says more."""
        density_term = self.density_power * math.log(max(DENSITY_FLOOR, density))
        return -self.offset + density_term + self.crowd_weight * self.slope * crowd

    def decide(self, cands: list[Candidate], top: int) -> list[Candidate]:
        """Sort, cut to `top` and mark at most the best one as the match."""
        cands.sort(key=lambda c: (-c.score, c.other_id))
        if cands:
            best = cands[0]
            runner = cands[1].score if len(cands) > 1 else 0.0
            best.match = best.score >= self.match_score and best.score - runner >= self.match_margin
        return cands[:top]

    def rank_profiles(
        self,
        q: Profile,
        others: Iterable[Profile],
        top: int = 3,
        freq: NameFreq | None = None,
        tail: float = 0.0,
        density: float | None = None,
    ) -> list[Candidate]:
        """Best candidates for the query profile among `others` (profiles of the other kind).

        Every pair is scored on the fast path; the score shown is the posterior over all of
        them (plus `tail`, the likelihood-ratio mass of plausible reports not scored, and
        the prior mass of "no open report"); reasons are written only for the `top` shown.
        """
        scored = self._score_all(q, others, freq)
        if not scored:
            return []
        scored.sort(key=lambda x: (-x.s, x.other_id))
        plausible = [x.where_when for x in scored if x.plausible]
        if density is None:
            density = len(plausible)
        crowd = crowd_of(plausible)
        null = self.null_mass(density, crowd)
        # log of the denominator: exp(null) + sum of LR_j + tail, computed stably
        hi = max(scored[0].s, null)
        z = math.exp(null - hi) + sum(math.exp(x.s - hi) for x in scored)
        z += tail * math.exp(-hi) if tail > 0 else 0.0
        log_z = hi + math.log(z)
        # a pair is shown when it is plausible on its own (its score without competitors)
        floor = math.log(MIN_SCORE / (1 - MIN_SCORE)) + self._pair_null
        missing_side = q.report.kind == "missing"
        out: list[Candidate] = []
        for x in scored[:top]:
            if x.s < floor:
                break
            m, f = (q, x.other) if missing_side else (x.other, q)
            post = math.exp(x.s - log_z)
            reasons = self._reasons(compare(m, f), x.notes)
            out.append(Candidate(x.other_id, round(post, 4), False, reasons))
        if out:
            rivals = sum(1 for x in scored[1:] if x.s >= scored[0].s - 1.0)
            if rivals:
                out[0].explained.append(Reason.of("rivals", n=rivals))
            if density >= DENSITY_FLOOR and crowd >= CROWD_SAY:
                out[0].explained.append(Reason.of("crowded", n=round(density)))
        return self.decide(out, top)

    def rank(
        self, query: ChildReport, pool: Iterable[ChildReport], top: int = 3
    ) -> list[Candidate]:
        """Best candidates for `query` among `pool` (reports of the other kind), linear scan;
        name frequencies are counted in the pool."""
        q = profile(query)
        others = [profile(o) for o in pool if o.kind != query.kind]
        return self.rank_profiles(q, others, top, NameFreq(others))

    def build_index(self, reports: Iterable[ChildReport] = ()) -> ReportIndex:
        """An index of reports (usually the open missing ones) to query many times."""
        return ReportIndex(self, reports)


def _cell_keys(p: Profile) -> list[str]:
    """The place-time-age cells a report is counted in (for `ReportIndex._density`)."""
    return [f"{c}|{a}" for c in place_keys(p, False) for a in age_keys(p)]


def _frequency_note(lv: Level_, kind: str, count: int) -> Reason:
    """'same name Sofia' -> 'same name Sofia is common here (41 open reports)' or 'same rare
    name Ximena'; other levels keep their words with the note in brackets."""
    assert lv.reason is not None
    reason = lv.reason
    exact = lv.level in ("exact", "same")
    if kind == "common":
        return Reason.of("common_same" if exact else "common_note", reason=reason, count=count)
    if exact and reason.key in RARE_OF:
        return Reason(RARE_OF[reason.key], reason.args)
    return Reason.of("rare_note", reason=reason)


# What the mask and the pre-score read of every report, kept by the index in flat arrays
# indexed by row: reading a few floats from one array is much cheaper than following a
# million scattered Profile, ChildReport and float objects.
_FACTS = 5  # hours, lat, lon, age_lo, age_hi (NaN for None) per row in `_facts`
_H, _LAT, _LON, _LO, _HI = range(_FACTS)
_LIVE, _MISSING, _PLACED, _AGE_LO, _AGE_HI = 1, 2, 4, 8, 16  # bits of a row's flags
_SEX_SHIFT = 5  # the sex code (_SEX_CODE) sits above the bits
_SEX_CODE = {"": 0, "male": 1, "female": 2}
_NAN = float("nan")
# Weights of a shared key in the shared-key count: a description key (a garment with its
# colour, a carried item) counts twice a name key, since an exact name shares about eight
# name keys; the "here" tier shares no key.
_W_NAME, _W_DESCRIPTION, _W_HERE = 1, 2, 0


def _row_facts(p: Profile) -> tuple[float, float, float, float, float]:
    r = p.report
    return (
        p.hours,
        _NAN if r.lat is None else r.lat,
        _NAN if r.lon is None else r.lon,
        _NAN if p.age_lo is None else p.age_lo,
        _NAN if p.age_hi is None else p.age_hi,
    )


def _row_flags(p: Profile) -> int:
    r = p.report
    flags = _LIVE | (_MISSING if r.kind == "missing" else 0)
    if placed(r.lat, r.lon):
        flags |= _PLACED
    if p.age_lo is not None:
        flags |= _AGE_LO
    if p.age_hi is not None:
        flags |= _AGE_HI
    return flags | _SEX_CODE[p.sex] << _SEX_SHIFT


def _partition(p: Profile) -> tuple[int, int]:
    return coarse_cell(p.report.lat, p.report.lon), week(p.hours)


def postings_of(
    p: Profile, cell: int, wk: int, hash_key: Callable[[str], int] = key_hash
) -> tuple[list[int], list[int]]:
    """(partition hashes, key ids) a report is filed under: its index keys in its coarse
    partition (`cell`, `wk`: `_partition(p)`), and the "here" tier when it has a place."""
    kids = list(map(hash_key, index_keys(p)))
    parts = [partition_hash(cell, wk)] * len(kids)
    r = p.report
    if cell != NOWHERE:
        assert r.lat is not None and r.lon is not None
        parts.append(partition_hash(here_cell(r.lat, r.lon), here_bucket(p.hours)))
        kids.append(HERE_KEY)
    return parts, kids


def filed_postings(
    reports: Iterable[ChildReport], rows: Callable[[int], bool] = lambda row: True
) -> tuple[np.ndarray, np.ndarray]:
    """The (keys, rows) postings (unsorted) that a `ReportIndex` built from `reports` (no
    id twice) files for the rows `rows` picks, without the rest of the index: for
    `ReportIndex.adopt_postings`."""
    store = PostingStore()
    # Every key id remembered (key_hash's small cache misses most keys of a big file): a
    # million keys cost about 150 MiB, for the time of this call only.
    ids: dict[str, int] = {}

    def hash_key(key: str) -> int:
        got = ids.get(key)
        if got is None:
            got = ids[key] = key_hash.__wrapped__(key)
        return got

    for row, r in enumerate(reports):
        if rows(row):
            p = profile(r)
            store.add(*postings_of(p, *_partition(p), hash_key), row)
    return store.pending()


def scored_budget(pre: np.ndarray) -> int:
    """How many of the plausible candidates (their pre-scores `pre`) are fully scored.

    It grows with the plausible count (SCORED_GROWTH sqrt(n), at least SCORED) and takes
    every candidate within CLOSE log-units of the best pre-score, never more than SCORED_CAP:
    at a disaster, when thousands share a name and an age, more of them are looked at
    closely."""
    n = len(pre)
    if n <= SCORED:
        return n
    grown = max(SCORED, int(SCORED_GROWTH * math.sqrt(n)))
    close = int(np.count_nonzero(pre >= pre.max() - CLOSE))
    return min(n, SCORED_CAP, max(grown, close))


def _km(lat: float, lon: float, lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
    """`features.km_between` of one place and many (NaN where a row has no place)."""
    p1, p2 = math.radians(lat), np.radians(lats)
    dp, dl = p2 - p1, np.radians(lons - lon)
    h = np.sin(dp / 2) ** 2 + math.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_KM * np.arcsin(np.minimum(1.0, np.sqrt(h)))


class ReportIndex:
    """Reports of one kind, indexed by place, time and blocking keys; queried with reports of
    the other kind (docs/matching.md).

    A query (1) reads the rows filed under its name and description keys in every space-time
    partition within reach (matching/partitions.py: H3 cells around it x the weeks of the
    last two weeks, older weeks for names only, reports without a place always), and every
    row of the "here" tier (the fine cells around it, hours either way); (2) drops, with one
    numpy mask over flat per-row arrays, every row the scorer could not call plausible: the
    wrong kind, found long before last seen, farther than `reach.reach_km`, an age "far"
    off, or (when no name is shared) the other sex; (3) pre-scores every row left with a
    numpy port of the cheap score; (4) fully scores the best `scored_budget` of them, and a
    sample of TAIL_SAMPLE of the rest stands for all of them in the posterior.

    No budget or cut applies before (2): adding reports elsewhere or at other times never
    changes what a query reads. `last_stats` tells how much the last query read.

    Memory: one `Profile` per report, five floats and a byte of flags per row, and the
    postings (partitions.PostingStore: 12 bytes each; keys are hashed, not stored).

    `add` files the report's postings; `remove` marks the row dead (the mask skips dead
    rows), and rows are renumbered once a third are dead, so both cost O(keys of that
    report), amortised.
    """

    def __init__(
        self,
        matcher: Matcher,
        reports: Iterable[ChildReport] = (),
        file_postings: Callable[[int], bool] = lambda row: True,
    ) -> None:
        """`file_postings`: which rows of `reports` have their postings filed here; the
        caller files the others with `adopt_postings` (the batch command computes them in
        another process, `filed_postings`)."""
        self._matcher = matcher
        self._rows: list[Profile | None] = []
        self._facts = np.empty((0, _FACTS), dtype=np.float64)  # see _row_facts
        self._flags = np.empty(0, dtype=np.uint8)  # see _row_flags; 0: a dead row
        self._row_of: dict[str, int] = {}
        self._store = PostingStore()
        # live reports per coarse cell and week: which partitions exist
        self._parts: dict[int, Counter[int]] = {}
        self._dead = 0
        self._freq = NameFreq()
        self._cells: Counter[str] = Counter()  # live reports per place-time-age cell
        self._cell_sizes: Counter[str] = Counter()  # live reports per place-time cell, any age
        self.last_stats: dict[str, int] = {}
        for r in reports:
            self.add(r, file_postings=file_postings(len(self._rows)))
        self._store.seal()

    def __len__(self) -> int:
        return len(self._row_of)

    def __contains__(self, report_id: object) -> bool:
        return report_id in self._row_of

    def sizes(self) -> dict[str, int]:
        """Distinct (partition, key) pairs and postings held (for the benchmarks)."""
        return {"keys": self._store.distinct(), "postings": len(self._store)}

    @property
    def replaced(self) -> bool:
        """Whether a report was ever removed or replaced (rows are then no longer the
        order in which reports were added)."""
        return self._dead > 0 or len(self._rows) != len(self._row_of)

    def adopt_postings(self, keys: np.ndarray, rows: np.ndarray) -> None:
        """File the postings (`filed_postings`) of the rows that `__init__`'s
        `file_postings` left out, as `add` would have."""
        if self.replaced:
            raise ValueError("postings can only be adopted by an index built in order")
        self._store.merge(keys, rows)

    def add(self, report: ChildReport, file_postings: bool = True) -> None:
        """Add or replace a report."""
        if report.id in self._row_of:
            self.remove(report.id)
        p = profile(report)
        row = len(self._rows)
        self._rows.append(p)
        if row >= len(self._flags):
            self._grow(max(1024, 2 * row))
        self._facts[row] = _row_facts(p)
        self._flags[row] = _row_flags(p)
        self._row_of[report.id] = row
        self._freq.add(p)
        self._cells.update(_cell_keys(p))
        self._cell_sizes.update(place_keys(p, False))
        cell, wk = _partition(p)
        weeks = self._parts.get(cell)
        if weeks is None:
            weeks = self._parts[cell] = Counter()
        weeks[wk] += 1
        if file_postings:
            self._store.add(*postings_of(p, cell, wk), row)

    def _grow(self, cap: int) -> None:
        facts = np.full((cap, _FACTS), _NAN)
        facts[: len(self._facts)] = self._facts
        flags = np.zeros(cap, dtype=np.uint8)
        flags[: len(self._flags)] = self._flags
        self._facts, self._flags = facts, flags

    def remove(self, report_id: str) -> None:
        """Drop a report (closed, purged); unknown ids are ignored."""
        row = self._row_of.pop(report_id, None)
        if row is None:
            return
        p = self._rows[row]
        if p is not None:
            self._freq.remove(p)
            self._cells.subtract(_cell_keys(p))
            self._cell_sizes.subtract(place_keys(p, False))
            cell, wk = _partition(p)
            weeks = self._parts[cell]
            weeks[wk] -= 1
            if weeks[wk] <= 0:
                del weeks[wk]
                if not weeks:
                    del self._parts[cell]
        self._rows[row] = None
        self._flags[row] = 0
        self._dead += 1
        if self._dead > 64 and self._dead * 3 > len(self._rows):
            self._compact()

    def _compact(self) -> None:
        """Renumber the live rows (keeping their order) and drop dead rows' postings."""
        n = len(self._rows)
        alive = self._flags[:n] != 0
        new_of = np.full(n, -1, dtype=np.int64)
        new_of[alive] = np.arange(int(alive.sum()))
        rows: list[Profile | None] = [p for p in self._rows if p is not None]
        for i, p in enumerate(rows):
            assert p is not None
            self._row_of[p.report.id] = i
        self._facts = self._facts[:n][alive].copy()
        self._flags = self._flags[:n][alive].copy()
        self._store.renumber(new_of)
        self._rows, self._dead = rows, 0

    # -- a query ---------------------------------------------------------------------------

    def _read(self, q: Profile) -> tuple[np.ndarray, np.ndarray, int]:
        """(rows, weight of the key each row was read under) over every partition within
        reach of `q`, and how many coarse partitions were read."""
        names, other = query_keys(q)
        name_ids = sorted(set(map(key_hash, names)))
        other_ids = sorted(set(map(key_hash, other)) - set(name_ids))
        found_side = q.report.kind == "found"
        warm = warm_weeks(q.hours, found_side)
        r = q.report
        cells = sorted(self._parts)
        if placed(r.lat, r.lon):
            cells = [*coarse_disk(coarse_cell(r.lat, r.lon)), NOWHERE]
        warm_parts: list[int] = []
        cold_parts: list[int] = []
        for c in cells:
            for wk in sorted(self._parts.get(c, ())):
                if wk in warm:
                    warm_parts.append(partition_hash(c, wk))
                elif is_cold(wk, warm, found_side):
                    cold_parts.append(partition_hash(c, wk))
        blocks = [
            (warm_parts, name_ids, _W_NAME),
            (warm_parts, other_ids, _W_DESCRIPTION),
            (cold_parts, name_ids, _W_NAME),
        ]
        comps: list[np.ndarray] = []
        weights: list[np.ndarray] = []
        for parts, kids, weight in blocks:
            if parts and kids:
                block = composites(parts, kids)
                comps.append(block)
                weights.append(np.full(len(block), weight, dtype=np.int64))
        if placed(r.lat, r.lon):
            assert r.lat is not None and r.lon is not None
            here = composites(sorted(set(here_partitions(r.lat, r.lon, q.hours))), [HERE_KEY])
            comps.append(here)
            weights.append(np.full(len(here), _W_HERE, dtype=np.int64))
        if not comps:
            return np.empty(0, np.uint32), np.empty(0, np.int64), 0
        all_c = np.concatenate(comps)
        all_w = np.concatenate(weights)
        rows, read_w = self._store.lookup(all_c, all_w)
        return rows, read_w, len(warm_parts) + len(cold_parts)

    def _plausible(self, q: Profile) -> tuple[np.ndarray, np.ndarray]:
        """The rows that could be the query's child by place, time, age and sex (sorted), and
        the weighted number of blocking keys each shares with it."""
        read, w, n_parts = self._read(q)
        self.last_stats = {"partitions": n_parts, "rows_read": len(read)}
        if not len(read):
            return np.empty(0, np.int64), np.empty(0, np.int64)
        rows, inv = np.unique(read, return_inverse=True)
        shared = np.bincount(inv, weights=w).astype(np.int64)
        named = np.bincount(inv, weights=(w == _W_NAME)) > 0
        keep = self._mask(q, rows.astype(np.int64), named)
        return rows[keep].astype(np.int64), shared[keep]

    def _mask(self, q: Profile, rows: np.ndarray, named: np.ndarray) -> np.ndarray:
        """Which `rows` are within the scorer's reach of `q` (matching/reach.py)."""
        flags = self._flags[rows]
        facts = self._facts[rows]
        q_missing = q.report.kind == "missing"
        other_kind = 0 if q_missing else _MISSING
        keep = (flags & _LIVE).astype(bool) & ((flags & _MISSING) == other_kind)
        q_h, q_lat, q_lon, q_lo, q_hi = _row_facts(q)
        dh = facts[:, _H] - q_h if q_missing else q_h - facts[:, _H]
        keep &= dh >= -BEFORE_TOLERANCE_H
        q_f = _row_flags(q)
        if q_f & _PLACED:
            both = (flags & _PLACED).astype(bool)
            km = _km(q_lat, q_lon, facts[:, _LAT], facts[:, _LON])
            reach = np.where(np.abs(dh) <= SOON_H, FAR_SOON_KM, FAR_LATE_KM)
            keep &= ~both | (km <= reach * (1.0 + 1e-9))
        if q_f & _AGE_LO and q_f & _AGE_HI:
            aged = (flags & _AGE_LO).astype(bool) & (flags & _AGE_HI).astype(bool)
            lo, hi = facts[:, _LO], facts[:, _HI]
            m_lo, m_hi, f_lo, f_hi = (q_lo, q_hi, lo, hi) if q_missing else (lo, hi, q_lo, q_hi)
            gap = np.maximum(0.0, np.maximum(f_lo - m_hi, m_lo - f_hi))
            units = gap / (1.0 + AGE_ERROR_GROWTH * np.maximum(m_hi, f_hi))
            keep &= ~aged | ~(units > AGE_OFF_UNITS)
        q_sex = q_f >> _SEX_SHIFT
        if q_sex:
            o_sex = flags >> _SEX_SHIFT
            keep &= named | (o_sex == 0) | (o_sex == q_sex)
        return keep

    def _prescore_np(self, q: Profile, rows: np.ndarray, shared: np.ndarray) -> np.ndarray:
        """The cheap score of each row (on shared keys, age, sex, place and time), from the
        flat row arrays: a numpy port of the per-pair pre-score (tests/test_fast_paths.py
        keeps the per-pair reference)."""
        w = self._matcher.field_weight
        w_in, w_near, w_off, w_far, w_none = (
            w("age", lv) for lv in ("in", "near", "off", "far", "none")
        )
        q_missing = q.report.kind == "missing"
        q_h, q_lat, q_lon, q_lo, q_hi = _row_facts(q)
        q_f = _row_flags(q)
        flags = self._flags[rows]
        facts = self._facts[rows]
        s = 0.45 * shared.astype(np.float64)
        q_sex = q_f >> _SEX_SHIFT
        if q_sex:
            o_sex = flags >> _SEX_SHIFT
            s += np.where(
                o_sex == 0, 0.0, np.where(o_sex == q_sex, w("sex", "same"), w("sex", "differ"))
            )
        if q_f & _AGE_LO and q_f & _AGE_HI:
            has_lo = (flags & _AGE_LO).astype(bool)
            has_hi = (flags & _AGE_HI).astype(bool)
            lo, hi = facts[:, _LO], facts[:, _HI]
            m_lo, m_hi, f_lo, f_hi = (q_lo, q_hi, lo, hi) if q_missing else (lo, hi, q_lo, q_hi)
            gap = np.maximum(0.0, np.maximum(f_lo - m_hi, m_lo - f_hi))
            g = gap / (1.0 + AGE_ERROR_GROWTH * np.maximum(m_hi, f_hi))
            age = np.where(
                gap == 0,
                w_in,
                np.where(g <= 0.8, w_near, np.where(g <= AGE_OFF_UNITS, w_off, w_far)),
            )
            s += np.where(has_lo, np.where(has_hi, age, w_none), 0.0)
        hours = np.abs(facts[:, _H] - q_h)
        s -= 0.25 * np.minimum(hours / 24.0, 8.0)
        if q_f & _PLACED:
            both = (flags & _PLACED).astype(bool)
            # flat-earth distance is close enough to spot the implausible
            cos_lat = math.cos(math.radians(q_lat))
            dy = (facts[:, _LAT] - q_lat) * 111.0
            dx = (facts[:, _LON] - q_lon) * 111.0 * cos_lat
            km = np.sqrt(dx * dx + dy * dy)
            near = km <= 1.5 + 1.5 * hours
            far = km > np.where(hours <= 24, 60.0, 80.0) * 1.2
            s += np.where(both & near, 1.5, np.where(both & far, w("place", "implausible"), 0.0))
        return s

    def _shortlist(self, q: Profile) -> tuple[list[Profile], list[Profile], int]:
        """The reports worth scoring fully (the best pre-scores of every plausible row); a
        sample of the plausible ones left out, and how many were left out."""
        rows, shared = self._plausible(q)
        n = len(rows)
        self.last_stats["plausible"] = n
        if n <= SCORED:
            self.last_stats["scored"] = n
            return self._profiles(rows.tolist()), [], 0
        pre = self._prescore_np(q, rows, shared)
        order = rows[np.lexsort((rows, -pre))]  # best first; the older row on a tie
        k = scored_budget(pre)
        self.last_stats["scored"] = k
        rest = order[k:]
        sample = rest[:: max(1, len(rest) // TAIL_SAMPLE)][:TAIL_SAMPLE]
        return self._profiles(order[:k].tolist()), self._profiles(sample.tolist()), len(rest)

    def _profiles(self, rows: Iterable[int]) -> list[Profile]:
        return [p for r in rows if (p := self._rows[r]) is not None]

    def candidates(self, query: ChildReport, limit: int = SCORED) -> list[str]:
        """Ids of the indexed reports worth scoring for `query`, most promising first."""
        return [p.report.id for p in self._shortlist(profile(query))[0][:limit]]

    def rank(self, query: ChildReport, top: int = 3) -> list[Candidate]:
        """Best candidates for `query` among the indexed reports of the other kind.

        Reports left out of the full scoring still compete for the posterior: a few of the
        next best are scored and stand for all of those left out (the tail)."""
        q = profile(query)
        short, tail_sample, left_out = self._shortlist(q)
        tail = 0.0
        if left_out > 0 and tail_sample:
            sample = self._matcher._score_all(q, tail_sample, self._freq)
            if sample:
                mean_lr = sum(math.exp(min(50.0, x.s)) for x in sample) / len(sample)
                tail = mean_lr * left_out
        return self._matcher.rank_profiles(q, short, top, self._freq, tail, self._density(q))

    def _density(self, q: Profile) -> float | None:
        """Open reports that could be the child by place, time and age alone, estimated from
        the lengths of the place-and-time cell lists around the query, those days away in
        time weighing less (None: no place)."""
        cells = density_cells(q)
        if not cells:
            return None
        # most cells around a query are empty: skipping them leaves the same sum (each term
        # of an empty cell is 0.0), with a fraction of the lookups
        sizes = self._cell_sizes
        cells = [(c, w) for c, w in cells if sizes.get(c, 0) > 0]
        counts = self._cells
        n = 0.0
        for a in query_ages(q):
            for c, w in cells:
                n += w * counts.get(f"{c}|{a}", 0)
        return n
