"""Stories: drafts, media, consent, review and publishing. One transaction per change, each
audited (codes and ids only, never a name or the text), each refusal a StoryError with a
stable code. The web pages (views_stories, views_public) and the API (api_stories) call these
functions and only translate the error.

Rules (docs/stories.md, "Stories"):

- Only the agency's coordinators and admins draft, change, review and publish stories.
  Officers and partners have no story pages.
- Names: the public text is `redaction.names.redact_names(body, known names)`, made again
  whenever the draft or its extra names change. Known names are the linked encounter's
  (core's registry: family and children) or the thank-you note's writer, plus the extra names
  the coordinator typed. A reviewer may edit the public text; a known name typed back in is
  refused (`known_name`).
- Media: probed before anything is kept (`redaction.media.probe`, the limits in settings);
  the original is stored privately; a background task (tasks.redact_media) blurs faces,
  writes a poster still and re-checks the output: READY only when the re-check sees no face.
- Consent: a guardian's, per story (the text) and per media item. Revoking it unpublishes the
  story in the same transaction (text consent) or withdraws the media item (media consent),
  and cancels any redaction under way.
- Publishing needs: a standing story consent for the website; every media item redacted and
  re-checked with no face left (READY, or NEEDS_REVIEW cleared by a person) and its own
  standing website consent. The author may not approve their own story when the agency has
  another coordinator or admin (four eyes when there are four eyes; a one-person unit can
  still publish).
- Any change to a published story (text, media) sends it back to review: nothing new reaches
  the public without a reviewer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from showup.core.audit import audit
from showup.core.models import Agency, Role, User
from showup.core.registry import encounter
from showup.core.text import text_problem
from showup.stories import storage
from showup.stories.errors import StoryError
from showup.stories.models import Consent, Story, StoryMedia, ThankYouNote

if TYPE_CHECKING:
    from redaction.names import RedactedText

MStatus = StoryMedia.Status
SStatus = Story.Status
SHOWN_MEDIA = (MStatus.READY, MStatus.NEEDS_REVIEW)
BUSY_MEDIA = (MStatus.QUEUED, MStatus.PROCESSING, MStatus.CHECKING)
ENCOUNTER_KINDS = ("reunite.report", "visits.visit")
PHOTO_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp"}
VIDEO_SUFFIXES = {".mp4", ".mov", ".webm", ".m4v"}
MAX_MEDIA_PER_STORY = 10

AUDIT_LABELS = {
    "stories.story.created": gettext_lazy("Story drafted"),
    "stories.story.changed": gettext_lazy("Story changed"),
    "stories.story.public_text": gettext_lazy("Story's public text edited"),
    "stories.story.published": gettext_lazy("Story published"),
    "stories.story.unpublished": gettext_lazy("Story unpublished"),
    "stories.story.purged": gettext_lazy("Story's private draft purged"),
    "stories.story.deleted": gettext_lazy("Story deleted by the retention run"),
    "stories.media.added": gettext_lazy("Story media added"),
    "stories.media.removed": gettext_lazy("Story media removed"),
    "stories.media.redacted": gettext_lazy("Story media redacted and re-checked"),
    "stories.media.cancel": gettext_lazy("Story media redaction cancelled"),
    "stories.media.rerun": gettext_lazy("Story media redaction run again"),
    "stories.media.checked": gettext_lazy("Story media checked by a person"),
    "stories.media.original_viewed": gettext_lazy("Story media original viewed"),
    "stories.consent.recorded": gettext_lazy("Guardian's consent recorded"),
    "stories.consent.revoked": gettext_lazy("Guardian's consent revoked"),
}


def register() -> None:
    """What the lead calls from StoriesConfig.ready(): the purger, the audit labels and the
    home page's latest stories."""
    from showup.core.orphans import OrphanFilePurger
    from showup.core.registry import (
        register_audit_labels,
        register_home_section,
        register_purger,
    )
    from showup.stories.views_public import home_section

    register_purger(StoryPurger())
    # Files a killed upload or task left under stories/ that no row names.
    register_purger(
        OrphanFilePurger("stories.orphan_files", storage.root, story_media_files, "story media")
    )
    register_audit_labels(AUDIT_LABELS)
    register_home_section("stories.latest", home_section)


# --- limits ----------------------------------------------------------------------------------


def max_bytes() -> int:
    return int(getattr(settings, "SHOWUP_STORY_MAX_BYTES", 200 * 1024 * 1024))


def max_seconds() -> float:
    return float(getattr(settings, "SHOWUP_STORY_MAX_SECONDS", 120))


