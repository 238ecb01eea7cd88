"""Stories' staff pages: access from every role for every view, the draft -> media -> consent
-> review -> publish flow through the pages, progress polling, and errors shown with what was
typed kept."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from showup.core.models import AuditEntry
from showup.stories import services
from showup.stories.models import Consent, Story, StoryMedia
from showup.stories.tests.stories_helpers import CHILD, consent, draft, ready_media


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
    text = consent(coordinator, story)
    return {"story": story, "media": media, "consent": text}


def _urls(w: dict[str, Any]) -> list[tuple[str, str]]:
    s, m, c = w["story"].pk, w["media"].pk, w["consent"].pk
    return [
        ("get", reverse("stories:story_list")),
        ("get", reverse("stories:story_new")),
        ("get", reverse("stories:story_detail", args=[s])),
        ("get", reverse("stories:story_review", args=[s])),
        ("post", reverse("stories:story_submit", args=[s])),
        ("post", reverse("stories:story_publish", args=[s])),
        ("post", reverse("stories:story_unpublish", args=[s])),
        ("post", reverse("stories:media_upload", args=[s])),
        ("post", reverse("stories:consent_add", args=[s])),
        ("post", reverse("stories:consent_revoke_staff", args=[c])),
        ("get", reverse("stories:media_status", args=[m])),
        ("post", reverse("stories:media_cancel", args=[m])),
        ("post", reverse("stories:media_rerun", args=[m])),
        ("post", reverse("stories:media_check", args=[m])),
        ("get", reverse("stories:media_faces", args=[m])),
        ("get", reverse("stories:media_still", args=[m])),
        ("get", reverse("stories:media_file", args=[m, "original"])),
        ("get", reverse("stories:media_file", args=[m, "redacted"])),
        ("post", reverse("stories:media_remove", args=[m])),
    ]


def test_anonymous_visitors_are_sent_to_log_in(client: Any, world: dict[str, Any]) -> None:
    for method, url in _urls(world):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert "login" in response["Location"], url


@pytest.mark.parametrize("role", ["officer", "partner"])
def test_officers_and_partners_have_no_story_pages(
    client: Any, world: dict[str, Any], role: str, request: Any
) -> None:
    client.force_login(request.getfixturevalue(role))
    for method, url in _urls(world):
        assert getattr(client, method)(url).status_code == 403, url
    world["media"].refresh_from_db()
    assert world["media"].status == "needs_review"


def test_another_agencys_coordinator_sees_nothing(
    client: Any, world: dict[str, Any], city_coordinator: Any
) -> None:
    client.force_login(city_coordinator)
    for method, url in _urls(world)[2:]:
        assert getattr(client, method)(url).status_code == 404, url
    listing = client.get(reverse("stories:story_list"))
    assert listing.status_code == 200 and world["story"].title not in listing.content.decode()
    assert StoryMedia.objects.filter(pk=world["media"].pk).exists()
    assert Consent.objects.get(pk=world["consent"].pk).revoked_at is None


@pytest.mark.parametrize("role", ["coordinator", "admin"])
def test_coordinators_and_admins_of_the_agency_may(
    client: Any, world: dict[str, Any], role: str, request: Any
) -> None:
    client.force_login(request.getfixturevalue(role))
    for method, url in _urls(world)[:4] + _urls(world)[10:11] + _urls(world)[14:18]:
        response = getattr(client, method)(url)
        assert response.status_code == 200, url
        assert "no-store" in response.get("Cache-Control", ""), url
    assert AuditEntry.objects.filter(action="stories.media.original_viewed").exists()


def test_the_whole_flow_through_the_pages(
    client: Any, coordinator: Any, reviewer: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from showup.stories.tests.stories_helpers import plain_upload

    client.force_login(coordinator)
    response = client.post(
        reverse("stories:story_new"),
        {"title": "Lunch on the curb", "body": f"{CHILD} sat on the curb.", "extra_names": CHILD},
    )
    story = Story.objects.get()
    assert response.status_code == 302 and CHILD not in story.public_body
    page = client.get(reverse("stories:story_detail", args=[story.pk])).content.decode()
    assert "<mark" in page  # the name found in the draft is highlighted
    for field in ("covers", "guardian_name", "given_on", "uses", "file", "keep_audio"):
        assert f'name="{field}"' in page, field
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("stories:media_upload", args=[story.pk]),
            {"file": plain_upload(), "caption": "On the curb"},
        )
    assert response.status_code == 302
    media = StoryMedia.objects.get(story=story)
    status = client.get(reverse("stories:media_status", args=[media.pk])).json()
    assert status["status"] == "ready" and status["progress"] == 100 and status["done"]
    for target in ("0", str(media.pk)):
        response = client.post(
            reverse("stories:consent_add", args=[story.pk]),
            {
                "covers": target,
                "guardian_name": "Rosa Quintero",
                "relationship": "mother",
                "method": "signed_form",
                "given_on": "2026-01-05",
                "uses": ["website"],
            },
        )
        assert response.status_code == 302
    # The author cannot approve: another coordinator reviews.
    client.post(reverse("stories:story_publish", args=[story.pk]))
    story.refresh_from_db()
    assert story.status == Story.Status.DRAFT
    client.force_login(reviewer)
    review = client.get(reverse("stories:story_review", args=[story.pk])).content.decode()
    assert reverse("stories:media_file", args=[media.pk, "original"]) in review
    assert reverse("stories:media_file", args=[media.pk, "redacted"]) in review
    client.post(reverse("stories:story_publish", args=[story.pk]))
    story.refresh_from_db()
    assert story.status == Story.Status.PUBLISHED


def test_errors_keep_what_was_typed(client: Any, coordinator: Any, world: dict[str, Any]) -> None:
    client.force_login(coordinator)
    story = world["story"]
    response = client.post(
        reverse("stories:story_review", args=[story.pk]),
        {"public_body": f"A day with {CHILD} and his mum."},
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert "data-focus-on-load" in body and f"A day with {CHILD} and his mum." in body
    response = client.post(
        reverse("stories:consent_add", args=[story.pk]),
        {
            "guardian_name": "Rosa",
            "relationship": "mother",
            "method": "phone",
            "given_on": "2999-01-01",
            "uses": ["website"],
        },
    )
    assert response.status_code == 422
    assert "future" in response.content.decode() and 'value="Rosa"' in response.content.decode()
    response = client.post(
        reverse("stories:media_upload", args=[story.pk]),
        {"file": __import__("io").BytesIO(b"not a video"), "caption": "kept caption"},
    )
    assert response.status_code == 422 and "kept caption" in response.content.decode()


def test_upload_of_a_hostile_file_name(
    client: Any, coordinator: Any, world: dict[str, Any]
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(coordinator)
    upload = SimpleUploadedFile("<script>x</script>.svg", b"<svg onload=alert(1)>", "image/svg+xml")
    response = client.post(
        reverse("stories:media_upload", args=[world["story"].pk]), {"file": upload}
    )
    assert response.status_code == 422
    assert "<script>x</script>" not in response.content.decode()
    assert StoryMedia.objects.count() == 1


def test_progress_fragment_and_cancel(client: Any, coordinator: Any, world: dict[str, Any]) -> None:
    client.force_login(coordinator)
    media = world["media"]
    StoryMedia.objects.filter(pk=media.pk).update(status="processing", progress=40)
    fragment = client.get(reverse("stories:media_status", args=[media.pk]) + "?format=html")
    assert b'value="40"' in fragment.content and b"data-story-progress" in fragment.content
    page = client.get(reverse("stories:story_detail", args=[world["story"].pk])).content.decode()
    assert 'http-equiv="refresh"' in page and "story-progress.js" in page
    client.post(reverse("stories:media_cancel", args=[media.pk]))
    media.refresh_from_db()
    assert media.cancel_requested


def test_the_new_page_from_an_unknown_encounter_is_404(client: Any, coordinator: Any) -> None:
    client.force_login(coordinator)
    assert (
        client.get(reverse("stories:story_new") + "?kind=reunite.report&id=999999").status_code
        == 404
    )
    assert client.get(reverse("stories:story_new") + "?note=abc").status_code == 404


def test_staff_revoke_unpublishes(client: Any, coordinator: Any, reviewer: Any) -> None:
    from showup.stories.tests.stories_helpers import published

    story, _media, text, _mc = published(coordinator, reviewer)
    client.force_login(coordinator)
    client.post(reverse("stories:consent_revoke_staff", args=[text.pk]), {"method": "phone"})
    story.refresh_from_db()
    assert story.status == Story.Status.UNPUBLISHED
    assert Consent.objects.get(pk=text.pk).revocation_method == "phone"
    assert services.public_story(story.public_token) is None


def test_keeping_an_adults_face_through_the_page(
    client: Any, coordinator: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from showup.stories.tests.stories_helpers import astronaut_upload

    story = draft(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        media = services.media_add(actor=coordinator, story=story, upload=astronaut_upload())
    client.force_login(coordinator)
    page = client.get(reverse("stories:media_faces", args=[media.pk])).content.decode()
    assert 'name="keep" value="1"' in page and 'value="2"' not in page
    still = client.get(reverse("stories:media_still", args=[media.pk]))
    assert still["Content-Type"] == "image/jpeg" and "no-store" in still["Cache-Control"]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("stories:media_faces", args=[media.pk]), {"keep": ["1", "9"]}
        )
    assert response.status_code == 302
    media.refresh_from_db()
    assert len(media.keep_faces) == 1 and media.report["kept_faces"] == 1
    assert media.status == StoryMedia.Status.READY


def test_highlighting_escapes_everything_but_its_own_marks() -> None:
    from types import SimpleNamespace

    from showup.stories.views_stories import highlight_placeholder, highlight_spans

    text = "<b>Danny</b> & <script>x</script>"
    span = SimpleNamespace(start=3, end=8, source="known")
    html = str(highlight_spans(text, [span]))
    assert html == (
        '&lt;b&gt;<mark class="name-known">Danny</mark>&lt;/b&gt; &amp; '
        "&lt;script&gt;x&lt;/script&gt;"
    )
    assert str(highlight_placeholder("[name] & <i>[name]</i>")) == (
        "<mark>[name]</mark> &amp; &lt;i&gt;<mark>[name]</mark>&lt;/i&gt;"
    )
