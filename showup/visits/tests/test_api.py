"""The visits API: the whole flow, bad input, and its OpenAPI documentation."""

from __future__ import annotations

from typing import Any

from showup.core.models import AuditEntry
from showup.visits.models import MementoStock, VisitRequest

from .conftest import at

NEW = "/api/visits/requests"


def body(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "child_first_name": "Milo",
        "child_age": 7,
        "interests": "sirens",
        "group_size": 2,
        "urgency": "urgent",
        "windows": [{"start": at(1, 10).isoformat(), "end": at(1, 12).isoformat()}],
    }
    data.update(overrides)
    return data


def post(client: Any, url: str, data: dict[str, Any] | None = None) -> Any:
    return client.post(url, data or {}, content_type="application/json")


def test_the_whole_flow_through_the_api(
    client: Any,
    other_partner: Any,
    coordinator: Any,
    officer: Any,
    place: Any,
    shifts: Any,
    agency: Any,
) -> None:
    MementoStock.objects.create(agency=agency, kind="patch", quantity=3)
    client.force_login(other_partner)
    created = post(client, NEW, body())
    assert created.status_code == 201, created.content
    r = created.json()
    assert r["status"] == "requested" and r["rules"]["escort_required"] is True
    assert r["partner_org_id"] == other_partner.partner_org_id

    client.force_login(coordinator)
    slot = post(
        client,
        f"{NEW}/{r['id']}/slots",
        {"officer_id": officer.pk, "start": at(1, 10).isoformat(), "end": at(1, 11).isoformat()},
    )
    assert slot.status_code == 201, slot.content
    visit_id = slot.json()["id"]

    client.force_login(other_partner)
    assert post(client, f"/api/visits/visits/{visit_id}/accept").json()["status"] == "scheduled"

    client.force_login(officer)
    assert post(client, f"/api/visits/visits/{visit_id}/start").json()["status"] == "in_progress"
    out = post(client, f"/api/visits/visits/{visit_id}/interrupt").json()
    assert out["status"] == "interrupted" and out["interrupt_reason"] == "called away"

    client.force_login(other_partner)
    got = client.get(f"{NEW}/{r['id']}").json()
    assert got["status_label"] == "Interrupted — being rescheduled"

    client.force_login(coordinator)
    again = post(
        client,
        f"{NEW}/{r['id']}/slots",
        {
            "officer_id": officer.pk,
            "start": at(3, 10).isoformat(),
            "end": at(3, 11).isoformat(),
            "guests": [{"kind": "honouree", "name": "Jordan"}],
        },
    )
    assert again.status_code == 201 and again.json()["return_of_id"] == visit_id
    second = again.json()["id"]
    client.force_login(other_partner)
    post(client, f"/api/visits/visits/{second}/accept")
    client.force_login(officer)
    done = post(
        client,
        f"/api/visits/visits/{second}/complete",
        {"note": "cards", "mementos": [{"kind": "patch", "quantity": 1}]},
    )
    assert done.status_code == 200 and done.json()["mementos"] == [{"kind": "patch", "quantity": 1}]
    assert MementoStock.objects.get(kind="patch").quantity == 2
    listed = client.get("/api/visits/visits").json()
    assert [v["status"] for v in listed] == ["interrupted", "completed"]
    assert "note" not in listed[0] and "officer_note" not in listed[0]


def test_a_partner_cannot_file_for_another_organisation(
    client: Any, other_partner: Any, store: Any
) -> None:
    client.force_login(other_partner)
    response = post(client, NEW, body(partner_org_id=store.pk))
    assert response.status_code == 403 and response.json()["code"] == "wrong_organisation"
    assert VisitRequest.objects.count() == 0
    ok = post(client, NEW, body(partner_org_id=other_partner.partner_org_id))
    assert ok.status_code == 201


def test_bad_input_gets_a_clear_error(client: Any, other_partner: Any, place: Any) -> None:
    client.force_login(other_partner)
    past = post(
        client, NEW, body(windows=[{"start": at(-2).isoformat(), "end": at(-2, 11).isoformat()}])
    )
    assert past.status_code == 422 and past.json()["code"] == "bad_window"
    reversed_ = post(
        client, NEW, body(windows=[{"start": at(2, 11).isoformat(), "end": at(2, 10).isoformat()}])
    )
    assert reversed_.status_code == 422 and "end must be after" in reversed_.json()["detail"]
    for size in (0, 4):
        response = post(client, NEW, body(group_size=size))
        assert response.status_code == 422 and response.json()["code"] == "group_size"
    assert post(client, NEW, body(windows=[])).status_code == 422
    assert post(client, NEW, body(child_first_name="Milo Smith")).status_code == 422
    assert post(client, NEW, body(urgency="critical condition")).status_code == 422
    assert VisitRequest.objects.count() == 0


def test_an_overlapping_booking_is_a_conflict(
    client: Any, coordinator: Any, officer: Any, proposed: Any, make_request: Any
) -> None:
    other = make_request(child_first_name="Noa")
    client.force_login(coordinator)
    response = post(
        client,
        f"{NEW}/{other.pk}/slots",
        {
            "officer_id": officer.pk,
            "start": at(1, 10, 30).isoformat(),
            "end": at(1, 11, 30).isoformat(),
        },
    )
    assert response.status_code == 409 and response.json()["code"] == "overlap"


def test_outside_a_shift_needs_to_be_said(
    client: Any, coordinator: Any, officer: Any, visit_request: Any
) -> None:
    client.force_login(coordinator)
    url = f"{NEW}/{visit_request.pk}/slots"
    data = {"officer_id": officer.pk, "start": at(1, 20).isoformat(), "end": at(1, 21).isoformat()}
    response = post(client, url, data)
    assert response.status_code == 422 and response.json()["code"] == "outside_shift"
    assert post(client, url, {**data, "allow_outside_shift": True}).status_code == 201


def test_an_officer_of_another_agency_cannot_be_booked(
    client: Any, coordinator: Any, outsider: Any, visit_request: Any
) -> None:
    client.force_login(coordinator)
    response = post(
        client,
        f"{NEW}/{visit_request.pk}/slots",
        {
            "officer_id": outsider.pk,
            "start": at(1, 10).isoformat(),
            "end": at(1, 11).isoformat(),
            "allow_outside_shift": True,
        },
    )
    assert response.status_code == 422 and response.json()["code"] == "unknown_officer"


def test_reading_requests_through_the_api_is_audited(
    client: Any, officer: Any, visit_request: Any
) -> None:
    client.force_login(officer)
    client.get(f"{NEW}/{visit_request.pk}")
    assert AuditEntry.objects.filter(action="visits.request.viewed", actor=officer).exists()


def test_the_api_is_documented_in_openapi(client: Any) -> None:
    schema = client.get("/api/openapi.json").json()
    paths = schema["paths"]
    expected = {
        ("/api/visits/requests", "get"),
        ("/api/visits/requests", "post"),
        ("/api/visits/requests/{request_id}", "get"),
        ("/api/visits/requests/{request_id}/slots", "post"),
        ("/api/visits/visits", "get"),
        ("/api/visits/visits/{visit_id}/accept", "post"),
        ("/api/visits/visits/{visit_id}/start", "post"),
        ("/api/visits/visits/{visit_id}/interrupt", "post"),
        ("/api/visits/visits/{visit_id}/complete", "post"),
    }
    for path, method in expected:
        operation = paths[path][method]
        assert operation["summary"] and operation["tags"] == ["visits"]
    assert "RequestIn" in schema["components"]["schemas"]
    assert "409" in paths["/api/visits/requests/{request_id}/slots"]["post"]["responses"]
