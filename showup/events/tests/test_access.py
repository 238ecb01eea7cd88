"""Who may open each events page, from every role's side.

Staff pages: coordinators and admins of the agency change events; officers read them and check
families in; partner staff get 403; another agency's staff get 404 (as if the event did not
exist) and never see our events in their list. Public pages answer everyone and never show a
name.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from showup.events import services
from showup.events.models import Event, Registration
from showup.events.tests.factories import make_event, register

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "officer", "coordinator", "admin", "partner", "outsider", "other_coord"]
LOGIN = "login"
NAMES = ("Zorbatron", "Parentname")

# view -> (method, expected per role)
MATRIX: dict[str, tuple[str, dict[str, int | str]]] = {
    "staff_list": (
        "get",
        {
            "anonymous": LOGIN,
            "officer": 200,
            "coordinator": 200,
            "admin": 200,
            "partner": 403,
            "outsider": 200,
            "other_coord": 200,
        },
    ),
    "staff_create": (
        "get",
        {
            "anonymous": LOGIN,
            "officer": 403,
            "coordinator": 200,
            "admin": 200,
            "partner": 403,
            "outsider": 403,
            "other_coord": 200,
        },
    ),
    "staff_detail": (
        "get",
        {
            "anonymous": LOGIN,
            "officer": 200,
            "coordinator": 200,
            "admin": 200,
            "partner": 403,
            "outsider": 404,
            "other_coord": 404,
        },
    ),
    "staff_edit": (
        "get",
        {
            "anonymous": LOGIN,
            "officer": 403,
            "coordinator": 200,
            "admin": 200,
            "partner": 403,
            "outsider": 404,
            "other_coord": 404,
        },
    ),
    "staff_cancel": (
        "get",
        {
            "anonymous": LOGIN,
            "officer": 403,
            "coordinator": 200,
            "admin": 200,
            "partner": 403,
            "outsider": 404,
            "other_coord": 404,
        },
    ),
    "staff_publish": (
        "post",
        {
            "anonymous": LOGIN,
            "officer": 403,
            "coordinator": 302,
            "admin": 302,
            "partner": 403,
            "outsider": 404,
            "other_coord": 404,
        },
    ),
    "activity_add": (
        "post",
        {
            "anonymous": LOGIN,
            "officer": 403,
            "coordinator": 400,
            "admin": 400,
            "partner": 403,
            "outsider": 404,
            "other_coord": 404,
        },
    ),
    "material_add": (
        "post",
        {
            "anonymous": LOGIN,
            "officer": 403,
            "coordinator": 400,
            "admin": 400,
            "partner": 403,
            "outsider": 404,
            "other_coord": 404,
        },
    ),
    "door": (
        "get",
        {
            "anonymous": LOGIN,
            "officer": 200,
            "coordinator": 200,
            "admin": 200,
            "partner": 403,
            "outsider": 404,
            "other_coord": 404,
        },
    ),
    "door_checkin": (
        "post",
        {
            "anonymous": LOGIN,
            "officer": 302,
            "coordinator": 302,
            "admin": 302,
            "partner": 403,
            "outsider": 404,
            "other_coord": 404,
        },
    ),
}
PUBLIC = ["list", "feed", "detail", "ics", "rsvp", "manage", "qr", "change", "cancel", "feedback"]


@pytest.fixture
def world(
    agency: Any,
    other_agency: Any,
    officer: Any,
    coordinator: Any,
    partner: Any,
    outsider: Any,
    make_user: Any,
) -> dict[str, Any]:
    admin = make_user("ada", "admin", agency)
    other_coord = make_user("olga", "coordinator", other_agency)
    event = make_event(agency, coordinator)
    registration = register(event, names=[NAMES[0]])
    Registration.objects.filter(pk=registration.pk).update(contact_name=NAMES[1])
    draft = services.event_create(
        agency=agency,
        actor=coordinator,
        data={
            "title": "Draft",
            "place_name": "x",
            "start": event.start,
            "end": event.end,
            "capacity": 5,
        },
    )
    theirs = make_event(other_agency, other_coord, title="Their fair")
    return {
        "users": {
            "anonymous": None,
            "officer": officer,
            "coordinator": coordinator,
            "admin": admin,
            "partner": partner,
            "outsider": outsider,
            "other_coord": other_coord,
        },
        "event": event,
        "draft": draft,
        "registration": registration,
        "theirs": theirs,
    }


def _url(name: str, world: dict[str, Any]) -> str:
    event: Event = world["event"]
    if name == "staff_list" or name == "staff_create":
        return reverse(f"events:{name}")
    if name == "staff_publish":
        return reverse("events:staff_publish", args=[world["draft"].pk])
    if name in {"list", "feed"}:
        return reverse(f"events:{name}")
    if name in {"detail", "ics", "rsvp"}:
        return reverse(f"events:{name}", args=[event.reference])
    if name in {"manage", "qr", "change", "cancel", "feedback"}:
        return reverse(f"events:{name}", args=[world["registration"].token])
    return reverse(f"events:{name}", args=[event.pk])


def _data(name: str, world: dict[str, Any]) -> dict[str, Any]:
    if name == "door_checkin":
        return {"registration": world["registration"].pk, "scan_id": "web-matrix"}
    return {}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("view", sorted(MATRIX))
def test_staff_matrix(client: Any, world: dict[str, Any], view: str, role: str) -> None:
    method, expected = MATRIX[view]
    user = world["users"][role]
    if user is not None:
        client.force_login(user)
    url = _url(view, world)
    response = getattr(client, method)(url, _data(view, world))
    want = expected[role]
    if want == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login")), response["Location"]
    else:
        assert response.status_code == want, (view, role, response.status_code)
    body = response.content.decode(errors="replace")
    if response.status_code in (403, 404) or role in {"outsider", "other_coord", "partner"}:
        assert NAMES[0] not in body and NAMES[1] not in body


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("view", PUBLIC)
def test_public_pages_answer_everyone_and_never_show_names(
    client: Any, world: dict[str, Any], view: str, role: str
) -> None:
    user = world["users"][role]
    if user is not None:
        client.force_login(user)
    response = client.get(_url(view, world))
    assert response.status_code == 200, (view, role)
    if view in {"list", "feed", "detail", "ics", "rsvp"}:
        body = response.content.decode(errors="replace")
        assert NAMES[0] not in body and NAMES[1] not in body
        assert "Draft" not in body or view == "rsvp"


def test_other_agencys_events_are_not_listed(client: Any, world: dict[str, Any]) -> None:
    client.force_login(world["users"]["other_coord"])
    body = client.get(reverse("events:staff_list")).content.decode()
    assert "Their fair" in body and world["event"].title not in body
    client.force_login(world["users"]["coordinator"])
    body = client.get(reverse("events:staff_list")).content.decode()
    assert "Their fair" not in body and world["event"].title in body


def test_nav_links(client: Any, world: dict[str, Any]) -> None:
    assert reverse("events:list") in client.get("/").content.decode()
    client.force_login(world["users"]["officer"])
    assert reverse("events:staff_list") in client.get("/").content.decode()
    client.force_login(world["users"]["partner"])
    assert reverse("events:staff_list") not in client.get("/").content.decode()


def test_staff_reads_of_names_are_audited(client: Any, world: dict[str, Any]) -> None:
    from showup.core.models import AuditEntry

    client.force_login(world["users"]["officer"])
    client.get(reverse("events:door", args=[world["event"].pk]))
    entry = AuditEntry.objects.filter(action="events.registration.listed").latest("pk")
    assert entry.data["where"] == "events.door" and entry.object_id == str(world["event"].pk)
    assert NAMES[0] not in str(entry.data)
