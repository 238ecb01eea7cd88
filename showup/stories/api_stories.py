"""The stories JSON API (django-ninja), mounted at /api/stories/ beside the follow-ups and
notes router.

Staff endpoints use the session of an agency's coordinator or admin (CSRF on unsafe methods,
as every router); officers and partners get 403; another agency's story or media item answers
404 exactly like one that does not exist. The public list (`/public`) needs no account and
shows only what the public pages show. Rules refused by a service answer with its status and
stable `code`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, File, Router, Schema, Status, UploadedFile
from ninja import Form as NinjaForm
from ninja.security import SessionAuth

from showup.api_errors import ERROR_RESPONSES, ErrorOut, ObjectId
from showup.core.models import User, agency_by_slug
from showup.stories import services
from showup.stories.errors import StoryError
from showup.stories.models import Consent, Story, StoryMedia


class StoriesStaff(SessionAuth):
    """The Django session of an active user; the role is checked per operation."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = request.user
        return user if isinstance(user, User) and user.is_authenticated and user.is_active else None


router = Router(tags=["stories"], auth=StoriesStaff())
ERRORS: dict[int, Any] = ERROR_RESPONSES


class StoryIn(Schema):
    title: str = Field(max_length=140)
    body: str = Field(max_length=10000)
    extra_names: str = Field("", max_length=2000)
    source_kind: str = Field("", max_length=30, description="reunite.report or visits.visit")
    source_id: int | None = Field(None, ge=1)
    note_id: int | None = Field(None, ge=1)


class StoryPatchIn(Schema):
    title: str | None = Field(None, max_length=140)
    body: str | None = Field(None, max_length=10000)
    extra_names: str | None = Field(None, max_length=2000)
    public_body: str | None = Field(
        None, max_length=10000, description="The reviewer's edit of the public text."
    )


class MediaOut(Schema):
    id: int
    kind: str
    status: str
    progress: int
    error_code: str
    caption: str
    keep_audio: bool
    recheck_passed: bool | None
    faces_remaining: int
    flagged_frames: int
    checked: bool
    consent: bool

    @staticmethod
    def of(media: StoryMedia) -> MediaOut:
        report = media.report or {}
        return MediaOut(
            id=media.pk,
            kind=media.kind,
            status=media.status,
            progress=media.progress,
            error_code=media.error_code,
            caption=media.caption,
            keep_audio=media.keep_audio,
            recheck_passed=report.get("recheck_passed"),
            faces_remaining=len(report.get("recheck_faces", [])),
            flagged_frames=len(report.get("flagged_frames", [])),
            checked=media.checked_by_id is not None,
            consent=services.media_consent_stands(media),
        )


class ProblemOut(Schema):
    code: str
    message: str


class StoryOut(Schema):
    id: int
    reference: str
    title: str
    status: str
    unpublished_reason: str
    public_body: str
    public_url: str | None
    consent: bool
    media: list[MediaOut]
    problems: list[ProblemOut]
    published_at: datetime | None

    @staticmethod
    def of(story: Story) -> StoryOut:
        published = story.status == Story.Status.PUBLISHED
        return StoryOut(
            id=story.pk,
            reference=story.reference,
            title=story.title,
            status=story.status,
            unpublished_reason=story.unpublished_reason,
            public_body=story.public_body,
            public_url=reverse("stories:public_story", args=[story.public_token])
            if published
            else None,
            consent=services.story_consent_stands(story),
            media=[MediaOut.of(m) for m in StoryMedia.objects.filter(story=story)],
            problems=[ProblemOut(code=c, message=m) for c, m in services.publish_problems(story)],
            published_at=story.published_at,
        )


class ConsentIn(Schema):
    media_id: int | None = Field(None, ge=1, description="None: consent to the story's text.")
    guardian_name: str = Field(max_length=100)
    relationship: str = Field(max_length=50)
    method: str = Field(max_length=20)
    given_on: date
    uses: list[str] = Field(max_length=4)


class ConsentOut(Schema):
    id: int
    media_id: int | None
    method: str
    given_on: date
    uses: list[str]
    revoked: bool
    revoke_url: str

    @staticmethod
    def of(consent: Consent) -> ConsentOut:
        return ConsentOut(
            id=consent.pk,
            media_id=consent.media_id,
            method=consent.method,
            given_on=consent.given_on,
            uses=list(consent.uses or []),
            revoked=consent.revoked_at is not None,
            revoke_url=reverse("stories:consent_revoke", args=[consent.revoke_token]),
        )


