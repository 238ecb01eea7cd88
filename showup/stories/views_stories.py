"""Staff pages for stories: drafts, media (upload, progress, cancel, faces to keep, the
originals), consent, review side by side, publishing.

Coordinators and admins of the agency work on stories; officers and partners get 403, an
anonymous visitor the login page, another agency's story 404 exactly like one that does not
exist. Every page answers `no-store`. Rules live in services; these views validate the shape
of input, call the service and show its error's message beside what was typed.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from showup.core.audit import audit
from showup.core.models import User
from showup.stories import services, storage
from showup.stories.errors import StoryError
from showup.stories.models import Consent, Story, StoryMedia

MS = StoryMedia.Status

# --- forms --------------------------------------------------------------------------------------


class StoryForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=140)
    body = forms.CharField(
        label=gettext_lazy("The story"),
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=gettext_lazy(
            "Write it as it happened. Names the records know are taken out of the public text."
        ),
    )
    extra_names = forms.CharField(
        label=gettext_lazy("Other names to take out"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Nicknames, pet names, other spellings: one per line."),
    )


class MediaForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Photo or short video"),
        help_text=gettext_lazy("JPEG, PNG, WebP, MP4, MOV or WebM. Faces are blurred."),
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/jpeg,image/png,image/webp,video/mp4,video/quicktime,video/webm"}
        ),
    )
    caption = forms.CharField(label=gettext_lazy("Caption"), max_length=300, required=False)
    keep_audio = forms.BooleanField(
        label=gettext_lazy("Keep the sound (videos)"),
        required=False,
        help_text=gettext_lazy("Off by default: voices can name a child."),
    )


class ConsentForm(forms.Form):
    covers = forms.TypedChoiceField(
        label=gettext_lazy("Consent to"), coerce=int, empty_value=None, required=False
    )
    guardian_name = forms.CharField(label=gettext_lazy("Guardian's name"), max_length=100)
    relationship = forms.CharField(label=gettext_lazy("Relationship to the child"), max_length=50)
    method = forms.ChoiceField(
        label=gettext_lazy("How consent was given"), choices=Consent.Method.choices
    )
    given_on = forms.DateField(
        label=gettext_lazy("Given on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    uses = forms.MultipleChoiceField(
        label=gettext_lazy("Uses agreed"),
        choices=Consent.Use.choices,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, story: Story, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices: list[tuple[Any, Any]] = [(0, _("The story's text"))]
        for m in story.media.all():
            choices.append((m.pk, _("%(kind)s %(n)s") % {"kind": m.get_kind_display(), "n": m.pk}))
        field = self.fields["covers"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = choices


class PublicTextForm(forms.Form):
    public_body = forms.CharField(
        label=gettext_lazy("Public text"),
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 10}),
    )


class RevokeForm(forms.Form):
    method = forms.ChoiceField(
        label=gettext_lazy("How it was withdrawn"), choices=Consent.Method.choices
    )


# --- access ---------------------------------------------------------------------------------------


def storyteller_required(
    view: Callable[..., HttpResponseBase],
) -> Callable[..., HttpResponseBase]:
    """Anonymous: log in. Signed in without a coordinator or admin role: 403."""

    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not services.is_storyteller(request.user):
            raise PermissionDenied
        return view(request, request.user, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return never_cache(wrapped)


def _story(user: User, pk: int) -> Story:
    try:
        return services.access_story(user, pk)
    except StoryError:
        raise Http404 from None


def _media(user: User, pk: int) -> StoryMedia:
    try:
        return services.access_media(user, pk)
    except StoryError:
        raise Http404 from None


def _refused(request: HttpRequest, exc: StoryError, target: str) -> HttpResponse:
    if exc.status == 404:
        raise Http404
    if exc.status == 403:
        raise PermissionDenied
    messages.error(request, exc.message)
    return redirect(target)


# --- highlighting -------------------------------------------------------------------------------


def highlight_spans(text: str, spans: list[Any]) -> SafeString:
    """`text` escaped, each span in <mark> (the names taken out, in the draft). Built with
    format_html, which escapes every piece it is given."""
    pieces: list[tuple[str, str, str]] = []  # (plain text before, source, marked text)
    at = 0
    for span in sorted(spans, key=lambda s: s.start):
        if span.start < at:
            continue
        pieces.append((text[at : span.start], span.source, text[span.start : span.end]))
        at = span.end
    marked = format_html_join(
        "", '{}<mark class="name-{}">{}</mark>', ((a, b, c) for a, b, c in pieces)
    )
    return format_html("{}{}", marked, text[at:])


def highlight_placeholder(text: str) -> SafeString:
    """The public text escaped, each placeholder in <mark>."""
    token = services.replacement()
    first, *rest = text.split(token)
    marked = format_html_join("", "<mark>{}</mark>{}", ((token, piece) for piece in rest))
    return format_html("{}{}", first, marked)


def _draft_highlight(story: Story, user: User) -> SafeString | None:
    if not story.body:
        return None
    try:
        found = services.redact_text(story.body, services.known_names(story, user), story.agency_id)
    except StoryError:
        return None
    return highlight_spans(story.body, list(found.spans))


# --- stories --------------------------------------------------------------------------------------


@storyteller_required
def story_list(request: HttpRequest, user: User) -> HttpResponse:
    stories = list(services.visible_stories(user).order_by("-updated_at")[:200])
    return render(request, "stories/staff/list.html", {"stories": stories})


def _source_from(request: HttpRequest) -> services.Source:
    data = request.POST if request.method == "POST" else request.GET
    kind = (data.get("kind") or "").strip()[:30]
    raw_id = (data.get("id") or "").strip()
    raw_note = (data.get("note") or "").strip()
    try:
        if kind:
            return services.Source(kind=kind, id=int(raw_id) if raw_id else None)
        if raw_note:
            return services.Source(note_id=int(raw_note))
    except ValueError:
        raise Http404 from None
    return services.Source()


@storyteller_required
@require_http_methods(["GET", "POST"])
def story_new(request: HttpRequest, user: User) -> HttpResponse:
    source = _source_from(request)
    try:
        initial = services.source_prefill(user, source)
    except StoryError:
        raise Http404 from None
    form = StoryForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            story = services.story_create(
                actor=user,
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
                extra_names=form.cleaned_data["extra_names"],
                source=source,
            )
        except StoryError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Draft saved. Add photos or a clip, then the consent."))
            return redirect("stories:story_detail", story.pk)
    return render(
        request,
        "stories/staff/form.html",
        {"form": form, "story": None, "source": source},
        status=422 if form.errors else 200,
    )


def _detail_context(request: HttpRequest, user: User, story: Story) -> dict[str, Any]:
    media = list(StoryMedia.objects.filter(story=story))
    consents = list(Consent.objects.filter(story=story).select_related("media"))
    return {
        "story": story,
        "media": media,
        "busy": any(m.status in services.BUSY_MEDIA for m in media),
        "consents": consents,
        "story_consent": services.story_consent_stands(story),
        "problems": services.publish_problems(story),
        "media_form": MediaForm(),
        "consent_form": ConsentForm(story=story, initial={"given_on": timezone.localdate()}),
        "revoke_form": RevokeForm(),
        "draft_html": _draft_highlight(story, user),
        "public_html": highlight_placeholder(story.public_body),
        "own_story": user.pk == story.created_by_id and services.other_reviewer_exists(story),
    }


@storyteller_required
@require_http_methods(["GET", "POST"])
def story_detail(request: HttpRequest, user: User, pk: int) -> HttpResponse:
    story = _story(user, pk)
    form = StoryForm(
        request.POST or None,
        initial={"title": story.title, "body": story.body, "extra_names": story.extra_names},
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.story_update(
                    actor=user,
                    story=story,
                    title=form.cleaned_data["title"],
                    body=form.cleaned_data["body"],
                    extra_names=form.cleaned_data["extra_names"],
                )
            except StoryError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Saved. The public text was made again."))
                return redirect("stories:story_detail", story.pk)
        status = 422
    context = _detail_context(request, user, story)
    context["form"] = form
    return render(request, "stories/staff/detail.html", context, status=status)


@storyteller_required
@require_http_methods(["GET", "POST"])
def story_review(request: HttpRequest, user: User, pk: int) -> HttpResponse:
    """Side by side: the draft with names marked beside the public text; each original beside
    its redacted output with the re-check's result. The reviewer may edit the public text."""
    story = _story(user, pk)
    form = PublicTextForm(request.POST or None, initial={"public_body": story.public_body})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.set_public_text(
                    actor=user, story=story, text=form.cleaned_data["public_body"]
                )
            except StoryError as exc:
                form.add_error("public_body", exc.message)
            else:
                messages.success(request, _("The public text was saved."))
                return redirect("stories:story_review", story.pk)
        status = 422
    context = _detail_context(request, user, story)
    context["text_form"] = form
    for m in context["media"]:
        audit("stories.media.original_viewed", actor=user, obj=m, agency_id=story.agency_id)
    return render(request, "stories/staff/review.html", context, status=status)


