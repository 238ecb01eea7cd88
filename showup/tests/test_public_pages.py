"""The public side never shows a child: crawl every page an anonymous visitor can reach."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urldefrag, urljoin, urlparse

import pytest
from django.core.management import call_command
from django.test import Client

from showup.reunite.models import Report
from showup.stories.models import Story

pytestmark = pytest.mark.django_db


class LinkParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value and ((tag == "a" and name == "href") or name in {"hx-get", "src"}):
                self.links.append(value)


def crawl(
    client: Client, start: list[str], language: str, statuses: dict[str, int] | None = None
) -> dict[str, str]:
    """GET every same-site page reachable from `start` (no logout, admin or static files)."""
    seen: dict[str, str] = {}
    queue = list(start)
    while queue and len(seen) < 300:
        url = urldefrag(queue.pop())[0]
        skipped = ("/static/", "/admin/", "/accounts/logout/")
        if url in seen or urlparse(url).netloc or url.startswith(skipped):
            continue
        response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
        if statuses is not None:
            statuses[url] = response.status_code
        streamed = getattr(response, "streaming", False)
        ok = response.status_code == 200 and not streamed  # a file (redacted media) has no text
        body = response.content.decode("utf-8", "replace") if ok else ""
        seen[url] = body
        if "text/html" in response.get("Content-Type", ""):
            parser = LinkParser()
            parser.feed(body)
            queue.extend(urljoin(url, link) for link in parser.links if link.startswith("/"))
    return seen


def child_names() -> set[str]:
    names: set[str] = set()
    for report in Report.objects.all():
        names.update(n for n in (report.given_name, report.family_name, *report.other_names) if n)
        names.update(report.guardian_name.split())
    return names


def seed_stories() -> Story:
    """The demo's thank-you note and its curb story (a small clip, to keep the suite quick)."""
    from showup.core.models import Agency, User
    from showup.stories.demo_stories import seed_curb_story

    call_command("seed_followups_demo", verbosity=0)
    agency = Agency.objects.get(slug="demo")
    author = User.objects.get(username="demo-coordinator")
    reviewer = User.objects.get(username="demo-admin")
    return seed_curb_story(agency, author, reviewer, size=(320, 240), seconds=2.0)


@pytest.mark.parametrize("language", ["en", "es"])
def test_it_shows_no_child_name_on_any_public_page(settings: Any, language: str) -> None:
    from showup.stories.demo_stories import CHILD

    settings.DEMO_MODE = True
    call_command("seed_demo", verbosity=0)
    story = seed_stories()
    assert story.status == Story.Status.PUBLISHED
    names = child_names() | {CHILD}
    assert {"Marcus", "Elijah", "Carter"} <= names  # the crawl really has names to look for
    status_pages = [f"/status/{r.status_token}/" for r in Report.objects.all()]
    start = ["/", "/missing/", "/stories/feed.atom", *status_pages]
    pages = crawl(Client(), start, language)
    assert "/missing/" in pages and len(pages) > len(status_pages)
    # The stories pages, the feed and the share preview are reached and checked too.
    story_page = f"/stories/s/{story.public_token}/"
    assert {"/stories/", story_page, "/stories/thanks/demo/"} <= set(pages)
    assert 'property="og:image"' in pages[story_page]
    assert story.public_token in pages["/stories/feed.atom"]
    for url, body in pages.items():
        for name in names:
            assert not re.search(rf"\b{re.escape(name)}\b", body), f"{name!r} appears on {url}"


def test_it_does_not_reveal_staff_pages_to_anonymous_visitors() -> None:
    call_command("seed_demo", verbosity=0)
    report = Report.objects.first()
    assert report is not None
    client = Client()
    for url in [
        "/staff/board/",
        f"/staff/reports/{report.pk}/",
        f"/staff/reports/{report.pk}/photo/",
    ]:
        response = client.get(url)
        assert response.status_code in (302, 403, 404), url
        assert report.reference not in response.content.decode()
