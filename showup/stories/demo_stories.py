"""The demo's published story: the boy on the curb (story 03, told in our own words), with a
shop camera's clip made from faces that ship in packages (redaction.synthetic: scikit-image's
sample photographs, moving, turning and changing size), redacted and re-checked by the real
task, the guardian's consent recorded, and approved by a second coordinator.

`seed_curb_story(agency, author, reviewer)` is for the lead's demo command; everything goes
through showup.stories.services, so the audit entries, the redaction report and the public
page are real. Running it again changes nothing (found by title). All people are invented.
"""

from __future__ import annotations

import tempfile
from datetime import timedelta
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from showup.core.models import Agency, User
from showup.stories import services, tasks
from showup.stories.models import Consent, Story, StoryMedia

TITLE = "Lunch on the curb"
CHILD = "Danny"
BODY = (
    "A call about raised voices outside a corner shop was over by the time Officer Okafor "
    f"arrived. What he noticed was {CHILD}, nine years old, sitting alone on the curb with a "
    "backpack too big for him. He had not eaten since the morning. Officer Okafor sat down "
    f"beside him and shared his lunch, and they talked until {CHILD}'s aunt came to pick him "
    "up. The shop's camera saw it all; with his family's consent, we share it here, with "
    "every face blurred."
)


def seed_curb_story(
    agency: Agency,
    author: User,
    reviewer: User,
    *,
    size: tuple[int, int] = (640, 360),
    seconds: float = 4.0,
) -> Story:
    """The curb story (made once), published. `author` drafts and records consent, `reviewer`
    approves: two coordinators or admins of the agency. When the re-check still finds a face
    the story stays in review (fail closed) and is returned unpublished."""
    existing = Story.objects.filter(agency=agency, title=TITLE).first()
    if existing is not None:
        return existing
    from redaction.synthetic import make_clip

    story = services.story_create(actor=author, title=TITLE, body=BODY, extra_names=CHILD)
    with tempfile.TemporaryDirectory() as directory:
        width, height = size
        clip = make_clip(Path(directory), width=width, height=height, fps=15, seconds=seconds)
        upload = SimpleUploadedFile("shop-camera.mp4", clip.path.read_bytes(), "video/mp4")
        media = services.media_add(
            actor=author, story=story, upload=upload, caption="The shop's camera"
        )
    # The task runs after the commit (inline with the immediate backend, or in the worker);
    # the demo needs it done now, so it runs here when no one has started it yet.
    media.refresh_from_db()
    if media.status == StoryMedia.Status.QUEUED:
        tasks.run(media.pk)
        media.refresh_from_db()
    given = timezone.localdate() - timedelta(days=3)
    for covers in (None, media):
        services.consent_record(
            actor=author,
            story=story,
            media=covers,
            guardian_name="Marisol Vega",
            relationship="aunt (legal guardian)",
            method=Consent.Method.SIGNED_FORM,
            given_on=given,
            uses=[Consent.Use.WEBSITE, Consent.Use.SOCIAL],
        )
    if not media.report.get("recheck_passed"):
        return services.submit_for_review(actor=author, story=story)
    if media.status == StoryMedia.Status.NEEDS_REVIEW:
        services.media_mark_checked(actor=reviewer, media=media)
    return services.publish(actor=reviewer, story=story)
