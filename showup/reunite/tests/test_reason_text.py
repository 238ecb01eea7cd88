"""The engine's reasons in the coordinator's language: every key translated, the board and a
report's page in Spanish, the English text kept for old rows and unknown keys."""

from __future__ import annotations

import gettext
from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from matching.reasons import ENGLISH, Plural, Reason, placeholders
from showup.reunite.models import Candidate
from showup.reunite.reason_text import PLURALS, TEXTS, reason_text, template
from showup.reunite.tests.coord_helpers import (
    fast_passwords,  # noqa: F401 (autouse)
    file_pair,
)

SPANISH = gettext.translation(
    "django", localedir=str(settings.LOCALE_PATHS[0]), languages=["es"], fallback=False
)


def _english_forms(key: str) -> list[tuple[str, int | None]]:
    t = ENGLISH[key]
    return [(t.one, 1), (t.other, 2)] if isinstance(t, Plural) else [(t, None)]


def test_every_engine_key_has_the_engines_english_wording_here() -> None:
    assert set(TEXTS) | set(PLURALS) == set(ENGLISH)
    with translation.override("en"):
        for key in ENGLISH:
            for english, count in _english_forms(key):
                assert template(key, count) == english, key


@pytest.mark.parametrize("key", sorted(ENGLISH))
def test_every_key_has_a_spanish_translation_with_the_same_placeholders(key: str) -> None:
    catalog: dict[Any, str] = SPANISH._catalog  # type: ignore[attr-defined]
    t = ENGLISH[key]
    if isinstance(t, Plural):
        assert all(catalog.get((t.one, i)) for i in range(2)), key
    else:
        assert catalog.get(t), f"{key!r} has no Spanish translation"
    with translation.override("es"):
        for english, count in _english_forms(key):
            spanish = template(key, count)
            assert placeholders(spanish) == placeholders(english), key
            sample = Reason.of(key, **{n: count or f"<{n}>" for n in placeholders(english)})
            text = reason_text(sample.to_json(), "FALLBACK")
            assert text != "FALLBACK" and "{" not in text, key


def test_names_stay_as_written_and_nested_reasons_are_translated() -> None:
    where = Reason.of(
        "found_away",
        distance=Reason.of("km", n="36"),
        when=Reason.of("later", duration=Reason.of("days", n="2")),
    )
    nickname = Reason.of(
        "common_same", reason=Reason.of("nickname", said="Kai", known="Malakai"), count=41
    )
    with translation.override("es"):
        assert reason_text(where.to_json(), str(where)) == "hallazgo a 36 km, 2 días después"
        assert reason_text(nickname.to_json(), "") == (
            "apodo Kai ~ Malakai: común aquí (41 reportes abiertos)"
        )
        rivals = [reason_text(Reason.of("rivals", n=n).to_json(), "") for n in (1, 3)]
    assert rivals == [
        "1 otro reporte abierto encaja casi igual de bien",
        "3 otros reportes abiertos encajan casi igual de bien",
    ]


def test_it_falls_back_to_the_stored_english_text() -> None:
    with translation.override("es"):
        assert reason_text({"key": "from_a_newer_engine", "args": {}}, "new words") == "new words"
        assert reason_text({"key": "same_name", "args": {}}, "same name Ana") == "same name Ana"
        assert reason_text({"nonsense": True}, "as stored") == "as stored"
        old = Candidate(reasons=["same name Ana", "sex differs"], reason_keys=[])
        assert old.shown_reasons() == ["same name Ana", "sex differs"]
        mixed = Candidate(
            reasons=["same name Ana", "sex differs"],
            reason_keys=[{"key": "gone", "args": {}}, {"key": "sex_differs", "args": {}}],
        )
        assert mixed.shown_reasons() == ["same name Ana", "sexo distinto"]


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["candidate_review", "report_detail"])
def test_the_coordinator_reads_the_engines_reasons_in_spanish(
    page: str, login: Any, coordinator: Any, officer: Any, agency: Any, report_data: Any
) -> None:
    _found, missing, cand = file_pair(agency, officer, report_data)
    assert len(cand.reason_keys) == len(cand.reasons) >= 3
    with translation.override("es"):
        spanish = cand.shown_reasons()
    assert "mismo nombre Mateo" in spanish
    # The board's compact rows show no reasons; the review page and the report page do.
    url = reverse(f"reunite:{page}", args=[missing.pk if page == "report_detail" else cand.pk])
    client = login(coordinator)

    html = client.get(url, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    for text in spanish:
        assert text in html
    for text in set(cand.reasons) - set(spanish):
        assert text not in html

    html = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    for text in cand.reasons:
        assert text in html
    assert "mismo nombre Mateo" not in html


@pytest.mark.django_db
def test_the_api_gives_english_reasons_and_the_requests_language(
    login: Any, coordinator: Any, officer: Any, agency: Any, report_data: Any
) -> None:
    _found, missing, cand = file_pair(agency, officer, report_data)
    client = login(coordinator)
    url = f"/api/reunite/reports/{missing.pk}/candidates"
    [item] = client.get(url, HTTP_ACCEPT_LANGUAGE="es").json()
    assert item["reasons"] == cand.reasons
    assert "mismo nombre Mateo" in item["reasons_shown"]
    [item] = client.get(url, HTTP_ACCEPT_LANGUAGE="en").json()
    assert item["reasons_shown"] == cand.reasons
