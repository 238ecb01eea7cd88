"""The curb story in a real browser (issue 11, "Done when"): a coordinator drafts it with a
shop's clip (made from faces that ship in packages), records the guardian's consent, the clip
is redacted and re-checked; another coordinator reviews side by side and approves; the public
page and the feed show it with no child's name; the mother withdraws consent through her link
and it disappears from the page, the feed and the share preview."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

# Chromium from the system, the e2e suite's browser settings (fixtures imported on purpose).
from showup.e2e.conftest import (  # noqa: F401
    browser_context_args,
    browser_type_launch_args,
    log_in,
)
from showup.stories.models import Consent, Story, StoryMedia

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHILD = "Tobias"


def test_the_curb_story_from_draft_to_revocation(
    page: Page,
    new_context: Any,
    live_server: Any,
    coordinator: Any,
    make_user: Any,
    agency: Any,
    tmp_path: Path,
    settings: Any,
) -> None:
    from redaction.recheck import recheck
    from redaction.synthetic import make_clip
    from showup.stories import tasks

    # The upload queues the redaction; this test is the worker (below), so the page's
    # progress is seen to move as a worker's would be.
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}

    clip = make_clip(tmp_path, width=320, height=240, fps=10, seconds=2.0, name="shop.mp4")
    url = live_server.url
    log_in(page, url, coordinator)
    page.goto(f"{url}/stories/new/")
    page.get_by_label("Title").fill("Lunch on the curb")
    page.get_by_label("The story").fill(
        f"A shop's camera filmed an officer sharing his lunch with {CHILD}, alone on the curb."
    )
    page.get_by_label("Other names to take out").fill(CHILD)
    page.get_by_role("button", name="Save the draft").click()
    expect(page.locator("[data-public-text]")).to_contain_text("[name]")
    expect(page.locator("[data-public-text]")).not_to_contain_text(CHILD)

    page.get_by_label("Photo or short video").set_input_files(str(clip.path))
    page.get_by_label("Caption").fill("The shop's camera")
    page.get_by_role("button", name="Upload").click()
    media = StoryMedia.objects.get()
    status = page.locator(f"#media-status-{media.pk}")
    expect(status.locator("[data-progress-label]")).to_have_text("Waiting to be redacted")
    # A worker takes it and reports progress: the page follows without a reload.
    StoryMedia.objects.filter(pk=media.pk).update(status=StoryMedia.Status.PROCESSING, progress=35)
    expect(status.locator("[data-progress-label]")).to_have_text("Being redacted")
    expect(status.locator("[data-progress-value]")).to_have_text("35%")
    expect(status.locator("[data-progress-bar]")).to_have_attribute("value", "35")
    # Then the real task takes the queued item: redaction, poster, re-check of every frame.
    StoryMedia.objects.filter(pk=media.pk).update(status=StoryMedia.Status.QUEUED, progress=0)
    assert tasks.run(media.pk) == StoryMedia.Status.READY
    expect(status.locator("[data-progress-label]")).to_have_text("Redacted and checked")
    media.refresh_from_db()
    assert media.report["recheck_passed"] and media.progress == 100
    # The page was opened at #media: let the browser finish scrolling to it before typing.
    page.wait_for_load_state("load")

    for n, covers in enumerate(("The story's text", f"Video {media.pk}"), start=1):
        page.get_by_label("Consent to").select_option(label=covers)
        page.get_by_label("Guardian's name").fill("Rosa Quintero")
        page.get_by_label("Relationship to the child").fill("mother")
        page.get_by_label("How consent was given").select_option("signed_form")
        page.get_by_label("The unit's website").check()
        page.get_by_role("button", name="Record consent").click()
        # The page after the POST lists one more consent (not the old page still showing).
        expect(page.locator("#consent li")).to_have_count(n)
        # Phone-first: nothing (a long private link, say) widens the page sideways.
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert Consent.objects.count() == 2

    # Another coordinator reviews side by side and approves.
    reviewer = make_user("rhea", "coordinator", agency)
    review_context = new_context()
    review = review_context.new_page()
    log_in(review, url, reviewer)
    story = Story.objects.get()
    review.goto(f"{url}/stories/drafts/{story.pk}/review/")
    expect(review.locator("video")).to_have_count(2)
    assert review.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    review.get_by_role("button", name="Approve and publish").click()
    story.refresh_from_db()
    assert story.status == Story.Status.PUBLISHED

    public = new_context().new_page()
    story_url = f"{url}/stories/s/{story.public_token}/"
    public.goto(f"{url}/stories/")
    public.get_by_role("link", name="Lunch on the curb").click()
    expect(public.get_by_role("heading", level=1)).to_have_text("Lunch on the curb")
    expect(public.locator("main")).not_to_contain_text(CHILD)
    assert public.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    poster = public.locator('meta[property="og:image"]').get_attribute("content") or ""
    assert f"/m/{media.pk}/poster/" in poster
    served = public.request.get(poster)
    assert served.status == 200
    # The preview image a share shows: the detector finds no face in it.
    still = tmp_path / "served-poster.jpg"
    still.write_bytes(served.body())
    assert recheck(still).passed
    src = public.locator("main video").get_attribute("src")
    assert src and f"/m/{media.pk}/file/" in src
    feed = public.request.get(f"{url}/stories/feed.atom").text()
    assert "Lunch on the curb" in feed and CHILD not in feed

    # The mother withdraws consent with her private link.
    text_consent = Consent.objects.get(media__isnull=True)
    public.goto(f"{url}/stories/consent/{text_consent.revoke_token}/")
    public.get_by_role("button", name="Withdraw my consent").click()
    expect(public.get_by_role("status")).to_contain_text("withdrawn")
    assert public.request.get(story_url).status == 404
    assert public.request.get(poster).status == 404
    assert "Lunch on the curb" not in public.request.get(f"{url}/stories/feed.atom").text()
    preview = public.request.get(story_url, headers={"User-Agent": "facebookexternalhit/1.1"})
    assert preview.status == 404 and "og:image" not in preview.text()
