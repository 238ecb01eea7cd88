"""The guardian's private link to withdraw consent: what they agreed to, a button that
unpublishes at once, rate-limited, and nothing for a wrong token."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from showup.stories.models import Consent, Story
from showup.stories.tests.stories_helpers import published


@pytest.fixture
def reviewer(make_user: Any, agency: Any) -> Any:
    return make_user("reviewer", "coordinator", agency)


def test_the_guardian_withdraws_and_the_story_goes(
    client: Any, coordinator: Any, reviewer: Any
) -> None:
    story, _media, text, _mc = published(coordinator, reviewer)
    url = reverse("stories:consent_revoke", args=[text.revoke_token])
    page = client.get(url)
    html = page.content.decode()
    assert page.status_code == 200 and story.title in html and "website" in html.lower()
    assert page["X-Robots-Tag"] == "noindex"
    response = client.post(url)
    assert response.status_code == 200
    story.refresh_from_db()
    assert (
        story.status == Story.Status.UNPUBLISHED and story.unpublished_reason == "consent_revoked"
    )
    assert Consent.objects.get(pk=text.pk).revoked_at is not None
    assert client.get(reverse("stories:public_story", args=[story.public_token])).status_code == 404
    assert "withdrawn" in client.get(url).content.decode()


def test_a_wrong_token_is_404(client: Any, db: Any) -> None:
    assert client.get(reverse("stories:consent_revoke", args=["nope"])).status_code == 404
    assert client.post("/stories/consent/" + "x" * 300 + "/").status_code == 404


def test_withdrawing_is_rate_limited(
    client: Any, coordinator: Any, reviewer: Any, settings: Any
) -> None:
    settings.SHOWUP_PUBLIC_RATE_DEVICE = "1/600"
    _story, _media, text, media_consent = published(coordinator, reviewer)
    assert (
        client.post(
            reverse("stories:consent_revoke", args=[media_consent.revoke_token])
        ).status_code
        == 200
    )
    limited = client.post(reverse("stories:consent_revoke", args=[text.revoke_token]))
    assert limited.status_code == 429
    assert Consent.objects.get(pk=text.pk).revoked_at is None
    assert "data-pow" in limited.content.decode()
