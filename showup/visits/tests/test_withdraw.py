"""The partner withdraws an acceptance before the visit starts: the slot is proposed again,
the request stays open, the unit is told, it is audited; once started it is refused."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from showup.core.models import AuditEntry, Notice
from showup.visits import services
from showup.visits.models import Visit
from showup.visits.services import Guest, VisitError

from .conftest import at


@pytest.fixture
def accepted_with_guest(
    visit_request: Any, officer: Any, officer2: Any, coordinator: Any, other_partner: Any
) -> Any:
    visit = services.slot_propose(
        request=visit_request,
        officer=officer,
        start=at(1, 10),
        end=at(1, 11),
        actor=coordinator,
        guests=[Guest(kind="officer", name="", officer=officer2)],
    )
    return services.slot_accept(visit=visit, actor=other_partner)


def withdrawn_entries() -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action="visits.slot.withdrawn"))


# --- service --------------------------------------------------------------------------------


def test_withdrawing_returns_the_slot_to_proposed_and_keeps_the_request_open(
    scheduled: Any, other_partner: Any
) -> None:
    services.slot_withdraw_acceptance(visit=scheduled, actor=other_partner)
    scheduled.refresh_from_db()
    request = scheduled.request
    request.refresh_from_db()
    assert (scheduled.status, scheduled.accepted_at) == ("proposed", None)
    assert request.status == "proposed" and request.is_open
    # the partner can accept it again
    services.slot_accept(visit=scheduled, actor=other_partner)
    scheduled.refresh_from_db()
    assert scheduled.status == "scheduled" and scheduled.accepted_at is not None


def test_withdrawing_tells_the_coordinator_and_every_officer(
    accepted_with_guest: Any,
    other_partner: Any,
    coordinator: Any,
    officer: Any,
    officer2: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        services.slot_withdraw_acceptance(visit=accepted_with_guest, actor=other_partner)
    told = set(
        Notice.objects.filter(text__contains="withdrew their acceptance").values_list(
            "user_id", flat=True
        )
    )
    assert told == {coordinator.pk, officer.pk, officer2.pk}
    recipients = sorted(m.to[0] for m in mail.outbox if "not confirmed" in m.subject)
    assert recipients == sorted(u.email for u in (coordinator, officer, officer2))
    for message in mail.outbox:
        assert "Milo" not in message.body and "dinosaurs" not in message.body


def test_withdrawing_is_audited_without_personal_details(
    scheduled: Any, other_partner: Any
) -> None:
    services.slot_withdraw_acceptance(visit=scheduled, actor=other_partner)
    (entry,) = withdrawn_entries()
    assert entry.actor == other_partner and entry.object_id == str(scheduled.pk)
    recorded = json.dumps(entry.data)
    for private in ("Milo", "dinosaurs", "brave", "Room 12"):
        assert private not in recorded


@pytest.mark.parametrize("stage", ["proposed", "in_progress", "interrupted", "completed"])
def test_withdrawing_is_refused_unless_the_visit_is_accepted_and_not_started(
    request: Any, other_partner: Any, stage: str
) -> None:
    visit = request.getfixturevalue(stage)
    with pytest.raises(VisitError) as err:
        services.slot_withdraw_acceptance(visit=visit, actor=other_partner)
    assert err.value.code == "bad_state"
    if stage != "proposed":
        assert "already started" in err.value.message
    assert Visit.objects.get(pk=visit.pk).status == stage
    assert withdrawn_entries() == []


def test_withdrawing_a_cancelled_visit_is_refused(scheduled: Any, other_partner: Any) -> None:
    services.request_cancel(request=scheduled.request, actor=other_partner)
    with pytest.raises(VisitError) as err:
        services.slot_withdraw_acceptance(visit=scheduled, actor=other_partner)
    assert err.value.code == "bad_state" and "cancelled" in err.value.message
    scheduled.request.refresh_from_db()
    assert scheduled.request.status == "cancelled"


def test_the_officers_time_stays_held_after_a_withdrawal(
    scheduled: Any, other_partner: Any, make_request: Any, officer: Any, coordinator: Any
) -> None:
    services.slot_withdraw_acceptance(visit=scheduled, actor=other_partner)
    other = make_request(child_first_name="Noa")
    with pytest.raises(VisitError) as err:
        services.slot_propose(
            request=other, officer=officer, start=at(1, 10), end=at(1, 11), actor=coordinator
        )
    assert err.value.code == "overlap"


# --- pages ----------------------------------------------------------------------------------


def test_the_partner_withdraws_from_the_request_page(
    scheduled: Any, login: Any, other_partner: Any
) -> None:
    client = login(other_partner)
    detail = reverse("visits:request_detail", args=[scheduled.request_id])
    withdraw = reverse("visits:slot_withdraw", args=[scheduled.pk])
    page = client.get(detail).content.decode()
    assert f'action="{withdraw}"' in page and "Withdraw acceptance" in page
    response = client.post(withdraw, follow=True)
    assert response.redirect_chain[-1][0] == detail
    page = response.content.decode()
    assert "Acceptance withdrawn" in page
    assert "Accept this time" in page and f'action="{withdraw}"' not in page
    assert Visit.objects.get(pk=scheduled.pk).status == "proposed"


def test_only_the_partner_sees_the_withdraw_button(
    scheduled: Any, login: Any, coordinator: Any, officer: Any, client: Any
) -> None:
    withdraw = reverse("visits:slot_withdraw", args=[scheduled.pk])
    for user in (coordinator, officer):
        login(user)
        page = client.get(reverse("visits:request_detail", args=[scheduled.request_id]))
        assert withdraw not in page.content.decode()
        client.logout()


def test_a_started_visit_is_explained_and_nothing_is_lost(
    in_progress: Any, login: Any, other_partner: Any
) -> None:
    response = login(other_partner).post(
        reverse("visits:slot_withdraw", args=[in_progress.pk]), follow=True
    )
    assert "already started; its acceptance can no longer be withdrawn" in (
        response.content.decode()
    )
    in_progress.refresh_from_db()
    assert in_progress.status == "in_progress" and in_progress.started_at is not None
    assert withdrawn_entries() == []


def test_withdrawing_needs_a_post_with_the_csrf_token(scheduled: Any, other_partner: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(other_partner)
    url = reverse("visits:slot_withdraw", args=[scheduled.pk])
    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 403
    assert Visit.objects.get(pk=scheduled.pk).status == "scheduled"


# --- API ------------------------------------------------------------------------------------


def test_the_api_withdraws_and_refuses_once_started(
    scheduled: Any, login: Any, other_partner: Any, officer: Any
) -> None:
    client = login(other_partner)
    url = f"/api/visits/visits/{scheduled.pk}/withdraw"
    ok = client.post(url)
    assert ok.status_code == 200 and ok.json()["status"] == "proposed"
    services.slot_accept(visit=scheduled, actor=other_partner)
    services.visit_start(visit=scheduled, actor=officer)
    refused = client.post(url)
    assert refused.status_code == 409 and refused.json()["code"] == "bad_state"


def test_the_withdraw_endpoint_is_in_the_openapi_schema(client: Any) -> None:
    operation = client.get("/api/openapi.json").json()["paths"][
        "/api/visits/visits/{visit_id}/withdraw"
    ]["post"]
    assert operation["tags"] == ["visits"] and "Withdraw" in operation["summary"]
    assert {"200", "403", "404", "409"} <= set(operation["responses"])
