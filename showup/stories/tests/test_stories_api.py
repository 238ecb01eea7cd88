"""The stories API: access from every role for every endpoint, the flow, and coded refusals."""

from __future__ import annotations

import json
from typing import Any

import pytest

from showup.stories.models import Consent, Story, StoryMedia
from showup.stories.tests.stories_helpers import CHILD, consent, draft, plain_upload, ready_media

GUARDIAN = {
    "guardian_name": "Rosa",
    "relationship": "mother",
    "method": "phone",
    "given_on": "2026-01-02",
    "uses": ["website"],
}


@pytest.fixture
def admin(make_user: Any, agency: Any) -> Any:
    return make_user("ada", "admin", agency)


@pytest.fixture
def reviewer(make_user: Any, agency: Any) -> Any:
    return make_user("reviewer", "coordinator", agency)


@pytest.fixture
def city_coordinator(make_user: Any, other_agency: Any) -> Any:
    return make_user("citycoord", "coordinator", other_agency)


@pytest.fixture
def world(coordinator: Any) -> dict[str, Any]:
    story = draft(coordinator)
    media = ready_media(story, status="needs_review")
    return {"story": story, "media": media, "consent": consent(coordinator, story)}


def _calls(w: dict[str, Any]) -> list[tuple[str, str, Any]]:
    s, m, c = w["story"].pk, w["media"].pk, w["consent"].pk
    return [
        ("get", "/api/stories/", None),
        ("post", "/api/stories/", {"title": "T", "body": "B"}),
        ("get", f"/api/stories/{s}", None),
        ("patch", f"/api/stories/{s}", {"title": "New title"}),
        ("get", f"/api/stories/media/{m}", None),
        ("post", f"/api/stories/media/{m}/cancel", None),
        ("post", f"/api/stories/media/{m}/redact", {"keep_faces": []}),
        ("post", f"/api/stories/media/{m}/checked", None),
        (
            "post",
            f"/api/stories/{s}/consents",
            {
                "guardian_name": "Rosa",
                "relationship": "mother",
                "method": "phone",
                "given_on": "2026-01-02",
                "uses": ["website"],
            },
        ),
        ("post", f"/api/stories/consents/{c}/revoke", {"method": "phone"}),
        ("post", f"/api/stories/{s}/publish", None),
        ("post", f"/api/stories/{s}/unpublish", None),
    ]


def _call(client: Any, method: str, url: str, body: Any) -> Any:
    if body is None:
        return getattr(client, method)(url)
    return getattr(client, method)(url, data=json.dumps(body), content_type="application/json")


def _unchanged(w: dict[str, Any]) -> None:
    w["story"].refresh_from_db()
    assert w["story"].title == "Lunch on the curb"
    assert Consent.objects.get(pk=w["consent"].pk).revoked_at is None
    assert StoryMedia.objects.get(pk=w["media"].pk).checked_by is None


def test_anonymous_is_401(client: Any, world: dict[str, Any]) -> None:
    for method, url, body in _calls(world):
        assert _call(client, method, url, body).status_code == 401, url
    _unchanged(world)


@pytest.mark.parametrize("role", ["officer", "partner"])
def test_officers_and_partners_are_403(
    client: Any, world: dict[str, Any], role: str, request: Any
) -> None:
    client.force_login(request.getfixturevalue(role))
    for method, url, body in _calls(world):
        response = _call(client, method, url, body)
        assert response.status_code == 403, url
        assert response.json()["code"] == "forbidden"
    _unchanged(world)


def test_another_agency_is_404(client: Any, world: dict[str, Any], city_coordinator: Any) -> None:
    client.force_login(city_coordinator)
    for method, url, body in _calls(world)[2:]:
        assert _call(client, method, url, body).status_code == 404, url
    assert _call(client, "get", "/api/stories/", None).json() == []
    _unchanged(world)


@pytest.mark.parametrize("role", ["coordinator", "admin"])
def test_the_agencys_coordinators_and_admins(
    client: Any, world: dict[str, Any], role: str, request: Any
) -> None:
    client.force_login(request.getfixturevalue(role))
    answers = [_call(client, m, u, b).status_code for m, u, b in _calls(world)]
    # publish refused (consent for the media missing: 409); unpublish of a draft 409.
    assert answers == [200, 201, 200, 200, 200, 200, 200, 409, 201, 200, 409, 409]


def test_the_flow_and_coded_refusals(
    client: Any, coordinator: Any, reviewer: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client.force_login(coordinator)
    made = _call(
        client,
        "post",
        "/api/stories/",
        {"title": "Curb", "body": f"{CHILD} on the curb.", "extra_names": CHILD},
    )
    assert made.status_code == 201 and CHILD not in made.json()["public_body"]
    sid = made.json()["id"]
    refused = _call(client, "patch", f"/api/stories/{sid}", {"public_body": f"{CHILD}!"})
    assert refused.status_code == 422 and refused.json()["detail"][0]["type"] == "known_name"
    with django_capture_on_commit_callbacks(execute=True):
        up = client.post(f"/api/stories/{sid}/media", {"file": plain_upload(), "caption": "x"})
    assert up.status_code == 201
    mid = up.json()["id"]
    status = client.get(f"/api/stories/media/{mid}").json()
    assert status["status"] == "ready", (status, StoryMedia.objects.get(pk=mid).report)
    bad = client.post(f"/api/stories/{sid}/media", {"file": plain_upload("a.exe")})
    assert bad.status_code == 422 and bad.json()["detail"][0]["type"] == "unsupported"
    future = _call(
        client,
        "post",
        f"/api/stories/{sid}/consents",
        {
            "guardian_name": "R",
            "relationship": "m",
            "method": "phone",
            "given_on": "2999-01-01",
            "uses": ["website"],
        },
    )
    assert future.status_code == 422 and future.json()["detail"][0]["type"] == "future_date"
    for media_id in (None, mid):
        ok = _call(
            client,
            "post",
            f"/api/stories/{sid}/consents",
            {
                "media_id": media_id,
                "guardian_name": "Rosa",
                "relationship": "mother",
                "method": "phone",
                "given_on": "2026-01-02",
                "uses": ["website"],
            },
        )
        assert ok.status_code == 201
    own = _call(client, "post", f"/api/stories/{sid}/publish", None)
    assert own.status_code == 403 and own.json()["code"] == "own_story"
    client.force_login(reviewer)
    done = _call(client, "post", f"/api/stories/{sid}/publish", None)
    assert done.status_code == 200 and done.json()["status"] == "published"
    assert done.json()["public_url"]
    text_consent = Consent.objects.get(story_id=sid, media__isnull=True)
    revoked = _call(
        client, "post", f"/api/stories/consents/{text_consent.pk}/revoke", {"method": "email"}
    )
    assert revoked.status_code == 200
    assert Story.objects.get(pk=sid).status == Story.Status.UNPUBLISHED
