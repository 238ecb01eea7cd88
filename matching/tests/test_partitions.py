"""The space-time partitions cover the scorer's reach everywhere on Earth, and the posting
store finds exactly what was filed, however it was filed (bulk, recent, merged, renumbered)."""

from __future__ import annotations

import math
import random

import h3.api.basic_int as h3
import numpy as np
import pytest

from matching.features import BEFORE_TOLERANCE_H, EARTH_KM
from matching.partitions import (
    HERE_H,
    NOWHERE,
    REACH_KM,
    WARM_H,
    PostingStore,
    coarse_cell,
    coarse_disk,
    composite,
    composites,
    here_bucket,
    here_cell,
    here_partitions,
    is_cold,
    partition_hash,
    warm_weeks,
    week,
)
from matching.reach import FAR_LATE_KM


def destination(lat: float, lon: float, km: float, bearing: float) -> tuple[float, float]:
    """The point `km` (great circle) from (lat, lon) along `bearing` degrees."""
    d = km / EARTH_KM
    p1, l1, b = math.radians(lat), math.radians(lon), math.radians(bearing)
    p2 = math.asin(math.sin(p1) * math.cos(d) + math.cos(p1) * math.sin(d) * math.cos(b))
    l2 = l1 + math.atan2(
        math.sin(b) * math.sin(d) * math.cos(p1), math.cos(d) - math.sin(p1) * math.sin(p2)
    )
    lon2 = (math.degrees(l2) + 540.0) % 360.0 - 180.0
    return math.degrees(p2), lon2


def _origins() -> list[tuple[float, float]]:
    rng = random.Random(3)
    special = [
        (90.0, 0.0), (-90.0, 0.0), (89.7, 45.0), (-89.9, -120.0),  # poles
        (0.0, 179.99), (0.0, -179.99), (65.0, 180.0), (-16.5, 179.8),  # antimeridian
        (60.0, 10.0), (60.0, -150.0), (-60.0, 70.0),  # latitude 60
        (34.05, -118.25), (51.5, -0.12), (0.0, 0.0),
    ]  # fmt: skip
    # the 12 pentagons of the coarse resolution: the cells there are the smallest
    special += [h3.cell_to_latlng(c) for c in h3.get_pentagons(3)]
    special += [
        (math.degrees(math.asin(rng.uniform(-1, 1))), rng.uniform(-180, 180)) for _ in range(80)
    ]
    return special


@pytest.mark.parametrize("origin", _origins())
def test_the_coarse_disk_covers_the_widest_reach(origin: tuple[float, float]) -> None:
    lat, lon = origin
    disk = set(coarse_disk(coarse_cell(lat, lon)))
    for bearing in range(0, 360, 10):
        for km in (FAR_LATE_KM, REACH_KM):
            assert coarse_cell(*destination(lat, lon, km, bearing)) in disk, (origin, bearing)


@pytest.mark.parametrize("origin", _origins()[:30])
def test_the_here_tier_covers_the_scorers_here(origin: tuple[float, float]) -> None:
    # the scorer's "here": within 1 km and 6 h either way
    lat, lon = origin
    hours = 493_117.3
    parts = set(here_partitions(lat, lon, hours))
    for bearing in range(0, 360, 15):
        for dh in (-HERE_H, -3.2, 0.0, 2.5, HERE_H):
            la, lo = destination(lat, lon, 1.0, bearing)
            assert partition_hash(here_cell(la, lo), here_bucket(hours + dh)) in parts


def test_reports_without_a_place_are_nowhere() -> None:
    assert coarse_cell(None, None) == NOWHERE
    assert coarse_cell(float("nan"), 3.0) == NOWHERE
    assert coarse_cell(34.0, -118.0) != NOWHERE


