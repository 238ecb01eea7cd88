"""Blocking keys: the inverted-index keys a report is stored and looked up under.

Every key is qualified by an age year, so two reports share a key only if their ages could
fit. A report is stored under

- name keys of every given, other and family name token (`names.blocking_keys`: the token,
  nickname canonical forms, metaphone, NYSIIS, consonant skeleton, 3-letter prefix, 4-letter
  suffix): any two tokens the scorer calls a short form, phonetic match or nickname share one;
- clothing keys `g:category:colour family` (and the categories seen as the same garment),
  qualified by sex too: at a fair or after a disaster, when names are missing, a nameless
  found child is still found through "boy, about 6, blue hoodie, red sneakers";
- carried-item kinds, also by sex;
- no place key: the index files every report in its space-time partition
  (matching/partitions.py) and a query reads only the partitions within reach. The coarse
  place-and-time cells below (0.5° × 2 days) only count the open reports around a query for
  the posterior's null mass (`density_cells`).

A missing report with a known age is stored under that year; a found child's estimate is
stored under every year it covers plus a margin that grows with age; a query looks up the
keys of its own years (and the "any age" key).
"""

from __future__ import annotations

import math

from matching.features import AGE_ERROR_GROWTH, AGE_OFF_UNITS, Profile
from matching.names import blocking_keys
from matching.vocab import near_categories

AGE_ANY = "*"
GEO_CELL_DEG = 0.5  # ~55 km
TIME_CELL_H = 48.0
MAX_AGE = 18


def age_keys(p: Profile, wide: bool = False) -> list[str]:
    """Years a report is stored under: two reports share one iff their ages could fit.

    `wide` (for name keys) reaches every year the scorer would not call far off: a child
    who gives a name is worth scoring even when an officer misjudged a teenager's age by
    three or four years; descriptions alone are looked up within the narrower margin."""
    if p.age_lo is None or p.age_hi is None:
        return [AGE_ANY]
    if p.report.kind == "missing" or (p.age_lo == p.age_hi and p.report.age_years is not None):
        return [str(min(MAX_AGE, max(0, int(p.age_lo))))]
    if wide:
        margin = int(AGE_OFF_UNITS * (1.0 + AGE_ERROR_GROWTH * min(MAX_AGE, p.age_hi)))
    else:
        margin = 2 if p.age_hi >= 10 else 1
    lo, hi = math.floor(p.age_lo) - margin, math.ceil(p.age_hi) + margin
    return [str(a) for a in range(max(0, lo), min(MAX_AGE, hi) + 1)] or [AGE_ANY]


def query_ages(p: Profile, wide: bool = False) -> list[str]:
    """Years a query looks up."""
    ages = age_keys(p, wide)
    if ages == [AGE_ANY]:
        return [AGE_ANY, *(str(a) for a in range(MAX_AGE + 1))]
    if p.report.kind == "missing":
        # a missing child's exact age meets found estimates stored with their margin
        return [*ages, AGE_ANY]
    return [*ages, AGE_ANY]


def _sexes(p: Profile, query: bool) -> tuple[str, ...]:
    s = p.sex[:1] or "u"
    if not query:
        return (s,)
    return ("m", "f", "u") if s == "u" else (s, "u")


def name_keys(p: Profile) -> set[str]:
    keys: set[str] = set()
    for tok in (*p.given, *p.family):
        keys |= blocking_keys(tok)
    return keys


def description_keys(p: Profile, query: bool) -> set[str]:
    """Clothing and carried-item keys, qualified by sex."""
    base: set[str] = set()
    for g in p.garments:
        cats = near_categories(g.category) if query else (g.category,)
        for cat in cats:
            for c in g.colours or ("?",):
                base.add(f"g:{cat}:{c}")
    base |= {"i:" + i for i in p.items}
    return {f"{k}:{s}" for k in base for s in _sexes(p, query)}


def place_keys(p: Profile, query: bool) -> list[str]:
    r = p.report
    if (
        r.lat is None
        or r.lon is None
        or not (math.isfinite(r.lat) and math.isfinite(r.lon) and math.isfinite(p.hours))
    ):
        return []
    y, x = math.floor(r.lat / GEO_CELL_DEG), math.floor(r.lon / GEO_CELL_DEG)
    t = math.floor(p.hours / TIME_CELL_H)
    if not query:
        return [f"w:{y}:{x}:{t}"]
    return [
        f"w:{y + dy}:{x + dx}:{t + dt}"
        for dy in (-1, 0, 1)
        for dx in (-1, 0, 1)
        for dt in (-1, 0, 1)
    ]


DENSITY_BACK = 2  # time cells (of TIME_CELL_H) a found child may be found after last seen
# Weight of the open reports one more time cell (two days) away from when the child could
# have gone missing: a child last seen days earlier is a weaker look-alike by time and
# place, so a disaster's shelters do not count everyone missing for a week as equally
# plausible (bench/quality.py --scenes: disaster recall up by 0.03-0.04 at the same precision).
DENSITY_DECAY = 0.6


def density_cells(p: Profile) -> list[tuple[str, float]]:
    """The place-and-time cells around a query whose open reports could be the child by place
    and time, each with its weight: the neighbouring places, and from a few days before a
    found report (children reach shelters days after a disaster) to one cell after it (the
    other way for a missing report); cells further back in time weigh DENSITY_DECAY less
    each."""
    keys = place_keys(p, False)
    if not keys:
        return []
    _, y, x, t = keys[0].split(":")
    yi, xi, ti = int(y), int(x), int(t)
    back = p.report.kind == "found"
    span = range(-DENSITY_BACK, 2) if back else range(-1, DENSITY_BACK + 1)
    out: list[tuple[str, float]] = []
    for dt in span:
        w = DENSITY_DECAY ** max(0, -dt if back else dt)
        out += [(f"w:{yi + dy}:{xi + dx}:{ti + dt}", w) for dy in (-1, 0, 1) for dx in (-1, 0, 1)]
    return out


def index_keys(p: Profile) -> list[str]:
    """Keys a report is stored under."""
    out = _with_ages(description_keys(p, False), age_keys(p))
    return out + [k for k in _with_ages(name_keys(p), age_keys(p, True)) if k not in out]


def _with_ages(keys: set[str], ages: list[str]) -> list[str]:
    if len(ages) == 1:
        suffix = "|" + ages[0]
        return [k + suffix for k in keys]
    return [f"{k}|{a}" for k in keys for a in ages]


def query_keys(p: Profile) -> tuple[list[str], list[str]]:
    """Keys a query report looks up: (name keys, description keys)."""
    ages = query_ages(p)
    names = [f"{k}|{a}" for k in name_keys(p) for a in query_ages(p, True)]
    return names, [f"{k}|{a}" for k in description_keys(p, True) for a in ages]
