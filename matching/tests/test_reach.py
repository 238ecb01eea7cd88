"""matching.reach must stay a superset of what the scorer (features.py) calls plausible.

Every check builds real ChildReports and asks the scorer's own feature functions, so a change
to the place, time or age rules in features.py fails here instead of silently losing pairs.
"""

from __future__ import annotations

import itertools
import math
import random
from datetime import datetime, timedelta

import pytest

from matching.features import EARTH_KM, FIELDS, km_between, profile, quick_eval
from matching.reach import FAR_LATE_KM, FAR_SOON_KM, SOON_H, age_out_of_reach, reach_km
from matching.report import ChildReport

from .helpers import found, missing

LAT, LON = 34.05, -118.25
T0 = datetime.fromisoformat("2026-06-01T12:00:00-07:00")
TIME, PLACE, AGE = FIELDS.index("time"), FIELDS.index("place"), FIELDS.index("age")

HOURS = [
    -1000.0, -48.0, -24.5, -12.0, -6.5, -6.01, -6.0, -5.0, -1.0, -0.1, 0.0, 0.5, 1.0, 3.0,
    5.9, 6.0, 6.1, 12.0, 23.9, 24.0, 24.01, 25.0, 48.0, 96.0, 200.0, 336.0, 337.0, 2000.0,
]  # fmt: skip
KMS = [
    0.0, 0.5, 1.0, 1.2, 2.0, 3.0, 5.0, 10.0, 14.9, 15.5, 20.0, 30.0, 37.0, 38.0, 45.0,
    59.9, 60.1, 61.0, 70.0, 79.9, 80.1, 81.0, 100.0, 200.0, 1000.0,
]  # fmt: skip


def pair(dh: float, km: float, bearing: float = 0.0) -> tuple[ChildReport, ChildReport, float]:
    """A missing report and a found report `km` away (great circle) and `dh` hours later."""
    m = missing(lat=LAT, lon=LON, time=T0, age_years=7)
    d = km / EARTH_KM
    p1, l1, b = math.radians(LAT), math.radians(LON), math.radians(bearing)
    p2 = math.asin(math.sin(p1) * math.cos(d) + math.cos(p1) * math.sin(d) * math.cos(b))
    l2 = l1 + math.atan2(
        math.sin(b) * math.sin(d) * math.cos(p1), math.cos(d) - math.sin(p1) * math.sin(p2)
    )
    f = found(lat=math.degrees(p2), lon=math.degrees(l2), time=T0 + timedelta(hours=dh))
    dist = km_between(m, f)
    assert dist is not None
    return m, f, dist


def scorer_allows(m: ChildReport, f: ChildReport) -> bool:
    """The scorer's own place/time verdict: not "before_long" and not "implausible"."""
    levels = quick_eval(profile(m), profile(f))[0]
    return levels[TIME] != "before_long" and levels[PLACE] != "implausible"


def in_reach(dh: float, km: float) -> bool:
    r = reach_km(dh)
    return r is not None and km <= r


@pytest.mark.parametrize("dh", HOURS)
def test_every_pair_the_scorer_allows_is_in_reach(dh: float) -> None:
    allowed = 0
    for km in KMS:
        m, f, dist = pair(dh, km)
        if scorer_allows(m, f):
            allowed += 1
            assert in_reach(dh, dist), (dh, dist, reach_km(dh))
    if dh >= -6.0:
        assert allowed > 0  # the grid does exercise the plausible side


def test_random_pairs_the_scorer_allows_are_in_reach() -> None:
    rng = random.Random(12)
    checked = 0
    for _ in range(3000):
        dh = rng.uniform(-30.0, 24.0 * 20)
        km = rng.uniform(0.0, 120.0)
        m, f, dist = pair(dh, km, bearing=rng.uniform(0.0, 360.0))
        if scorer_allows(m, f):
            checked += 1
            assert in_reach(dh, dist), (dh, dist)
    assert checked > 1000


@pytest.mark.parametrize("dh", [-6.0, -3.0, 0.0, 1.0, 6.0, 12.0, 24.0, 24.01, 48.0, 400.0])
def test_reach_is_not_looser_than_the_scorer(dh: float) -> None:
    # At the reach the scorer still accepts; just beyond it, it does not. So the restated
    # literals (FAR_SOON_KM, FAR_LATE_KM, SOON_H) match features._place_level exactly.
    r = reach_km(dh)
    assert r is not None
    m, f, _ = pair(dh, r - 0.01)
    assert scorer_allows(m, f)
    m, f, _ = pair(dh, r + 0.01)
    assert not scorer_allows(m, f)


def test_reach_grows_with_time() -> None:
    hours = [h / 4 for h in range(-24, 4 * 24 * 30)]  # -6 h to 30 days, every 15 min
    reaches = [reach_km(h) for h in hours]
    assert all(r is not None for r in reaches)
    for a, b in itertools.pairwise(reaches):
        assert a is not None and b is not None and a <= b
    assert reach_km(1.0) == FAR_SOON_KM
    assert reach_km(SOON_H + 1) == FAR_LATE_KM > FAR_SOON_KM
    assert reach_km(24.0 * 365) == FAR_LATE_KM  # beyond two weeks: penalised, not implausible


@pytest.mark.parametrize("dh", [-6.01, -7.0, -24.0, -100.0, -24.0 * 365])
def test_found_long_before_last_seen_is_out_of_reach(dh: float) -> None:
    assert reach_km(dh) is None
    m, f, _ = pair(dh, 0.0)  # even at the very same spot
    assert quick_eval(profile(m), profile(f))[0][TIME] == "before_long"
    assert not scorer_allows(m, f)


def test_tolerated_before_is_in_reach() -> None:
    assert reach_km(-6.0) == FAR_SOON_KM
    m, f, _ = pair(-6.0, 0.0)
    assert scorer_allows(m, f)


AGES: list[float | None] = [None, 0.5, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14, 15, 16, 17]


def test_age_rule_is_the_scorers_far_gap() -> None:
    far = kept = 0
    for age in AGES:
        for lo in AGES:
            for width in (0.0, 1.0, 3.0):
                hi = None if lo is None else lo + width
                m = missing(age_years=age)
                f = found(age_min=lo, age_max=hi)
                pm, pf = profile(m), profile(f)
                level = quick_eval(pm, pf)[0][AGE]
                out = age_out_of_reach(pm.age_lo, pm.age_hi, pf.age_lo, pf.age_hi)
                assert out == (level == "far"), (age, lo, hi, level)
                far += out
                kept += not out
    assert far > 20 and kept > 20


def test_age_off_is_kept() -> None:
    # 7 against 10: gap 3 in units of 1 + 0.08 * 10 = 1.8 -> 1.67, "off", still plausible.
    m, f = missing(age_years=7), found(age_min=10, age_max=10)
    pm, pf = profile(m), profile(f)
    assert quick_eval(pm, pf)[0][AGE] == "off"
    assert not age_out_of_reach(pm.age_lo, pm.age_hi, pf.age_lo, pf.age_hi)
    # 7 against 11: 4 / 1.88 = 2.13 units, "far".
    f = found(age_min=11, age_max=11)
    pf = profile(f)
    assert quick_eval(pm, pf)[0][AGE] == "far"
    assert age_out_of_reach(pm.age_lo, pm.age_hi, pf.age_lo, pf.age_hi)
