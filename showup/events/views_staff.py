"""Staff pages for events: the agency's events, creating and changing them (with activities and
safety material), publishing and cancelling, the registrations, and the door.

Coordinators and admins of the agency change events; officers read them and check families in
at the door; partner staff have no events pages (403). An event of another agency answers
exactly like one that does not exist (404, selectors.access_event). Every page that shows
families' names writes one audit entry with ids and counts only
(services.registrations_viewed).
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from showup.core.models import Role, User
from showup.core.when import api_time_problem
from showup.events import attribution, selectors, services
from showup.events.forms import ActivityForm, DoorSearchForm, EventForm, MaterialForm
from showup.events.models import Activity, CheckIn, Event, Registration, SafetyMaterial
from showup.events.services import EventError

RStatus = Registration.Status
DOOR_LIMIT = 200


# --- access ---------------------------------------------------------------------------------------


def is_agency_staff(user: object) -> bool:
    return (
        isinstance(user, User)
        and user.is_authenticated
        and user.is_active
        and user.agency_id is not None
        and user.role in (Role.OFFICER, Role.COORDINATOR, Role.ADMIN)
    )


def is_manager(user: object) -> bool:
    return is_agency_staff(user) and isinstance(user, User) and user.role != Role.OFFICER


def staff_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Anonymous: log in. Signed in without an agency staff role (partners): 403."""

    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_agency_staff(request.user):
            raise PermissionDenied
        return view(request, request.user, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return never_cache(wrapped)


def _need_manager(user: User) -> None:
    if not is_manager(user):
        raise PermissionDenied


def _event(user: User, pk: int) -> Event:
    return selectors.access_event(user, pk)


# --- events ---------------------------------------------------------------------------------------


@staff_required
def event_list(request: HttpRequest, user: User) -> HttpResponse:
    events = list(selectors.visible_events(user).order_by("-start")[:200])
    now = timezone.now()
    rows = [{"event": e, "counts": selectors.event_counts(e), "past": e.end <= now} for e in events]
    return render(request, "events/staff/list.html", {"rows": rows, "can_manage": is_manager(user)})


@staff_required
@require_http_methods(["GET", "POST"])
def event_create(request: HttpRequest, user: User) -> HttpResponse:
    _need_manager(user)
    assert user.agency is not None
    form = EventForm(request.POST or None, initial={"offer_hours": 24})
    if request.method == "POST" and form.is_valid():
        try:
            event = services.event_create(agency=user.agency, actor=user, data=form.service_data())
        except EventError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("Draft saved. Add the activities and safety material, then publish it."),
            )
            return redirect("events:staff_edit", event.pk)
    return render(request, "events/staff/form.html", {"form": form, "event": None})


@staff_required
@require_http_methods(["GET", "POST"])
def event_edit(request: HttpRequest, user: User, pk: int) -> HttpResponse:
    event = _event(user, pk)
    _need_manager(user)
    initial = {name: getattr(event, name) for name in EventForm.Meta.fields}
    form = EventForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.event_update(event=event, actor=user, data=form.service_data())
        except EventError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Event saved."))
            return redirect("events:staff_edit", event.pk)
    return render(request, "events/staff/form.html", _edit_context(event, form=form))


def _edit_context(
    event: Event,
    *,
    form: EventForm | None = None,
    activity_form: ActivityForm | None = None,
    material_form: MaterialForm | None = None,
) -> dict[str, Any]:
    initial = {name: getattr(event, name) for name in EventForm.Meta.fields}
    return {
        "event": event,
        "form": form or EventForm(initial=initial),
        "activity_form": activity_form or ActivityForm(prefix="activity"),
        "material_form": material_form or MaterialForm(prefix="material"),
        "activities": list(event.activities.all()),
        "materials": list(event.materials.all()),
    }


@staff_required
@require_POST
def activity_add(request: HttpRequest, user: User, pk: int) -> HttpResponse:
    event = _event(user, pk)
    _need_manager(user)
    form = ActivityForm(request.POST, prefix="activity")
    if form.is_valid():
        try:
            services.activity_add(
                event=event,
                actor=user,
                title=form.cleaned_data["title"],
                start=form.cleaned_data["start"],
                end=form.cleaned_data.get("end"),
                place=form.cleaned_data.get("place", ""),
            )
        except EventError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Activity added."))
            return redirect(reverse("events:staff_edit", args=[event.pk]) + "#activities")
    return render(
        request,
        "events/staff/form.html",
        _edit_context(event, activity_form=form),
        status=400,
    )


@staff_required
@require_POST
def activity_remove(request: HttpRequest, user: User, pk: int) -> HttpResponse:
    activity = Activity.objects.filter(pk=pk).select_related("event").first()
    if activity is None:
        raise Http404
    event = _event(user, activity.event_id)
    _need_manager(user)
    try:
        services.activity_remove(activity=activity, actor=user)
        messages.success(request, _("Activity removed."))
    except EventError as exc:
        messages.error(request, exc.message)
    return redirect(reverse("events:staff_edit", args=[event.pk]) + "#activities")