class RevokeIn(Schema):
    method: str = Field(Consent.Method.IN_PERSON, max_length=20)


class KeepFacesIn(Schema):
    keep_faces: list[list[float]] = Field(
        default_factory=list, max_length=20, description="[frame, x, y, w, h] boxes to keep."
    )


class PublicStoryOut(Schema):
    title: str
    public_body: str
    url: str
    agency: str
    published_at: datetime | None
    media: list[str]


def _user(request: HttpRequest) -> User:
    user = request.auth  # type: ignore[attr-defined]
    assert isinstance(user, User)
    if not services.is_storyteller(user):
        raise StoryError("forbidden", _("Your account has no access to stories."), 403)
    return user


def _refused(exc: StoryError) -> Status[Any]:
    if exc.status == 422:
        body: Any = {"detail": [{"type": exc.code, "loc": ["body"], "msg": exc.message}]}
        return Status(422, body)
    return Status(exc.status, ErrorOut(detail=exc.message, code=exc.code))


def _story(user: User, pk: int) -> Story:
    return services.access_story(user, pk)


@router.get(
    "/public",
    auth=None,
    response={200: list[PublicStoryOut], **ERRORS},
    summary="Published stories (public, no account)",
)
def public_list(request: HttpRequest, agency: str = "") -> Any:
    chosen = agency_by_slug(agency) if agency else None
    if agency and chosen is None:
        return Status(404, ErrorOut(detail=_("Not found"), code="not_found"))
    out = []
    for story in services.published_stories(chosen)[:50]:
        out.append(
            PublicStoryOut(
                title=story.title,
                public_body=story.public_body,
                url=reverse("stories:public_story", args=[story.public_token]),
                agency=story.agency.name,
                published_at=story.published_at,
                media=[
                    reverse("stories:public_media", args=[story.public_token, m.pk, "file"])
                    for m in services.public_media(story)
                ],
            )
        )
    return out


@router.get("", response={200: list[StoryOut], **ERRORS}, summary="The agency's stories")
def story_list(request: HttpRequest) -> Any:
    try:
        user = _user(request)
    except StoryError as exc:
        return _refused(exc)
    return [StoryOut.of(s) for s in services.visible_stories(user).order_by("-updated_at")[:100]]


@router.post("", response={201: StoryOut, **ERRORS}, summary="Draft a story")
def story_create(request: HttpRequest, data: StoryIn) -> Any:
    try:
        user = _user(request)
        story = services.story_create(
            actor=user,
            title=data.title,
            body=data.body,
            extra_names=data.extra_names,
            source=services.Source(kind=data.source_kind, id=data.source_id, note_id=data.note_id),
        )
    except StoryError as exc:
        return _refused(exc)
    return Status(201, StoryOut.of(story))


@router.get("/{story_id}", response={200: StoryOut, **ERRORS}, summary="One story")
def story_get(request: HttpRequest, story_id: ObjectId) -> Any:
    try:
        return StoryOut.of(_story(_user(request), story_id))
    except StoryError as exc:
        return _refused(exc)


@router.patch(
    "/{story_id}",
    response={200: StoryOut, **ERRORS},
    summary="Change the draft, or (reviewer) the public text",
    description="422 `known_name` when the public text names someone the records know.",
)
def story_patch(request: HttpRequest, story_id: ObjectId, data: StoryPatchIn) -> Any:
    try:
        user = _user(request)
        story = _story(user, story_id)
        if data.title is not None or data.body is not None or data.extra_names is not None:
            story = services.story_update(
                actor=user,
                story=story,
                title=data.title if data.title is not None else story.title,
                body=data.body if data.body is not None else story.body,
                extra_names=data.extra_names if data.extra_names is not None else story.extra_names,
            )
        if data.public_body is not None:
            story = services.set_public_text(actor=user, story=story, text=data.public_body)
    except StoryError as exc:
        return _refused(exc)
    return StoryOut.of(story)


@router.post(
    "/{story_id}/media",
    response={201: MediaOut, **ERRORS},
    summary="Upload a photo or a short video (redacted in the background)",
    description="413 `too_large`; 422 `unsupported`, `corrupt`, `too_long`, "
    "`too_many_pixels`, `no_video_stream`. Poll the media status for progress.",
)
def media_upload(
    request: HttpRequest,
    story_id: ObjectId,
    file: File[UploadedFile],
    caption: NinjaForm[str] = "",
    keep_audio: NinjaForm[bool] = False,
) -> Any:
    try:
        user = _user(request)
        media = services.media_add(
            actor=user,
            story=_story(user, story_id),
            upload=file,
            caption=caption,
            keep_audio=keep_audio,
        )
    except StoryError as exc:
        return _refused(exc)
    media.refresh_from_db()
    return Status(201, MediaOut.of(media))


