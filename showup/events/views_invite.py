"""An officer invites a family to an event after an encounter: a closed reunite report, a
completed visit, or whatever other module registers an encounter kind with core
(showup.core.registry.register_encounter_kind). events imports none of them: it asks core
what the encounter is called and what the invitation may prefill, and core asks the module,
which says None when the user may not see the encounter (then this page is a 404, as for an
encounter that does not exist).

`/events/staff/invite/?kind=<kind>&id=<id>`: choose an upcoming published event of the
agency, the channel, the contact (prefilled from the encounter, editable) and the language;
services.invitation_send sends it (email or text) and writes the audit entry
`events.invitation.sent` with the encounter's kind and id, never a name or a contact.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from showup.core.models import User
from showup.core.registry import Encounter, encounter, encounter_kind_label
from showup.core.text import TextCheckedForm
from showup.events import services
from showup.events.models import Event, Invitation
from showup.events.services import EventError
from showup.events.views_staff import staff_required


def upcoming_events(user: User) -> Any:
    """The agency's published events that have not started: the ones that take RSVPs."""
    return Event.objects.filter(
        agency_id=user.agency_id or 0,
        status=Event.Status.PUBLISHED,
        start__gt=timezone.now(),
    ).order_by("start", "pk")


class EventChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        start = timezone.localtime(obj.start)
        return f"{obj.title} · {start:%Y-%m-%d %H:%M} · {obj.place_name}"


class InviteForm(TextCheckedForm, forms.Form):
    event = EventChoice(
        label=gettext_lazy("Event"),
        queryset=Event.objects.none(),
        empty_label=None,
        widget=forms.RadioSelect,
    )
    channel = forms.ChoiceField(
        label=gettext_lazy("Send by"),
        choices=Invitation.Channel.choices,
        widget=forms.RadioSelect,
    )
    contact = forms.CharField(
        label=gettext_lazy("Email or mobile phone"),
        max_length=254,
        help_text=gettext_lazy("The family's own email or phone, as they gave it to us."),
    )
    family_name = forms.CharField(
        label=gettext_lazy("The adult's name"),
        max_length=100,
        required=False,
        help_text=gettext_lazy("Prefills their RSVP form."),
    )
    children_names = forms.CharField(
        label=gettext_lazy("Children's first names"),
        max_length=300,
        required=False,
        help_text=gettext_lazy("Separated by commas, as they should be printed on the badges."),
    )
    language = forms.ChoiceField(label=gettext_lazy("The family's language"), choices=[])

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["event"].queryset = upcoming_events(user)  # type: ignore[attr-defined]
        languages = [(code, str(name)) for code, name in settings.LANGUAGES]
        self.fields["language"].choices = languages  # type: ignore[attr-defined]


def initial_from(found: Encounter) -> dict[str, Any]:
    codes = {code for code, _name in settings.LANGUAGES}
    initial: dict[str, Any] = {
        "family_name": found.family_name,
        "children_names": ", ".join(found.children_names),
        "language": found.language if found.language in codes else settings.LANGUAGE_CODE[:2],
    }
    if found.email:
        initial.update(channel=Invitation.Channel.EMAIL, contact=found.email)
    elif found.phone:
        initial.update(channel=Invitation.Channel.SMS, contact=found.phone)
    else:
        initial["channel"] = Invitation.Channel.SMS
    return initial


def _source(request: HttpRequest) -> tuple[str, int]:
    kind = (request.GET.get("kind") or request.POST.get("kind") or "").strip()[:30]
    try:
        pk = int(request.GET.get("id") or request.POST.get("id") or "")
    except ValueError:
        raise Http404("No such encounter") from None
    return kind, pk


@staff_required
@require_http_methods(["GET", "POST"])
def invite(request: HttpRequest, user: User) -> HttpResponse:
    kind, pk = _source(request)
    found = encounter(kind, user, pk)
    if found is None:
        raise Http404("No such encounter")
    form = InviteForm(request.POST or None, user=user, initial=initial_from(found))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            invitation = services.invitation_send(
                event=data["event"],
                actor=user,
                channel=data["channel"],
                contact=data["contact"],
                family_name=data.get("family_name", ""),
                children_names=data.get("children_names", ""),
                language=data["language"],
                source_kind=kind,
                source_id=pk,
            )
        except EventError as exc:
            form.add_error(
                "contact" if exc.code in ("bad_email", "bad_phone") else None, exc.message
            )
        else:
            messages.success(
                request,
                _("Invitation sent: the family's link opens the RSVP form for %(event)s.")
                % {"event": invitation.event.title},
            )
            return redirect("events:staff_detail", invitation.event_id)
    return render(
        request,
        "events/staff/invite.html",
        {
            "form": form,
            "encounter": found,
            "kind": kind,
            "kind_label": encounter_kind_label(kind),
            "source_id": pk,
            "has_events": upcoming_events(user).exists(),
        },
        status=400 if request.method == "POST" else 200,
    )