@staff_required
@require_POST
def material_add(request: HttpRequest, user: User, pk: int) -> HttpResponse:
    event = _event(user, pk)
    _need_manager(user)
    form = MaterialForm(request.POST, prefix="material")
    if form.is_valid():
        try:
            services.material_add(
                event=event,
                actor=user,
                title=form.cleaned_data["title"],
                body=form.cleaned_data.get("body", ""),
                url=form.cleaned_data.get("url", ""),
            )
        except EventError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Safety material added."))
            return redirect(reverse("events:staff_edit", args=[event.pk]) + "#materials")
    return render(
        request,
        "events/staff/form.html",
        _edit_context(event, material_form=form),
        status=400,
    )


@staff_required
@require_POST
def material_remove(request: HttpRequest, user: User, pk: int) -> HttpResponse:
    material = SafetyMaterial.objects.filter(pk=pk).first()
    if material is None:
        raise Http404
    event = _event(user, material.event_id)
    _need_manager(user)
    try:
        services.material_remove(material=material, actor=user)
        messages.success(request, _("Safety material removed."))
    except EventError as exc:
        messages.error(request, exc.message)
    return redirect(reverse("events:staff_edit", args=[event.pk]) + "#materials")


@staff_required
@require_POST
def event_publish(request: HttpRequest, user: User, pk: int) -> HttpResponse:
    event = _event(user, pk)
    _need_manager(user)
    try:
        services.event_publish(event=event, actor=user)
        messages.success(request, _("Published: the event is on the public events page."))
    except EventError as exc:
        messages.error(request, exc.message)
    return redirect("events:staff_detail", event.pk)


@staff_required
@require_http_methods(["GET", "POST"])
def event_cancel(request: HttpRequest, user: User, pk: int) -> HttpResponse:
    """Cancel after a confirmation page: every registered family is told."""
    event = _event(user, pk)
    _need_manager(user)
    if request.method == "POST":
        try:
            services.event_cancel(event=event, actor=user)
            messages.success(request, _("The event is cancelled; registered families are told."))
        except EventError as exc:
            messages.error(request, exc.message)
        return redirect("events:staff_detail", event.pk)
    return render(
        request,
        "events/staff/cancel.html",
        {"event": event, "counts": selectors.event_counts(event)},
    )


# --- registrations --------------------------------------------------------------------------------


@staff_required
def event_detail(request: HttpRequest, user: User, pk: int) -> HttpResponse:
    """The registrations: confirmed, the waitlist in order, open offers with their deadlines."""
    event = _event(user, pk)
    registrations = list(
        selectors.registrations_for(user, event)
        .prefetch_related("children")
        .order_by("created_at", "pk")
    )
    groups: dict[str, list[Registration]] = {status: [] for status in RStatus.values}
    for registration in registrations:
        groups[registration.status].append(registration)
    services.registrations_viewed(
        actor=user, event=event, count=len(registrations), where="events.staff_detail"
    )
    return render(
        request,
        "events/staff/detail.html",
        {
            "event": event,
            "counts": selectors.event_counts(event),
            "confirmed": groups[RStatus.CONFIRMED],
            "waitlisted": groups[RStatus.WAITLISTED],
            "offered": groups[RStatus.OFFERED],
            "closed": groups[RStatus.CANCELLED] + groups[RStatus.EXPIRED],
            "can_manage": is_manager(user),
            "encounters": attribution.encounter_outcomes(event),
            "children_checked_in": attribution.children_checked_in(event),
            "public_url": request.build_absolute_uri(
                reverse("events:detail", args=[event.reference])
            ),
        },
    )


# --- the door -------------------------------------------------------------------------------------


@staff_required
def door(request: HttpRequest, user: User, pk: int) -> HttpResponse:
    """Search a confirmed family by a name (the contact's or a child's first name) and mark the
    children checked in."""
    event = _event(user, pk)
    form = DoorSearchForm(request.GET or None)
    query = form.cleaned_data["q"].strip() if form.is_valid() else ""
    found = selectors.registrations_for(user, event).filter(status=RStatus.CONFIRMED)
    if query:
        found = found.filter(
            Q(contact_name__icontains=query) | Q(children__first_name__icontains=query)
        ).distinct()
    families = list(found.prefetch_related("children").order_by("contact_name", "pk")[:DOOR_LIMIT])
    # A fresh scan id per button: a double tap or a re-sent form is recorded once.
    for family in families:
        family.scan_id = _scan_id()  # type: ignore[attr-defined]
        for child in family.children.all():
            child.scan_id = _scan_id()  # type: ignore[attr-defined]
    services.registrations_viewed(actor=user, event=event, count=len(families), where="events.door")
    return render(
        request,
        "events/staff/door.html",
        {"event": event, "form": form, "query": query, "families": families},
    )


