"""Public event pages: the list of upcoming events, an event's page, its calendar file and the
feed, the RSVP form, and the family's private page (status, QR code, change, cancel,
feedback).

No account anywhere here. Public pages show counts, never a name. A family's own page is
reached only through its unguessable link (`Registration.token`); every answer to it is
`no-store` (showup.core.middleware.NoStoreMiddleware). The RSVP and feedback forms are rate
limited (showup.core.ratelimit) and the RSVP is created exactly once per form
(showup.core.idempotency). Views validate and render; services.* apply the rules.
"""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import segno
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, get_language_info
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from showup.core import idempotency, ratelimit
from showup.core.models import Agency
from showup.core.phones import format_phone, tel_uri
from showup.events import ical, selectors, services
from showup.events.forms import (
    CHILD_FORMSET_ERRORS,
    CHILD_ROWS,
    MAX_CHILDREN,
    FeedbackForm,
    RegistrationForm,
    child_formset,
)
from showup.events.models import Event, Invitation, Registration
from showup.events.services import EventError

RSVP_LIMIT_SCOPE = "events.rsvp"
FEEDBACK_LIMIT_SCOPE = "events.feedback"
ONCE_WAIT_SECONDS = 5.0
SENT_WINDOW = timedelta(hours=12)
NEW_REGISTRATION_SESSION_KEY = "events_new_registration"
CHILD_PREFIX = "children"
LIST_LIMIT = 100
RStatus = Registration.Status


# --- helpers ----------------------------------------------------------------------------------


def public_event(reference: str) -> Event:
    """A published or cancelled event (a cancelled one says so); drafts do not exist here."""
    event = (
        Event.objects.select_related("agency")
        .exclude(status=Event.Status.DRAFT)
        .filter(reference=reference)
        .first()
    )
    if event is None:
        raise Http404("No such event")
    return event


def is_open(event: Event) -> bool:
    return event.status == Event.Status.PUBLISHED and event.start > timezone.now()


def staff_languages(event: Event) -> list[str]:
    """ "en, es, vi" as the languages' names in their own language ("English, español")."""
    names = []
    for code in (c.strip() for c in event.staff_languages.split(",")):
        if not code:
            continue
        try:
            names.append(str(get_language_info(code.lower())["name_local"]))
        except KeyError:
            names.append(code)
    return names


def map_links(event: Event) -> dict[str, str] | None:
    if event.lat is None or event.lon is None:
        return None
    lat, lon = f"{event.lat:.6f}", f"{event.lon:.6f}"
    return {
        "geo": f"geo:{lat},{lon}",
        "osm": f"https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=17/{lat}/{lon}",
    }


def unit_phone(agency: Agency) -> dict[str, str] | None:
    number = (agency.phone or "").strip()
    if not number:
        return None
    return {
        "display": format_phone(number, agency.phone_region),
        "tel": tel_uri(number, agency.phone_region),
    }


def _language() -> str:
    return (get_language() or settings.LANGUAGE_CODE)[:2]


def _counts(event: Event) -> dict[str, Any]:
    return dict(selectors.event_counts(event))


def _registration(token: str) -> Registration | None:
    return (
        Registration.objects.select_related("event", "event__agency")
        .filter(token=token, purged_at__isnull=True)
        .first()
    )


def _gone(request: HttpRequest) -> HttpResponse:
    """An unknown or purged private link: a friendly page, never a hint of whose it was."""
    return render(request, "events/manage_gone.html", status=404)


# --- public pages --------------------------------------------------------------------------------


@require_GET
def event_list(request: HttpRequest) -> HttpResponse:
    events = list(selectors.public_events()[:LIST_LIMIT])
    rows = [{"event": e, "counts": _counts(e)} for e in events]
    return render(request, "events/list.html", {"rows": rows})


@require_GET
def event_detail(request: HttpRequest, reference: str) -> HttpResponse:
    event = public_event(reference)
    return render(
        request,
        "events/detail.html",
        {
            "event": event,
            "counts": _counts(event),
            "activities": list(event.activities.all()),
            "materials": list(event.materials.all()),
            "languages": staff_languages(event),
            "map": map_links(event),
            "open": is_open(event),
            "past": event.end <= timezone.now(),
        },
    )


