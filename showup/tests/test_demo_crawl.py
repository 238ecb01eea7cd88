"""Every page each demo role can reach by following links answers without a server error."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from showup.core.models import User
from showup.tests.test_public_pages import crawl, seed_stories

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings: Any) -> None:
    settings.DEMO_MODE = True
    call_command("seed_demo", verbosity=0)
    call_command("seed_visits_demo", verbosity=0)
    call_command("seed_events_demo", verbosity=0)
    seed_stories()  # follow-ups, the cookies note and the curb story


@pytest.mark.parametrize(
    ("username", "at_least"),
    [
        ("demo-coordinator", 30),
        ("demo-admin", 30),
        ("demo-trooper", 15),
        ("demo-officer", 15),
        ("demo-store", 5),
        ("demo-nurse", 5),
    ],
)
def test_every_reachable_page_works_for_each_demo_role(
    demo: None, username: str, at_least: int
) -> None:
    client = Client(raise_request_exception=True)
    client.force_login(User.objects.get(username=username))
    statuses: dict[str, int] = {}
    pages = crawl(client, ["/"], "en", statuses=statuses)
    assert len(pages) >= at_least, sorted(pages)
    errors = {url: code for url, code in statuses.items() if code >= 500}
    assert errors == {}