@staff_required
@require_POST
def door_checkin(request: HttpRequest, user: User, pk: int) -> HttpResponse:
    """One tap at the door: a child (or the whole family) is checked in. Each tap is a new scan
    id, so it is recorded once even if the phone sends it twice."""
    event = _event(user, pk)
    registration = (
        selectors.registrations_for(user, event)
        .filter(pk=_int(request.POST.get("registration")) or 0)
        .first()
    )
    if registration is None:
        raise Http404
    child = _int(request.POST.get("child"))
    scan_id = request.POST.get("scan_id") or _scan_id()
    try:
        services.checkin_record(
            event=event,
            actor=user,
            payload_or_registration=registration,
            scan_id=scan_id[:64],
            scanned_at=timezone.now(),
            children_ids=[child] if child else None,
        )
    except EventError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Checked in. Welcome!"))
    target = reverse("events:door", args=[event.pk])
    query = request.POST.get("q", "").strip()[:100]
    if query:
        target += "?" + urlencode({"q": query})
    return redirect(target + f"#family-{registration.pk}")


# --- the door: camera scans (static/js/door-scanner.js) ---------------------------------------

SCAN_FUTURE_SLACK = timedelta(minutes=5)  # a phone's clock a little ahead is not an error
SCAN_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")  # the phone's ids are "cam-<uuid>"


def _scan_error(code: str, message: str, status: int) -> JsonResponse:
    return JsonResponse({"status": "error", "code": code, "message": message}, status=status)


@never_cache
@require_POST
def door_scan(request: HttpRequest, pk: int) -> HttpResponse:
    """One QR code scanned by a phone at the door, as JSON: `{"payload", "scan_id",
    "scanned_at"}` (the scan id and time made on the phone, so a scan kept offline and sent
    again later counts once). Answers 201 for a new check-in, 200 for a scan id already
    recorded, with the registration's reference and the children checked in with their badge
    links; a refusal answers its service code (`bad_qr`, `wrong_event`, `not_confirmed`...).
    CSRF is checked as on every POST (the X-CSRFToken header). Staff of the event's agency
    only; the answers are JSON (not a login redirect) so the phone keeps the scan and says why.
    """
    user = request.user
    if not user.is_authenticated:
        return _scan_error("login", _("Your session has ended. Log in again."), 401)
    if not is_agency_staff(user):
        return _scan_error("forbidden", _("Only the agency's staff check families in."), 403)
    assert isinstance(user, User)
    try:
        event = _event(user, pk)
    except Http404:
        return _scan_error("not_found", _("No such event."), 404)
    try:
        data = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        data = None
    if not isinstance(data, dict):
        return _scan_error("bad_request", _("The scan could not be read."), 400)
    payload, scan_id, when = data.get("payload"), data.get("scan_id"), data.get("scanned_at")
    if not isinstance(payload, str) or not payload.strip() or len(payload) > 200:
        return _scan_error("bad_qr", _("This is not a showup check-in code."), 422)
    if not isinstance(scan_id, str) or not SCAN_ID.fullmatch(scan_id):
        return _scan_error("bad_scan_id", _("The scan has no valid id."), 422)
    scanned_at = _scan_time(when)
    if scanned_at is None:
        return _scan_error("bad_time", _("The scan has no valid time."), 422)
    existed = CheckIn.objects.filter(scan_id=scan_id).exists()
    try:
        checkin = services.checkin_record(
            event=event,
            actor=user,
            payload_or_registration=payload,
            scan_id=scan_id,
            scanned_at=scanned_at,
        )
    except EventError as exc:
        return _scan_error(exc.code, exc.message, exc.status)
    registration = checkin.registration
    children = [c for c in registration.children.all() if c.checked_in_at is not None]
    existed = existed or checkin.scan_id != scan_id  # the family came in with another scan
    if existed:
        # A re-sent scan records nothing new, but it shows the family's names again.
        services.registrations_viewed(actor=user, event=event, count=1, where="events.door_scan")
    return JsonResponse(
        {
            "status": "already" if existed else "checked_in",
            "scan_id": checkin.scan_id,
            "reference": registration.reference,
            "children_checked_in": len(children),
            "children": [
                {"first_name": c.first_name, "badge_url": reverse("events:badge", args=[c.pk])}
                for c in children
            ],
        },
        status=200 if existed else 201,
    )


def _scan_time(value: object) -> datetime | None:
    """The phone's time of the scan: ISO 8601 with an offset, a sensible year, not in the
    future (a clock a few minutes ahead reads as now)."""
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if api_time_problem(parsed):
        return None
    now = timezone.now()
    if parsed > now + SCAN_FUTURE_SLACK:
        return None
    return min(parsed, now)


def _scan_id() -> str:
    return f"web-{uuid.uuid4().hex}"


def _int(value: str | None) -> int | None:
    try:
        return int(value or "")
    except ValueError:
        return None
