"""Helpers for the stories tests (test_stories*, test_public*, test_consent*): a drafted story,
a media item already redacted (a plain JPEG written here, so access tests need no detector),
consents, a published story. The task tests run the real redaction instead."""

from __future__ import annotations

import io
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from showup.stories import services, storage
from showup.stories.models import Consent, Story, StoryMedia

CHILD = "Tobias"
BODY = f"Officer Diaz shared his lunch with {CHILD} on the curb outside the shop."


def jpeg_bytes(
    size: tuple[int, int] = (64, 48), colour: tuple[int, int, int] = (40, 90, 160)
) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG")
    return out.getvalue()


def astronaut_upload(name: str = "curb.jpg") -> SimpleUploadedFile:
    """scikit-image's astronaut (a real face)."""
    from skimage import data

    image = Image.fromarray(data.astronaut())  # 512 x 512
    out = io.BytesIO()
    image.save(out, "JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def plain_upload(name: str = "cup.jpg") -> SimpleUploadedFile:
    """scikit-image's coffee cup: a real photo with no face (redacted and re-checked READY)."""
    from skimage import data

    out = io.BytesIO()
    Image.fromarray(data.coffee()).save(out, "JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def draft(coordinator: Any, **kw: Any) -> Story:
    return services.story_create(
        actor=coordinator,
        title=kw.pop("title", "Lunch on the curb"),
        body=kw.pop("body", BODY),
        extra_names=kw.pop("extra_names", CHILD),
        **kw,
    )


def ready_media(story: Story, *, kind: str = "photo", status: str = "ready") -> StoryMedia:
    """A media row as the task leaves it: original, redacted output and poster on disk."""
    names = []
    for colour in ((200, 10, 10), (10, 200, 10)):
        name = f"{secrets.token_hex(16)}.jpg"
        (storage.root() / name).write_bytes(jpeg_bytes(colour=colour))
        names.append(name)
    return StoryMedia.objects.create(
        story=story,
        kind=kind,
        original_name=names[0],
        redacted_name=names[1],
        poster_name=names[1],
        status=status,
        progress=100,
        width=64,
        height=48,
        report={
            "recheck_passed": True,
            "faces_blurred": 1,
            "recheck_faces": [],
            "flagged": status != "ready",
        },
    )


def consent(actor: Any, story: Story, media: StoryMedia | None = None, **kw: Any) -> Consent:
    return services.consent_record(
        actor=actor,
        story=story,
        media=media,
        guardian_name=kw.pop("guardian_name", "Rosa Quintero"),
        relationship=kw.pop("relationship", "mother"),
        method=kw.pop("method", Consent.Method.SIGNED_FORM),
        given_on=kw.pop("given_on", timezone.localdate() - timedelta(days=1)),
        uses=kw.pop("uses", [Consent.Use.WEBSITE, Consent.Use.SOCIAL]),
    )


def published(coordinator: Any, reviewer: Any) -> tuple[Story, StoryMedia, Consent, Consent]:
    story = draft(coordinator)
    media = ready_media(story)
    text = consent(coordinator, story)
    media_consent = consent(coordinator, story, media)
    story = services.publish(actor=reviewer, story=story)
    return story, media, text, media_consent


def file_on_disk(name: str) -> Path | None:
    return storage.path_of(name)
