"""Structured reasons: every key has an English template, the English text is the wording the
`showup match` CLI has always printed, and reasons survive a round trip through JSON
(invented data)."""

from __future__ import annotations

from typing import Any

import pytest

from matching import Matcher
from matching.engine import _frequency_note
from matching.features import Level_, compare, profile
from matching.reasons import ENGLISH, RARE_OF, Plural, Reason, placeholders

from .helpers import found, missing

M = Matcher()


def _texts(**pair: dict[str, Any]) -> set[str]:
    levels = compare(profile(missing(**pair["m"])), profile(found(**pair["f"])))
    return {str(lv.reason) for lv in levels if lv.reason is not None}


@pytest.mark.parametrize(
    ("m", "f", "said"),
    [
        ({"given_name": "Malakai"}, {"given_name": "Kai"}, "nickname Kai ~ Malakai"),
        ({"given_name": "Sofia"}, {"given_name": "Sofia"}, "same name Sofia"),
        ({"given_name": "Ezra"}, {"given_name": "Ezrah"}, "sounds alike: Ezrah ~ Ezra"),
        ({"given_name": "Priya"}, {"given_name": "Pri"}, "short form Pri ~ Priya"),
        ({"given_name": "Sam"}, {"given_name": "Olu"}, "name Olu ≠ Sam"),
        (
            {"given_name": "Bogdan"},
            {"given_name": "Богдан"},
            "same name, other script: Богдан ~ Bogdan",
        ),
        (
            {"given_name": "Kai", "other_names": ["Malakai"]},
            {"given_name": "Malakai"},
            "nickname Malakai ~ Kai",
        ),
        ({"family_name": "Petrov"}, {"family_name": "Petrov"}, "same family name Petrov"),
        (
            {"family_name": "Petrov"},
            {"family_name": "Петров"},
            "same family name, other script: Петров ~ Petrov",
        ),
        ({"family_name": "Nguyen"}, {"family_name": "Lopez"}, "family name Lopez ≠ Nguyen"),
        ({"age_years": 6}, {"age_min": 5, "age_max": 7}, "age 6 within estimate 5–7"),
        ({"age_years": 9}, {"age_min": 3, "age_max": 5}, "age 9 outside estimate 3–5"),
        ({"sex": "male"}, {"sex": "female"}, "sex differs"),
        ({"height_cm": 114}, {"height_cm": 130}, "height 130 vs 114 cm"),
        ({"hair": "black curly"}, {"hair": "black curly"}, "hair: black curly ~ black curly"),
        ({"hair": "blonde"}, {"hair": "black"}, "hair differs: black vs blonde"),
        (
            {"clothing": "red hoodie, blue jeans"},
            {"clothing": "red hoodie, blue denim pants"},
            "clothing: red hoodie, blue denim pants ~ blue jeans",
        ),
        (
            {"clothing": "white t shirt"},
            {"clothing": "gray shirt"},
            "clothing differs: gray shirt vs white t shirt",
        ),
        ({"carrying": "teddy bear"}, {"carrying": "teddy bear"}, "carrying teddy bear"),
        (
            {"carrying": "dinosaur toy"},
            {"carrying": "toy dinosaur"},
            "carrying: toy dinosaur ~ dinosaur toy",
        ),
        (
            {"carrying": "plush raccoon"},
            {"carrying": "backpack"},
            "carrying differs: backpack vs plush raccoon",
        ),
        ({"languages": ["ja", "en"]}, {"languages": ["ja"]}, "speaks ja"),
        ({"languages": ["vi"]}, {"languages": ["es"]}, "languages differ"),
        ({}, {}, "found 720 m away, 1 h later"),
        ({"lat": 34.08}, {}, "found 2.8 km away, 1 h later"),
        ({"lat": 34.3}, {"time": "2026-06-03T12:00:00-07:00"}, "found 27 km away, 2 days later"),
        ({}, {"lat": 34.05, "lon": -118.25}, "same place, 1 h later"),
        (
            {},
            {"lat": 34.05, "lon": -118.25, "time": "2026-06-01T12:05:00-07:00"},
            "same place, same time",
        ),
        (
            {"lat": None, "lon": None},
            {"time": "2026-06-01T12:20:00-07:00"},
            "found minutes later",
        ),
        (
            {"lat": 34.15},
            {"time": "2026-05-31T02:00:00-07:00"},
            "found 11 km away, 34 h before last seen",
        ),
        ({}, {"time": "2026-05-31T02:00:00-07:00"}, "found 34 h before last seen"),
        (
            {"lat": None},
            {"time": "2026-06-01T11:30:00-07:00"},
            "found minutes before last seen",
        ),
        ({"lat": None}, {"time": "2026-06-04T13:00:00-07:00"}, "found 3 days later"),
        ({"given_name": "Xochitl"}, {"given_name": "Xochilt"}, "spelling Xochilt ~ Xochitl"),
        ({"family_name": "Castillo"}, {"family_name": "Castilo"}, "family name Castilo ~ Castillo"),
    ],
)
def test_reasons_keep_the_cli_wording(m: dict[str, Any], f: dict[str, Any], said: str) -> None:
    assert said in _texts(m=m, f=f)


