"""Children's names out of text: known names in every spelling, detected names offline."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from redaction import names
from redaction.namelist import given_names, header_version
from redaction.names import redact_names


def known_only(text: str, known: list[str]) -> str:
    return redact_names(text, known, detect=False).text


def test_it_replaces_a_known_name_in_every_case_accent_and_possessive() -> None:
    out = known_only("Marcus, MARCUS, Márcus, marcus and Marcus's dog.", ["Marcus Delgado"])
    assert out == "[name], [name], [name], [name] and [name]'s dog."


def test_it_replaces_spelling_variants_nicknames_and_other_scripts() -> None:
    assert known_only("Markus came.", ["Marcus"]) == "[name] came."
    assert known_only("Sasha and Alex came.", ["Alejandro"]) == "[name] and [name] came."
    assert known_only("Bill came.", ["William"]) == "[name] came."
    assert known_only("Маркус пришёл.", ["Marcus"]) == "[name] пришёл."
    assert known_only("Marcus came.", ["Маркус"]) == "[name] came."


def test_it_replaces_a_guardians_family_name() -> None:
    out = known_only("Mrs. Delgado thanked us.", ["Marcus Delgado", "Rosa Delgado"])
    assert out == "Mrs. [name] thanked us."


@pytest.mark.parametrize(
    ("text", "known"),
    [
        ("Elizabeth came.", ["Eli"]),
        ("We went to the market.", ["Mark"]),
        ("I will come, and you may too.", ["William", "Mayra"]),
        ("The robbers ran.", ["Robert"]),
    ],
)
def test_it_takes_whole_words_only_and_no_common_word_for_a_nickname(
    text: str, known: list[str]
) -> None:
    assert known_only(text, known) == text


def test_a_known_name_as_a_whole_word_is_replaced_even_beside_a_longer_one() -> None:
    assert known_only("Eli and Elizabeth", ["Eli"]) == "[name] and Elizabeth"


def test_arabic_chinese_and_cyrillic_known_names() -> None:
    assert known_only("محمد كان سعيدا", ["Muhammad"]) == "[name] كان سعيدا"
    assert known_only("Muhammad smiled.", ["محمد"]) == "[name] smiled."
    assert known_only("今天张伟很开心", ["张伟"]) == "今天[name]很开心"
    assert known_only("今天张伟很开心", ["Zhang Wei"]) == "今天[name]很开心"
    # one ideograph reading "wei" is a common syllable (为), never taken alone
    assert known_only("为什么", ["Zhang Wei"]) == "为什么"
    assert known_only("Дмитрий и Дима", ["Dmitri"]) == "[name] и [name]"


def test_a_full_name_becomes_one_replacement_and_spans_say_their_source() -> None:
    r = redact_names("Marcus Delgado was found.", ["Marcus Delgado"], replacement="[nombre]")
    assert r.text == "[nombre] was found."
    assert [(s.start, s.end, s.text, s.source) for s in r.spans] == [
        (0, 14, "Marcus Delgado", "known")
    ]


def test_it_detects_names_it_was_not_told() -> None:
    r = redact_names("Jennifer Smith said my son Kofi loved the visit.", [])
    assert r.text == "[name] said my son [name] loved the visit."
    assert {s.source for s in r.spans} == {"detected"}


def test_it_detects_names_in_spanish_after_cue_words() -> None:
    r = redact_names("Mi hija se llama Xochiquetzal y su amiga Lucía Pérez vino.", [])
    assert r.text == "Mi hija se llama [name] y su amiga [name] vino."


def test_detection_leaves_common_capitalised_words_and_allowed_names() -> None:
    text = "Thank God! On Sunday Officer Priya Diaz came to the Hospital. Happy days."
    r = redact_names(text, [], allowed_names=["Priya Diaz"])
    assert r.text == text
    assert redact_names(text, []).text.count("[name]") == 1


def test_known_names_are_replaced_even_when_allowed() -> None:
    r = redact_names("Officer Marcus met Marcus.", ["Marcus"], allowed_names=["Marcus"])
    assert r.text == "Officer [name] met [name]."


def test_a_text_with_no_name_is_unchanged() -> None:
    text = "The officer shared his lunch on the curb, and it rained later."
    r = redact_names(text, ["Marcus Delgado"])
    assert r.text == text and r.spans == []


def test_detection_makes_no_network_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("network used")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(names, "_ANALYZER", None)  # build it again, under the ban
    from redaction.moderation import moderate

    assert redact_names("My son Kofi smiled.", []).text == "My son [name] smiled."
    m = moderate("Write to rosa@example.com or see delgado-family.org, Kofi says hi.")
    assert m.public_text == "Write to [contact] or see [contact], [name] says hi."


def test_an_installed_spacy_pipeline_with_ner_is_used_offline(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A pipeline package is loaded (never downloaded) and its PERSON entities count: a
    # blank pipeline with an entity ruler stands in for en_core_web_sm.
    import spacy

    def fake_load(name: str) -> Any:
        assert name == "en_core_web_sm"
        nlp = spacy.blank("en")
        ruler: Any = nlp.add_pipe("entity_ruler", name="ner")
        ruler.add_patterns([{"label": "PERSON", "pattern": "Zorblax"}])
        return nlp

    monkeypatch.setattr(spacy.util, "is_package", lambda name: name == "en_core_web_sm")
    monkeypatch.setattr(spacy, "load", fake_load)
    monkeypatch.setattr(names, "_ANALYZER", None)
    try:
        assert redact_names("we met zorblax and Zorblax", []).text == "we met zorblax and [name]"
    finally:
        names._ANALYZER = None


def test_the_shipped_name_list_matches_the_installed_names_dataset() -> None:
    import importlib.metadata

    assert header_version() == importlib.metadata.version("names-dataset")
    listed = given_names()
    assert len(listed) > 20000
    assert {"marcus", "maria", "mohammed", "ximena", "kofi"} <= listed
