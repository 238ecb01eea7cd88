"""Unit tests: folding, names, vocabulary, age, place and time."""

from __future__ import annotations

import pytest

from matching.features import compare, km_between, profile
from matching.names import Level, best_match, blocking_keys, canon, compare_tokens
from matching.text import fold, tokens
from matching.vocab import colours_agree, garments, hair, items, same_garment, styles_agree

from .helpers import found, missing


def levels(m: object, f: object) -> dict[str, str]:
    return {lv.field: lv.level for lv in compare(profile(m), profile(f))}  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("  ZOË  Müller ", "zoe muller"),
        ("Дмитрий", "dmitriy"),
        ("Ζωή", "zoi"),
        ("प्रिया", "priya"),
        ("张伟", "zhang wei"),
        ("José-María", "jose maria"),
        ("", ""),
    ],
)
def test_fold_transliterates_any_script(raw: str, folded: str) -> None:
    assert fold(raw) == folded


def test_tokens_drop_punctuation() -> None:
    assert tokens("O'Brien, Jr.") == ["o", "brien", "jr"]


@pytest.mark.parametrize(
    ("a", "b", "level"),
    [
        ("priya", "priya", Level.EXACT),
        ("kai", "malakai", Level.NICKNAME),
        ("lizzie", "elizabeth", Level.NICKNAME),
        ("pepe", "jose", Level.NICKNAME),
        ("paco", "francisco", Level.NICKNAME),
        ("lupita", "guadalupe", Level.NICKNAME),
        ("dima", "dmitriy", Level.NICKNAME),
        ("yusuf", "joseph", Level.NICKNAME),
        ("jonethan", "jonathan", Level.PHONETIC),
        ("mhmd", "muhammad", Level.PHONETIC),
        ("pri", "priya", Level.PREFIX),
        # sounds written differently by ear: J/Y, Kh/H, Ph/F, W/V
        ("jazmin", "yasmin", Level.PHONETIC),
        ("jusuf", "yusuf", Level.PHONETIC),
        ("khalid", "halid", Level.PHONETIC),
        ("filip", "philip", Level.PHONETIC),
        ("wiktor", "viktor", Level.PHONETIC),
        ("emma", "olivia", Level.NONE),
    ],
)
def test_name_tokens(a: str, b: str, level: Level) -> None:
    assert compare_tokens(a, b) == level
    assert compare_tokens(b, a) == level


def test_canon_contains_itself() -> None:
    assert "xyzzy" in canon("xyzzy")


def test_glued_names_meet_split_ones() -> None:
    hit = best_match(["minjun"], ["min", "jun"])
    assert hit is not None and hit.level >= Level.PHONETIC


def test_garments_and_colour_families() -> None:
    a = garments("navy hoodie, flip-flops")
    b = garments("blue sweatshirt, sandals")
    assert [g.category for g in a] == ["hoodie", "sandals"]
    assert same_garment(a[0], b[0]) and colours_agree(a[0].colours, b[0].colours)
    assert colours_agree(garments("rose dress")[0].colours, garments("pink dress")[0].colours)
    assert colours_agree(garments("grey tee")[0].colours, garments("gray t-shirt")[0].colours)
    assert not colours_agree(garments("red skirt")[0].colours, garments("green skirt")[0].colours)
    assert garments("dark blue shirt")[0].colours == frozenset({"blue"})
    tennis, trainers = garments("tennis shoes")[0], garments("trainers")[0]
    assert same_garment(tennis, trainers)
    assert same_garment(garments("jeans")[0], garments("trousers")[0])


def test_carried_items() -> None:
    assert items("plush dog") == items("stuffed puppy") == {"dog"}
    assert items("plastic dino") == items("toy dinosaur") == {"dinosaur"}
    assert items("") == frozenset()


def test_hair() -> None:
    assert hair("ginger")[0] == hair("red curly")[0]
    assert hair("buzz cut")[1] == hair("shaved")[1] == {"short"}
    assert hair("light brown")[0] == {"brown"}
    assert hair("dark blond")[0] == {"fair"}  # a shade, not black
    assert hair("black bob")[1] == {"bob"}


def test_hair_styles_that_contradict() -> None:
    bob, ponytail = hair("black bob")[1], hair("black ponytail")[1]
    assert styles_agree(bob, ponytail) is False  # a short cut is no ponytail
    assert styles_agree(hair("curly")[1], hair("shaved")[1]) is False
    assert styles_agree(bob, hair("black straight")[1]) is None  # a cut and a texture
    assert styles_agree(bob, hair("very short")[1]) is True
    lv = levels(missing(hair="dark blond"), found(hair="black curly"))
    assert lv["hair_colour"] == "differ"


def test_names_by_ear_share_a_blocking_key() -> None:
    for a, b in (("jazmin", "yasmin"), ("khalid", "halid"), ("wiktor", "viktor")):
        assert blocking_keys(a) & blocking_keys(b) - {"p:" + a[:3], "x:" + a[-4:]}


def test_distance() -> None:
    d = km_between(missing(lat=0.0, lon=0.0), found(lat=0.0, lon=1.0))
    assert d is not None and 110 < d < 112
    assert km_between(missing(), found()) is not None
    no_coords = missing().__class__(id="M", kind="missing", time=missing().time)
    assert km_between(no_coords, found()) is None


def test_place_time_levels() -> None:
    assert levels(missing(), found())["place"] == "here"
    later = found(lat=34.3, lon=-118.0, time="2026-06-04T12:00:00-07:00")
    assert levels(missing(), later)["place"] == "far_late"
    far_fast = found(lat=36.0, lon=-118.0, time="2026-06-01T13:00:00-07:00")
    assert levels(missing(), far_fast)["place"] == "implausible"
    # found shortly before last seen is normal (the donut story); long before is not
    donut = found(time="2026-06-01T11:00:00-07:00")
    assert levels(missing(), donut)["time"] == "0"
    early = found(time="2026-05-30T11:00:00-07:00")
    assert levels(missing(), early)["time"] == "before_long"


def test_age_levels() -> None:
    assert levels(missing(age_years=5), found(age_min=4, age_max=6))["age"] == "in"
    assert levels(missing(age_years=7), found(age_min=4, age_max=6))["age"] == "near"
    assert levels(missing(age_years=14), found(age_min=3, age_max=5))["age"] == "far"
    assert levels(missing(), found(age_min=4, age_max=6))["age"] == "none"
    # swapped bounds are tolerated
    assert levels(missing(age_years=5), found(age_min=6, age_max=4))["age"] == "in"
