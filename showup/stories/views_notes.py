"""Thank-you notes: the public form, a unit's page of published notes, and the coordinators'
moderation.

The public form (`/stories/thanks/`, `?agency=<slug>&officer=<badge or name>&ref=<reference>`
prefill it) needs no account; it is rate limited per device and address with a proof-of-work
way through (showup.core.ratelimit, as the events RSVP form), creates exactly one note per
form (showup.core.idempotency) and loses nothing typed on any error. The public never sees a
list of staff: the writer may name the officer (name or badge number) and a coordinator
matches it during moderation.

A unit's page (`/stories/thanks/<agency-slug>/`) shows published notes' public text only,
signed with the writer's first name or "a family". Moderation (`/stories/notes/`) is for the
unit's coordinators and admins; officers and partners get 403, another agency's notes 404.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from showup.core import idempotency, ratelimit
from showup.core.models import Agency, User, agency_by_slug
from showup.core.phones import format_phone, tel_uri
from showup.core.text import TextCheckedForm
from showup.stories import followups, notes
from showup.stories.errors import StoryError
from showup.stories.models import ThankYouNote

NOTE_LIMIT_SCOPE = "stories.thanks"
ONCE_WAIT_SECONDS = 5.0
SENT_WINDOW = timedelta(hours=12)
SENT_FORM_ID = "stories.thanks"
PUBLIC_LIMIT = 100


# --- the public form -----------------------------------------------------------------------------


class NoteForm(TextCheckedForm, forms.Form):
    agency = forms.ChoiceField(label=gettext_lazy("The unit you are thanking"), choices=[])
    body = forms.CharField(
        label=gettext_lazy("Your note"),
        max_length=notes.BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=gettext_lazy(
            "Please do not write a child's full name, an address or a phone number: before "
            "anything is shown, a person reads your note and takes such details out."
        ),
    )
    officer_hint = forms.CharField(
        label=gettext_lazy("The officer's name or badge number (optional)"),
        max_length=notes.HINT_MAX,
        required=False,
        help_text=gettext_lazy("Leave it empty to thank the whole unit."),
    )
    encounter_reference = forms.CharField(
        label=gettext_lazy("Your case or visit reference (optional)"),
        max_length=notes.REFERENCE_MAX,
        required=False,
        help_text=gettext_lazy("It helps the unit find the officer. Never shown."),
    )
    author_name = forms.CharField(
        label=gettext_lazy("Your name (optional)"),
        max_length=notes.NAME_MAX,
        required=False,
        help_text=gettext_lazy('Your name is never shown: a published note is signed "a family".'),
    )
    author_email = forms.EmailField(
        label=gettext_lazy("Your email (optional, private)"),
        required=False,
        help_text=gettext_lazy("Only the unit sees it, if they want to thank you back."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(a.slug, a.name) for a in Agency.objects.order_by("name")]
        self.fields["agency"].choices = choices  # type: ignore[attr-defined]
        if len(choices) == 1:
            self.fields["agency"].initial = choices[0][0]


def _unit_phone(agency: Agency | None) -> dict[str, str] | None:
    number = (agency.phone or "").strip() if agency else ""
    if not number or agency is None:
        return None
    return {
        "display": format_phone(number, agency.phone_region),
        "tel": tel_uri(number, agency.phone_region),
    }


def _once_problem(exc: idempotency.IdempotencyError) -> dict[str, Any]:
    if exc.code == "in_flight":
        text = _(
            "Your note is being saved. Wait a moment, then send again: it will not be sent twice."
        )
    elif exc.code == "key_reused":
        text = _("This form was already sent. Check the note below and send again to send another.")
    else:
        text = _("This form had expired. Check the note below and send again.")
    return {"code": exc.code, "text": text}


def _sent(request: HttpRequest, note: ThankYouNote) -> HttpResponse:
    url = reverse("stories:note_form") + "?sent=1"
    idempotency.remember_sent(request, SENT_FORM_ID, url=url, label=note.reference)
    return redirect(url)


@never_cache
@require_http_methods(["GET", "POST"])
@ratelimit.with_device_cookie
def note_form(request: HttpRequest) -> HttpResponse:
    """Anyone thanks an officer or the unit."""
    initial = {
        "agency": (request.GET.get("agency") or "")[:50],
        "officer_hint": (request.GET.get("officer") or "")[: notes.HINT_MAX],
        "encounter_reference": (request.GET.get("ref") or "")[: notes.REFERENCE_MAX],
    }
    form = NoteForm(request.POST or None, initial={k: v for k, v in initial.items() if v})
    problem: dict[str, Any] | None = None
    limited: dict[str, Any] | None = None
    sent: dict[str, Any] | None = None
    status = 200
    agency = agency_by_slug(request.POST.get("agency") or initial["agency"])
    if request.method == "POST":
        status = 400
        try:
            claim = idempotency.form_claim(request)
            first = idempotency.replay(claim, wait=ONCE_WAIT_SECONDS) if claim else None
            if first is not None and isinstance(first.obj, ThankYouNote):
                return _sent(request, first.obj)
            decision = ratelimit.check(request, NOTE_LIMIT_SCOPE)
            if not decision.allowed:
                limited = {
                    "decision": decision,
                    "phone": _unit_phone(agency),
                    "photo": False,
                    "emergency": False,
                }
            elif form.is_valid():
                data = form.cleaned_data
                chosen = Agency.objects.get(slug=data["agency"])
                outcome = idempotency.run_once(
                    claim,
                    lambda: notes.note_create(
                        agency=chosen,
                        body=data["body"],
                        author_name=data.get("author_name", ""),
                        author_email=data.get("author_email", ""),
                        officer_hint=data.get("officer_hint", ""),
                        encounter_reference=data.get("encounter_reference", ""),
                        language=(get_language() or settings.LANGUAGE_CODE)[:2],
                    ),
                    wait=ONCE_WAIT_SECONDS,
                )
                return _sent(request, outcome.obj)
        except idempotency.IdempotencyError as exc:
            problem, status = _once_problem(exc), exc.status
        except StoryError as exc:
            form.add_error(None, exc.message)
            status = exc.status
    elif request.GET.get("sent"):
        sent = idempotency.sent_before(request, SENT_FORM_ID, within=SENT_WINDOW)
    key = (
        idempotency.form_key_for(request)
        if request.method == "POST" and (problem is None or problem["code"] == "in_flight")
        else idempotency.new_form_key(request)
    )
    context = {
        "form": form,
        "idempotency_key": key,
        "once_problem": problem,
        "limited": limited,
        "sent": sent,
        "show_agency": len(form.fields["agency"].choices) != 1,  # type: ignore[attr-defined]
    }
    response = render(request, "stories/notes/form.html", context, status=status)
    if limited is not None:
        response = ratelimit.too_many_headers(response, limited["decision"])
    return response


@require_GET
def notes_public(request: HttpRequest, slug: str) -> HttpResponse:
    agency = get_object_or_404(Agency, slug=slug)
    rows = [
        {"text": n.public_body, "signature": notes.public_signature(n), "date": n.published_at}
        for n in notes.published_notes(agency)[:PUBLIC_LIMIT]
    ]
    return render(request, "stories/notes/public.html", {"agency": agency, "rows": rows})


# --- moderation ----------------------------------------------------------------------------------


def _coordinator(request: HttpRequest) -> User | HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not followups.is_coordinator(request.user):
        raise PermissionDenied
    assert isinstance(request.user, User)
    return request.user


@never_cache
@require_GET
def notes_moderate(request: HttpRequest) -> HttpResponse:
    user = _coordinator(request)
    if isinstance(user, HttpResponse):
        return user
    wanted = request.GET.get("status") or ThankYouNote.Status.PENDING
    if wanted not in ThankYouNote.Status.values:
        wanted = ThankYouNote.Status.PENDING
    rows = list(notes.moderated_notes(user).filter(status=wanted)[:200])
    return render(
        request,
        "stories/notes/moderate.html",
        {
            "rows": rows,
            "status": wanted,
            "statuses": ThankYouNote.Status.choices,
            "public_url": reverse("stories:notes_public", args=[user.agency.slug])
            if user.agency
            else "",
        },
    )


class ModerateForm(TextCheckedForm, forms.Form):
    public_body = forms.CharField(
        label=gettext_lazy("Public text"),
        max_length=notes.PUBLIC_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=gettext_lazy("Only this is ever shown. Take out children's names and contacts."),
    )
    officer = forms.ModelChoiceField(
        label=gettext_lazy("Officer thanked"),
        queryset=User.objects.none(),
        required=False,
        empty_label=gettext_lazy("The whole unit"),
    )
    action = forms.ChoiceField(
        choices=[
            ("save", gettext_lazy("Save")),
            ("approve", gettext_lazy("Approve")),
            ("publish", gettext_lazy("Publish")),
            ("reject", gettext_lazy("Reject")),
        ]
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["officer"]
        field.queryset = followups.assignable_officers(user.agency_id or 0)  # type: ignore[attr-defined]
        field.label_from_instance = lambda u: u.display_name()  # type: ignore[attr-defined]


def _note_page(
    request: HttpRequest,
    user: User,
    note: ThankYouNote,
    form: ModerateForm | None = None,
    status: int = 200,
) -> HttpResponse:
    form = form or ModerateForm(
        user=user, initial={"public_body": note.public_body, "officer": note.officer_id}
    )
    return render(
        request,
        "stories/notes/detail.html",
        {
            "note": note,
            "form": form,
            "flags": [(code, notes.flag_label(code)) for code in note.flags or []],
            "signature": notes.public_signature(note),
            "editable": note.status in (ThankYouNote.Status.PENDING, ThankYouNote.Status.APPROVED)
            and note.purged_at is None,
        },
        status=status,
    )


@never_cache
@require_GET
def note_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _coordinator(request)
    if isinstance(user, HttpResponse):
        return user
    note = notes.access_note(user, pk)
    notes.note_viewed(note=note, actor=user)
    return _note_page(request, user, note)


@never_cache
@require_POST
def note_moderate(request: HttpRequest, pk: int) -> HttpResponse:
    user = _coordinator(request)
    if isinstance(user, HttpResponse):
        return user
    note = notes.access_note(user, pk)
    form = ModerateForm(request.POST, user=user)
    if not form.is_valid():
        return _note_page(request, user, note, form, status=400)
    action = form.cleaned_data["action"]
    done = {
        "save": _("Saved."),
        "approve": _("Approved. Publish it when you are ready."),
        "publish": _("Published on the unit's page. The officer is told."),
        "reject": _("Rejected. It will never be shown."),
    }[action]
    try:
        if action != "reject" and note.status in (
            ThankYouNote.Status.PENDING,
            ThankYouNote.Status.APPROVED,
        ):
            notes.note_edit(
                note=note,
                actor=user,
                public_body=form.cleaned_data["public_body"],
                officer=form.cleaned_data["officer"],
            )
        if action == "approve":
            notes.note_approve(note=note, actor=user)
        elif action == "publish":
            notes.note_publish(note=note, actor=user)
        elif action == "reject":
            notes.note_reject(note=note, actor=user)
    except StoryError as exc:
        form.add_error(None, exc.message)
        note.refresh_from_db()
        return _note_page(request, user, note, form, status=exc.status)
    messages.success(request, done)
    if action in ("save", "approve"):
        return redirect("stories:note_detail", note.pk)
    return redirect("stories:notes_moderate")