def max_pixels() -> int:
    return int(getattr(settings, "SHOWUP_STORY_MAX_PIXELS", 24_000_000))


# --- who may ---------------------------------------------------------------------------------


def is_staff(user: object, agency_id: int | None = None) -> bool:
    """An active officer, coordinator or admin (of the agency, when given)."""
    return (
        isinstance(user, User)
        and user.is_authenticated
        and user.is_active
        and user.agency_id is not None
        and (agency_id is None or user.agency_id == agency_id)
        and user.role in (Role.OFFICER, Role.COORDINATOR, Role.ADMIN)
    )


def is_storyteller(user: object, agency_id: int | None = None) -> bool:
    """A coordinator or admin (of the agency, when given): they draft, review and publish."""
    return is_staff(user, agency_id) and isinstance(user, User) and user.role != Role.OFFICER


def _require(actor: User, agency_id: int) -> None:
    if not is_storyteller(actor, agency_id):
        raise StoryError(
            "forbidden", _("Only the agency's coordinators can work on its stories."), 403
        )


def visible_stories(user: User) -> QuerySet[Story]:
    if not is_storyteller(user):
        return Story.objects.none()
    return Story.objects.filter(agency_id=user.agency_id or 0, purged_at__isnull=True)


def access_story(user: User, pk: int) -> Story:
    """The story as `user` may work on it; StoryError not_found (404) otherwise: another
    agency's story answers exactly like one that does not exist."""
    story = visible_stories(user).filter(pk=pk).first()
    if story is None:
        raise StoryError("not_found", _("Not found"), 404)
    return story


def access_media(user: User, pk: int) -> StoryMedia:
    media = (
        StoryMedia.objects.select_related("story")
        .filter(pk=pk, story__in=visible_stories(user))
        .first()
    )
    if media is None:
        raise StoryError("not_found", _("Not found"), 404)
    return media


# --- names -----------------------------------------------------------------------------------


def replacement() -> str:
    return _("[name]")


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def known_names(story: Story, actor: User | None) -> list[str]:
    """The names the linked records know (as kept when the draft was made, and as they are
    now), then the coordinator's extra names."""
    names: list[str] = _lines(story.known_names)
    if story.source_kind and story.source_id and actor is not None:
        found = encounter(story.source_kind, actor, story.source_id)
        if found is not None:
            names += [found.family_name, *found.children_names]
    if story.note_id is not None:
        note = ThankYouNote.objects.filter(pk=story.note_id).first()
        if note is not None:
            names.append(note.author_name)
    names += _lines(story.extra_names)
    seen: set[str] = set()
    out: list[str] = []
    for name in names:
        key = name.strip().casefold()
        if key and key not in seen:
            seen.add(key)
            out.append(name.strip())
    return out


def staff_names(agency_id: int | None) -> list[str]:
    """The agency's officers', coordinators' and admins' names: a story may name the officer
    (they are the unit's staff, not a family). A staff name that is also a known name of the
    family is still taken out (redact_names gives known names the last word)."""
    names: list[str] = []
    rows = User.objects.filter(
        agency_id=agency_id or 0,
        is_active=True,
        role__in=[Role.OFFICER, Role.COORDINATOR, Role.ADMIN],
    ).values_list("first_name", "last_name")
    for first, last in rows:
        full = f"{first} {last}".strip()
        names += [n for n in (full, last.strip()) if n]
    return names


def redact_text(text: str, known: Sequence[str], agency_id: int | None = None) -> RedactedText:
    """The text with names replaced (fail closed: no redaction module, no public text). The
    agency's staff names stay."""
    try:
        from redaction.names import redact_names
    except ImportError as exc:
        raise StoryError(
            "redaction_unavailable",
            _("Names cannot be taken out right now, so the story cannot be saved. Try later."),
            503,
        ) from exc
    return redact_names(
        text, list(known), replacement=replacement(), allowed_names=staff_names(agency_id)
    )


def _names_in(text: str, known: Sequence[str]) -> list[str]:
    """Known names (and each of their words of 2+ letters) that appear as words in `text`."""
    found: list[str] = []
    words: set[str] = set()
    for name in known:
        words.add(name)
        words.update(w for w in re.split(r"[\s,]+", name) if len(w) >= 2)
    for word in sorted(words, key=len, reverse=True):
        if re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text, flags=re.IGNORECASE):
            found.append(word)
    return found


