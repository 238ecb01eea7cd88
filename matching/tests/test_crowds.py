"""Crowded pools: name frequency, posteriors over competitors, the match decision.

Hand-written invented reports: a fair where one name is common, a rare name, look-alike
strangers, and the reasons a coordinator reads.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from matching import ChildReport, Matcher
from matching.engine import DENSITY_FLOOR, PAIR_DENSITY, TF_MIN_POOL, NameFreq
from matching.features import profile

from .helpers import found, missing

M = Matcher()

FILLER_NAMES = [
    "Amara", "Bodhi", "Cyrus", "Dalia", "Elio", "Farah", "Gideon", "Hollis", "Ines", "Jovan",
    "Kenji", "Lior", "Maren", "Nilo", "Orla", "Priya", "Quinn", "Rafferty", "Saoirse", "Tadeo",
]  # fmt: skip


def _crowd(n: int, common: str, n_common: int, **kw: Any) -> list[ChildReport]:
    """n open reports at one fair; `n_common` of them named `common`, of every age."""
    out = []
    for i in range(n):
        name = common if i < n_common else f"{FILLER_NAMES[i % 20]}{chr(97 + i % 26)}"
        out.append(
            missing(
                id=f"M-{i}",
                given_name=name,
                age_years=(i % 12) + 2,
                sex="female" if i % 2 else "male",
                lat=34.05 + (i % 10) * 0.001,
                lon=-118.25,
                **kw,
            )
        )
    return out


def test_it_weakens_a_common_name_and_strengthens_a_rare_one() -> None:
    pool = _crowd(400, "Sofia", 60)
    pool.append(missing(id="M-rare", given_name="Ximena", age_years=6, sex="female"))
    freq = NameFreq(M.build_index(pool)._rows[i] for i in range(len(pool)))  # type: ignore[misc]
    assert freq.n == 401 >= TF_MIN_POOL
    common, n_common = freq.adjust(freq.given, "sofia", M.u_given)
    rare, n_rare = freq.adjust(freq.given, "ximena", M.u_given)
    assert n_common == 60 and n_rare == 1
    assert common < 0 < rare


def test_it_says_why_a_name_tells_little_here() -> None:
    pool = _crowd(400, "Sofia", 60)
    index = M.build_index(pool)
    got = index.rank(found(given_name="Sofia", age_min=5, age_max=7, sex="female"), top=3)
    assert got
    assert any("is common here (60 open reports)" in r for r in got[0].reasons), got[0].reasons
    # many Sofias of the right age compete: nobody is called the match
    assert not any(c.match for c in got)
    assert any("nearly as well" in r for r in got[0].reasons)


def test_it_calls_a_rare_name_with_support_a_match() -> None:
    pool = _crowd(400, "Sofia", 60)
    pool.append(
        missing(
            id="M-rare",
            given_name="Ximena",
            family_name="Quispe",
            age_years=6,
            sex="female",
            clothing="yellow raincoat, red boots",
            languages=["es", "en"],
        )
    )
    index = M.build_index(pool)
    f = found(
        given_name="XIMENA",
        age_min=5,
        age_max=7,
        sex="female",
        clothing="yellow coat, red wellies",
        languages=["es"],
    )
    got = index.rank(f, top=3)
    assert got[0].other_id == "M-rare"
    assert got[0].match and got[0].score >= M.match_score
    assert any(r.startswith("same rare name") for r in got[0].reasons), got[0].reasons


def test_it_does_not_page_for_one_of_two_look_alikes() -> None:
    # twins of a sort: same name, age, sex and clothing; the found child cannot be told apart
    a = missing(id="M-a", given_name="Noor", age_years=5, sex="female", clothing="red dress")
    b = missing(
        id="M-b",
        given_name="Noor",
        age_years=5,
        sex="female",
        clothing="red dress",
        lat=34.051,
        lon=-118.251,
    )
    f = found(given_name="Noor", age_min=4, age_max=6, sex="female", clothing="red dress")
    alone = M.rank(f, [a])
    both = M.rank(f, [a, b])
    assert alone[0].score > both[0].score
    assert abs(both[0].score - both[1].score) < 0.01
    assert not both[0].match


def test_scores_are_posteriors_that_sum_to_at_most_one() -> None:
    pool = _crowd(300, "Sofia", 40)
    index = M.build_index(pool)
    got = index.rank(found(given_name="Sofia", age_min=5, age_max=7, sex="female"), top=10)
    assert 0 < sum(c.score for c in got) <= 1.0001
    assert sum(c.match for c in got) <= 1


def test_a_pair_alone_scores_like_a_pool_of_one_among_pair_density_plausible() -> None:
    # (without the crowd term: one candidate is no crowd, and a pair alone has none)
    no_crowd = Matcher(crowd_weight=0.0)
    m = missing(given_name="Ximena", age_years=6, sex="female")
    f = found(given_name="Ximena", age_min=5, age_max=7, sex="female")
    pair = no_crowd.score_pair(m, f)
    ranked = no_crowd.rank_profiles(profile(f), [profile(m)], density=PAIR_DENSITY)
    assert pair is not None and ranked and ranked[0].score == pair.score
    # a tiny pool is no proof: a pool of one scores at most like DENSITY_FLOOR plausible
    alone = M.rank(f, [m])[0].score
    floor = M.rank_profiles(profile(f), [profile(m)], density=DENSITY_FLOOR)[0].score
    assert alone == floor < 1.0


FOUND_AT = datetime.fromisoformat("2026-06-01T13:00:00-07:00")  # helpers.found's time


def _strangers(n: int, km_north: float, hours_before: float) -> list[ChildReport]:
    """Plausible open reports of other children (other names), all at one place and time."""
    return [
        missing(
            id=f"M-S{i}",
            given_name=f"{FILLER_NAMES[i % 20]}{chr(97 + i % 26)}",
            age_years=6,
            sex="female",
            lat=34.05 + km_north / 111.0,
            time=(FOUND_AT - timedelta(hours=hours_before + 0.5)).isoformat(),
        )
        for i in range(n)
    ]


def test_being_here_and_now_says_less_when_every_open_report_was_here_and_now() -> None:
    m = missing(given_name="Ximena", age_years=6, sex="female")
    f = found(given_name="Ximena", age_min=5, age_max=7, sex="female")
    at_a_fair = [m, *_strangers(40, km_north=0.2, hours_before=0)]
    after_days = [m, *_strangers(40, km_north=30.0, hours_before=72)]
    no_crowd = Matcher(crowd_weight=0.0)

    def best(matcher: Matcher, pool: list[ChildReport]) -> tuple[str, float]:
        top = matcher.rank_profiles(profile(f), [profile(r) for r in pool], density=41)[0]
        return top.other_id, top.score

    # the same competitors and density: only the crowd term differs
    assert best(M, at_a_fair)[0] == best(M, after_days)[0] == m.id
    assert best(M, at_a_fair)[1] < best(no_crowd, at_a_fair)[1] - 0.05
    assert best(M, after_days)[1] > best(no_crowd, after_days)[1]


def test_the_index_and_a_linear_scan_agree_on_a_crowd() -> None:
    pool = _crowd(250, "Mateo", 30)
    f = found(given_name="Mateo", age_min=8, age_max=10, sex="male")
    linear = M.rank(f, pool, top=3)
    indexed = M.build_index(pool).rank(f, top=3)
    assert [c.other_id for c in linear] == [c.other_id for c in indexed]


def test_open_reports_from_days_before_count_less_as_look_alikes() -> None:
    """A child found three days after a crowd went missing meets a smaller null mass than one
    found the same afternoon: reports last seen days earlier weigh less in the density."""
    crowd = _crowd(100, "Amara", 0)
    f_same = profile(found(age_years=7))
    f_later = profile(found(age_years=7, time="2026-06-04T13:00:00-07:00"))
    index = M.build_index(crowd)
    same, later = index._density(f_same), index._density(f_later)
    assert same is not None and later is not None
    assert 0 < later < same


def test_a_coordinator_is_told_when_place_and_time_say_little() -> None:
    m = missing(given_name="Ximena", age_years=6, sex="female")
    f = found(given_name="Ximena", age_min=5, age_max=7, sex="female")
    at_a_fair = [m, *_strangers(40, km_north=0.2, hours_before=0)]
    after_days = [m, *_strangers(40, km_north=30.0, hours_before=72)]
    fair = M.rank_profiles(profile(f), [profile(r) for r in at_a_fair], density=41)
    spread = M.rank_profiles(profile(f), [profile(r) for r in after_days], density=41)
    said = "41 open reports were here at this time: place and time say little"
    assert said in fair[0].reasons
    assert not any("place and time say little" in r for r in spread[0].reasons)