def _action(
    request: HttpRequest, user: User, pk: int, do: Callable[[Story], Any], done: str
) -> HttpResponse:
    story = _story(user, pk)
    target = reverse("stories:story_detail", args=[story.pk])
    try:
        do(story)
    except StoryError as exc:
        return _refused(request, exc, target)
    messages.success(request, done)
    return redirect(target)


@storyteller_required
@require_POST
def story_submit(request: HttpRequest, user: User, pk: int) -> HttpResponse:
    return _action(
        request,
        user,
        pk,
        lambda s: services.submit_for_review(actor=user, story=s),
        _("Sent for review."),
    )


@storyteller_required
@require_POST
def story_publish(request: HttpRequest, user: User, pk: int) -> HttpResponse:
    return _action(
        request, user, pk, lambda s: services.publish(actor=user, story=s), _("Published.")
    )


@storyteller_required
@require_POST
def story_unpublish(request: HttpRequest, user: User, pk: int) -> HttpResponse:
    return _action(
        request,
        user,
        pk,
        lambda s: services.unpublish(actor=user, story=s),
        _("Taken off the public pages."),
    )


# --- media ----------------------------------------------------------------------------------------


@storyteller_required
@require_POST
def media_upload(request: HttpRequest, user: User, pk: int) -> HttpResponse:
    story = _story(user, pk)
    form = MediaForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.media_add(
                actor=user,
                story=story,
                upload=form.cleaned_data["file"],
                caption=form.cleaned_data["caption"],
                keep_audio=form.cleaned_data["keep_audio"],
            )
        except StoryError as exc:
            if exc.status in (403, 404):
                return _refused(request, exc, "")
            form.add_error("file", exc.message)
        else:
            messages.success(request, _("Received. Faces are being blurred."))
            return redirect(reverse("stories:story_detail", args=[story.pk]) + "#media")
    context = _detail_context(request, user, story)
    context["media_form"] = form
    context["form"] = StoryForm(
        initial={"title": story.title, "body": story.body, "extra_names": story.extra_names}
    )
    return render(request, "stories/staff/detail.html", context, status=422)