def check_public_text(text: str, known: Sequence[str]) -> None:
    """Refuse a public text that names a known person (typed back in by a reviewer)."""
    if _names_in(text, known):
        raise StoryError(
            "known_name",
            _(
                "The public text still names someone the records know (a child or a guardian). "
                "Take the name out or use the placeholder."
            ),
            422,
        )
    try:
        from redaction.names import redact_names
    except ImportError:
        return
    # The names engineer's folding also finds other spellings and nicknames of known names.
    found = redact_names(text, list(known), replacement=replacement(), detect=False)
    if any(span.source == "known" for span in found.spans):
        raise StoryError(
            "known_name",
            _(
                "The public text still names someone the records know (a child or a guardian), "
                "perhaps spelled another way. Take the name out or use the placeholder."
            ),
            422,
        )


# --- drafts ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    kind: str = ""
    id: int | None = None
    note_id: int | None = None


def _check_story_values(title: str, body: str, extra_names: str) -> None:
    if not title.strip():
        raise StoryError("missing_title", _("Give the story a title."), 422)
    if not body.strip():
        raise StoryError("missing_body", _("Write the story."), 422)
    if len(title) > 140:
        raise StoryError("too_long", _("A title can have at most 140 characters."), 422)
    if len(body) > 10000:
        raise StoryError("too_long", _("A story can have at most 10,000 characters."), 422)
    if len(extra_names) > 2000:
        raise StoryError("too_long", _("The other names can have at most 2,000 characters."), 422)
    for value, multiline in ((title, False), (body, True), (extra_names, True)):
        problem = text_problem(value, multiline=multiline)
        if problem:
            raise StoryError("bad_text", problem, 422)


def resolve_source(actor: User, source: Source) -> Source:
    """Check the source the actor named: an encounter they may see, or a note of their
    agency. StoryError `no_source` (404) otherwise."""
    if source.kind:
        if source.kind not in ENCOUNTER_KINDS or source.id is None:
            raise StoryError("no_source", _("This encounter cannot be found."), 404)
        if encounter(source.kind, actor, source.id) is None:
            raise StoryError("no_source", _("This encounter cannot be found."), 404)
        return Source(kind=source.kind, id=source.id)
    if source.note_id is not None:
        if not ThankYouNote.objects.filter(
            pk=source.note_id, agency_id=actor.agency_id or 0
        ).exists():
            raise StoryError("no_source", _("This thank-you note cannot be found."), 404)
        return Source(note_id=source.note_id)
    return Source()


def source_prefill(actor: User, source: Source) -> dict[str, str]:
    """What a new draft starts with: a note's moderated text, or nothing."""
    source = resolve_source(actor, source)
    if source.note_id is not None:
        note = ThankYouNote.objects.get(pk=source.note_id)
        return {"body": note.public_body or ""}
    return {}


def story_create(
    *, actor: User, title: str, body: str, extra_names: str = "", source: Source = Source()
) -> Story:
    _require(actor, actor.agency_id or 0)
    assert actor.agency_id is not None
    _check_story_values(title, body, extra_names)
    source = resolve_source(actor, source)
    story = Story(
        agency_id=actor.agency_id,
        title=title.strip(),
        body=body,
        extra_names=extra_names,
        source_kind=source.kind,
        source_id=source.id,
        note_id=source.note_id,
        created_by=actor,
    )
    known = known_names(story, actor)
    story.known_names = "\n".join(name for name in known if name not in _lines(extra_names))
    story.public_body = redact_text(body, known, story.agency_id).text
    check_public_text(title, known)
    with transaction.atomic():
        story.save()
        audit("stories.story.created", actor=actor, obj=story, source=source.kind or "")
    return story


def _lock(story: Story) -> Story:
    return Story.objects.select_for_update().get(pk=story.pk)


def _back_to_review(story: Story) -> bool:
    """A change to a published story takes it off the public pages until reviewed again."""
    if story.status == SStatus.PUBLISHED:
        story.status = SStatus.IN_REVIEW
        story.unpublished_at = timezone.now()
        story.unpublished_reason = "changed"
        return True
    return False


def story_update(
    *, actor: User, story: Story, title: str, body: str, extra_names: str = ""
) -> Story:
    _require(actor, story.agency_id)
    _check_story_values(title, body, extra_names)
    with transaction.atomic():
        story = _lock(story)
        changed = (story.body, story.extra_names) != (body, extra_names)
        story.title = title.strip()
        story.body = body
        story.extra_names = extra_names
        known = known_names(story, actor)
        check_public_text(story.title, known)
        if changed:
            story.public_body = redact_text(body, known, story.agency_id).text
        back = _back_to_review(story)
        story.save()
        audit("stories.story.changed", actor=actor, obj=story, text=changed, back_to_review=back)
    return story


