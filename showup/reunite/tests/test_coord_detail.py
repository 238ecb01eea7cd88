"""A report's page: details, candidates, timeline with readable labels, notes, auditing."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from showup.core.models import AuditEntry
from showup.reunite import services
from showup.reunite.models import Report, TimelineNote
from showup.reunite.tests.coord_helpers import (
    fast_passwords,  # noqa: F401 (autouse)
    file_pair,
)

HX = {"HX-Request": "true"}


def _detail(report: Report) -> str:
    return reverse("reunite:report_detail", args=[report.pk])


@pytest.mark.django_db
def test_it_shows_the_childs_details_guardian_and_candidates(
    login: Any, coordinator: Any, officer: Any, agency: Any, report_data: Any
) -> None:
    found, missing, cand = file_pair(agency, officer, report_data)
    html = login(coordinator).get(_detail(missing)).content.decode()
    for text in (
        "Mateo",
        "Alvarez",
        "red t-shirt, blue shorts",
        "toy truck",
        "Main St near the donut shop",
        "Lucia Alvarez",
        "tel:+15550001111",
        "Searching",
        missing.reference,
        found.reference,
    ):
        assert text in html, text
    for reason in cand.reasons:
        assert reason in html
    assert reverse("reunite:candidate_decide", args=[cand.pk]) in html
    assert f'value="{_detail(missing)}"' in html  # decisions come back here
    assert reverse("reunite:report_edit", args=[missing.pk]) in html
    assert reverse("reunite:report_close", args=[missing.pk]) in html
    assert reverse("reunite:report_photo", args=[missing.pk]) not in html  # no photo


@pytest.mark.django_db
def test_it_shows_the_photo_through_the_access_checked_view(
    login: Any, coordinator: Any, agency: Any, report_data: Any
) -> None:
    from PIL import Image

    report = services.report_create(
        agency=agency,
        kind="missing",
        data=report_data("missing"),
        filed_by=None,
        photo=Image.new("RGB", (64, 64), "red"),
    )
    html = login(coordinator).get(_detail(report)).content.decode()
    assert f'src="{reverse("reunite:report_photo", args=[report.pk])}"' in html


@pytest.mark.django_db
def test_it_audits_every_view(login: Any, officer: Any, agency: Any, report_data: Any) -> None:
    found, _missing, _cand = file_pair(agency, officer, report_data)
    client = login(officer)
    client.get(_detail(found))
    client.get(_detail(found))
    views = AuditEntry.objects.filter(
        action="reunite.report.viewed",
        object_type="report",
        object_id=str(found.pk),
        actor=officer,
    )
    assert views.count() == 2
    assert all(v.data["where"] == "detail" for v in views)


@pytest.mark.django_db
def test_it_merges_notes_and_events_into_a_readable_timeline(
    login: Any, coordinator: Any, officer: Any, agency: Any, report_data: Any
) -> None:
    found, _missing, cand = file_pair(agency, officer, report_data)
    services.note_add(report=found, author=officer, text="Child asleep in the patrol car.")
    services.candidate_confirm(candidate=cand, actor=coordinator)
    html = login(coordinator).get(_detail(found)).content.decode()
    timeline = html[html.index('id="timeline"') :]
    assert "Found report filed" in timeline
    assert "Child asleep in the patrol car." in timeline
    assert "Match confirmed" in timeline
    assert "reunite.report.created.found" not in timeline  # codes are rendered for humans
    assert timeline.index("Found report filed") < timeline.index("Child asleep")


@pytest.mark.django_db
def test_it_adds_a_note_with_htmx_and_returns_the_timeline(
    login: Any, officer: Any, agency: Any, report_data: Any
) -> None:
    found, _m, _c = file_pair(agency, officer, report_data)
    url = reverse("reunite:note_add", args=[found.pk])
    response = login(officer).post(url, {"text": "Gave him water."}, headers=HX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="timeline"')
    assert "Gave him water." in html
    assert TimelineNote.objects.filter(report=found, author=officer).count() == 1
    assert AuditEntry.objects.filter(action="reunite.note.added", object_id=str(found.pk)).exists()


@pytest.mark.django_db
def test_it_adds_a_note_without_javascript(
    login: Any, officer: Any, agency: Any, report_data: Any
) -> None:
    found, _m, _c = file_pair(agency, officer, report_data)
    url = reverse("reunite:note_add", args=[found.pk])
    response = login(officer).post(url, {"text": "Gave him water."})
    assert response.status_code == 302
    assert response["Location"] == _detail(found)
    assert login(officer).get(url).status_code == 405


@pytest.mark.django_db
def test_it_keeps_the_text_of_a_refused_note(
    login: Any, officer: Any, agency: Any, report_data: Any
) -> None:
    found, _m, _c = file_pair(agency, officer, report_data)
    url = reverse("reunite:note_add", args=[found.pk])
    client = login(officer)
    response = client.post(url, {"text": "   "}, headers=HX)
    assert "Write the note before saving it." in response.content.decode()
    too_long = "x" * 2001
    response = client.post(url, {"text": too_long})
    assert response.status_code == 400
    assert too_long in response.content.decode()
    assert not TimelineNote.objects.filter(report=found).exists()


@pytest.mark.django_db
def test_it_offers_the_hand_off_to_the_officer_once_confirmed(
    login: Any, coordinator: Any, officer: Any, agency: Any, report_data: Any
) -> None:
    found, _missing, cand = file_pair(agency, officer, report_data)
    html = login(officer).get(_detail(found)).content.decode()
    assert "Match confirmed — start hand-off" not in html
    services.candidate_confirm(candidate=cand, actor=coordinator)
    html = login(officer).get(_detail(found)).content.decode()
    assert "Match confirmed — start hand-off" in html
    assert reverse("reunite:handoff", args=[cand.pk]) in html


@pytest.mark.django_db
def test_it_shows_a_partner_its_own_report_without_other_children(
    login: Any, partner: Any, store: Any, officer: Any, agency: Any, report_data: Any
) -> None:
    found, missing, cand = file_pair(
        agency, officer, report_data, missing_by=partner, partner_org=store
    )
    response = login(partner).get(_detail(missing))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Lucia Alvarez" in html
    assert found.reference not in html  # the found child is not the store's to see
    assert reverse("reunite:candidate_decide", args=[cand.pk]) not in html
    assert login(partner).get(_detail(found)).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["other_partner", "outsider"])
def test_it_answers_404_to_those_who_may_not_see_the_report(
    request: Any, who: str, login: Any, officer: Any, agency: Any, report_data: Any
) -> None:
    found, missing, _cand = file_pair(agency, officer, report_data)
    client = login(request.getfixturevalue(who))
    for report in (found, missing):
        assert client.get(_detail(report)).status_code == 404
        note = client.post(reverse("reunite:note_add", args=[report.pk]), {"text": "hello"})
        assert note.status_code == 404
    assert client.get(reverse("reunite:report_detail", args=[999999])).status_code == 404
    assert not TimelineNote.objects.exists()
    assert not AuditEntry.objects.filter(action="reunite.report.viewed").exists()