def status_payload(media: StoryMedia) -> dict[str, Any]:
    return {
        "id": media.pk,
        "status": media.status,
        "label": str(media.get_status_display()),
        "progress": int(media.progress),
        "done": media.status not in services.BUSY_MEDIA,
        "error_code": media.error_code,
        "error": services.media_message(media.error_code) if media.error_code else "",
        "cancel_requested": media.cancel_requested,
    }


@storyteller_required
def media_status(request: HttpRequest, user: User, pk: int) -> HttpResponse:
    """The poll (static/js/story-progress.js): JSON, or the row's HTML fragment."""
    media = _media(user, pk)
    if request.GET.get("format") == "html":
        return render(request, "stories/staff/_media_status.html", {"m": media})
    return JsonResponse(status_payload(media))


def _media_action(
    request: HttpRequest,
    user: User,
    pk: int,
    change: Callable[[User, StoryMedia], object],
    done: str,
    *,
    back_to: str = "stories:story_detail",
) -> HttpResponse:
    """One button on a media item: the service's change, its coded refusal, or `done`."""
    media = _media(user, pk)
    target = reverse(back_to, args=[media.story_id])
    if back_to == "stories:story_detail":
        target += "#media"
    try:
        change(user, media)
    except StoryError as exc:
        return _refused(request, exc, target)
    messages.success(request, done)
    return redirect(target)