def set_public_text(*, actor: User, story: Story, text: str) -> Story:
    """The reviewer's edit of the public text: re-checked for every known name."""
    _require(actor, story.agency_id)
    if not text.strip():
        raise StoryError("missing_body", _("The public text cannot be empty."), 422)
    if len(text) > 10000:
        raise StoryError("too_long", _("A story can have at most 10,000 characters."), 422)
    problem = text_problem(text, multiline=True)
    if problem:
        raise StoryError("bad_text", problem, 422)
    with transaction.atomic():
        story = _lock(story)
        check_public_text(text, known_names(story, actor))
        story.public_body = text
        back = _back_to_review(story)
        story.save()
        audit("stories.story.public_text", actor=actor, obj=story, back_to_review=back)
    return story


# --- media -----------------------------------------------------------------------------------

MEDIA_MESSAGES = {
    "unsupported": gettext_lazy(
        "This file is not a photo or video we can read. Send a JPEG, PNG or WebP photo, or an "
        "MP4, MOV or WebM video."
    ),
    "corrupt": gettext_lazy("This file is damaged or incomplete. Please send it again."),
    "too_large": gettext_lazy("This file is too large (over %(mb)s MB)."),
    "too_long": gettext_lazy("This video is too long (over %(seconds)s seconds). Send a clip."),
    "too_many_pixels": gettext_lazy("This picture is too large (over %(mp)s megapixels)."),
    "no_video_stream": gettext_lazy("This file has no video in it."),
    "video_too_large": gettext_lazy(
        "This video's picture is larger than 1080p. Please send a 1080p or smaller copy."
    ),
    "cancelled": gettext_lazy("The redaction was cancelled."),
    "unavailable": gettext_lazy("Faces cannot be blurred on this server right now. Try later."),
    "failed": gettext_lazy("The redaction failed. Try again, or send another file."),
}


def media_message(code: str) -> str:
    template = MEDIA_MESSAGES.get(code, MEDIA_MESSAGES["failed"])
    return str(template) % {
        "mb": max_bytes() // (1024 * 1024),
        "seconds": int(max_seconds()),
        "mp": max_pixels() // 1_000_000,
    }


def _media_error(code: str) -> StoryError:
    status = {"too_large": 413, "unavailable": 503}.get(code, 422)
    return StoryError(code, media_message(code), status)


def media_add(
    *,
    actor: User,
    story: Story,
    upload: UploadedFile,
    caption: str = "",
    keep_audio: bool = False,
) -> StoryMedia:
    """Probe the upload, store the original privately and queue its redaction (after the
    commit). Nothing is kept when the file is refused."""
    _require(actor, story.agency_id)
    if len(caption) > 300:
        raise StoryError("too_long", _("A caption can have at most 300 characters."), 422)
    problem = text_problem(caption)
    if problem:
        raise StoryError("bad_text", problem, 422)
    if upload.size is not None and upload.size > max_bytes():
        raise _media_error("too_large")
    suffix = Path(upload.name or "").suffix.lower()
    if suffix not in PHOTO_SUFFIXES | VIDEO_SUFFIXES:
        raise _media_error("unsupported")
    if StoryMedia.objects.filter(story=story).count() >= MAX_MEDIA_PER_STORY:
        raise StoryError(
            "too_many_media",
            _("A story can have at most %(n)s photos and videos.") % {"n": MAX_MEDIA_PER_STORY},
            409,
        )
    name = storage.store_upload(upload, suffix)
    try:
        info = _probe(storage.root() / name)
    except StoryError:
        storage.delete(name)
        raise
    try:
        with transaction.atomic():
            story = _lock(story)
            media = StoryMedia.objects.create(
                story=story,
                kind=info.kind,
                original_name=name,
                caption=caption.strip(),
                keep_audio=bool(keep_audio) and info.kind == "video" and info.has_audio,
                width=info.width,
                height=info.height,
                duration_seconds=info.duration if info.kind == "video" else None,
            )
            if _back_to_review(story):
                story.save()
            audit("stories.media.added", actor=actor, obj=media, agency_id=story.agency_id)
            _enqueue(media.pk)
    except BaseException:
        storage.delete(name)
        raise
    return media


def _probe(path: Path) -> Any:
    try:
        from redaction.media import MediaError, probe
    except ImportError as exc:
        raise _media_error("unavailable") from exc
    try:
        info = probe(
            path, max_bytes=max_bytes(), max_seconds=max_seconds(), max_pixels=max_pixels()
        )
    except MediaError as exc:
        raise _media_error(exc.code) from None
    from redaction.video import MAX_VIDEO_PIXELS

    # Photos may be a phone's full size; video redaction works on 1080p at most (the
    # detector's time grows with the picture), so a larger clip is refused here, at upload.
    if info.kind == "video" and info.width * info.height > MAX_VIDEO_PIXELS:
        raise _media_error("video_too_large")
    return info


