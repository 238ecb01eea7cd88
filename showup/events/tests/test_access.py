"""Who may open each events page, from every role's side.

Staff pages: coordinators and admins of the agency change events; officers read them and check
families in; partner staff get 403; another agency's staff get 404 (as if the event did not
exist) and never see our events in their list. The feedback results are the coordinator's:
officers and partners get 403, another agency's coordinator sees only their own events. The
door's camera endpoint answers JSON, never a login redirect (401 when signed out). Public pages
answer everyone and never show a name.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from showup.events import services
from showup.events.models import CheckIn, Event, Registration
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
    "feedback_results": (
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
    # JSON from the phone's camera (static/js/door-scanner.js): the registration's real code.
    "door_scan": (
        "post_json",
        {
            "anonymous": 401,
            "officer": 201,
            "coordinator": 201,
            "admin": 201,
            "partner": 403,
            "outsider": 404,
            "other_coord": 404,
        },
    ),
}
# door_scan's refusals carry a code, so the phone can say why.
SCAN_CODES = {401: "login", 403: "forbidden", 404: "not_found"}
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
    if name in {"staff_list", "staff_create", "feedback_results"}:
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
    if name == "door_scan":
        return {
            "payload": services.qr_payload(world["registration"]),
            "scan_id": "cam-matrix",
            "scanned_at": timezone.now().isoformat(),
        }
    return {}


def _request(client: Any, method: str, url: str, data: dict[str, Any]) -> Any:
    if method == "post_json":
        return client.post(url, json.dumps(data), content_type="application/json")
    return getattr(client, method)(url, data)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("view", sorted(MATRIX))
def test_staff_matrix(client: Any, world: dict[str, Any], view: str, role: str) -> None:
    method, expected = MATRIX[view]
    user = world["users"][role]
    if user is not None:
        client.force_login(user)
    url = _url(view, world)
    response = _request(client, method, url, _data(view, world))
    want = expected[role]
    if want == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login")), response["Location"]
    else:
        assert response.status_code == want, (view, role, response.status_code)
    if method == "post_json":
        assert response["Content-Type"] == "application/json"
        answer = response.json()
        if want == 201:
            assert answer["status"] == "checked_in"
            assert answer["reference"] == world["registration"].reference
            assert CheckIn.objects.filter(registration=world["registration"]).count() == 1
        else:
            assert answer["status"] == "error" and answer["code"] == SCAN_CODES[int(want)]
            assert not CheckIn.objects.exists()
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


def test_feedback_results_count_only_the_users_agency(client: Any, world: dict[str, Any]) -> None:
    # The results list events that have begun: move both agencies' events into the past.
    start = timezone.now() - timedelta(days=3)
    ours, theirs = world["event"], world["theirs"]
    Event.objects.filter(pk__in=[ours.pk, theirs.pk]).update(
        start=start, end=start + timedelta(hours=4)
    )
    url = reverse("events:feedback_results")
    client.force_login(world["users"]["other_coord"])
    body = client.get(url).content.decode()
    assert theirs.title in body and ours.title not in body
    client.force_login(world["users"]["coordinator"])
    body = client.get(url).content.decode()
    assert ours.title in body and theirs.title not in body
    assert NAMES[0] not in body and NAMES[1] not in body


@pytest.mark.parametrize("role", ["officer", "coordinator"])
@pytest.mark.parametrize(
    ("body", "code"),
    [
        (None, "bad_request"),  # not JSON at all
        ({"payload": "SHOWUP:forged"}, "bad_qr"),  # a code showup never made
        ({"payload": ""}, "bad_qr"),
        ({"scan_id": "no spaces allowed"}, "bad_scan_id"),
        ({"scanned_at": "yesterday"}, "bad_time"),
    ],
)
def test_door_scan_refuses_a_bad_payload_with_a_code(
    client: Any, world: dict[str, Any], role: str, body: dict[str, str] | None, code: str
) -> None:
    client.force_login(world["users"][role])
    url = reverse("events:door_scan", args=[world["event"].pk])
    if body is None:
        sent = "not json"
    else:
        good = _data("door_scan", world)
        sent = json.dumps({**good, **body})
    response = client.post(url, sent, content_type="application/json")
    assert 400 <= response.status_code < 500, response.status_code
    answer = response.json()
    assert answer == {"status": "error", "code": code, "message": answer["message"]}
    assert answer["message"]
    assert not CheckIn.objects.exists()


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