@storyteller_required
@require_POST
def media_cancel(request: HttpRequest, user: User, pk: int) -> HttpResponse:
    return _media_action(
        request,
        user,
        pk,
        lambda actor, media: services.media_cancel(actor=actor, media=media),
        _("Cancelling: the redaction stops at the next frame."),
    )


@storyteller_required
@require_POST
def media_rerun(request: HttpRequest, user: User, pk: int) -> HttpResponse:
    return _media_action(
        request,
        user,
        pk,
        lambda actor, media: services.media_rerun(actor=actor, media=media),
        _("Redacting again."),
    )


@storyteller_required
@require_POST
def media_check(request: HttpRequest, user: User, pk: int) -> HttpResponse:
    return _media_action(
        request,
        user,
        pk,
        lambda actor, media: services.media_mark_checked(actor=actor, media=media),
        _("Marked as checked: no face left."),
        back_to="stories:story_review",
    )


@storyteller_required
@require_POST
def media_remove(request: HttpRequest, user: User, pk: int) -> HttpResponse:
    return _media_action(
        request,
        user,
        pk,
        lambda actor, media: services.media_remove(actor=actor, media=media),
        _("Removed."),
    )


def _first_frame(media: StoryMedia) -> Any:
    """The original's first frame as a PIL image (RGB)."""
    from PIL import Image

    path = storage.path_of(media.original_name)
    if path is None:
        raise Http404
    if media.kind == StoryMedia.Kind.PHOTO:
        with Image.open(path) as image:
            return image.convert("RGB")
    import imageio_ffmpeg

    reader = imageio_ffmpeg.read_frames(str(path))
    try:
        meta = next(reader)
        width, height = meta["size"]
        frame = next(reader)
    finally:
        reader.close()
    return Image.frombytes("RGB", (width, height), frame)


def _faces(media: StoryMedia) -> list[Any]:
    path = storage.path_of(media.original_name)
    if path is None:
        return []
    try:
        from redaction.recheck import faces_on_frame
    except ImportError:
        return []
    return list(faces_on_frame(path, 0))


@storyteller_required
@require_http_methods(["GET", "POST"])
def media_faces(request: HttpRequest, user: User, pk: int) -> HttpResponse:
    """ "Keep this adult's face": the first frame's faces, numbered; the ticked ones are kept
    and the redaction runs again."""
    media = _media(user, pk)
    boxes = _faces(media)
    if request.method == "POST":
        chosen: list[list[float]] = []
        for raw in request.POST.getlist("keep"):
            try:
                index = int(raw)
            except ValueError:
                continue
            if 1 <= index <= len(boxes):
                box = boxes[index - 1]
                chosen.append([0, box.x, box.y, box.w, box.h])
        try:
            services.media_rerun(actor=user, media=media, keep_faces=chosen)
        except StoryError as exc:
            return _refused(request, exc, reverse("stories:media_faces", args=[media.pk]))
        messages.success(request, _("Redacting again, keeping the faces you chose."))
        return redirect(reverse("stories:story_detail", args=[media.story_id]) + "#media")
    kept = {(round(k[1]), round(k[2])) for k in media.keep_faces or []}
    rows = [
        {"n": i + 1, "box": b, "kept": (round(b.x), round(b.y)) in kept}
        for i, b in enumerate(boxes)
    ]
    return render(request, "stories/staff/faces.html", {"m": media, "rows": rows})


