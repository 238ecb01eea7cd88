"""Who may open each follow-up and thank-you note page and endpoint, from every role's side:
anonymous, partner, officer (the one who owes it, and another of the agency), another agency's
officer, coordinator, admin. Something the user may not see answers 404, as something that does
not exist; a role that may not act gets 403; an anonymous visitor the login page (web) or 401
(API). Public pages answer everyone and never show a private word."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from showup.reunite import services as reunite
from showup.stories import followups, notes

pytestmark = pytest.mark.django_db

LOGIN = "login"
ROLES = ["anonymous", "partner", "owner", "officer2", "outsider", "coordinator", "admin"]
PRIVATE = "Zorbatronia"  # the child's name, in the report and in the note's original


@pytest.fixture(autouse=True)
def _no_rate_limits(settings: Any) -> None:
    settings.SHOWUP_PUBLIC_RATE_DEVICE = "0"
    settings.SHOWUP_PUBLIC_RATE_ADDRESS = "0"


@pytest.fixture
def world(
    agency: Any,
    officer: Any,
    officer2: Any,
    coordinator: Any,
    partner: Any,
    outsider: Any,
    make_user: Any,
    report_data: Any,
) -> dict[str, Any]:
    admin = make_user("ada", "admin", agency)
    report = reunite.report_create(
        agency=agency, kind="found", filed_by=officer, data=report_data("found", given_name=PRIVATE)
    )
    report = reunite.report_close(report=report, outcome="taken_home", actor=officer)
    followup = followups.followup_create(
        actor=officer,
        source_kind="reunite.report",
        source_id=report.pk,
        kind="visit",
        due_on=timezone.localdate() + timedelta(days=3),
        note="Bring a sticker",
    )
    note = notes.note_create(agency=agency, body=f"Thank you for finding {PRIVATE}!")
    return {
        "users": {
            "anonymous": None,
            "partner": partner,
            "owner": officer,
            "officer2": officer2,
            "outsider": outsider,
            "coordinator": coordinator,
            "admin": admin,
        },
        "report": report,
        "followup": followup,
        "note": note,
        "agency": agency,
    }


def _client(client: Any, world: dict[str, Any], role: str) -> Any:
    user = world["users"][role]
    if user is not None:
        client.force_login(user)
    return client


def _check(response: Any, expected: int | str) -> None:
    if expected == LOGIN:
        assert response.status_code == 302 and "/login" in response["Location"], response
    else:
        assert response.status_code == expected, (response.status_code, expected)


# --- web ------------------------------------------------------------------------------------------

# name -> (method, per-role expectation)
WEB: dict[str, tuple[str, dict[str, int | str]]] = {
    "followups_mine": (
        "get",
        {
            "anonymous": LOGIN,
            "partner": 403,
            "owner": 200,
            "officer2": 200,
            "outsider": 200,
            "coordinator": 200,
            "admin": 200,
        },
    ),
    "followup_new": (
        "get",
        {
            "anonymous": LOGIN,
            "partner": 403,
            "owner": 200,
            "officer2": 200,
            "outsider": 404,
            "coordinator": 200,
            "admin": 200,
        },
    ),
    "followup_detail": (
        "get",
        {
            "anonymous": LOGIN,
            "partner": 403,
            "owner": 200,
            "officer2": 404,
            "outsider": 404,
            "coordinator": 200,
            "admin": 200,
        },
    ),
    "followup_done": (
        "post",
        {
            "anonymous": LOGIN,
            "partner": 403,
            "owner": 302,
            "officer2": 404,
            "outsider": 404,
            "coordinator": 302,
            "admin": 302,
        },
    ),
    "followup_cancel": (
        "post",
        {
            "anonymous": LOGIN,
            "partner": 403,
            "owner": 302,
            "officer2": 404,
            "outsider": 404,
            "coordinator": 302,
            "admin": 302,
        },
    ),
    "followup_due": (
        "post",
        {
            "anonymous": LOGIN,
            "partner": 403,
            "owner": 302,
            "officer2": 404,
            "outsider": 404,
            "coordinator": 302,
            "admin": 302,
        },
    ),
    "followup_reassign": (
        "post",
        {
            "anonymous": LOGIN,
            "partner": 403,
            "owner": 403,
            "officer2": 404,
            "outsider": 404,
            "coordinator": 302,
            "admin": 302,
        },
    ),
    "notes_moderate": (
        "get",
        {
            "anonymous": LOGIN,
            "partner": 403,
            "owner": 403,
            "officer2": 403,
            "outsider": 403,
            "coordinator": 200,
            "admin": 200,
        },
    ),
    "note_detail": (
        "get",
        {
            "anonymous": LOGIN,
            "partner": 403,
            "owner": 403,
            "officer2": 403,
            "outsider": 403,
            "coordinator": 200,
            "admin": 200,
        },
    ),
    "note_moderate": (
        "post",
        {
            "anonymous": LOGIN,
            "partner": 403,
            "owner": 403,
            "officer2": 403,
            "outsider": 403,
            "coordinator": 302,
            "admin": 302,
        },
    ),
    "note_form": ("get", dict.fromkeys(ROLES, 200)),
    "notes_public": ("get", dict.fromkeys(ROLES, 200)),
}


def _web(name: str, world: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    f = world["followup"]
    if name == "followup_new":
        return reverse("stories:followup_new") + f"?kind=reunite.report&id={world['report'].pk}", {}
    if name in {"followups_mine", "notes_moderate", "note_form"}:
        return reverse(f"stories:{name}"), {}
    if name == "notes_public":
        return reverse("stories:notes_public", args=[world["agency"].slug]), {}
    if name in {"note_detail", "note_moderate"}:
        data = {"action": "save", "public_body": "Thank you!", "officer": ""}
        return reverse(f"stories:{name}", args=[world["note"].pk]), data
    data = {
        "followup_due": {"due_on": (timezone.localdate() + timedelta(days=9)).isoformat()},
        "followup_reassign": {"owed_by": world["users"]["officer2"].pk},
        "followup_done": {"outcome_note": "ok"},
    }.get(name, {})
    return reverse(f"stories:{name}", args=[f.pk]), data


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(WEB))
def test_web_access(client: Any, world: dict[str, Any], name: str, role: str) -> None:
    method, expected = WEB[name]
    url, data = _web(name, world)
    response = getattr(_client(client, world, role), method)(url, data)
    _check(response, expected[role])
    if role in {"anonymous", "partner"} or name in {"note_form", "notes_public"}:
        assert PRIVATE not in response.content.decode()


def test_the_public_page_shows_published_public_text_only(
    client: Any, world: dict[str, Any]
) -> None:
    note = world["note"]
    coordinator = world["users"]["coordinator"]
    notes.note_edit(note=note, actor=coordinator, public_body="Thank you for finding our boy!")
    notes.note_publish(note=note, actor=coordinator)
    page = client.get(reverse("stories:notes_public", args=[world["agency"].slug])).content.decode()
    assert "Thank you for finding our boy!" in page
    assert PRIVATE not in page and "a family" in page


def test_no_staff_list_on_the_public_form(client: Any, world: dict[str, Any]) -> None:
    page = client.get(reverse("stories:note_form")).content.decode()
    for user in world["users"].values():
        if user is not None:
            assert user.username.title() not in page  # make_user's first names


# --- API ------------------------------------------------------------------------------------------

API: dict[str, tuple[str, dict[str, int]]] = {
    "list": (
        "get",
        {
            "anonymous": 401,
            "partner": 403,
            "owner": 200,
            "officer2": 200,
            "outsider": 200,
            "coordinator": 200,
            "admin": 200,
        },
    ),
    "create": (
        "post",
        {
            "anonymous": 401,
            "partner": 403,
            "owner": 201,
            "officer2": 201,
            "outsider": 404,
            "coordinator": 201,
            "admin": 201,
        },
    ),
    "get": (
        "get",
        {
            "anonymous": 401,
            "partner": 403,
            "owner": 200,
            "officer2": 404,
            "outsider": 404,
            "coordinator": 200,
            "admin": 200,
        },
    ),
    "complete": (
        "post",
        {
            "anonymous": 401,
            "partner": 403,
            "owner": 200,
            "officer2": 404,
            "outsider": 404,
            "coordinator": 200,
            "admin": 200,
        },
    ),
    "cancel": (
        "post",
        {
            "anonymous": 401,
            "partner": 403,
            "owner": 200,
            "officer2": 404,
            "outsider": 404,
            "coordinator": 200,
            "admin": 200,
        },
    ),
    "notes": (
        "get",
        {
            "anonymous": 401,
            "partner": 403,
            "owner": 403,
            "officer2": 403,
            "outsider": 403,
            "coordinator": 200,
            "admin": 200,
        },
    ),
    "moderate": (
        "post",
        {
            "anonymous": 401,
            "partner": 403,
            "owner": 403,
            "officer2": 403,
            "outsider": 403,
            "coordinator": 200,
            "admin": 200,
        },
    ),
    "public": ("post", dict.fromkeys(ROLES, 201)),
}


def _api(name: str, world: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    base = "/api/stories"
    f = world["followup"]
    return {
        "list": (f"{base}/follow-ups", {}),
        "create": (
            f"{base}/follow-ups",
            {
                "source_kind": "reunite.report",
                "source_id": world["report"].pk,
                "kind": "call",
                "due_on": (timezone.localdate() + timedelta(days=2)).isoformat(),
            },
        ),
        "get": (f"{base}/follow-ups/{f.pk}", {}),
        "complete": (f"{base}/follow-ups/{f.pk}/complete", {"outcome_note": "done"}),
        "cancel": (f"{base}/follow-ups/{f.pk}/cancel", {}),
        "notes": (f"{base}/notes", {}),
        "moderate": (
            f"{base}/notes/{world['note'].pk}/moderate",
            {"action": "save", "public_body": "Thanks"},
        ),
        "public": (f"{base}/notes/public", {"agency": world["agency"].slug, "body": "Thanks!"}),
    }[name]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(API))
def test_api_access(client: Any, world: dict[str, Any], name: str, role: str) -> None:
    method, expected = API[name]
    url, data = _api(name, world)
    c = _client(client, world, role)
    if method == "post":
        response = c.post(url, json.dumps(data), content_type="application/json")
    else:
        response = c.get(url)
    assert response.status_code == expected[role], (response.status_code, response.content[:300])
    if role not in {"coordinator", "admin"}:
        assert PRIVATE not in response.content.decode()
