"""The redaction task on real media: scikit-image's astronaut (a photo with a face) and a short
synthetic clip (redaction.synthetic: faces that ship in packages), small sizes. Hostile uploads
are refused before anything is kept."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from showup.stories import services, storage, tasks
from showup.stories.errors import StoryError
from showup.stories.models import StoryMedia
from showup.stories.tests.stories_helpers import (
    astronaut_upload,
    consent,
    draft,
    jpeg_bytes,
    plain_upload,
)


def _stored() -> list[str]:
    return sorted(p.name for p in storage.root().iterdir())


def _clip(tmp_path: Path, seconds: float = 1.0, audio: bool = False) -> SimpleUploadedFile:
    from redaction.synthetic import make_clip

    clip = make_clip(tmp_path, width=320, height=240, fps=10, seconds=seconds, audio=audio)
    return SimpleUploadedFile("shop.mp4", clip.path.read_bytes(), content_type="video/mp4")


def test_a_photo_is_redacted_and_rechecked(
    coordinator: Any, django_capture_on_commit_callbacks: Any
) -> None:
    story = draft(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        media = services.media_add(actor=coordinator, story=story, upload=astronaut_upload())
    media.refresh_from_db()
    assert media.kind == "photo" and (media.width, media.height) == (512, 512)
    assert media.progress == 100
    assert media.report["faces_blurred"] >= 1
    redacted = storage.path_of(media.redacted_name)
    assert redacted is not None and redacted != storage.path_of(media.original_name)
    # The re-check is real: the detector finds the face in the original; the status follows
    # what it found in the output (READY only when no face is left, fail closed otherwise).
    from redaction.recheck import recheck

    assert not recheck(storage.path_of(media.original_name)).passed  # type: ignore[arg-type]
    passed = recheck(redacted).passed
    assert media.report["recheck_passed"] is passed
    expected = "ready" if passed and not media.report["flagged"] else "needs_review"
    assert media.status == expected
    assert not any(n.endswith(".part") or ".part." in n for n in _stored())


def test_a_clip_is_redacted_with_a_poster(
    coordinator: Any, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    story = draft(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        media = services.media_add(
            actor=coordinator, story=story, upload=_clip(tmp_path), keep_audio=True
        )
    media.refresh_from_db()
    assert media.kind == "video" and media.duration_seconds == pytest.approx(1.0, abs=0.2)
    assert media.keep_audio is False  # the clip has no sound to keep
    assert media.report["recheck_frames"] >= 9  # every frame of the output re-checked
    passed = media.report["recheck_passed"]
    assert passed is (media.report["recheck_faces"] == [])
    expected = "ready" if passed and not media.report["flagged"] else "needs_review"
    assert media.status == expected
    assert media.redacted_name.endswith(".mp4") and media.poster_name.endswith(".jpg")
    assert storage.path_of(media.poster_name) is not None


def test_a_photo_without_faces_is_ready(
    coordinator: Any, django_capture_on_commit_callbacks: Any
) -> None:
    story = draft(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        media = services.media_add(actor=coordinator, story=story, upload=plain_upload())
    media.refresh_from_db()
    assert media.status == StoryMedia.Status.READY and media.report["faces_blurred"] == 0
    assert media.poster_name == media.redacted_name


def test_a_cancel_before_the_start_stops_it(coordinator: Any) -> None:
    story = draft(coordinator)
    media = services.media_add(actor=coordinator, story=story, upload=astronaut_upload())
    services.media_cancel(actor=coordinator, media=media)
    assert tasks.run(media.pk) == StoryMedia.Status.CANCELLED
    media.refresh_from_db()
    assert media.redacted_name == "" and media.status == "cancelled"


def test_a_consent_revoked_during_processing_cancels_and_hides_the_output(
    coordinator: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    story = draft(coordinator)
    media = services.media_add(actor=coordinator, story=story, upload=_clip(tmp_path, 2.0))
    media_consent = consent(coordinator, story, media)
    import redaction.video

    real = redaction.video.redact_video
    calls = {"n": 0}

    def revoking(*args: Any, **kwargs: Any) -> Any:
        progress = kwargs["progress"]

        def on_progress(fraction: float) -> None:
            calls["n"] += 1
            if calls["n"] == 2:
                services.consent_revoke(consent=media_consent, actor=None)
            progress(fraction)

        kwargs["progress"] = on_progress
        return real(*args, **kwargs)

    monkeypatch.setattr(redaction.video, "redact_video", revoking)
    monkeypatch.setattr(tasks, "CANCEL_POLL", 0.0)
    before = set(_stored())
    assert tasks.run(media.pk) == StoryMedia.Status.CANCELLED
    media.refresh_from_db()
    assert media.redacted_name == "" and media.poster_name == ""
    assert media.error_code == "cancelled"
    assert set(_stored()) <= before  # nothing new left behind


def test_progress_is_saved_while_it_runs(
    coordinator: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    story = draft(coordinator)
    media = services.media_add(actor=coordinator, story=story, upload=_clip(tmp_path, 2.0))
    import redaction.video

    real = redaction.video.redact_video
    seen: list[int] = []

    def watching(*args: Any, **kwargs: Any) -> Any:
        progress = kwargs["progress"]

        def on_progress(fraction: float) -> None:
            progress(fraction)
            seen.append(StoryMedia.objects.get(pk=media.pk).progress)

        kwargs["progress"] = on_progress
        return real(*args, **kwargs)

    monkeypatch.setattr(redaction.video, "redact_video", watching)
    monkeypatch.setattr(tasks, "PROGRESS_EVERY", 0.0)
    tasks.run(media.pk)
    assert seen and max(seen) > 0 and seen == sorted(seen) and max(seen) <= tasks.REDACT_SHARE


def test_keeping_an_adults_face_reruns_with_it(
    coordinator: Any, django_capture_on_commit_callbacks: Any
) -> None:
    story = draft(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        media = services.media_add(actor=coordinator, story=story, upload=astronaut_upload())
    from redaction.recheck import faces_on_frame

    box = faces_on_frame(storage.path_of(media.original_name))[0]  # type: ignore[arg-type]
    with django_capture_on_commit_callbacks(execute=True):
        services.media_rerun(
            actor=coordinator, media=media, keep_faces=[[0, box.x, box.y, box.w, box.h]]
        )
    media.refresh_from_db()
    assert media.keep_faces and media.report["kept_faces"] == 1
    # The kept face is allowed by the re-check: nothing is left to find.
    assert media.report["recheck_passed"] is True
    assert media.status == StoryMedia.Status.READY


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("evil.exe", b"MZ\x90\x00", "unsupported"),
        ("broken.jpg", b"\xff\xd8\xff\xe0 not really a jpeg", None),
        ("page.mp4", b"<html><script>alert(1)</script></html>", None),
        ("empty.png", b"", None),
        ("../../etc/passwd.jpg", jpeg_bytes()[:20], None),
    ],
)
def test_hostile_uploads_are_refused_and_nothing_is_kept(
    coordinator: Any, name: str, content: bytes, code: str | None
) -> None:
    story = draft(coordinator)
    upload = SimpleUploadedFile(name, content, content_type="image/jpeg")
    with pytest.raises(StoryError) as err:
        services.media_add(actor=coordinator, story=story, upload=upload)
    if code:
        assert err.value.code == code
    assert err.value.code in {"unsupported", "corrupt", "no_video_stream"}
    assert err.value.status == 422 and err.value.message
    assert not StoryMedia.objects.exists()
    assert _stored() == []


def test_a_file_over_the_limit_is_refused_before_it_is_written(
    coordinator: Any, settings: Any
) -> None:
    settings.SHOWUP_STORY_MAX_BYTES = 1000
    story = draft(coordinator)
    with pytest.raises(StoryError) as err:
        services.media_add(actor=coordinator, story=story, upload=astronaut_upload())
    assert err.value.code == "too_large" and err.value.status == 413
    assert "MB" in err.value.message
    assert _stored() == []


def test_a_clip_too_long_is_refused(coordinator: Any, settings: Any, tmp_path: Path) -> None:
    settings.SHOWUP_STORY_MAX_SECONDS = 1
    story = draft(coordinator)
    with pytest.raises(StoryError) as err:
        services.media_add(actor=coordinator, story=story, upload=_clip(tmp_path, 2.0))
    assert err.value.code == "too_long"
    assert _stored() == []


def test_the_demo_curb_story_is_published_redacted(
    client: Any, coordinator: Any, make_user: Any, agency: Any
) -> None:
    from showup.stories.demo_stories import CHILD, seed_curb_story

    reviewer = make_user("rhea", "coordinator", agency)
    story = seed_curb_story(agency, coordinator, reviewer, size=(320, 240), seconds=2.0)
    assert CHILD not in story.public_body
    assert seed_curb_story(agency, coordinator, reviewer).pk == story.pk  # made once
    media = StoryMedia.objects.get(story=story)
    assert media.report["faces_blurred"] >= 1
    page = client.get(f"/stories/s/{story.public_token}/")
    if not media.report["recheck_passed"]:  # a face left: never published (fail closed)
        assert story.status == "in_review" and page.status_code == 404
        return
    assert story.status == "published"
    html = page.content.decode()
    assert CHILD not in html and f"/m/{media.pk}/file/" in html


def test_an_adults_face_kept_in_a_clip_passes_the_recheck_on_every_frame(
    coordinator: Any, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    """The re-check allows the kept track on every frame, not only on the frame chosen."""
    story = draft(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        media = services.media_add(actor=coordinator, story=story, upload=_clip(tmp_path, 3.0))
    from redaction.recheck import faces_on_frame

    faces = faces_on_frame(storage.path_of(media.original_name))  # type: ignore[arg-type]
    assert faces, "the clip shows a face on its first frame"
    box = max(faces, key=lambda b: b.w * b.h)
    with django_capture_on_commit_callbacks(execute=True):
        services.media_rerun(
            actor=coordinator, media=media, keep_faces=[[0, box.x, box.y, box.w, box.h]]
        )
    media.refresh_from_db()
    assert media.report["kept_faces"] >= 1
    assert media.report["recheck_passed"] is True, media.report.get("recheck_faces")


def test_a_video_larger_than_1080p_is_refused_at_upload(coordinator: Any, tmp_path: Path) -> None:
    import imageio_ffmpeg
    import numpy as np

    path = tmp_path / "wide.mp4"
    writer = imageio_ffmpeg.write_frames(str(path), (2560, 1440), fps=5, macro_block_size=16)
    writer.send(None)
    for _ in range(3):
        writer.send(np.zeros((1440, 2560, 3), dtype=np.uint8).tobytes())
    writer.close()
    before = _stored()
    upload = SimpleUploadedFile("wide.mp4", path.read_bytes(), content_type="video/mp4")
    with pytest.raises(StoryError) as refused:
        services.media_add(actor=coordinator, story=draft(coordinator), upload=upload)
    assert refused.value.code == "video_too_large"
    assert "1080p" in refused.value.message
    assert _stored() == before  # nothing kept