@storyteller_required
def media_faces_still(request: HttpRequest, user: User, pk: int) -> HttpResponse:
    """The original's first frame with numbered boxes (staff only, no-store, audited)."""
    from PIL import ImageDraw

    media = _media(user, pk)
    image = _first_frame(media)
    draw = ImageDraw.Draw(image)
    for i, box in enumerate(_faces(media), start=1):
        draw.rectangle([box.x, box.y, box.x + box.w, box.y + box.h], outline=(255, 200, 0), width=4)
        draw.text((box.x + 4, box.y + 4), str(i), fill=(255, 200, 0))
    image.thumbnail((1280, 1280))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    audit("stories.media.original_viewed", actor=user, obj=media, agency_id=media.story.agency_id)
    return HttpResponse(out.getvalue(), content_type="image/jpeg")


CONTENT_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
    ".mp4": "video/mp4",
    ".m4v": "video/mp4",
    ".mov": "video/quicktime",
    ".webm": "video/webm",
}


def file_response(name: str) -> FileResponse:
    path = storage.path_of(name)
    if path is None:
        raise Http404
    response = FileResponse(
        open(path, "rb"),  # noqa: SIM115 - FileResponse closes it
        content_type=CONTENT_TYPES.get(path.suffix.lower(), "application/octet-stream"),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = "inline"
    return response


@storyteller_required
def media_file(request: HttpRequest, user: User, pk: int, which: str) -> HttpResponseBase:
    """The original (audited) or the redacted output or poster, to the agency's coordinators."""
    media = _media(user, pk)
    names = {
        "original": media.original_name,
        "redacted": media.redacted_name,
        "poster": media.poster_name,
    }
    if which not in names:
        raise Http404
    if which == "original":
        audit(
            "stories.media.original_viewed", actor=user, obj=media, agency_id=media.story.agency_id
        )
    return file_response(names[which])


# --- consent --------------------------------------------------------------------------------------


@storyteller_required
@require_POST
def consent_add(request: HttpRequest, user: User, pk: int) -> HttpResponse:
    story = _story(user, pk)
    form = ConsentForm(request.POST, story=story)
    if form.is_valid():
        media = None
        if form.cleaned_data["covers"]:
            media = StoryMedia.objects.filter(story=story, pk=form.cleaned_data["covers"]).first()
            if media is None:
                raise Http404
        try:
            services.consent_record(
                actor=user,
                story=story,
                media=media,
                guardian_name=form.cleaned_data["guardian_name"],
                relationship=form.cleaned_data["relationship"],
                method=form.cleaned_data["method"],
                given_on=form.cleaned_data["given_on"],
                uses=form.cleaned_data["uses"],
            )
        except StoryError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _(
                    "Consent recorded. Give the guardian their private link to withdraw it "
                    "(beside the consent below)."
                ),
            )
            return redirect(reverse("stories:story_detail", args=[story.pk]) + "#consent")
    context = _detail_context(request, user, story)
    context["consent_form"] = form
    context["form"] = StoryForm(
        initial={"title": story.title, "body": story.body, "extra_names": story.extra_names}
    )
    return render(request, "stories/staff/detail.html", context, status=422)


@storyteller_required
@require_POST
def consent_revoke_staff(request: HttpRequest, user: User, pk: int) -> HttpResponse:
    consent = (
        Consent.objects.select_related("story")
        .filter(pk=pk, story__in=services.visible_stories(user))
        .first()
    )
    if consent is None:
        raise Http404
    target = reverse("stories:story_detail", args=[consent.story_id]) + "#consent"
    form = RevokeForm(request.POST)
    method = form.cleaned_data["method"] if form.is_valid() else Consent.Method.IN_PERSON
    try:
        services.consent_revoke(consent=consent, actor=user, method=method)
    except StoryError as exc:
        return _refused(request, exc, target)
    messages.success(request, _("Consent withdrawn. What it covered is off the public pages."))
    return redirect(target)