def _enqueue(media_pk: int) -> None:
    from showup.stories import tasks

    transaction.on_commit(lambda: tasks.redact_media.enqueue(media_pk))


def _lock_media(media: StoryMedia) -> tuple[Story, StoryMedia]:
    story = Story.objects.select_for_update().get(pk=media.story_id)
    return story, StoryMedia.objects.select_for_update().get(pk=media.pk)


def media_cancel(*, actor: User | None, media: StoryMedia, reason: str = "asked") -> StoryMedia:
    """Ask the running redaction to stop (it checks the flag between frames); a queued one
    never starts."""
    if actor is not None:
        _require(actor, media.story.agency_id)
    with transaction.atomic():
        _story, media = _lock_media(media)
        if media.status in BUSY_MEDIA:
            media.cancel_requested = True
            media.save(update_fields=["cancel_requested", "updated_at"])
            audit(
                "stories.media.cancel",
                actor=actor,
                actor_label="" if actor else "guardian",
                obj=media,
                agency_id=media.story.agency_id,
                reason=reason,
            )
    return media


def _parse_keep_faces(raw: Sequence[Any], media: StoryMedia) -> list[list[float]]:
    boxes: list[list[float]] = []
    if len(raw) > 20:
        raise StoryError("bad_faces", _("Choose at most 20 faces to keep."), 422)
    for item in raw:
        try:
            frame, x, y, w, h = (float(v) for v in item)
        except (TypeError, ValueError):
            raise StoryError("bad_faces", _("These faces cannot be read."), 422) from None
        width, height = media.width or 0, media.height or 0
        if not (frame >= 0 and w > 0 and h > 0 and x >= 0 and y >= 0) or (
            width and height and (x + w > width + 1 or y + h > height + 1)
        ):
            raise StoryError("bad_faces", _("These faces cannot be read."), 422)
        boxes.append([int(frame), x, y, w, h])
    return boxes


def media_rerun(
    *, actor: User, media: StoryMedia, keep_faces: Sequence[Any] | None = None
) -> StoryMedia:
    """Redact again (with the adult faces chosen to keep, when given): the old output is
    deleted and the item goes back to the queue (and its story back to review)."""
    _require(actor, media.story.agency_id)
    with transaction.atomic():
        story, media = _lock_media(media)
        if media.status in BUSY_MEDIA and not media.cancel_requested:
            raise StoryError("busy", _("This file is still being redacted. Wait or cancel."), 409)
        if keep_faces is not None:
            media.keep_faces = _parse_keep_faces(keep_faces, media)
        old = (media.redacted_name, media.poster_name)
        media.redacted_name = media.poster_name = ""
        media.status = MStatus.QUEUED
        media.progress = 0
        media.cancel_requested = False
        media.error_code = ""
        media.report = {}
        media.checked_by = None
        media.checked_at = None
        media.save()
        if _back_to_review(story):
            story.save()
        audit(
            "stories.media.rerun",
            actor=actor,
            obj=media,
            agency_id=story.agency_id,
            kept=len(media.keep_faces),
        )
        transaction.on_commit(lambda: storage.delete(*old))
        _enqueue(media.pk)
    return media


def media_remove(*, actor: User, media: StoryMedia) -> None:
    _require(actor, media.story.agency_id)
    with transaction.atomic():
        story, media = _lock_media(media)
        names = (media.original_name, media.redacted_name, media.poster_name)
        media.cancel_requested = True
        media.save(update_fields=["cancel_requested"])
        audit("stories.media.removed", actor=actor, obj=media, agency_id=story.agency_id)
        media.delete()
        transaction.on_commit(lambda: storage.delete(*names))


def media_mark_checked(*, actor: User, media: StoryMedia) -> StoryMedia:
    """A person looked at a flagged output beside its original and found no face left. A
    re-check that still saw a face cannot be cleared: redact again (keep fewer faces)."""
    _require(actor, media.story.agency_id)
    with transaction.atomic():
        _story, media = _lock_media(media)
        if media.status != MStatus.NEEDS_REVIEW:
            raise StoryError("not_flagged", _("Only a flagged output needs this check."), 409)
        if not (media.report or {}).get("recheck_passed", False):
            raise StoryError(
                "faces_remain",
                _("The re-check still found a face. Redact it again before it can be cleared."),
                409,
            )
        media.checked_by = actor
        media.checked_at = timezone.now()
        media.save(update_fields=["checked_by", "checked_at", "updated_at"])
        audit("stories.media.checked", actor=actor, obj=media, agency_id=media.story.agency_id)
    return media