def test_frequency_notes_keep_the_cli_wording() -> None:
    same = Level_("name", "exact", Reason.of("same_name", said="Sofia"))
    assert (
        str(_frequency_note(same, "common", 41))
        == "same name Sofia is common here (41 open reports)"
    )
    assert str(_frequency_note(same, "rare", 1)) == "same rare name Sofia"
    nick = Level_("name", "exact", Reason.of("nickname", said="Kai", known="Malakai"))
    assert str(_frequency_note(nick, "rare", 1)) == "same rare nickname Kai ~ Malakai"
    fam = Level_("family", "same", Reason.of("family_other_script", said="Петров", known="Petrov"))
    assert str(_frequency_note(fam, "rare", 1)) == (
        "same rare family name, other script: Петров ~ Petrov"
    )
    sounds = Level_("name", "phonetic", Reason.of("sounds_alike", said="Ezrah", known="Ezra"))
    assert str(_frequency_note(sounds, "common", 14)) == (
        "sounds alike: Ezrah ~ Ezra (common here: 14 open reports)"
    )
    assert str(_frequency_note(sounds, "rare", 1)) == "sounds alike: Ezrah ~ Ezra (a rare name)"


def test_rivals_keep_the_cli_wording() -> None:
    assert str(Reason.of("rivals", n=1)) == "1 other open report fits nearly as well"
    assert str(Reason.of("rivals", n=3)) == "3 other open reports fit nearly as well"


def test_every_key_has_an_english_template_naming_its_arguments() -> None:
    for key, template in ENGLISH.items():
        plural = isinstance(template, Plural)
        forms = [template.one, template.other] if isinstance(template, Plural) else [template]
        for form in forms:
            names = placeholders(form)
            sample = Reason.of(key, **{n: 2 if plural else f"<{n}>" for n in names})
            text = str(sample)
            assert text.strip() and "{" not in text, key
            assert plural or all(f"<{n}>" in text for n in names), key
    assert set(RARE_OF) <= set(ENGLISH) and set(RARE_OF.values()) <= set(ENGLISH)


def test_a_candidate_carries_reasons_that_round_trip_through_json() -> None:
    c = M.score_pair(
        missing(given_name="Malakai", age_years=6, clothing="red hoodie"),
        found(given_name="Kai", age_min=5, age_max=7, clothing="red hoodie"),
    )
    assert c is not None and c.explained
    assert c.reasons == [str(r) for r in c.explained]
    assert "nickname Kai ~ Malakai" in c.reasons
    for r in c.explained:
        assert Reason.from_json(r.to_json()) == r


def test_it_refuses_unknown_keys_and_malformed_json() -> None:
    with pytest.raises(KeyError):
        Reason.of("no_such_key")
    for bad in ({"args": {}}, {"key": "same_name", "args": {"said": 1.5}}, {"key": 3}):
        with pytest.raises(ValueError):
            Reason.from_json(bad)
