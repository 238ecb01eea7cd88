"""The fast paths added for scale give the same answers as the reference ones.

- `schema_ok` (hand-written) accepts exactly what jsonschema accepts;
- `quick_levels` / `Matcher.quick_score` equal `compare` / `score_profiles`;
- the index's add / remove / replace / compaction keep it equal to a fresh build.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matching import ChildReport, Matcher
from matching.features import FIELDS, Profile, compare, profile, quick_age, quick_levels
from matching.schema import _validator, schema_ok, validation_error

from .helpers import found, missing
from .test_engine import report

M = Matcher()

# ---- schema ------------------------------------------------------------------------------

junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-300, 300),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=5),
    st.lists(st.one_of(st.text(max_size=3), st.integers()), max_size=3),
    st.dictionaries(st.sampled_from(["name", "phone", "x"]), st.one_of(st.text(), st.integers())),
)
VALID: dict[str, Any] = {
    "id": "M-1",
    "kind": "missing",
    "lat": 34.0,
    "lon": -118.0,
    "time": "2026-06-01T12:00:00-07:00",
    "given_name": "Ana",
    "age_years": 6,
    "age_min": 5,
    "age_max": 7.5,
    "sex": "female",
    "height_cm": 110,
    "other_names": ["Anita"],
    "languages": ["es"],
    "guardian": {"name": "G", "phone": "+1"},
}
FIELDS_SCHEMA = [*VALID, "family_name", "hair", "clothing", "carrying", "place", "extra_field"]


@st.composite
def near_valid(draw: st.DrawFn) -> dict[str, Any]:
    d = dict(VALID)
    for key in draw(st.lists(st.sampled_from(FIELDS_SCHEMA), max_size=3)):
        action = draw(st.sampled_from(["drop", "junk", "edge"]))
        if action == "drop":
            d.pop(key, None)
        elif action == "junk":
            d[key] = draw(junk)
        else:
            d[key] = draw(
                st.sampled_from(
                    [
                        0,
                        18,
                        18.0001,
                        -0.0,
                        30,
                        220,
                        220.5,
                        -90,
                        90,
                        180,
                        -180.01,
                        "",
                        "unknown",
                        True,
                        1.0,
                        [],
                        {},
                        math.nan,
                    ]
                )
            )
    return d


@settings(max_examples=600, deadline=None)
@given(near_valid())
def test_schema_ok_agrees_with_jsonschema(d: dict[str, Any]) -> None:
    assert schema_ok(d) == (not list(_validator().iter_errors(d)))


def test_validation_error_messages_still_come_from_the_schema() -> None:
    assert validation_error({**VALID, "age_years": 19}) == (
        "age_years: 19 is greater than the maximum of 18"
    )
    assert validation_error(VALID) is None


# ---- fast scoring path ---------------------------------------------------------------------


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(report("missing"), report("found"))
def test_quick_levels_equal_compare(m: ChildReport, f: ChildReport) -> None:
    pm, pf = profile(m), profile(f)
    levels = compare(pm, pf)
    assert tuple(lv.field for lv in levels) == FIELDS
    assert quick_levels(pm, pf) == tuple(lv.level for lv in levels)
    c = M.score_profiles(pm, pf, f.id)
    q = M.quick_score(pm, pf)
    assert 0.0 <= q <= 1.0
    if c is not None:
        assert c.score == round(q, 4)


# ---- index maintenance ---------------------------------------------------------------------


def _pool(n: int) -> list[ChildReport]:
    names = ["Ana", "Kai", "Lupe", "Dima", "Priya", "Omar", "Zoe", "Minh", "Wei", "Noor"]
    return [
        missing(
            id=f"M-{i}",
            given_name=names[i % len(names)],
            age_years=i % 15,
            sex="female" if i % 2 else "male",
            clothing=["red hoodie", "blue jeans", "green dress"][i % 3],
            lat=34.0 + (i % 7) * 0.01,
        )
        for i in range(n)
    ]


def _answers(index: Any, queries: list[ChildReport]) -> list[list[tuple[str, float]]]:
    return [[(c.other_id, c.score) for c in index.rank(q, top=3)] for q in queries]


QUERIES = [
    found(given_name="Anita", age_min=2, age_max=5, sex="male", clothing="red sweatshirt"),
    found(given_name="DIMA", age_min=2, age_max=4),
    found(age_min=6, age_max=8, sex="female", clothing="green dress"),
    found(given_name="Pri", age_min=3, age_max=6),
]


def test_remove_and_compaction_equal_a_fresh_index() -> None:
    pool = _pool(300)
    index = M.build_index(pool)
    for r in pool[:200]:  # enough dead rows to trigger compaction
        index.remove(r.id)
    index.remove("no such id")
    fresh = M.build_index(pool[200:])
    assert len(index) == len(fresh) == 100
    assert "M-5" not in index and "M-250" in index
    assert _answers(index, QUERIES) == _answers(fresh, QUERIES)


def test_add_replaces_a_report_with_the_same_id() -> None:
    index = M.build_index(_pool(30))
    before = index.rank(QUERIES[1])
    assert before and before[0].other_id in {"M-3", "M-13", "M-23"}
    index.add(missing(id=before[0].other_id, given_name="Beatrix", age_years=16, sex="female"))
    assert len(index) == 30
    assert all(c.other_id != before[0].other_id for c in index.rank(QUERIES[1]))


def test_index_agrees_with_a_linear_scan() -> None:
    pool = _pool(120)
    index = M.build_index(pool)
    for q in QUERIES:
        linear = M.rank(q, pool, top=3)
        assert [c.other_id for c in index.rank(q, top=3)][:1] == [c.other_id for c in linear][:1]
        if linear:
            assert index.rank(q, top=3)[0].reasons == linear[0].reasons


# ---- the index's hot path: shared-key counts and pre-score ----------------------------------


def _reference_prescore(q: Profile, o: Profile, shared: int) -> float:
    """The pre-score computed from the profiles, one pair at a time (how the index computed
    it before it kept the flat per-row arrays and scored them all at once in numpy)."""
    w = M.field_weight
    s = 0.45 * shared
    if q.sex and o.sex:
        s += w("sex", "same") if q.sex == o.sex else w("sex", "differ")
    if q.age_lo is not None and q.age_hi is not None and o.age_lo is not None:
        m, f = (q, o) if q.report.kind == "missing" else (o, q)
        s += w("age", quick_age(m, f))
    hours = abs(o.hours - q.hours)
    s -= 0.25 * min(hours / 24.0, 8.0)
    q_lat, q_lon, lat, lon = q.report.lat, q.report.lon, o.report.lat, o.report.lon
    if q_lat is not None and q_lon is not None and lat is not None and lon is not None:
        dy = (lat - q_lat) * 111.0
        dx = (lon - q_lon) * 111.0 * math.cos(math.radians(q_lat))
        km = math.sqrt(dx * dx + dy * dy)
        if km <= 1.5 + 1.5 * hours:
            s += 1.5
        elif km > (60.0 if hours <= 24 else 80.0) * 1.2:
            s += w("place", "implausible")
    return s


def _mixed_pool(n: int) -> list[ChildReport]:
    """Reports with and without age, sex, coordinates, far and near, hours and days apart."""
    out = []
    for i in range(n):
        kw: dict[str, Any] = {"id": f"M-{i}", "given_name": "Ana"}
        if i % 4:
            kw["age_years"] = i % 16
        if i % 3:
            kw["sex"] = "female" if i % 2 else "male"
        kw["lat"], kw["lon"] = 34.0 + (i % 9) * 0.3, -118.0 - (i % 5) * 0.2
        kw["time"] = f"2026-06-{1 + i % 9:02d}T{i % 24:02d}:00:00-07:00"
        r = missing(**kw)
        if i % 11 == 0:  # a guardian who only typed an address
            r = replace(r, lat=None, lon=None)
        out.append(r)
    return out


def test_prescore_from_the_row_arrays_equals_the_profiles_after_compaction() -> None:
    pool = _mixed_pool(400)
    index = M.build_index(pool)
    for r in pool[::3]:  # enough dead rows to compact the arrays
        index.remove(r.id)
    queries = [
        found(given_name="Ana", age_min=4, age_max=7, sex="female"),
        found(given_name="Ana", sex="male", time="2026-06-05T09:00:00-07:00"),
        replace(found(given_name="Ana", age_min=9, age_max=12), lat=None, lon=None),
        found(given_name="Ana", age_min=1, age_max=15, lat=35.1, lon=-118.5),
    ]
    rows = [(r, p) for r, p in enumerate(index._rows) if p is not None]
    assert len(rows) == len(index) < len(pool)
    for fq in queries:
        q = profile(fq)
        live = np.array([r for r, _ in rows])
        shared = np.arange(len(rows)) % 5
        got = index._prescore_np(q, live, shared).tolist()
        want = [_reference_prescore(q, p, i % 5) for i, (_, p) in enumerate(rows)]
        assert got == pytest.approx(want, abs=1e-9)
