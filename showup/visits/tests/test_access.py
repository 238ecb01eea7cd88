"""Who may open or do what, for every visits page and API endpoint, from every side.

Roles: anonymous, the visit's officer, another officer of the agency, the coordinator, partner
staff of the requesting organisation (the hospital), partner staff of another organisation
(the store), and an officer of another agency. Codes: "login" = redirect to the login page,
"ok" = 200 or a redirect that is not to the login page.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from showup.visits import services

from .conftest import at

ROLES = ["anon", "officer", "officer2", "coordinator", "partner_own", "partner_other", "outsider"]


@pytest.fixture
def world(
    visit_request: Any,
    proposed: Any,
    completed: Any,
    make_request: Any,
    officer: Any,
    coordinator: Any,
    other_partner: Any,
) -> dict[str, Any]:
    """One request per stage: proposed (day 1), scheduled (day 2), interrupted (day 4),
    completed (day 3)."""
    r2 = make_request(child_first_name="Sami")
    sched = services.slot_propose(
        request=r2, officer=officer, start=at(2, 10), end=at(2, 11), actor=coordinator
    )
    services.slot_accept(visit=sched, actor=other_partner)
    r3 = make_request(child_first_name="Lena")
    inter = services.slot_propose(
        request=r3, officer=officer, start=at(4, 10), end=at(4, 11), actor=coordinator
    )
    services.slot_accept(visit=inter, actor=other_partner)
    services.visit_interrupt(visit=inter, actor=officer)
    fresh = make_request(child_first_name="Noor")
    return {
        "request": visit_request,
        "fresh": fresh,
        "proposed": proposed,
        "scheduled": sched,
        "interrupted": inter,
        "completed": completed,
    }


@pytest.fixture
def as_role(client: Any, request: Any) -> Any:
    def do(role: str) -> Any:
        names = {"partner_own": "other_partner", "partner_other": "partner"}
        if role != "anon":
            client.force_login(request.getfixturevalue(names.get(role, role)))
        return client

    return do


# url name, object key (None, or key in world), method, expected per role
VIEWS: list[tuple[str, str | None, str, dict[str, str | int]]] = [
    (
        "visits:index",
        None,
        "get",
        {
            "officer": "ok",
            "officer2": "ok",
            "coordinator": "ok",
            "partner_own": "ok",
            "partner_other": "ok",
            "outsider": "ok",
        },
    ),
    (
        "visits:requests",
        None,
        "get",
        {
            "officer": 403,
            "officer2": 403,
            "coordinator": 403,
            "partner_own": 200,
            "partner_other": 200,
            "outsider": 403,
        },
    ),
    (
        "visits:request_new",
        None,
        "get",
        {
            "officer": 403,
            "officer2": 403,
            "coordinator": 403,
            "partner_own": 200,
            "partner_other": 200,
            "outsider": 403,
        },
    ),
    (
        "visits:place",
        None,
        "get",
        {
            "officer": 403,
            "officer2": 403,
            "coordinator": 403,
            "partner_own": 200,
            "partner_other": 200,
            "outsider": 403,
        },
    ),
    (
        "visits:queue",
        None,
        "get",
        {
            "officer": 200,
            "officer2": 200,
            "coordinator": 200,
            "partner_own": 403,
            "partner_other": 403,
            "outsider": 200,
        },
    ),
    (
        "visits:request_detail",
        "request",
        "get",
        {
            "officer": 200,
            "officer2": 200,
            "coordinator": 200,
            "partner_own": 200,
            "partner_other": 404,
            "outsider": 404,
        },
    ),
    (
        "visits:propose",
        "request",
        "get",
        {
            "officer": 403,
            "officer2": 403,
            "coordinator": 200,
            "partner_own": 403,
            "partner_other": 404,
            "outsider": 404,
        },
    ),
    (
        "visits:reschedule",
        "interrupted.request",
        "get",
        {
            "officer": 403,
            "officer2": 403,
            "coordinator": 200,
            "partner_own": 403,
            "partner_other": 404,
            "outsider": 404,
        },
    ),
    (
        "visits:request_cancel",
        "request",
        "post",
        {
            "officer": 403,
            "officer2": 403,
            "coordinator": "ok",
            "partner_own": "ok",
            "partner_other": 404,
            "outsider": 404,
        },
    ),
    (
        "visits:slot_accept",
        "proposed",
        "post",
        {
            "officer": 403,
            "officer2": 404,
            "coordinator": 403,
            "partner_own": "ok",
            "partner_other": 404,
            "outsider": 404,
        },
    ),
    (
        "visits:slot_decline",
        "proposed",
        "post",
        {
            "officer": 403,
            "officer2": 404,
            "coordinator": 403,
            "partner_own": "ok",
            "partner_other": 404,
            "outsider": 404,
        },
    ),
    (
        "visits:slot_withdraw",
        "scheduled",
        "post",
        {
            "officer": 403,
            "officer2": 404,
            "coordinator": 403,
            "partner_own": "ok",
            "partner_other": 404,
            "outsider": 404,
        },
    ),
    (
        "visits:visit_start",
        "scheduled",
        "post",
        {
            "officer": "ok",
            "officer2": 404,
            "coordinator": "ok",
            "partner_own": 403,
            "partner_other": 404,
            "outsider": 404,
        },
    ),
    (
        "visits:visit_interrupt",
        "scheduled",
        "post",
        {
            "officer": "ok",
            "officer2": 404,
            "coordinator": "ok",
            "partner_own": 403,
            "partner_other": 404,
            "outsider": 404,
        },
    ),
    (
        "visits:visit_complete",
        "scheduled",
        "get",
        {
            "officer": 200,
            "officer2": 404,
            "coordinator": 200,
            "partner_own": 403,
            "partner_other": 404,
            "outsider": 404,
        },
    ),
    (
        "visits:visit_given",
        "interrupted",
        "get",
        {
            "officer": 200,
            "officer2": 404,
            "coordinator": 200,
            "partner_own": 403,
            "partner_other": 404,
            "outsider": 404,
        },
    ),
    (
        "visits:return_visit",
        "completed",
        "get",
        {
            "officer": 403,
            "officer2": 404,
            "coordinator": 200,
            "partner_own": 403,
            "partner_other": 404,
            "outsider": 404,
        },
    ),
    (
        "visits:availability",
        None,
        "get",
        {
            "officer": 403,
            "officer2": 403,
            "coordinator": 200,
            "partner_own": 403,
            "partner_other": 403,
            "outsider": 403,
        },
    ),
    (
        "visits:stock",
        None,
        "get",
        {
            "officer": 403,
            "officer2": 403,
            "coordinator": 200,
            "partner_own": 403,
            "partner_other": 403,
            "outsider": 403,
        },
    ),
    (
        "visits:my_day",
        None,
        "get",
        {
            "officer": 200,
            "officer2": 200,
            "coordinator": 403,
            "partner_own": 403,
            "partner_other": 403,
            "outsider": 200,
        },
    ),
    ("visits:calendar", None, "get", {r: 200 for r in ROLES[1:]}),
    ("visits:calendar_feed", None, "get", {r: 200 for r in ROLES[1:]}),
    ("visits:calendar_rotate", None, "post", {r: "ok" for r in ROLES[1:]}),
]


def _pk(world: dict[str, Any], key: str) -> int:
    obj: Any = world[key.split(".")[0]]
    for part in key.split(".")[1:]:
        obj = getattr(obj, part)
    return int(obj.pk)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("name", "key", "method", "expected"), VIEWS, ids=[v[0].split(":")[1] for v in VIEWS]
)
def test_it_gives_each_role_exactly_its_access(
    world: dict[str, Any],
    as_role: Any,
    role: str,
    name: str,
    key: str | None,
    method: str,
    expected: dict[str, Any],
) -> None:
    url = reverse(name, args=[_pk(world, key)] if key else [])
    client = as_role(role)
    response = getattr(client, method)(url)
    want = "login" if role == "anon" else expected[role]
    if want == "login":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    elif want == "ok":
        assert response.status_code in (200, 302), response.status_code
        if response.status_code == 302:
            assert "/accounts/login/" not in response["Location"]
    else:
        assert response.status_code == want


def test_the_child_s_name_shows_only_to_those_who_may_see_it(
    world: dict[str, Any], as_role: Any
) -> None:
    seen = {}
    for role in ["officer", "coordinator", "partner_own", "partner_other", "outsider"]:
        client = as_role(role)
        url = reverse("visits:requests" if role.startswith("partner") else "visits:queue")
        seen[role] = "Milo" in client.get(url).content.decode()
        client.logout()
    assert seen == {
        "officer": True,
        "coordinator": True,
        "partner_own": True,
        "partner_other": False,
        "outsider": False,
    }


def test_the_token_feed_needs_the_right_token(client: Any, officer: Any) -> None:
    token = services.feed_token_for(officer).token
    assert client.get(reverse("visits:calendar_token_feed", args=[token])).status_code == 200
    assert client.get(reverse("visits:calendar_token_feed", args=["nope"])).status_code == 404
    services.feed_token_rotate(user=officer)
    assert client.get(reverse("visits:calendar_token_feed", args=[token])).status_code == 404


def test_a_deactivated_user_s_feed_stops(client: Any, officer: Any) -> None:
    token = services.feed_token_for(officer).token
    officer.is_active = False
    officer.save()
    assert client.get(reverse("visits:calendar_token_feed", args=[token])).status_code == 404


# --- API ------------------------------------------------------------------------------------

API: list[tuple[str, str, str | None, dict[str, int]]] = [
    ("get", "/api/visits/requests", None, {r: 200 for r in ROLES[1:]}),
    (
        "post",
        "/api/visits/requests",
        None,
        {
            "officer": 403,
            "officer2": 403,
            "coordinator": 403,
            "partner_own": 201,
            "partner_other": 201,
            "outsider": 403,
        },
    ),
    (
        "get",
        "/api/visits/requests/{}",
        "request",
        {
            "officer": 200,
            "officer2": 200,
            "coordinator": 200,
            "partner_own": 200,
            "partner_other": 404,
            "outsider": 404,
        },
    ),
    (
        "post",
        "/api/visits/requests/{}/slots",
        "fresh",
        {
            "officer": 403,
            "officer2": 403,
            "coordinator": 201,
            "partner_own": 403,
            "partner_other": 404,
            "outsider": 404,
        },
    ),
    ("get", "/api/visits/visits", None, {r: 200 for r in ROLES[1:]}),
    (
        "post",
        "/api/visits/visits/{}/accept",
        "proposed",
        {
            "officer": 403,
            "officer2": 404,
            "coordinator": 403,
            "partner_own": 200,
            "partner_other": 404,
            "outsider": 404,
        },
    ),
    (
        "post",
        "/api/visits/visits/{}/decline",
        "proposed",
        {
            "officer": 403,
            "officer2": 404,
            "coordinator": 403,
            "partner_own": 200,
            "partner_other": 404,
            "outsider": 404,
        },
    ),
    (
        "post",
        "/api/visits/visits/{}/withdraw",
        "scheduled",
        {
            "officer": 403,
            "officer2": 404,
            "coordinator": 403,
            "partner_own": 200,
            "partner_other": 404,
            "outsider": 404,
        },
    ),
    (
        "post",
        "/api/visits/visits/{}/start",
        "scheduled",
        {
            "officer": 200,
            "officer2": 404,
            "coordinator": 200,
            "partner_own": 403,
            "partner_other": 404,
            "outsider": 404,
        },
    ),
    (
        "post",
        "/api/visits/visits/{}/interrupt",
        "scheduled",
        {
            "officer": 200,
            "officer2": 404,
            "coordinator": 200,
            "partner_own": 403,
            "partner_other": 404,
            "outsider": 404,
        },
    ),
    (
        "post",
        "/api/visits/visits/{}/complete",
        "scheduled",
        {
            "officer": 200,
            "officer2": 404,
            "coordinator": 200,
            "partner_own": 403,
            "partner_other": 404,
            "outsider": 404,
        },
    ),
]


def _body(path: str, officer: Any) -> dict[str, Any]:
    if path.endswith("/requests"):
        return {
            "child_first_name": "Bo",
            "child_age": 6,
            "group_size": 1,
            "windows": [{"start": at(5, 10).isoformat(), "end": at(5, 12).isoformat()}],
        }
    if path.endswith("/slots"):
        return {
            "officer_id": officer.pk,
            "start": at(6, 10).isoformat(),
            "end": at(6, 11).isoformat(),
        }
    return {}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("method", "path", "key", "expected"), API, ids=[f"{a[0]}-{a[1]}" for a in API]
)
def test_the_api_gives_each_role_exactly_its_access(
    world: dict[str, Any],
    as_role: Any,
    officer: Any,
    role: str,
    method: str,
    path: str,
    key: str | None,
    expected: dict[str, int],
) -> None:
    url = path.format(_pk(world, key)) if key else path
    client = as_role(role)
    if method == "get":
        response = client.get(url)
    else:
        response = client.post(url, _body(path, officer), content_type="application/json")
    want = 401 if role == "anon" else expected[role]
    assert response.status_code == want, response.content
    if want in (403, 404) and response.status_code == 403:
        assert "code" in response.json() or "detail" in response.json()


def test_the_api_lists_only_what_each_role_may_see(world: dict[str, Any], as_role: Any) -> None:
    mine = as_role("partner_other").get("/api/visits/requests").json()
    assert mine == []
    theirs = as_role("outsider").get("/api/visits/visits").json()
    assert theirs == []
    own = as_role("officer2").get("/api/visits/visits").json()
    assert own == []  # officer2 has no visits of their own