@pytest.mark.parametrize("hours", [0.0, 100.0, 493_117.3, 493_200.0, -5000.0])
def test_warm_and_cold_weeks_cover_every_plausible_time(hours: float) -> None:
    for found_side in (True, False):
        warm = warm_weeks(hours, found_side)
        sign = 1.0 if found_side else -1.0
        # dh = found - missing; for a found query the other report is at hours - dh
        for dh in np.arange(-BEFORE_TOLERANCE_H, 24 * 60, 0.5):
            other = hours - sign * dh
            wk = week(other)
            if abs(dh) <= WARM_H:
                assert wk in warm, (hours, dh, found_side)
            else:
                assert wk in warm or is_cold(wk, warm, found_side)
        # beyond the tolerance on the other side: never cold, never needed
        far_side = week(hours + sign * 24 * 60)
        assert not is_cold(far_side, warm, found_side)


def test_composites_vectorised_equal_the_scalar() -> None:
    parts = [partition_hash(c, b) for c, b in ((0, 0), (590703894649110527, 2934), (7, -3))]
    kids = [0, 1, 2, 99_999, 2**31]
    got = composites(parts, kids).tolist()
    assert got == [composite(p, k) for p in parts for k in kids]
    assert len(set(got)) == len(got)


def test_posting_store_finds_what_was_filed_however_it_was_filed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(PostingStore, "MERGE_MIN", 50)  # merge often
    rng = random.Random(5)
    store = PostingStore()
    filed: dict[int, list[int]] = {}
    parts = [partition_hash(c, 0) for c in range(20)]
    for row in range(3000):
        pairs = {(rng.choice(parts), rng.randrange(1, 40)) for _ in range(rng.randint(1, 6))}
        ps, ks = [p for p, _ in sorted(pairs)], [k for _, k in sorted(pairs)]
        store.add(ps, ks, row)
        if row == 999:
            store.seal()  # a build
        elif row > 1000 and row % 7 == 0:
            store.settle()  # a query between additions
        for p, k in pairs:
            filed.setdefault(composite(p, k), []).append(row)
    assert len(store) == sum(map(len, filed.values()))
    probe = [*sorted(filed)[:200], 12345]
    rows, w = store.lookup(np.array(probe, np.uint64), np.arange(len(probe), dtype=np.int64))
    want = sorted((r, i) for i, c in enumerate(probe) for r in filed.get(c, []))
    assert sorted(zip(rows.tolist(), w.tolist(), strict=True)) == want
    # renumbering keeps every posting of a kept row, under its new number
    new_of = np.array([r // 2 if r % 2 else -1 for r in range(3000)])
    store.renumber(new_of)
    rows, _ = store.lookup(np.array(probe, np.uint64), np.zeros(len(probe), np.int64))
    want_rows = sorted(r // 2 for c in probe for r in filed.get(c, []) if r % 2)
    assert sorted(rows.tolist()) == want_rows


def test_block_searches_find_what_one_search_over_everything_finds() -> None:
    """Needles are looked for inside their partition's block only: the answer must equal one
    binary search over every posting, for needles in filed partitions, in partitions with no
    posting (sorting between two filed ones) and for keys absent from a filed partition."""
    rng = np.random.default_rng(7)
    store = PostingStore()
    parts = [partition_hash(c, w) for c in range(40) for w in range(3)]
    for row in range(3000):
        part = parts[int(rng.integers(0, len(parts)))]
        store.add([part] * 3, [int(k) for k in rng.integers(1, 60, 3)], row)
    store.seal()
    unfiled = [partition_hash(c, 9) for c in range(40, 60)]
    needles = np.unique(composites(parts + unfiled, list(range(1, 70))))
    lo, hi = store._bounds(needles)
    assert np.array_equal(lo[hi > lo], np.searchsorted(store.keys, needles, "left")[hi > lo])
    assert np.array_equal(
        hi - lo,
        np.searchsorted(store.keys, needles, "right")
        - np.searchsorted(store.keys, needles, "left"),
    )
    assert (hi > lo).sum() > 100
