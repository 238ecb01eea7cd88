"""The verified hand-off: a partial checklist records steps, only a complete one reunites."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from showup.core.models import AuditEntry
from showup.reunite.models import Candidate, Handoff, Report
from showup.reunite.tests.coord_helpers import (
    actions,
    confirmed_pair,
    fast_passwords,  # noqa: F401 (autouse)
    file_pair,
    full_checklist,
)


def _url(cand: Candidate) -> str:
    return reverse("reunite:handoff", args=[cand.pk])


@pytest.fixture
def pair(agency: Any, officer: Any, coordinator: Any, report_data: Any) -> tuple[Any, Any, Any]:
    return confirmed_pair(agency, officer, coordinator, report_data)


@pytest.mark.django_db
def test_it_shows_the_guardian_to_call_and_the_checklist(
    login: Any, officer: Any, pair: Any
) -> None:
    found, missing, cand = pair
    response = login(officer).get(_url(cand))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Lucia Alvarez" in html
    assert 'href="tel:+15550001111"' in html
    assert "Mateo" in html
    for reason in cand.reasons:
        assert reason in html
    for name in (
        "id_checked",
        "id_type",
        "id_last4",
        "child_recognises",
        "guardian_knowledge",
        "guardian_knowledge_note",
        "released_to",
    ):
        assert f'name="{name}"' in html
    viewed = AuditEntry.objects.filter(action="reunite.report.viewed", actor=officer)
    assert {e.object_id for e in viewed} == {str(found.pk), str(missing.pk)}
    assert all(e.data["where"] == "handoff" for e in viewed)


@pytest.mark.django_db
def test_it_records_a_partial_checklist_and_shows_what_is_missing(
    login: Any, officer: Any, pair: Any
) -> None:
    found, missing, cand = pair
    client = login(officer)
    response = client.post(
        _url(cand),
        full_checklist(
            child_recognises=None,
            guardian_knowledge=None,
            guardian_knowledge_note=None,
            released_to=None,
        ),
    )
    assert response.status_code == 302
    handoff = Handoff.objects.get(candidate=cand)
    assert handoff.id_checked and handoff.id_type == "driving_licence"
    assert handoff.id_last4 == "7X3Q"
    assert handoff.completed_at is None
    for report in (found, missing):
        report.refresh_from_db()
        assert report.status == Report.Status.MATCHED
    html = client.get(_url(cand)).content.decode()
    assert "See that the child recognises the adult" in html
    assert "Ask the adult something only a guardian would know" in html
    assert "Check the adult&#x27;s photo identity document" not in html
    assert "Reunited — reports closed" not in html
    assert 'name="id_checked" id="id_id_checked" checked' in html  # kept from last time
    assert actions(action__startswith="reunite.handoff.") == [
        "reunite.handoff.id_checked",
        "reunite.handoff.collector",
    ]


@pytest.mark.django_db
def test_it_closes_both_reports_only_when_every_step_is_done(
    login: Any, officer: Any, pair: Any
) -> None:
    found, missing, cand = pair
    client = login(officer)
    client.post(_url(cand), full_checklist(guardian_knowledge=None, guardian_knowledge_note=None))
    found.refresh_from_db()
    assert found.status == Report.Status.MATCHED

    response = client.post(_url(cand), full_checklist(), follow=True)
    html = response.content.decode()
    assert "Reunited — reports closed" in html
    assert "Lucia Alvarez" in html
    for report in (found, missing):
        report.refresh_from_db()
        assert report.status == Report.Status.REUNITED
        assert report.closed_at is not None
    handoff = Handoff.objects.get(candidate=cand)
    assert handoff.completed_at is not None
    assert handoff.officer == officer
    assert handoff.released_to == "Lucia Alvarez"
    assert actions(action__startswith="reunite.handoff.", actor=officer) == [
        "reunite.handoff.id_checked",
        "reunite.handoff.child_recognises",
        "reunite.handoff.collector",
        "reunite.handoff.guardian_knowledge",
        "reunite.handoff.completed",
    ]
    # The audit log keeps no personal detail of the adult's document.
    assert "7X3Q" not in str(list(AuditEntry.objects.values_list("data", flat=True)))


@pytest.mark.django_db
def test_it_offers_the_hand_off_on_my_reports_and_not_after_it_is_done(
    login: Any, officer: Any, pair: Any
) -> None:
    _found, _missing, cand = pair
    client = login(officer)
    html = client.get(reverse("reunite:my_reports")).content.decode()
    assert "Match confirmed — start hand-off" in html
    assert _url(cand) in html
    client.post(_url(cand), full_checklist())
    html = client.get(reverse("reunite:my_reports")).content.decode()
    assert "Match confirmed — start hand-off" not in html
    assert "Reunited" in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"id_last4": "12"}, "id_last4", "Enter exactly 4 letters or digits."),
        ({"id_last4": "12-4"}, "id_last4", "Enter exactly 4 letters or digits."),
        ({"id_last4": ""}, "id_last4", "Enter the last 4 characters of the document number."),
        ({"id_type": ""}, "id_type", "Choose the type of document you checked."),
        (
            {"guardian_knowledge_note": " "},
            "guardian_knowledge_note",
            "Write a few words about what the adult described.",
        ),
        (
            {"collector": "other", "released_to": ""},
            "released_to",
            "Enter the adult's full name.",
        ),
    ],
)
def test_it_refuses_an_incomplete_step_and_keeps_what_was_typed(
    login: Any, officer: Any, pair: Any, overrides: dict[str, str], field: str, message: str
) -> None:
    found, _missing, cand = pair
    response = login(officer).post(_url(cand), full_checklist(**overrides))
    assert response.status_code == 400
    html = response.content.decode()
    assert message.replace("'", "&#x27;") in html
    assert "Lucia Alvarez" in html  # the typed name is still there
    assert not Handoff.objects.filter(candidate=cand).exists()
    found.refresh_from_db()
    assert found.status == Report.Status.MATCHED


@pytest.mark.django_db
def test_it_refuses_changes_after_completion(login: Any, officer: Any, pair: Any) -> None:
    _found, _missing, cand = pair
    client = login(officer)
    client.post(_url(cand), full_checklist())
    response = client.post(_url(cand), full_checklist(released_to="Someone Else"), follow=True)
    assert "cannot be changed" in response.content.decode()
    assert Handoff.objects.get(candidate=cand).released_to == "Lucia Alvarez"
    assert actions(action="reunite.handoff.completed") == ["reunite.handoff.completed"]


@pytest.mark.django_db
def test_it_lets_a_coordinator_record_the_hand_off(login: Any, coordinator: Any, pair: Any) -> None:
    found, _missing, cand = pair
    response = login(coordinator).post(_url(cand), full_checklist())
    assert response.status_code == 302
    found.refresh_from_db()
    assert found.status == Report.Status.REUNITED


@pytest.mark.django_db
def test_it_has_no_hand_off_for_an_unconfirmed_match(
    login: Any, officer: Any, agency: Any, report_data: Any
) -> None:
    _found, _missing, cand = file_pair(agency, officer, report_data)
    client = login(officer)
    assert client.get(_url(cand)).status_code == 404
    assert client.post(_url(cand), full_checklist()).status_code == 404
    assert not Handoff.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["partner", "other_partner", "outsider"])
def test_it_hides_the_hand_off_from_others(
    request: Any,
    who: str,
    login: Any,
    agency: Any,
    officer: Any,
    coordinator: Any,
    report_data: Any,
    partner: Any,
    store: Any,
) -> None:
    _found, _missing, cand = confirmed_pair(
        agency, officer, coordinator, report_data, missing_by=partner, partner_org=store
    )
    client = login(request.getfixturevalue(who))
    assert client.get(_url(cand)).status_code == 404
    assert client.post(_url(cand), full_checklist()).status_code == 404
    assert not Handoff.objects.exists()


@pytest.mark.django_db
def test_it_sends_anonymous_visitors_to_log_in(client: Any, pair: Any) -> None:
    _found, _missing, cand = pair
    response = client.post(_url(cand), full_checklist())
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert not Handoff.objects.exists()


@pytest.mark.django_db
def test_it_shows_the_reunion_on_both_report_pages(login: Any, officer: Any, pair: Any) -> None:
    found, missing, cand = pair
    client = login(officer)
    client.post(_url(cand), full_checklist())
    for report in (found, missing):
        html = client.get(reverse("reunite:report_detail", args=[report.pk])).content.decode()
        assert "Confirmed — handed off, reunited" in html
        assert "awaiting hand-off" not in html
        assert "Match confirmed — start hand-off" not in html
        assert "Hand-off completed: reunited, reports closed" in html
