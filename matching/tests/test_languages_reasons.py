"""Hand-labelled pairs: clothing written in another language, and reasons a coordinator
reads at a glance (invented data)."""

from __future__ import annotations

import pytest

from matching import Matcher
from matching.features import compare, profile
from matching.vocab import garments, hair, items

from .helpers import found, missing

M = Matcher()


@pytest.mark.parametrize(
    ("said", "seen"),
    [
        (
            "camiseta roja, pantalón de mezclilla, tenis blancos",
            "red t-shirt, blue jeans, white sneakers",
        ),
        ("Sudadera AZUL MARINO y gorra roja", "navy hoodie, red cap"),
        ("robe bleue et baskets blanches", "blue dress, white trainers"),
        ("camisa amarela e calças pretas", "yellow shirt, black trousers"),
        ("vestido rosado, sandalias doradas", "pink dress, gold sandals"),
    ],
)
def test_it_matches_clothing_across_languages(said: str, seen: str) -> None:
    levels = {
        lv.field: lv
        for lv in compare(profile(missing(clothing=said)), profile(found(clothing=seen)))
    }
    assert levels["clothing"].level in ("2", "3"), levels["clothing"]
    assert levels["clothing_conflict"].level == "0"


def test_it_reads_gender_and_number_endings() -> None:
    for word in ("rojo", "roja", "rojos", "rojas"):
        (g,) = garments(f"camiseta {word}")
        assert g.category == "shirt" and g.colours == frozenset({"red"})
    (g,) = garments("pantalones azules")
    assert g.category == "pants" and g.colours == frozenset({"blue"})


def test_it_sees_a_colour_conflict_across_languages() -> None:
    levels = {
        lv.field: lv
        for lv in compare(
            profile(missing(clothing="camiseta verde")), profile(found(clothing="red t-shirt"))
        )
    }
    assert levels["clothing_conflict"].level == "1"


def test_it_reads_items_and_hair_in_spanish_french_portuguese() -> None:
    assert items("osito de peluche") == items("teddy bear") == frozenset({"bear"})
    assert items("mochila") == items("sac") == frozenset({"bag"})
    assert items("ursinho") == frozenset({"bear"})
    assert hair("pelo negro rizado") == hair("black curly")
    assert hair("cheveux blonds") == hair("blond")


def _reasons(m_kw: dict[str, object], f_kw: dict[str, object]) -> list[str]:
    c = M.score_pair(missing(**m_kw), found(**f_kw))
    assert c is not None
    return c.reasons


def test_it_says_same_place_same_time_not_zero_minutes() -> None:
    same = {"lat": 34.05, "lon": -118.25, "time": "2026-06-01T12:00:00-07:00"}
    got = _reasons({"given_name": "Ana", **same}, {"given_name": "Ana", **same})
    assert "same place, same time" in got
    assert not any("0 min" in r or "0.0 km" in r for r in got)


def test_it_says_metres_and_minutes() -> None:
    got = _reasons(
        {"given_name": "Ana", "lat": 34.05, "lon": -118.25},
        {"given_name": "Ana", "lat": 34.0504, "lon": -118.25, "time": "2026-06-01T12:20:00-07:00"},
    )
    assert "found 40 m away, minutes later" in got, got


def test_it_says_found_before_last_seen() -> None:
    got = _reasons(
        {"given_name": "Ana", "time": "2026-06-01T12:00:00-07:00"},
        {"given_name": "Ana", "time": "2026-06-01T10:00:00-07:00"},
    )
    assert any(r.endswith("2 h before last seen") for r in got), got


def test_it_names_the_kind_of_name_agreement() -> None:
    assert "nickname Nico ~ Nicolás" in _reasons({"given_name": "Nicolás"}, {"given_name": "Nico"})
    assert "nickname Nico ~ Nicolás" in _reasons(
        {"given_name": "Nicolás", "other_names": ["Nico"]}, {"given_name": "Nico"}
    )
    assert "sounds alike: Katrina ~ Catrina" in _reasons(
        {"given_name": "Catrina"}, {"given_name": "Katrina"}
    )
    assert "same name, other script: Богдан ~ Bogdan" in _reasons(
        {"given_name": "Bogdan"}, {"given_name": "Богдан"}
    )
    assert "same name ANA" in _reasons({"given_name": "Ana"}, {"given_name": "ANA"})
