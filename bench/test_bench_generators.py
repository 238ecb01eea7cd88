"""The benchmark's generators and sweep keep their promises (run by hand, not in `make test`):

.venv/bin/python -m pytest bench/test_bench_generators.py -q -p no:cacheprovider
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from splink_fair import recall_at_precision
from synth import city_fortnight, query_mix, tiled


def _mix(ds, ids):  # type: ignore[no-untyped-def]
    return Counter((ds.scene_of[f], ds.truth[f] is not None) for f in ids)


def test_a_tile_is_the_same_at_every_size() -> None:
    small, big = tiled(10_000, 100, seed=9), tiled(30_000, 100, seed=9)
    assert len(big.missing) == 30_000
    assert small.missing == big.missing[:10_000]


def test_the_query_mix_is_the_same_at_every_size() -> None:
    small, big = tiled(10_000, 300, seed=9), tiled(30_000, 300, seed=9)
    for lo, hi in ((0, 200), (200, 300)):
        a = _mix(small, [f["id"] for f in small.found[lo:hi]])
        b = _mix(big, [f["id"] for f in big.found[lo:hi]])
        assert a == b
    assert _mix(small, [f["id"] for f in small.found[:50]]) == Counter(
        query_mix(j) for j in range(50)
    )
    tiles = {f["id"][3:6] for f in big.found}
    assert tiles == {"000", "001", "002"}


def test_truth_points_at_an_open_report_of_the_same_scene() -> None:
    ds = tiled(10_000, 100, seed=9)
    ids = {d["id"] for d in ds.missing}
    assert all(m in ids for m in ds.truth.values() if m)
    assert sum(1 for m in ds.truth.values() if m) == 80


def test_city_fortnight_counts() -> None:
    ds = city_fortnight(3_000, 270, 200, seed=9)
    assert len(ds.missing) == 3_000 and len(ds.found) == 270
    assert sum(1 for m in ds.truth.values() if m) == 200


def test_recall_at_precision_sweeps_the_threshold() -> None:
    truth = {"f1": "m1", "f2": "m2", "f3": None}
    got = {
        "f1": [{"missing": "m1", "score": 0.9}],
        "f2": [{"missing": "m9", "score": 0.8}, {"missing": "m2", "score": 0.3}],
        "f3": [{"missing": "m3", "score": 0.5}],
    }
    assert recall_at_precision(truth, got, 0.99) == (0.5, 0.9)
    assert recall_at_precision(truth, got, 0.6) == (0.5, 0.9)  # 0.8 and 0.5 are wrong
    assert recall_at_precision(truth, got, 0.5) == (1.0, 0.3)