def media_is_cleared(media: StoryMedia) -> bool:
    """Redacted, re-checked with no face left, and (when flagged) cleared by a person."""
    if not media.redacted_name or not (media.report or {}).get("recheck_passed", False):
        return False
    if media.status == MStatus.READY:
        return True
    return media.status == MStatus.NEEDS_REVIEW and media.checked_by_id is not None


# --- consent ---------------------------------------------------------------------------------


def _standing_ids(qs: QuerySet[Consent]) -> list[int]:
    """Consents not revoked that allow the website (JSON `contains` is not on every database:
    filtered in Python)."""
    return [
        c.pk for c in qs.filter(revoked_at__isnull=True) if Consent.Use.WEBSITE in (c.uses or [])
    ]


def story_consent_stands(story: Story) -> bool:
    return bool(_standing_ids(Consent.objects.filter(story=story, media__isnull=True)))


def media_consent_stands(media: StoryMedia) -> bool:
    return bool(_standing_ids(Consent.objects.filter(media=media)))


def consent_record(
    *,
    actor: User,
    story: Story,
    media: StoryMedia | None = None,
    guardian_name: str,
    relationship: str,
    method: str,
    given_on: date,
    uses: Sequence[str],
) -> Consent:
    _require(actor, story.agency_id)
    if media is not None and media.story_id != story.pk:
        raise StoryError("not_found", _("Not found"), 404)
    guardian_name, relationship = guardian_name.strip(), relationship.strip()
    if not guardian_name or not relationship:
        raise StoryError(
            "missing_field", _("Give the guardian's name and relationship to the child."), 422
        )
    if len(guardian_name) > 100 or len(relationship) > 50:
        raise StoryError("too_long", _("The name or relationship is too long."), 422)
    for value in (guardian_name, relationship):
        problem = text_problem(value, name=True)
        if problem:
            raise StoryError("bad_text", problem, 422)
    if method not in Consent.Method.values:
        raise StoryError("bad_method", _("Choose how consent was given."), 422)
    if not isinstance(given_on, date) or given_on > timezone.localdate():
        raise StoryError("future_date", _("Consent cannot be dated in the future."), 422)
    if given_on < timezone.localdate() - timedelta(days=3650):
        raise StoryError("old_date", _("This date is too long ago."), 422)
    clean_uses = sorted(set(uses))
    if not clean_uses or any(u not in Consent.Use.values for u in clean_uses):
        raise StoryError("bad_uses", _("Choose at least one use the guardian agreed to."), 422)
    with transaction.atomic():
        _lock(story)
        consent = Consent.objects.create(
            story=story,
            media=media,
            guardian_name=guardian_name,
            relationship=relationship,
            method=method,
            given_on=given_on,
            uses=clean_uses,
            recorded_by=actor,
        )
        audit(
            "stories.consent.recorded",
            actor=actor,
            obj=consent,
            agency_id=story.agency_id,
            media=media.pk if media else 0,
            uses=",".join(clean_uses),
        )
    return consent


def consent_revoke(
    *, consent: Consent, actor: User | None, method: str = Consent.Method.IN_PERSON
) -> Consent:
    """Withdraw consent (staff, or the guardian through their link when `actor` is None). In
    the same transaction: a story consent unpublishes the story; a media consent withdraws the
    item; any redaction under way is cancelled and its output never shown."""
    if actor is not None:
        _require(actor, consent.story.agency_id)
        if method not in Consent.Method.values:
            raise StoryError("bad_method", _("Choose how consent was withdrawn."), 422)
    with transaction.atomic():
        story = _lock(consent.story)
        consent = Consent.objects.select_for_update().get(pk=consent.pk)
        if consent.revoked_at is not None:
            return consent
        now = timezone.now()
        consent.revoked_at = now
        consent.revoked_by = actor
        consent.revocation_method = method if actor is not None else Consent.Method.EMAIL
        consent.save()
        affected = StoryMedia.objects.filter(story=story)
        if consent.media_id is not None:
            affected = affected.filter(pk=consent.media_id)
        affected.filter(status__in=BUSY_MEDIA).update(cancel_requested=True)
        unpublished = False
        if consent.media_id is None and not story_consent_stands(story):
            unpublished = _unpublish(story, "consent_revoked", now)
        audit(
            "stories.consent.revoked",
            actor=actor,
            actor_label="" if actor else "guardian",
            obj=consent,
            agency_id=story.agency_id,
            unpublished=unpublished,
        )
    return consent


