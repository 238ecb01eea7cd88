"""Issue 12: a far, implausible crowd must not hide the right report from the candidate search.

A found "Sofia, about 6, female" is 0.5 km and 1 h from the right missing report. CROWD
missing reports of the same name, age and sex sit 40-55 km away in the same 0.5 deg place
cell and 48 h time cell, but were last seen 8-30 h AFTER the child was found, so the scorer
calls every one of them implausible (matching.reach.reach_km is None for them). The index
once never read a posting list longer than 6,000 (MAX_POSTING): the name lists and the
place-time list of the right report held the crowd too, so nothing was read and the right
report was never scored; and a 300-row cut that kept older rows on ties lost it when it was
filed last. Both tests were strict xfails until the candidate search was bounded by reach
instead of a budget (docs/matching.md). A linear scan over the same pool ranks it first.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest

from matching import ChildReport, Matcher
from matching.features import km_between
from matching.reach import reach_km

from .helpers import found, missing

# The smallest crowd that loses the right report today: with one fewer look-alike every
# list it shares is 6,000 long, within the budget (see test_one_fewer_look_alike_is_found).
CROWD = 6000
SEED = 12
LAT, LON = (
    34.02,
    -118.03,
)  # near the south-east corner of the 0.5 deg cell [34, 34.5) x [-118.5, -118)
FOUND_AT = datetime.fromisoformat("2026-05-31T09:00:00-07:00")  # 16 h into its 48 h time cell
CROWD_KM = (40.0, 55.0)
CROWD_AFTER_H = (8.0, 30.0)  # last seen this long after the find: still in the same time cell


@dataclass(frozen=True)
class Scene:
    found: ChildReport
    right: ChildReport
    crowd: list[ChildReport]

    @property
    def pool(self) -> list[ChildReport]:
        return [self.right, *self.crowd]


def _sofia(**kw: object) -> ChildReport:
    return missing(given_name="Sofia", age_years=6, sex="female", **kw)


def build_scene(n_crowd: int = CROWD, seed: int = SEED) -> Scene:
    """The found child, the right missing report and `n_crowd` far look-alikes (seeded)."""
    rng = random.Random(seed)
    f = found(
        id="F-1",
        given_name="Sofia",
        age_min=5,
        age_max=7,
        sex="female",
        lat=LAT,
        lon=LON,
        time=FOUND_AT.isoformat(),
    )
    right = _sofia(
        id="M-right", lat=LAT + 0.0045, lon=LON, time=(FOUND_AT - timedelta(hours=1)).isoformat()
    )
    crowd: list[ChildReport] = []
    while len(crowd) < n_crowd:
        lat, lon = rng.uniform(34.0, 34.4999), rng.uniform(-118.4999, -118.0)
        after = rng.uniform(*CROWD_AFTER_H)
        c = _sofia(
            id=f"M-{len(crowd):05d}",
            lat=lat,
            lon=lon,
            time=(FOUND_AT + timedelta(hours=after)).isoformat(),
        )
        km = km_between(f, c)
        if km is not None and CROWD_KM[0] <= km <= CROWD_KM[1]:
            crowd.append(c)
    return Scene(f, right, crowd)


def _dh(missing_report: ChildReport, found_report: ChildReport) -> float:
    return (found_report.time - missing_report.time).total_seconds() / 3600.0


@pytest.fixture(scope="module")
def scene() -> Scene:
    return build_scene()


def test_right_report_is_in_reach_and_the_crowd_is_not(scene: Scene) -> None:
    dh = _dh(scene.right, scene.found)
    km = km_between(scene.right, scene.found)
    reach = reach_km(dh)
    assert km is not None and km <= 0.6 and 0 < dh <= 1.0
    assert reach is not None and km <= reach
    assert len(scene.crowd) == CROWD
    for c in scene.crowd:
        km_c = km_between(c, scene.found)
        assert km_c is not None and CROWD_KM[0] <= km_c <= CROWD_KM[1]
        reach_c = reach_km(_dh(c, scene.found))
        assert reach_c is None or km_c > reach_c, c.id
        # the same place cell and 48 h time cell as the right report: they share its keys
        assert 34.0 <= c.lat < 34.5 and -118.5 <= c.lon < -118.0  # type: ignore[operator]
        assert 0 < (c.time - FOUND_AT).total_seconds() / 3600.0 < 32.0
    # the scorer agrees: a pair outside reach is implausible
    m = Matcher()
    assert m.score_pair(scene.right, scene.found) is not None
    assert all(m.score_pair(c, scene.found) is None for c in scene.crowd[::97])


def test_the_scene_is_deterministic(scene: Scene) -> None:
    again = build_scene()
    assert [(c.id, c.lat, c.lon, c.time) for c in again.pool] == [
        (c.id, c.lat, c.lon, c.time) for c in scene.pool
    ]


def test_a_linear_scan_ranks_the_right_report_first(scene: Scene) -> None:
    got = Matcher().rank(scene.found, scene.pool, top=1)
    assert got and got[0].other_id == "M-right", got


def test_one_fewer_look_alike_is_found(scene: Scene) -> None:
    """Control: one fewer look-alike (below the old posting budget) is found too."""
    index = Matcher().build_index(scene.pool[:-1])
    got = index.rank(scene.found, top=1)
    assert got and got[0].other_id == "M-right", got


def test_the_far_crowd_does_not_hide_the_right_report(scene: Scene) -> None:
    index = Matcher().build_index(scene.pool)
    got = index.rank(scene.found, top=1)
    assert got and got[0].other_id == "M-right", got


SMALL_CROWD = 300  # the size of today's pre-score cut


def test_a_small_crowd_added_first_hides_nothing_from_a_linear_scan() -> None:
    small = build_scene(n_crowd=SMALL_CROWD)
    later = [*small.crowd, small.right]  # the right report filed last
    got = Matcher().rank(small.found, later, top=1)
    assert got and got[0].other_id == "M-right", got


def test_the_right_report_filed_last_survives_the_pre_score_cut() -> None:
    small = build_scene(n_crowd=SMALL_CROWD)
    index = Matcher().build_index([*small.crowd, small.right])
    got = index.rank(small.found, top=1)
    assert got and got[0].other_id == "M-right", got
