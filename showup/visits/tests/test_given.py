"""What was given before being called away, so the next visit builds on it (story 04: the
patch and "be my partner" came before the radio call)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from showup.core.models import AuditEntry
from showup.visits import services
from showup.visits.models import MementoGiven, MementoStock, Visit
from showup.visits.services import VisitError

from .conftest import at

FMT = "%Y-%m-%dT%H:%M"
ROLES = ["anon", "officer", "officer2", "coordinator", "partner_own", "partner_other", "outsider"]


@pytest.fixture(autouse=True)
def stocked(agency: Any) -> None:
    """The unit has mementos to give (the stock never goes below zero)."""
    MementoStock.objects.create(agency=agency, kind="patch", quantity=10)
    MementoStock.objects.create(agency=agency, kind="toy_badge", quantity=5)


def stock(agency: Any, kind: str) -> int:
    return MementoStock.objects.get(agency=agency, kind=kind).quantity


# --- services -----------------------------------------------------------------------------------


def test_it_records_what_was_given_on_an_interrupted_visit(
    interrupted: Any, officer: Any, agency: Any, stocked: None
) -> None:
    services.visit_record_given(
        visit=interrupted, actor=officer, mementos={"patch": 1}, note="Made him my partner."
    )
    interrupted.refresh_from_db()
    assert interrupted.status == "interrupted"  # still waiting to be rescheduled
    assert interrupted.request.status == "interrupted"
    assert [(m.kind, m.quantity) for m in interrupted.mementos.all()] == [("patch", 1)]
    assert interrupted.officer_note == "Made him my partner."
    assert stock(agency, "patch") == 9
    entry = AuditEntry.objects.get(action="visits.visit.given_recorded")
    assert entry.actor == officer
    assert entry.data["mementos"] == {"patch": 1} and entry.data["note"] is True

    # Recording again adds to it, and keeps the earlier note.
    services.visit_record_given(
        visit=interrupted, actor=officer, mementos={"patch": 1, "toy_badge": 2}, note="And more."
    )
    interrupted.refresh_from_db()
    assert {m.kind: m.quantity for m in interrupted.mementos.all()} == {"patch": 2, "toy_badge": 2}
    assert interrupted.officer_note == "Made him my partner.\nAnd more."
    assert stock(agency, "patch") == 8 and stock(agency, "toy_badge") == 3


def test_what_was_given_in_progress_is_kept_at_completion(
    in_progress: Any, officer: Any, agency: Any, stocked: None
) -> None:
    services.visit_record_given(visit=in_progress, actor=officer, mementos={"patch": 1}, note="x")
    services.visit_complete(visit=in_progress, actor=officer, mementos={"patch": 1})
    in_progress.refresh_from_db()
    assert in_progress.status == "completed"
    assert in_progress.mementos.get().quantity == 2
    assert in_progress.officer_note == "x"  # an empty completion note does not erase it
    assert stock(agency, "patch") == 8


@pytest.mark.parametrize("fixture", ["proposed", "scheduled", "completed"])
def test_it_records_given_only_in_progress_or_interrupted(
    request: Any, fixture: str, officer: Any
) -> None:
    visit = request.getfixturevalue(fixture)
    before = MementoGiven.objects.count()
    with pytest.raises(VisitError) as err:
        services.visit_record_given(visit=visit, actor=officer, mementos={"patch": 1})
    assert err.value.code == "bad_state"
    assert MementoGiven.objects.count() == before


def test_it_refuses_an_empty_record_and_an_unknown_memento(interrupted: Any, officer: Any) -> None:
    with pytest.raises(VisitError) as err:
        services.visit_record_given(visit=interrupted, actor=officer, mementos={"patch": 0})
    assert err.value.code == "nothing_given"
    with pytest.raises(VisitError) as err:
        services.visit_record_given(visit=interrupted, actor=officer, mementos={"cape": 1})
    assert err.value.code == "bad_kind"
    assert not MementoGiven.objects.exists()


def test_the_return_visit_knows_what_was_given_before(
    interrupted: Any, officer: Any, coordinator: Any
) -> None:
    from showup.visits import selectors

    services.visit_record_given(visit=interrupted, actor=officer, mementos={"patch": 1})
    back = services.visit_reschedule(
        request=interrupted.request,
        officer=officer,
        start=at(3, 10),
        end=at(3, 11),
        actor=coordinator,
    )
    selectors.attach_given([back, interrupted])
    assert [(m.kind, m.visit_id) for m in back.given_before] == [("patch", interrupted.pk)]  # type: ignore[attr-defined]
    assert back.given_here == []  # type: ignore[attr-defined]
    assert interrupted.given_before == []  # type: ignore[attr-defined]


# --- pages --------------------------------------------------------------------------------------


@pytest.fixture
def as_role(client: Any, request: Any) -> Any:
    def do(role: str) -> Any:
        names = {"partner_own": "other_partner", "partner_other": "partner"}
        if role != "anon":
            client.force_login(request.getfixturevalue(names.get(role, role)))
        return client

    return do


GET_EXPECTED = {
    "anon": "login",
    "officer": 200,
    "officer2": 404,
    "coordinator": 200,
    "partner_own": 403,
    "partner_other": 404,
    "outsider": 404,
}


@pytest.mark.parametrize("role", ROLES)
def test_the_given_page_opens_only_for_the_officer_and_coordinator(
    interrupted: Any, as_role: Any, role: str
) -> None:
    response = as_role(role).get(reverse("visits:visit_given", args=[interrupted.pk]))
    want = GET_EXPECTED[role]
    if want == "login":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    else:
        assert response.status_code == want
    if want == 200:
        assert "What did you give before leaving?" in response.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_only_the_officer_and_coordinator_record_what_was_given(
    interrupted: Any, as_role: Any, role: str, agency: Any, stocked: None
) -> None:
    url = reverse("visits:visit_given", args=[interrupted.pk])
    response = as_role(role).post(url, {"given_patch": "1", "note": "partner"})
    recorded = MementoGiven.objects.filter(visit=interrupted).exists()
    if role in ("officer", "coordinator"):
        assert response.status_code == 302 and response["Location"] == reverse("visits:my_day")
        assert recorded and stock(agency, "patch") == 9
    else:
        assert not recorded and stock(agency, "patch") == 10
        want = GET_EXPECTED[role]
        if want == "login":
            assert "/accounts/login/" in response["Location"]
        else:
            assert response.status_code == want


def test_an_empty_or_bad_form_is_explained_and_keeps_what_was_typed(
    interrupted: Any, login: Any, officer: Any
) -> None:
    client = login(officer)
    url = reverse("visits:visit_given", args=[interrupted.pk])
    page = client.post(url, {"given_patch": "0", "note": ""}).content.decode()
    assert "Enter what you gave, or a note." in page
    page = client.post(url, {"given_patch": "-2", "note": "made him my partner"}).content.decode()
    assert "Please check the highlighted answers" in page
    assert "made him my partner" in page and 'value="-2"' in page
    assert not MementoGiven.objects.exists()


def test_a_completed_visit_cannot_be_added_to_here(
    completed: Any, login: Any, officer: Any
) -> None:
    url = reverse("visits:visit_given", args=[completed.pk])
    page = login(officer).post(url, {"given_patch": "1"}).content.decode()
    assert "that cannot be done now" in page
    assert completed.mementos.get().quantity == 1


def test_called_away_offers_the_what_did_you_give_form(
    in_progress: Any, login: Any, officer: Any
) -> None:
    client = login(officer)
    page = client.get(reverse("visits:my_day")).content.decode()
    assert "Record what was given" in page  # also while the visit is in progress
    card = client.post(
        reverse("visits:visit_interrupt", args=[in_progress.pk]), HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "What did you give before leaving?" in card
    assert reverse("visits:visit_given", args=[in_progress.pk]) in card
    client.post(reverse("visits:visit_given", args=[in_progress.pk]), {"given_patch": "1"})
    page = client.get(reverse("visits:my_day")).content.decode()
    assert "Given on this visit:" in page and "1 department patch" in page
    assert "Add to what was given" in page


def test_the_return_visit_pages_show_what_was_already_given(
    interrupted: Any,
    login: Any,
    officer: Any,
    coordinator: Any,
    other_partner: Any,
    partner: Any,
) -> None:
    services.visit_record_given(visit=interrupted, actor=officer, mementos={"patch": 1})
    when = timezone.localtime(interrupted.start).strftime("%a %-d %b")
    already = f"1 department patch (visit of {when})"
    r = interrupted.request

    client = login(coordinator)
    page = client.get(reverse("visits:reschedule", args=[r.pk])).content.decode()
    assert "Already given:" in page and already in page
    response = client.post(
        reverse("visits:reschedule", args=[r.pk]),
        {"officer": officer.pk, "start": at(2, 10).strftime(FMT), "end": at(2, 11).strftime(FMT)},
    )
    assert response.status_code == 302
    back = Visit.objects.get(return_of=interrupted)

    # The coordinator and the partner see it on the return visit's card.
    for user in (coordinator, other_partner):
        page = login(user).get(reverse("visits:request_detail", args=[r.pk])).content.decode()
        assert already in page
    assert login(partner).get(reverse("visits:request_detail", args=[r.pk])).status_code == 404

    services.slot_accept(visit=back, actor=other_partner)
    client = login(officer)
    page = client.get(reverse("visits:my_day")).content.decode()
    assert already in page
    page = client.get(reverse("visits:visit_complete", args=[back.pk])).content.decode()
    assert already in page


# --- API ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("officer", 200),
        ("coordinator", 200),
        ("officer2", 404),
        ("partner_own", 403),
        ("partner_other", 404),
        ("outsider", 404),
        ("anon", 401),
    ],
)
def test_the_api_records_what_was_given(
    interrupted: Any, as_role: Any, role: str, status: int, stocked: None, agency: Any
) -> None:
    response = as_role(role).post(
        f"/api/visits/visits/{interrupted.pk}/given",
        {"note": "partner", "mementos": [{"kind": "patch", "quantity": 1}]},
        content_type="application/json",
    )
    assert response.status_code == status, response.content
    if status == 200:
        assert response.json()["mementos"] == [{"kind": "patch", "quantity": 1}]
        assert response.json()["status"] == "interrupted"
        assert stock(agency, "patch") == 9
    else:
        assert stock(agency, "patch") == 10


def test_the_api_refuses_given_on_a_scheduled_visit(
    scheduled: Any, login: Any, officer: Any
) -> None:
    response = login(officer).post(
        f"/api/visits/visits/{scheduled.pk}/given",
        {"mementos": [{"kind": "patch", "quantity": 1}]},
        content_type="application/json",
    )
    assert response.status_code == 409 and response.json()["code"] == "bad_state"


def test_the_given_page_speaks_spanish(interrupted: Any, login: Any, officer: Any) -> None:
    services.visit_record_given(visit=interrupted, actor=officer, mementos={"patch": 1})
    url = reverse("visits:visit_given", args=[interrupted.pk])
    # override() puts the language back afterwards, so later tests are not in Spanish.
    with translation.override("en"):
        page = login(officer).get(url, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "¿Qué entregó antes de irse?" in page
    assert "1 parche del departamento" in page and "Entregado en esta visita:" in page
