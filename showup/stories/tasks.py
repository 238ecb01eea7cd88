"""The redaction of one story media item, as a background task (django.tasks).

In dev and tests settings.TASKS uses the ImmediateBackend, so the task runs inline when the
upload's transaction commits; `make demo` and production run it in `showup db_worker`. The
task's only argument is the media row's primary key (the queue holds no personal data).

Steps, each saved to the row (progress 0..100, written at most every PROGRESS_EVERY seconds
or PROGRESS_STEP points, with `QuerySet.update` so a cancel written meanwhile is never
overwritten):

1. PROCESSING (0..70): `redact_photo` / `redact_video` (keep_audio, keep_faces) into a
   temporary file; a video also gets a poster still (`poster_frame`) of the redacted output.
2. CHECKING (70..100): `recheck` runs the detector again on every frame of the output (the
   kept adult faces are allowed).
3. The row is locked, and only then are the outputs renamed into place: READY when the
   re-check found no face and nothing was flagged; NEEDS_REVIEW when the redaction flagged
   frames or the re-check still saw a face; FAILED with an error code otherwise. A cancel (the
   coordinator's button, a media item removed, a consent revoked during processing) stops at
   the next frame: CANCELLED, the outputs deleted, never shown.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.tasks import task

logger = logging.getLogger(__name__)

PROGRESS_EVERY = 1.0  # seconds
PROGRESS_STEP = 10  # points
CANCEL_POLL = 0.5  # seconds between reads of cancel_requested
REDACT_SHARE = 70  # progress points given to the redaction; the re-check has the rest


@task
def redact_media(media_pk: int) -> str:
    """Redact, poster, re-check one media item; returns its final status."""
    return run(media_pk)


class _Cancelled(Exception):
    pass


def _progress_writer(media_pk: int, start: int, share: int) -> Callable[[float], None]:
    from showup.stories.models import StoryMedia

    state: dict[str, Any] = {"at": 0.0, "value": -1}

    def write(fraction: float) -> None:
        value = start + int(max(0.0, min(1.0, fraction)) * share)
        now = time.monotonic()
        due = value >= state["value"] + PROGRESS_STEP or now - state["at"] >= PROGRESS_EVERY
        if due and value != state["value"]:
            StoryMedia.objects.filter(pk=media_pk).update(progress=min(value, 99))
            state["value"], state["at"] = value, now

    return write


def _cancel_reader(media_pk: int) -> Callable[[], bool]:
    from showup.stories.models import StoryMedia

    state: dict[str, Any] = {"at": 0.0, "value": False}

    def should_cancel() -> bool:
        now = time.monotonic()
        if not state["value"] and now - state["at"] >= CANCEL_POLL:
            state["at"] = now
            state["value"] = bool(
                StoryMedia.objects.filter(pk=media_pk, cancel_requested=True).exists()
                or not StoryMedia.objects.filter(pk=media_pk).exists()
            )
        return bool(state["value"])

    return should_cancel


def _keep(media: Any) -> tuple[list[Any], list[tuple[int, Any]]]:
    from redaction.faces import Box

    frames = [
        (int(f), Box(float(x), float(y), float(w), float(h)))
        for f, x, y, w, h in (media.keep_faces or [])
    ]
    return [box for _f, box in frames], frames


def _poster_frame() -> Callable[..., None]:
    from redaction.video import poster_frame

    return poster_frame


def run(media_pk: int) -> str:
    from showup.core.audit import audit
    from showup.stories import storage
    from showup.stories.models import StoryMedia

    MS = StoryMedia.Status
    with transaction.atomic():
        media = StoryMedia.objects.select_for_update().filter(pk=media_pk).first()
        if media is None:
            return "gone"
        if media.status != MS.QUEUED:
            return str(media.status)
        if media.cancel_requested:
            media.status = MS.CANCELLED
            media.save(update_fields=["status", "updated_at"])
            return str(media.status)
        media.status = MS.PROCESSING
        media.progress = 0
        media.save(update_fields=["status", "progress", "updated_at"])

    source = storage.path_of(media.original_name)
    is_video = media.kind == StoryMedia.Kind.VIDEO
    out_name = storage.new_name(".mp4" if is_video else ".jpg")
    poster_name = storage.new_name(".jpg") if is_video else ""
    out_tmp = storage.partial_path(out_name)
    poster_tmp = storage.partial_path(poster_name) if poster_name else None
    should_cancel = _cancel_reader(media_pk)
    report: dict[str, Any] = {}
    error = ""
    try:
        if source is None:
            raise FileNotFoundError("original missing")
        from redaction.faces import FaceDetector
        from redaction.media import MediaError
        from redaction.recheck import recheck

        detector = FaceDetector()
        keep_boxes, keep_frames = _keep(media)
        try:
            if is_video:
                from redaction.video import redact_video

                poster_frame = _poster_frame()

                done = redact_video(
                    source,
                    out_tmp,
                    keep_audio=media.keep_audio,
                    keep_faces=keep_frames,
                    progress=_progress_writer(media_pk, 0, REDACT_SHARE),
                    should_cancel=should_cancel,
                    detector=detector,
                )
                assert poster_tmp is not None
                poster_frame(out_tmp, poster_tmp)
            else:
                from redaction.photo import redact_photo

                done = redact_photo(source, out_tmp, keep_faces=keep_boxes, detector=detector)
            report.update(
                frames=done.frames,
                faces_blurred=done.faces_blurred,
                kept_faces=done.kept_faces,
                flagged_frames=list(done.flagged_frames)[:200],
                flagged=bool(done.flagged),
                seconds=round(done.seconds, 2),
            )
            if should_cancel():
                raise _Cancelled
            StoryMedia.objects.filter(pk=media_pk).update(status=MS.CHECKING, progress=REDACT_SHARE)
            checked = recheck(
                out_tmp,
                progress=_progress_writer(media_pk, REDACT_SHARE, 100 - REDACT_SHARE),
                should_cancel=should_cancel,
                detector=detector,
                allowed=list(done.kept_boxes),  # every frame of a kept adult's track
            )
            report.update(
                recheck_frames=checked.frames,
                recheck_faces=[
                    [f, round(b.x), round(b.y), round(b.w), round(b.h)]
                    for f, b in checked.faces[:50]
                ],
                recheck_passed=bool(checked.passed),
            )
        except MediaError as exc:
            if exc.code == "cancelled":
                raise _Cancelled from None
            error = exc.code
    except _Cancelled:
        error = "cancelled"
    except ImportError:
        logger.exception("stories: the redaction package is not available")
        error = "unavailable"
    except Exception:
        logger.exception("stories: redaction of media %s failed", media_pk)
        error = "failed"

    with transaction.atomic():
        media = StoryMedia.objects.select_for_update().filter(pk=media_pk).first()
        if media is None:
            storage.delete(out_name, poster_name)
            return "gone"
        if media.cancel_requested or error == "cancelled":
            media.status = MS.CANCELLED
            media.error_code = "cancelled"
        elif error:
            media.status = MS.FAILED
            media.error_code = error
        else:
            storage.commit(out_name)
            if poster_name:
                storage.commit(poster_name)
            media.redacted_name = out_name
            media.poster_name = poster_name or out_name
            media.error_code = ""
            passed = report.get("recheck_passed", False)
            media.status = MS.READY if passed and not report.get("flagged") else MS.NEEDS_REVIEW
        media.report = report
        media.progress = 100
        media.save()
        if media.status in (MS.CANCELLED, MS.FAILED):
            transaction.on_commit(lambda: storage.delete(out_name, poster_name))
        audit(
            "stories.media.redacted",
            actor=None,
            actor_label="redaction",
            obj=media,
            agency_id=media.story.agency_id,
            status=str(media.status),
            error=media.error_code,
            faces=int(report.get("faces_blurred", 0)),
            recheck_faces=len(report.get("recheck_faces", [])),
        )
    return str(media.status)