def _ics_response(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
def event_ics(request: HttpRequest, reference: str) -> HttpResponse:
    event = public_event(reference)
    return _ics_response(ical.one_event(event), f"{event.reference}.ics")


@require_GET
def feed_ics(request: HttpRequest) -> HttpResponse:
    events = selectors.public_events().prefetch_related("activities")[:LIST_LIMIT]
    response = _ics_response(ical.feed(events), "showup-events.ics")
    response["Content-Disposition"] = 'inline; filename="showup-events.ics"'
    return response


# --- RSVP ----------------------------------------------------------------------------------------


def _invitation(request: HttpRequest, event: Event) -> Invitation | None:
    token = (request.POST.get("invitation") or request.GET.get("i") or "").strip()
    if not token or len(token) > 64:
        return None
    return Invitation.objects.filter(token=token, event=event, purged_at__isnull=True).first()


def _invitation_initial(invitation: Invitation | None, region: str) -> tuple[dict[str, Any], list]:
    if invitation is None:
        return {"adults": 1}, []
    initial: dict[str, Any] = {"adults": 1, "contact_name": invitation.family_name}
    if invitation.channel == Invitation.Channel.EMAIL:
        initial["email"] = invitation.contact
    else:
        initial["phone"] = format_phone(invitation.contact, region)
    children = [
        {"first_name": name.strip()}
        for name in invitation.children_names.split(",")
        if name.strip()
    ][:MAX_CHILDREN]
    return initial, children


def _posted_rows(request: HttpRequest) -> list[dict[str, str]]:
    """The children's rows as typed, for a form re-rendered with more rows."""
    try:
        total = int(request.POST.get(f"{CHILD_PREFIX}-TOTAL_FORMS", CHILD_ROWS))
    except ValueError:
        total = CHILD_ROWS
    total = max(1, min(MAX_CHILDREN, total))
    return [
        {
            "first_name": request.POST.get(f"{CHILD_PREFIX}-{i}-first_name", ""),
            "age_band": request.POST.get(f"{CHILD_PREFIX}-{i}-age_band", ""),
        }
        for i in range(total)
    ]


def family_forms(
    request: HttpRequest, *, region: str, initial: dict[str, Any], children: list[dict[str, Any]]
) -> tuple[RegistrationForm, Any, bool]:
    """The family's form and the children's rows, bound to a POST or filled from `initial`.
    Returns (form, formset, bound): "More rows for children" re-renders unbound, as typed,
    with three more rows (at most 10) and no errors."""
    if request.method == "POST" and "more_rows" in request.POST:
        rows = _posted_rows(request)
        fields = RegistrationForm.base_fields
        form = RegistrationForm(
            initial={name: request.POST.get(name, "") for name in fields}, region=region
        )
        count = min(MAX_CHILDREN, len(rows) + CHILD_ROWS)
        formset = child_formset(count)(
            initial=rows, prefix=CHILD_PREFIX, error_messages=CHILD_FORMSET_ERRORS
        )
        return form, formset, False
    if request.method == "POST":
        form = RegistrationForm(request.POST, region=region)
        formset = child_formset()(
            request.POST, prefix=CHILD_PREFIX, error_messages=CHILD_FORMSET_ERRORS
        )
        return form, formset, True
    count = max(CHILD_ROWS, len(children) + 1) if children else CHILD_ROWS
    form = RegistrationForm(initial=initial, region=region)
    formset = child_formset(count)(
        initial=children, prefix=CHILD_PREFIX, error_messages=CHILD_FORMSET_ERRORS
    )
    return form, formset, False


def _sent_id(event: Event) -> str:
    return f"events.rsvp.{event.reference}"


def _registered(request: HttpRequest, registration: Registration) -> HttpResponse:
    """The answer to a registration, the first time and on every repeat of the form."""
    url = reverse("events:manage", args=[registration.token])
    request.session[NEW_REGISTRATION_SESSION_KEY] = registration.token
    idempotency.remember_sent(
        request, _sent_id(registration.event), url=url, label=registration.reference
    )
    return redirect(url)


def _once_problem(exc: idempotency.IdempotencyError) -> dict[str, Any]:
    original = exc.original if isinstance(exc.original, Registration) else None
    if exc.code == "in_flight":
        text = _(
            "Your registration is being saved. Wait a moment, then send again: it will not be "
            "made twice."
        )
    elif exc.code == "key_reused":
        text = _(
            "This form was already sent. Check the answers below and send again to register "
            "another family."
        )
    else:
        text = _("This form had expired. Check the answers below and send again.")
    return {
        "code": exc.code,
        "text": text,
        "link": reverse("events:manage", args=[original.token]) if original else "",
        "reference": original.reference if original else "",
    }


@never_cache
@require_http_methods(["GET", "POST"])
@ratelimit.with_device_cookie
def rsvp(request: HttpRequest, reference: str) -> HttpResponse:
    """A family registers: contact, adults, each child's first name and age band."""
    event = public_event(reference)
    region = event.agency.phone_region
    invitation = _invitation(request, event)
    initial, children = _invitation_initial(invitation, region)
    form, formset, bound = family_forms(request, region=region, initial=initial, children=children)
    problem: dict[str, Any] | None = None
    limited: dict[str, Any] | None = None
    sent: dict[str, Any] | None = None
    status = 200
    if bound and is_open(event):
        status = 400
        try:
            claim = idempotency.form_claim(request)
            first = idempotency.replay(claim, wait=ONCE_WAIT_SECONDS) if claim else None
            if first is not None and isinstance(first.obj, Registration):
                return _registered(request, first.obj)
            decision = ratelimit.check(request, RSVP_LIMIT_SCOPE)
            if not decision.allowed:
                limited = {
                    "decision": decision,
                    "phone": unit_phone(event.agency),
                    "photo": False,
                    "emergency": False,
                }
            elif form.is_valid() & formset.is_valid():
                outcome = idempotency.run_once(
                    claim,
                    lambda: services.registration_create(
                        event=event,
                        data=form.service_data(),
                        children=formset.children(),
                        language=_language(),
                        invitation=invitation,
                    ),
                    wait=ONCE_WAIT_SECONDS,
                )
                return _registered(request, outcome.obj)
        except idempotency.IdempotencyError as exc:
            problem, status = _once_problem(exc), exc.status
        except EventError as exc:
            form.add_error(None, exc.message)
            status = exc.status
    elif request.method == "GET" and not request.GET.get("another"):
        sent = idempotency.sent_before(request, _sent_id(event), within=SENT_WINDOW)
    key = (
        idempotency.form_key_for(request)
        if request.method == "POST" and (problem is None or problem["code"] == "in_flight")
        else idempotency.new_form_key(request)
    )
    context = {
        "event": event,
        "counts": _counts(event),
        "open": is_open(event),
        "form": form,
        "formset": formset,
        "show_errors": bound,
        "invitation": invitation,
        "idempotency_key": key,
        "once_problem": problem,
        "limited": limited,
        "sent": sent,
        "another_url": f"{request.path}?another=1",
        "more_rows": formset.total_form_count() < MAX_CHILDREN,
    }
    response = render(request, "events/rsvp.html", context, status=status)
    if limited is not None:
        response = ratelimit.too_many_headers(response, limited["decision"])
    return response


# --- the family's private page -------------------------------------------------------------------


def _manage_context(request: HttpRequest, registration: Registration) -> dict[str, Any]:
    event = registration.event
    now = timezone.now()
    active = registration.status in (RStatus.CONFIRMED, RStatus.WAITLISTED, RStatus.OFFERED)
    feedback_open = (
        event.status == Event.Status.PUBLISHED
        and event.start <= now
        and registration.status == RStatus.CONFIRMED
    )
    return {
        "r": registration,
        "event": event,
        "children": list(registration.children.all()),
        "position": selectors.waitlist_position(registration),
        "can_change": active and is_open(event),
        "feedback_open": feedback_open,
        "feedback_given": hasattr(registration, "feedback") and feedback_open,
        "offer_late": registration.status == RStatus.OFFERED
        and registration.offer_expires_at is not None
        and registration.offer_expires_at <= now,
    }


@never_cache
@require_GET
def manage(request: HttpRequest, token: str) -> HttpResponse:
    """The family's page: where they stand, the QR code for the door, change or cancel."""
    registration = _registration(token)
    if registration is None:
        return _gone(request)
    first_time = request.session.pop(NEW_REGISTRATION_SESSION_KEY, None) == token
    context = _manage_context(request, registration)
    context["first_time"] = first_time
    context["link"] = request.build_absolute_uri(request.path)
    return render(request, "events/manage.html", context)


@never_cache
@require_GET
def qr(request: HttpRequest, token: str) -> HttpResponse:
    """The QR code to show at the door, a PNG made here (segno): only for a confirmed family."""
    registration = _registration(token)
    if registration is None or registration.status != RStatus.CONFIRMED:
        raise Http404("No QR code")
    code = segno.make(services.qr_payload(registration), error="m")
    buffer = io.BytesIO()
    code.save(buffer, kind="png", scale=8, border=4)
    return HttpResponse(buffer.getvalue(), content_type="image/png")


def _family_action(request: HttpRequest, token: str, act: Any, done: str) -> HttpResponse:
    registration = _registration(token)
    if registration is None:
        return _gone(request)
    try:
        act(registration=registration)
    except EventError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect("events:manage", token)


@never_cache
@require_POST
def offer_accept(request: HttpRequest, token: str) -> HttpResponse:
    return _family_action(
        request, token, services.offer_accept, _("You have a place. See you there!")
    )


@never_cache
@require_POST
def offer_decline(request: HttpRequest, token: str) -> HttpResponse:
    return _family_action(
        request,
        token,
        services.offer_decline,
        _("Thank you for telling us. The place goes to the next family."),
    )


@never_cache
@require_http_methods(["GET", "POST"])
def cancel(request: HttpRequest, token: str) -> HttpResponse:
    """Cancel, after a confirmation page (a GET never cancels)."""
    registration = _registration(token)
    if registration is None:
        return _gone(request)
    if request.method == "POST":
        return _family_action(
            request,
            token,
            services.registration_cancel,
            _("Your registration is cancelled. Your places go to families on the waitlist."),
        )
    return render(request, "events/cancel.html", {"r": registration, "event": registration.event})


@never_cache
@require_http_methods(["GET", "POST"])
def change(request: HttpRequest, token: str) -> HttpResponse:
    """Change the counts, the children's names or the contact details."""
    registration = _registration(token)
    if registration is None:
        return _gone(request)
    event = registration.event
    region = event.agency.phone_region
    initial = {
        "contact_name": registration.contact_name,
        "email": registration.email,
        "phone": format_phone(registration.phone, region) if registration.phone else "",
        "adults": registration.adults,
        "languages": registration.languages,
        "accessibility_needs": registration.accessibility_needs,
    }
    kids = [
        {"first_name": c.first_name, "age_band": c.age_band} for c in registration.children.all()
    ]
    form, formset, bound = family_forms(request, region=region, initial=initial, children=kids)
    status = 200
    if bound:
        status = 400
        if form.is_valid() & formset.is_valid():
            try:
                updated = services.registration_update(
                    registration=registration,
                    data=form.service_data(),
                    children=formset.children(),
                )
            except EventError as exc:
                form.add_error(None, exc.message)
                status = exc.status
            else:
                if updated.status == RStatus.WAITLISTED and registration.status != updated.status:
                    messages.warning(
                        request,
                        _(
                            "Saved. There is no room for this many people yet, so your family "
                            "is on the waitlist; we will offer you the places as they free up."
                        ),
                    )
                else:
                    messages.success(request, _("Your registration is changed."))
                return redirect("events:manage", token)
    context = {
        "r": registration,
        "event": event,
        "form": form,
        "formset": formset,
        "show_errors": bound,
        "can_change": _manage_context(request, registration)["can_change"],
        "more_rows": formset.total_form_count() < MAX_CHILDREN,
    }
    return render(request, "events/change.html", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
@ratelimit.with_device_cookie
def feedback(request: HttpRequest, token: str) -> HttpResponse:
    """After the event: did they feel welcome, would they call an officer."""
    registration = _registration(token)
    if registration is None:
        return _gone(request)
    event = registration.event
    context = _manage_context(request, registration)
    form = FeedbackForm(request.POST or None)
    limited: dict[str, Any] | None = None
    status = 200
    if request.method == "POST" and context["feedback_open"] and not context["feedback_given"]:
        status = 400
        decision = ratelimit.check(request, FEEDBACK_LIMIT_SCOPE)
        if not decision.allowed:
            limited = {
                "decision": decision,
                "phone": unit_phone(event.agency),
                "photo": False,
                "emergency": False,
            }
        elif form.is_valid():
            try:
                services.feedback_submit(
                    event=event, registration=registration, data=form.cleaned_data
                )
            except EventError as exc:
                form.add_error(None, exc.message)
                status = exc.status
            else:
                messages.success(request, _("Thank you for your feedback."))
                return redirect("events:manage", token)
    context.update({"form": form, "limited": limited})
    response = render(request, "events/feedback.html", context, status=status)
    if limited is not None:
        response = ratelimit.too_many_headers(response, limited["decision"])
    return response