def consent_by_token(token: str) -> Consent | None:
    if not token or len(token) > 64:
        return None
    return Consent.objects.select_related("story", "media").filter(revoke_token=token).first()


# --- review and publishing -------------------------------------------------------------------


def publish_problems(story: Story) -> list[tuple[str, str]]:
    """Every reason the story cannot be published yet, as (code, message)."""
    problems: list[tuple[str, str]] = []
    if not story.public_body.strip():
        problems.append(("missing_body", _("The story has no public text.")))
    if not story_consent_stands(story):
        problems.append(
            (
                "no_consent",
                _("Record the guardian's consent to the story, for the unit's website."),
            )
        )
    for media in StoryMedia.objects.filter(story=story):
        if not media_consent_stands(media):
            problems.append(
                (
                    "no_media_consent",
                    _("Record the guardian's consent to media item %(n)s.") % {"n": media.pk},
                )
            )
        if media.status in BUSY_MEDIA:
            problems.append(
                ("media_busy", _("Media item %(n)s is still being redacted.") % {"n": media.pk})
            )
        elif media.status == MStatus.NEEDS_REVIEW and not media_is_cleared(media):
            problems.append(
                (
                    "media_unchecked",
                    _("Media item %(n)s was flagged: look at it and clear it, or redact it again.")
                    % {"n": media.pk},
                )
            )
        elif not media_is_cleared(media):
            problems.append(
                (
                    "media_not_ready",
                    _("Media item %(n)s was not redacted (redact it again or remove it).")
                    % {"n": media.pk},
                )
            )
    return problems


def other_reviewer_exists(story: Story) -> bool:
    return (
        User.objects.filter(
            agency_id=story.agency_id,
            role__in=(Role.COORDINATOR, Role.ADMIN),
            is_active=True,
        )
        .exclude(pk=story.created_by_id)
        .exists()
    )


def submit_for_review(*, actor: User, story: Story) -> Story:
    _require(actor, story.agency_id)
    with transaction.atomic():
        story = _lock(story)
        if story.status in (SStatus.DRAFT, SStatus.UNPUBLISHED):
            story.status = SStatus.IN_REVIEW
            story.save(update_fields=["status", "updated_at"])
            audit("stories.story.changed", actor=actor, obj=story, submitted=True)
    return story


def publish(*, actor: User, story: Story) -> Story:
    """The reviewer approves: every rule checked on the locked rows, then published."""
    _require(actor, story.agency_id)
    with transaction.atomic():
        story = _lock(story)
        StoryMedia.objects.select_for_update().filter(story=story).exists()
        if story.status == SStatus.PUBLISHED:
            raise StoryError("already_published", _("This story is already published."), 409)
        if actor.pk == story.created_by_id and other_reviewer_exists(story):
            raise StoryError(
                "own_story",
                _("Another coordinator must review and publish the story you wrote."),
                403,
            )
        problems = publish_problems(story)
        if problems:
            code, message = problems[0]
            raise StoryError(code, message, 409)
        story.status = SStatus.PUBLISHED
        story.reviewed_by = actor
        story.published_at = timezone.now()
        story.unpublished_reason = ""
        story.save()
        audit("stories.story.published", actor=actor, obj=story)
    return story


def _unpublish(story: Story, reason: str, now: datetime) -> bool:
    """Within the caller's transaction, the story locked."""
    if story.status not in (SStatus.PUBLISHED, SStatus.IN_REVIEW):
        return False
    was_public = story.status == SStatus.PUBLISHED
    story.status = SStatus.UNPUBLISHED
    story.unpublished_reason = reason
    story.unpublished_at = now
    story.save()
    return was_public


def unpublish(*, actor: User, story: Story, reason: str = "withdrawn") -> Story:
    _require(actor, story.agency_id)
    with transaction.atomic():
        story = _lock(story)
        if story.status != SStatus.PUBLISHED:
            raise StoryError("not_published", _("This story is not published."), 409)
        _unpublish(story, reason, timezone.now())
        audit("stories.story.unpublished", actor=actor, obj=story, reason=reason)
    return story


# --- what the public sees --------------------------------------------------------------------


def published_stories(agency: Agency | None = None) -> QuerySet[Story]:
    """Published stories whose text consent stands (a revocation also unpublishes, this is
    belt and braces)."""
    standing = Consent.objects.filter(media__isnull=True, revoked_at__isnull=True).values(
        "story_id"
    )
    qs = Story.objects.filter(status=SStatus.PUBLISHED, pk__in=standing).select_related("agency")
    if agency is not None:
        qs = qs.filter(agency=agency)
    return qs.order_by("-published_at", "-pk")