def _media(request: HttpRequest, media_id: int) -> tuple[User, StoryMedia]:
    user = _user(request)
    return user, services.access_media(user, media_id)


@router.get("/media/{media_id}", response={200: MediaOut, **ERRORS}, summary="Media status")
def media_get(request: HttpRequest, media_id: ObjectId) -> Any:
    try:
        return MediaOut.of(_media(request, media_id)[1])
    except StoryError as exc:
        return _refused(exc)


@router.post("/media/{media_id}/cancel", response={200: MediaOut, **ERRORS}, summary="Cancel")
def media_cancel(request: HttpRequest, media_id: ObjectId) -> Any:
    try:
        user, media = _media(request, media_id)
        media = services.media_cancel(actor=user, media=media)
    except StoryError as exc:
        return _refused(exc)
    return MediaOut.of(media)


@router.post(
    "/media/{media_id}/redact",
    response={200: MediaOut, **ERRORS},
    summary="Redact again, keeping the chosen adult faces",
)
def media_rerun(request: HttpRequest, media_id: ObjectId, data: KeepFacesIn) -> Any:
    try:
        user, media = _media(request, media_id)
        services.media_rerun(actor=user, media=media, keep_faces=data.keep_faces)
    except StoryError as exc:
        return _refused(exc)
    media.refresh_from_db()
    return MediaOut.of(media)


@router.post(
    "/media/{media_id}/checked",
    response={200: MediaOut, **ERRORS},
    summary="A person looked at a flagged output and found no face",
)
def media_checked(request: HttpRequest, media_id: ObjectId) -> Any:
    try:
        user, media = _media(request, media_id)
        media = services.media_mark_checked(actor=user, media=media)
    except StoryError as exc:
        return _refused(exc)
    return MediaOut.of(media)


@router.post(
    "/{story_id}/consents",
    response={201: ConsentOut, **ERRORS},
    summary="Record a guardian's consent (to the text, or to one media item)",
)
def consent_create(request: HttpRequest, story_id: ObjectId, data: ConsentIn) -> Any:
    try:
        user = _user(request)
        story = _story(user, story_id)
        media = None
        if data.media_id is not None:
            media = StoryMedia.objects.filter(story=story, pk=data.media_id).first()
            if media is None:
                raise StoryError("not_found", _("Not found"), 404)
        consent = services.consent_record(
            actor=user,
            story=story,
            media=media,
            guardian_name=data.guardian_name,
            relationship=data.relationship,
            method=data.method,
            given_on=data.given_on,
            uses=data.uses,
        )
    except StoryError as exc:
        return _refused(exc)
    return Status(201, ConsentOut.of(consent))


@router.post(
    "/consents/{consent_id}/revoke",
    response={200: ConsentOut, **ERRORS},
    summary="Withdraw a consent (unpublishes at once)",
)
def consent_revoke(request: HttpRequest, consent_id: ObjectId, data: RevokeIn) -> Any:
    try:
        user = _user(request)
        consent = (
            Consent.objects.select_related("story")
            .filter(pk=consent_id, story__in=services.visible_stories(user))
            .first()
        )
        if consent is None:
            raise StoryError("not_found", _("Not found"), 404)
        consent = services.consent_revoke(consent=consent, actor=user, method=data.method)
    except StoryError as exc:
        return _refused(exc)
    return ConsentOut.of(consent)


@router.post("/{story_id}/publish", response={200: StoryOut, **ERRORS}, summary="Approve")
def story_publish(request: HttpRequest, story_id: ObjectId) -> Any:
    try:
        user = _user(request)
        story = services.publish(actor=user, story=_story(user, story_id))
    except StoryError as exc:
        return _refused(exc)
    return StoryOut.of(story)


@router.post("/{story_id}/unpublish", response={200: StoryOut, **ERRORS}, summary="Withdraw")
def story_unpublish(request: HttpRequest, story_id: ObjectId) -> Any:
    try:
        user = _user(request)
        story = services.unpublish(actor=user, story=_story(user, story_id))
    except StoryError as exc:
        return _refused(exc)
    return StoryOut.of(story)
