"""The unit files a visit request for a partner who phoned: the service, the page from every
side, what the partner sees, the audit entry, and the API."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.urls import reverse

from showup.core.models import AuditEntry, Notice, PartnerOrganisation
from showup.visits import services
from showup.visits.models import VisitRequest
from showup.visits.services import VisitError

from .conftest import at
from .test_views import request_post

PAGE = "visits:request_for_partner"
API = "/api/visits/requests/for-partner"
DATA = {"child_first_name": "Milo", "child_age": 7, "interests": "sirens", "group_size": 2}


def file_for(actor: Any, partner_org: Any, **overrides: Any) -> VisitRequest:
    kwargs: dict[str, Any] = {
        "actor": actor,
        "partner_org": partner_org,
        "data": DATA,
        "windows": [(at(1, 10), at(1, 12))],
        "requested_by": "Ana, charge nurse",
        "received_via": "phone",
    }
    kwargs.update(overrides)
    return services.request_create_for_partner(**kwargs)


def page_post(partner_org: Any, **overrides: Any) -> dict[str, Any]:
    data = request_post(
        partner_org=str(partner_org.pk), requested_by="Ana, charge nurse", received_via="phone"
    )
    data.update(overrides)
    return data


@pytest.fixture
def their_coordinator(make_user: Any, other_agency: Any) -> Any:
    """A coordinator of another agency, with a partner of its own."""
    PartnerOrganisation.objects.create(agency=other_agency, name="City Clinic", kind="hospital")
    return make_user("carl", "coordinator", other_agency)


# --- service ----------------------------------------------------------------------------------


def test_the_request_is_the_partners_in_every_way_but_who_filed_it(
    coordinator: Any, hospital: Any, place: Any, other_partner: Any
) -> None:
    r = file_for(coordinator, hospital)
    assert (r.partner_org, r.agency_id, r.status, r.place) == (
        hospital,
        hospital.agency_id,
        VisitRequest.Status.REQUESTED,
        place,
    )
    assert r.created_by == coordinator and r.filed_by_unit
    assert (r.requested_by, r.received_via) == ("Ana, charge nurse", "phone")
    # the hospital's standing rules were copied in, as for the hospital's own requests
    assert r.escort_required and r.min_visitor_age == 16 and r.rules_notes.startswith("Check in")
    assert list(VisitRequest.objects.filter(partner_org=hospital)) == [r]


def test_a_partners_own_request_is_not_marked_as_filed_by_the_unit(visit_request: Any) -> None:
    assert not visit_request.filed_by_unit and visit_request.requested_by == ""


@pytest.mark.parametrize("who", ["their_coordinator", "officer", "other_partner"])
def test_only_a_coordinator_of_the_partners_agency_may_file_for_it(
    who: str, request: Any, hospital: Any, place: Any
) -> None:
    with pytest.raises(VisitError) as exc:
        file_for(request.getfixturevalue(who), hospital)
    assert exc.value.code == "wrong_organisation"
    assert not VisitRequest.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "code"),
    [({"requested_by": "  "}, "requested_by"), ({"received_via": "fax"}, "received_via")],
)
def test_it_says_who_asked_and_how(
    overrides: dict[str, str], code: str, coordinator: Any, hospital: Any
) -> None:
    with pytest.raises(VisitError) as exc:
        file_for(coordinator, hospital, **overrides)
    assert exc.value.code == code
    assert not VisitRequest.objects.exists()


def test_the_partners_staff_and_the_coordinators_are_told(
    coordinator: Any,
    hospital: Any,
    other_partner: Any,
    partner: Any,
    make_user: Any,
    agency: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    colleague = make_user("cleo", "coordinator", agency)
    with django_capture_on_commit_callbacks(execute=True):
        r = file_for(coordinator, hospital)
    told = Notice.objects.get(user=other_partner)
    assert r.reference in told.text and "filed" in told.text
    assert told.url == reverse("visits:request_detail", args=[r.pk])
    assert Notice.objects.filter(user=colleague, text__contains="New visit request").exists()
    assert not Notice.objects.filter(user=coordinator).exists()  # she filed it herself
    assert not Notice.objects.filter(user=partner).exists()  # the store is not the hospital
    assert [m.to for m in mail.outbox] == [[other_partner.email]]
    assert "Milo" not in mail.outbox[0].body and "Ana" not in mail.outbox[0].body


def test_the_audit_entry_says_the_unit_filed_it_and_names_nobody(
    coordinator: Any, hospital: Any
) -> None:
    r = file_for(coordinator, hospital)
    entry = AuditEntry.objects.get(action="visits.request.created")
    assert (entry.actor, entry.object_id, entry.agency_id) == (
        coordinator,
        str(r.pk),
        hospital.agency_id,
    )
    assert entry.data["filed_by_unit"] is True and entry.data["received_via"] == "phone"
    assert entry.data["partner_org"] == hospital.pk
    text = str(entry.data) + entry.actor_label
    assert "Milo" not in text and "Ana" not in text and "nurse" not in text


def test_retention_clears_who_asked(coordinator: Any, hospital: Any, agency: Any) -> None:
    from datetime import timedelta

    from django.utils import timezone

    r = file_for(coordinator, hospital)
    services.request_cancel(request=r, actor=coordinator)
    purged = services.purge_expired_visits(
        now=timezone.now() + timedelta(days=agency.retention_days + 1)
    )
    r.refresh_from_db()
    assert purged == 1 and r.requested_by == "" and r.child_first_name == ""


# --- the page ---------------------------------------------------------------------------------


def test_the_coordinators_list_links_to_the_page(
    login: Any, coordinator: Any, officer: Any
) -> None:
    link = f'href="{reverse(PAGE)}"'
    assert link in login(coordinator).get(reverse("visits:queue")).content.decode()
    assert link not in login(officer).get(reverse("visits:queue")).content.decode()


def test_the_first_step_offers_only_the_agencys_partners(
    login: Any, coordinator: Any, hospital: Any, store: Any, their_coordinator: Any
) -> None:
    page = login(coordinator).get(reverse(PAGE)).content.decode()
    assert "Mercy Children" in page and "FreshMart" in page
    assert "City Clinic" not in page


def test_the_form_starts_from_the_chosen_partners_rules(
    login: Any, coordinator: Any, hospital: Any, place: Any
) -> None:
    page = login(coordinator).get(reverse(PAGE), {"partner": hospital.pk}).content.decode()
    assert 'name="escort_required" id="id_escort_required" checked' in page
    assert "Check in at the child-life desk" in page
    assert "Filled in from the standing rules of Mercy Children" in page
    assert f'type="hidden" name="partner_org" value="{hospital.pk}"' in page
    assert 'name="requested_by"' in page and 'value="phone"' in page


def test_a_coordinator_files_one_and_it_is_on_their_list(
    login: Any, coordinator: Any, hospital: Any, place: Any
) -> None:
    client = login(coordinator)
    response = client.post(reverse(PAGE), page_post(hospital))
    assert response.status_code == 302 and response["Location"] == reverse("visits:queue")
    r = VisitRequest.objects.get()
    assert (r.partner_org, r.created_by, r.child_first_name, r.urgency) == (
        hospital,
        coordinator,
        "Milo",
        "urgent",
    )
    assert (r.requested_by, r.received_via, r.windows.count()) == ("Ana, charge nurse", "phone", 1)
    page = client.get(reverse("visits:queue")).content.decode()
    assert (
        f"request-{r.pk}" in page and "Filed by the unit for Ana, charge nurse (by phone)" in page
    )


def test_bad_input_is_explained_and_nothing_is_lost(
    login: Any, coordinator: Any, hospital: Any, place: Any
) -> None:
    bad = page_post(
        hospital,
        requested_by="",
        received_via="",
        child_first_name="Milo Smith",
        window_1_start=at(-1, 10).strftime("%Y-%m-%dT%H:%M"),
    )
    response = login(coordinator).post(reverse(PAGE), bad)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Say who at the partner asked for the visit." in page
    assert "Say how the request reached the unit." in page
    assert "First name only, please" in page and "This time is in the past" in page
    assert "Nothing you typed has been lost." in page
    assert 'value="a real one, brave"' in page and 'value="Room 12"' in page
    assert 'value="Milo Smith"' in page and "Check in at level 2" in page
    assert f'type="hidden" name="partner_org" value="{hospital.pk}"' in page
    assert not VisitRequest.objects.exists()


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("anon", "login"),
        ("officer", 403),
        ("other_partner", 403),
        ("partner", 403),
        ("outsider", 403),
        ("their_coordinator", 200),
        ("coordinator", 200),
    ],
)
def test_who_may_open_the_page(
    who: str, expected: str | int, client: Any, request: Any, hospital: Any
) -> None:
    if who != "anon":
        client.force_login(request.getfixturevalue(who))
    response = client.get(reverse(PAGE), {"partner": hospital.pk})
    if expected == "login":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    else:
        assert response.status_code == expected
    post = client.post(reverse(PAGE), page_post(hospital))
    if who == "anon":
        assert post.status_code == 302 and "/accounts/login/" in post["Location"]
    else:
        assert post.status_code == {"coordinator": 302, "their_coordinator": 200}.get(who, 403)
    assert VisitRequest.objects.count() == (1 if who == "coordinator" else 0)


def test_another_agencys_coordinator_cannot_pick_our_partner(
    login: Any, their_coordinator: Any, hospital: Any, place: Any
) -> None:
    client = login(their_coordinator)
    page = client.get(reverse(PAGE), {"partner": hospital.pk}).content.decode()
    assert "Choose one of your agency" in page
    assert "Mercy Children" not in page and "Check in at the child-life desk" not in page

    page = client.post(reverse(PAGE), page_post(hospital)).content.decode()
    assert "Choose one of your agency" in page
    assert "Mercy Children" not in page and 'value="Room 12"' in page
    assert not VisitRequest.objects.exists()


def test_the_partner_sees_it_like_their_own(
    login: Any, coordinator: Any, hospital: Any, other_partner: Any, partner: Any
) -> None:
    r = file_for(coordinator, hospital)
    client = login(other_partner)
    page = client.get(reverse("visits:requests")).content.decode()
    assert "<bdi>Milo</bdi>, 7" in page and r.reference in page
    assert "Filed for you by the community-engagement unit" in page
    detail = client.get(reverse("visits:request_detail", args=[r.pk])).content.decode()
    assert "Ana, charge nurse" in detail and "By phone" in detail
    assert "Filed for you by the community-engagement unit" in detail
    assert "Cancel this request" in detail  # theirs to cancel, like their own
    other = login(partner).get(reverse("visits:requests")).content.decode()
    assert "Milo" not in other


def test_the_line_is_in_spanish(
    client: Any, coordinator: Any, hospital: Any, other_partner: Any
) -> None:
    file_for(coordinator, hospital)
    client.force_login(other_partner)
    page = client.get(reverse("visits:requests"), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Solicitada en su nombre por la unidad de relaciones con la comunidad" in page


# --- the API ----------------------------------------------------------------------------------


def api_body(partner_org: Any, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "partner_org_id": partner_org.pk,
        "requested_by": "Ana, charge nurse",
        "received_via": "email",
        "child_first_name": "Milo",
        "child_age": 7,
        "group_size": 2,
        "windows": [{"start": at(1, 10).isoformat(), "end": at(1, 12).isoformat()}],
    }
    data.update(overrides)
    return data


def api_post(client: Any, data: dict[str, Any]) -> Any:
    return client.post(API, data, content_type="application/json")


def test_a_coordinator_files_one_through_the_api(
    client: Any, coordinator: Any, hospital: Any, place: Any, other_partner: Any
) -> None:
    client.force_login(coordinator)
    response = api_post(client, api_body(hospital))
    assert response.status_code == 201, response.content
    r = response.json()
    assert r["partner_org_id"] == hospital.pk and r["status"] == "requested"
    assert r["filed_by_unit"] is True and r["received_via"] == "email"
    assert r["requested_by"] == "Ana, charge nurse" and r["rules"]["escort_required"] is True
    assert VisitRequest.objects.get().created_by == coordinator

    client.force_login(other_partner)
    mine = client.get("/api/visits/requests").json()
    assert [m["id"] for m in mine] == [r["id"]] and mine[0]["filed_by_unit"] is True


@pytest.mark.parametrize(
    ("who", "status", "code"),
    [
        ("their_coordinator", 403, "wrong_organisation"),
        ("officer", 403, "forbidden"),
        ("other_partner", 403, "forbidden"),
    ],
)
def test_the_api_refuses_others(
    who: str, status: int, code: str, client: Any, request: Any, hospital: Any
) -> None:
    client.force_login(request.getfixturevalue(who))
    response = api_post(client, api_body(hospital))
    assert response.status_code == status and response.json()["code"] == code
    assert not VisitRequest.objects.exists()


def test_the_api_checks_like_the_form(client: Any, coordinator: Any, hospital: Any) -> None:
    client.force_login(coordinator)
    response = api_post(client, api_body(hospital, child_first_name="Milo Smith"))
    assert response.status_code == 422 and response.json()["code"] == "first_name_only"
    response = api_post(client, api_body(hospital, requested_by=""))
    assert response.status_code == 422
    response = api_post(client, api_body(hospital, received_via="fax"))
    assert response.status_code == 422
    assert not VisitRequest.objects.exists()


def test_the_endpoint_is_in_the_openapi_schema(client: Any) -> None:
    schema = client.get("/api/openapi.json").json()
    operation = schema["paths"][API]["post"]
    assert operation["tags"] == ["visits"] and "partner" in operation["summary"]
    assert {"201", "403", "422"} <= set(operation["responses"])
    fields = schema["components"]["schemas"]["RequestForPartnerIn"]
    assert {"partner_org_id", "requested_by", "received_via"} <= set(fields["required"])


def test_each_person_is_told_in_their_own_language(
    coordinator: Any,
    hospital: Any,
    other_partner: Any,
    make_user: Any,
    agency: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    colleague = make_user("cleo", "coordinator", agency)
    colleague.language = "es"
    colleague.save(update_fields=["language"])
    english = make_user("carl", "coordinator", agency)
    other_partner.language = "es"
    other_partner.save(update_fields=["language"])
    with django_capture_on_commit_callbacks(execute=True):
        r = file_for(coordinator, hospital)
    assert Notice.objects.get(user=colleague).text.startswith("Nueva solicitud de visita")
    assert Notice.objects.get(user=english).text.startswith("New visit request")
    assert r.reference in mail.outbox[0].subject and "Visit request" not in mail.outbox[0].subject
    assert "privacidad" in mail.outbox[0].body
