"""What the public sees: the list, a story's page with its share preview, the Atom feed and
the redacted media; and that a revocation removes all of them at once. Every role gets the
same public answers; originals are never reachable from here."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from showup.stories import services
from showup.stories.tests.stories_helpers import CHILD, draft, published, ready_media


@pytest.fixture
def reviewer(make_user: Any, agency: Any) -> Any:
    return make_user("reviewer", "coordinator", agency)


@pytest.fixture
def live(coordinator: Any, reviewer: Any) -> dict[str, Any]:
    story, media, text, media_consent = published(coordinator, reviewer)
    return {"story": story, "media": media, "text": text, "media_consent": media_consent}


def _public_urls(live: dict[str, Any]) -> dict[str, str]:
    s, m = live["story"], live["media"]
    return {
        "list": reverse("stories:public_list"),
        "page": reverse("stories:public_story", args=[s.public_token]),
        "feed": reverse("stories:feed"),
        "file": reverse("stories:public_media", args=[s.public_token, m.pk, "file"]),
        "poster": reverse("stories:public_media", args=[s.public_token, m.pk, "poster"]),
    }


def _og(html: str) -> dict[str, str]:
    return dict(
        re.findall(r'<meta (?:property|name)="((?:og|twitter):[a-z]+)" content="([^"]*)"', html)
    )


@pytest.mark.parametrize("role", [None, "partner", "officer", "coordinator", "outsider"])
def test_everyone_sees_the_published_story_and_only_redacted_media(
    client: Any, live: dict[str, Any], role: str | None, request: Any
) -> None:
    if role:
        client.force_login(request.getfixturevalue(role))
    urls = _public_urls(live)
    story, media = live["story"], live["media"]
    listing = client.get(urls["list"]).content.decode()
    assert story.title in listing and CHILD not in listing
    page = client.get(urls["page"])
    html = page.content.decode()
    assert page.status_code == 200 and CHILD not in html and story.public_body.split()[0] in html
    assert media.original_name not in html and media.redacted_name not in html
    og = _og(html)
    assert og["og:image"].endswith(urls["poster"]) and og["twitter:image"] == og["og:image"]
    assert og["twitter:card"] == "summary_large_image"
    assert "facebook.com/sharer" in html and '<script src="http' not in html
    body = b"".join(client.get(urls["file"]).streaming_content)
    assert body == services.storage.path_of(media.redacted_name).read_bytes()  # type: ignore[union-attr]
    feed = client.get(urls["feed"])
    assert feed["Content-Type"].startswith("application/atom+xml")
    xml = feed.content.decode()
    assert story.title in xml and CHILD not in xml and 'rel="enclosure"' in xml
    assert urls["file"] in xml


def test_revoking_consent_removes_page_feed_media_and_preview(
    client: Any, live: dict[str, Any]
) -> None:
    urls = _public_urls(live)
    assert client.get(urls["page"]).status_code == 200
    services.consent_revoke(consent=live["text"], actor=None)
    for name in ("page", "file", "poster"):
        assert client.get(urls[name]).status_code == 404, name
    assert live["story"].title not in client.get(urls["feed"]).content.decode()
    assert live["story"].title not in client.get(urls["list"]).content.decode()
    # The share preview crawler (any user agent) gets nothing either.
    preview = client.get(urls["page"], HTTP_USER_AGENT="facebookexternalhit/1.1")
    assert preview.status_code == 404 and "og:image" not in preview.content.decode()


def test_a_revoked_media_consent_drops_the_media_not_the_text(
    client: Any, live: dict[str, Any]
) -> None:
    urls = _public_urls(live)
    services.consent_revoke(consent=live["media_consent"], actor=None)
    page = client.get(urls["page"]).content.decode()
    assert live["story"].title in page and "og:image" not in page
    assert client.get(urls["file"]).status_code == 404
    assert 'rel="enclosure"' not in client.get(urls["feed"]).content.decode()


def test_pages_are_not_cached(client: Any, live: dict[str, Any]) -> None:
    for name, url in _public_urls(live).items():
        response = client.get(url)
        assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"], (
            name
        )


def test_drafts_and_guesses_are_404(client: Any, coordinator: Any, live: dict[str, Any]) -> None:
    story = draft(coordinator, title="Still a draft")
    media = ready_media(story)
    assert client.get(reverse("stories:public_story", args=[story.public_token])).status_code == 404
    assert (
        client.get(
            reverse("stories:public_media", args=[story.public_token, media.pk, "file"])
        ).status_code
        == 404
    )
    # Another story's media through a published story's token.
    assert (
        client.get(
            reverse("stories:public_media", args=[live["story"].public_token, media.pk, "file"])
        ).status_code
        == 404
    )
    for which in ("original", "../x", "file2"):
        url = f"/stories/s/{live['story'].public_token}/m/{live['media'].pk}/{which}/"
        assert client.get(url).status_code == 404
    assert client.get("/stories/s/" + "A" * 200 + "/").status_code == 404
    assert "Still a draft" not in client.get(reverse("stories:feed")).content.decode()


def test_agency_filter(client: Any, live: dict[str, Any], other_agency: Any) -> None:
    url = reverse("stories:public_list")
    assert live["story"].title in client.get(url + "?agency=county").content.decode()
    assert live["story"].title not in client.get(url + "?agency=city").content.decode()
    assert client.get(url + "?agency=nowhere").status_code == 404


def test_public_api_lists_only_published(
    client: Any, coordinator: Any, live: dict[str, Any]
) -> None:
    draft(coordinator, title="Unfinished")
    data = client.get("/api/stories/public").json()
    assert [d["title"] for d in data] == [live["story"].title]
    assert CHILD not in str(data)
    services.consent_revoke(consent=live["text"], actor=None)
    assert client.get("/api/stories/public").json() == []


def test_the_home_page_shows_the_latest_stories(client: Any, live: dict[str, Any]) -> None:
    services.register()
    home = client.get("/").content.decode()
    assert reverse("stories:public_story", args=[live["story"].public_token]) in home
    services.consent_revoke(consent=live["text"], actor=None)
    assert live["story"].title not in client.get("/").content.decode()


def test_a_hostile_unit_name_is_not_found_never_a_server_error(client: Any, agency: Any) -> None:
    """PostgreSQL refuses a NUL in a query: a slug is checked before the database sees it."""
    for bad in ("a" * 51, "../etc", "démo", "de mo"):
        assert client.get("/stories/", {"agency": bad}).status_code == 404, bad
        assert client.get("/api/stories/public", {"agency": bad}).status_code == 404, bad
        assert client.get("/stories/thanks/", {"agency": bad}).status_code == 200, bad
    for bad in ("\x00", "de\x00mo"):  # refused before any view (core RefuseNulMiddleware)
        assert client.get("/stories/", {"agency": bad}).status_code == 400, bad
        assert client.get("/api/stories/public", {"agency": bad}).status_code == 400, bad
    response = client.post("/stories/thanks/", {"agency": "\x00", "body": "Thank you!"})
    assert response.status_code == 400
