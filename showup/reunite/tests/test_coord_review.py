"""The review page before a decision (both reports side by side) and the board's access-checked
photo thumbnails."""

from __future__ import annotations

from io import BytesIO
from typing import Any

import pytest
from django.urls import reverse
from PIL import Image

from showup.core.photos import store_photo
from showup.reunite import services
from showup.reunite.models import Candidate, Report
from showup.reunite.tests.coord_helpers import (
    actions,
    fast_passwords,  # noqa: F401 (autouse)
    file_pair,
)


def _review(pk: int) -> str:
    return reverse("reunite:candidate_review", args=[pk])


@pytest.mark.django_db
def test_it_shows_both_reports_side_by_side_with_what_differs(
    login: Any, coordinator: Any, officer: Any, agency: Any, report_data: Any
) -> None:
    found, missing, cand = file_pair(agency, officer, report_data)
    Report.objects.filter(pk=found.pk).update(hair="long blond")
    before = len(actions(action="reunite.report.viewed"))
    response = login(coordinator).get(_review(cand.pk), {"back": "/staff/board/?kind=found"})
    assert response.status_code == 200
    html = response.content.decode()
    assert missing.reference in html and found.reference in html
    assert f"{round(cand.score * 100)}%" in html
    assert "the engine says match." in html
    for reason in cand.shown_reasons():
        assert reason in html
    # Hair: "short brown" against "long blond" share no word, so it is marked; clothing agrees.
    assert '<tr class="differs">\n      <th scope="row">Hair <span class="differs-tag">' in html
    assert '<th scope="row">Clothing</th>' in html
    assert 'value="confirm"' in html and 'value="reject"' in html
    assert "Confirm: this is the same child" in html
    assert 'name="next" value="/staff/board/?kind=found"' in html
    # A view of both children's records, audited.
    assert len(actions(action="reunite.report.viewed")) == before + 2


@pytest.mark.django_db
def test_it_keeps_an_unsafe_back_link_on_the_site(
    login: Any, coordinator: Any, officer: Any, agency: Any, report_data: Any
) -> None:
    _found, _missing, cand = file_pair(agency, officer, report_data)
    response = login(coordinator).get(_review(cand.pk), {"back": "https://evil.example/"})
    html = response.content.decode()
    assert 'href="https://evil.example/"' not in html
    assert 'name="next" value="/staff/board/"' in html


@pytest.mark.django_db
def test_it_shows_a_weak_candidate_as_weak(
    login: Any, coordinator: Any, officer: Any, agency: Any, report_data: Any
) -> None:
    _found, _missing, cand = file_pair(agency, officer, report_data)
    Candidate.objects.filter(pk=cand.pk).update(engine_match=False, score=0.08)
    html = login(coordinator).get(_review(cand.pk)).content.decode()
    assert "possible, weak" in html and "8%" in html
    assert 'class="secondary" name="decision" value="confirm"' in html
    assert 'class="ok"' not in html


@pytest.mark.django_db
def test_it_offers_undo_once_confirmed_until_the_hand_off(
    login: Any, coordinator: Any, officer: Any, agency: Any, report_data: Any
) -> None:
    _found, _missing, cand = file_pair(agency, officer, report_data)
    services.candidate_confirm(candidate=cand, actor=coordinator)
    html = login(coordinator).get(_review(cand.pk)).content.decode()
    assert 'value="undo"' in html and "Undo confirmation" in html
    assert 'value="confirm"' not in html
    assert reverse("reunite:handoff", args=[cand.pk]) in html


@pytest.mark.django_db
def test_it_offers_no_decision_on_a_rejected_pair(
    login: Any, coordinator: Any, officer: Any, agency: Any, report_data: Any
) -> None:
    _found, _missing, cand = file_pair(agency, officer, report_data)
    services.candidate_reject(candidate=cand, actor=coordinator)
    html = login(coordinator).get(_review(cand.pk)).content.decode()
    assert 'name="decision"' not in html
    assert "rejected" in html


def _photo(report: Report) -> None:
    buffer = BytesIO()
    Image.new("RGB", (600, 400), (200, 30, 30)).save(buffer, "PNG")
    buffer.seek(0)
    Report.objects.filter(pk=report.pk).update(photo=store_photo(Image.open(buffer)))


@pytest.mark.django_db
def test_it_serves_small_private_audited_thumbnails(
    login: Any, coordinator: Any, officer: Any, agency: Any, report_data: Any
) -> None:
    found, _missing, _cand = file_pair(agency, officer, report_data)
    _photo(found)
    html = login(coordinator).get(reverse("reunite:board")).content.decode()
    url = reverse("reunite:report_photo", args=[found.pk])
    assert f'src="{url}?size=thumb"' in html
    before = len(actions(action="reunite.report.viewed"))
    response = login(coordinator).get(url, {"size": "thumb"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Type"] == "image/jpeg"
    thumb = Image.open(BytesIO(response.content))
    assert thumb.size == (96, 96)
    assert len(actions(action="reunite.report.viewed")) == before + 1


@pytest.mark.django_db
def test_it_refuses_thumbnails_to_whoever_may_not_see_the_report(
    client: Any,
    login: Any,
    outsider: Any,
    other_partner: Any,
    officer: Any,
    agency: Any,
    report_data: Any,
) -> None:
    found, _missing, _cand = file_pair(agency, officer, report_data)
    _photo(found)
    url = reverse("reunite:report_photo", args=[found.pk])
    assert client.get(url, {"size": "thumb"}).status_code == 302  # anonymous: log in
    assert login(outsider).get(url, {"size": "thumb"}).status_code == 404
    assert login(other_partner).get(url, {"size": "thumb"}).status_code == 404