def public_story(token: str) -> Story | None:
    if not token or len(token) > 32:
        return None
    story = published_stories().filter(public_token=token).first()
    if story is None or not story_consent_stands(story):
        return None
    return story


def public_media(story: Story) -> list[StoryMedia]:
    """The media a published story shows: cleared, with a standing website consent."""
    if story.status != SStatus.PUBLISHED:
        return []
    return [
        media
        for media in StoryMedia.objects.filter(story=story, status__in=SHOWN_MEDIA)
        if media_is_cleared(media) and media_consent_stands(media)
    ]


def public_media_item(token: str, media_pk: int) -> StoryMedia | None:
    story = public_story(token)
    if story is None:
        return None
    for media in public_media(story):
        if media.pk == media_pk:
            return media
    return None


# --- retention -------------------------------------------------------------------------------


def purge_due(now: datetime) -> tuple[list[int], list[int]]:
    """(published stories whose private draft and originals are due, other stories due for
    deletion): older than the agency's retention period since their last change."""
    keep: list[int] = []
    delete: list[int] = []
    for agency in Agency.objects.all():
        cutoff = now - timedelta(days=agency.retention_days)
        old = Story.objects.filter(agency=agency, updated_at__lt=cutoff, purged_at__isnull=True)
        keep += list(
            old.filter(status=SStatus.PUBLISHED, published_at__lt=cutoff).values_list(
                "pk", flat=True
            )
        )
        delete += list(old.exclude(status=SStatus.PUBLISHED).values_list("pk", flat=True))
    return keep, delete


def purge_expired_stories(now: datetime | None = None) -> dict[str, int]:
    """Published stories keep only their public text and redacted media (the draft, the extra
    names and the originals go); drafts and unpublished stories go with their files."""
    now = now or timezone.now()
    keep, delete = purge_due(now)
    counts = {"published": 0, "deleted": 0, "files": 0}
    for pk in keep:
        with transaction.atomic():
            story = Story.objects.select_for_update().get(pk=pk)
            if story.purged_at is not None or story.status != SStatus.PUBLISHED:
                continue
            names: list[str] = []
            for media in StoryMedia.objects.select_for_update().filter(story=story):
                names.append(media.original_name)
                media.original_name = ""
                media.keep_faces = []
                media.save(update_fields=["original_name", "keep_faces"])
            story.body = ""
            story.extra_names = ""
            story.known_names = ""
            story.purged_at = now
            story.save(update_fields=["body", "extra_names", "known_names", "purged_at"])
            audit("stories.story.purged", actor=None, actor_label="retention", obj=story)
            counts["published"] += 1
            counts["files"] += sum(1 for n in names if n)
            transaction.on_commit(partial(storage.delete, *names))
    for pk in delete:
        with transaction.atomic():
            found = Story.objects.select_for_update().filter(pk=pk).first()
            if found is None or found.status == SStatus.PUBLISHED:
                continue
            story = found
            names = []
            for media in StoryMedia.objects.filter(story=story):
                names += [media.original_name, media.redacted_name, media.poster_name]
            audit(
                "stories.story.deleted",
                actor=None,
                actor_label="retention",
                obj=story,
                agency_id=story.agency_id,
            )
            story.delete()
            counts["deleted"] += 1
            counts["files"] += len({n for n in names if n})
            transaction.on_commit(partial(storage.delete, *names))
    return counts


class StoryPurger:
    """stories' entry in core's purger registry (services.purge_expired_stories)."""

    name = "stories.stories"

    def purge(self, now: datetime, dry_run: bool) -> dict[str, Any]:
        if not dry_run:
            return purge_expired_stories(now)
        keep, delete = purge_due(now)
        return {"published": len(keep), "deleted": len(delete), "files": 0}

    def summary(self, counts: Mapping[str, Any], dry_run: bool) -> list[str]:
        verb = "Would purge" if dry_run else "Purged"
        return [
            f"{verb} the private drafts of {counts['published']} published story(ies); "
            f"{'would delete' if dry_run else 'deleted'} {counts['deleted']} other story(ies) "
            f"({counts['files']} file(s))."
        ]


def story_media_files(names: Any) -> set[str]:
    """Files under stories/ that rows still name (the orphan sweep keeps these)."""
    wanted = set(names)
    found: set[str] = set()
    for row in StoryMedia.objects.filter(
        Q(original_name__in=wanted) | Q(redacted_name__in=wanted) | Q(poster_name__in=wanted)
    ).values_list("original_name", "redacted_name", "poster_name"):
        found.update(n for n in row if n in wanted)
    return found
