"""Visit pages for partners, coordinators and officers.

Views check access and validate input; services change state and write the audit entry.
Every page that shows a child's first name records that in the audit log
(services.request_viewed). A request or visit the user may not see is a 404; one they may see
but not act on is a 403.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from showup.core.models import User
from showup.visits import ical, selectors, services
from showup.visits.forms import (
    CompleteForm,
    GivenForm,
    PlaceForm,
    RequestForm,
    RequestForPartnerForm,
    ShiftForm,
    SlotForm,
    StockForm,
)
from showup.visits.models import FeedToken, Visit, VisitRequest
from showup.visits.services import VisitError

# --- access helpers ---------------------------------------------------------------------------


def _user(request: HttpRequest) -> User | None:
    user = request.user
    if isinstance(user, User) and (selectors.is_agency_staff(user) or selectors.is_partner(user)):
        return user
    return None


def staff_required(view: Any) -> Any:
    """Anonymous → log in; signed in without a visits role → 403."""

    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        user = _user(request)
        if user is None:
            raise PermissionDenied
        return view(request, user, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return never_cache(wrapped)


def _need(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _next_or(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return target
    return fallback


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


# --- entry ------------------------------------------------------------------------------------


@staff_required
def index(request: HttpRequest, user: User) -> HttpResponse:
    if selectors.is_partner(user):
        return redirect("visits:requests")
    if selectors.is_officer(user):
        return redirect("visits:my_day")
    return redirect("visits:queue")


# --- partner ----------------------------------------------------------------------------------


@staff_required
def requests_mine(request: HttpRequest, user: User) -> HttpResponse:
    """ "Our requests": the partner organisation's requests and where each one stands."""
    _need(selectors.is_partner(user))
    items = list(
        selectors.visible_requests(user)
        .prefetch_related("visits__officer", "windows")
        .order_by("-created_at")[:200]
    )
    services.request_viewed(actor=user, requests=items, where="visits.requests")
    return render(request, "visits/requests.html", {"items": items})


@staff_required
@require_http_methods(["GET", "POST"])
def request_new(request: HttpRequest, user: User) -> HttpResponse:
    """ "Request a visit", prefilled from the partner's place rules."""
    _need(selectors.is_partner(user))
    assert user.agency_id is not None
    place = selectors.place_for(user)
    officers = selectors.agency_officers(user.agency_id)
    if request.method == "POST":
        form = RequestForm(request.POST, officers=officers)
        if form.is_valid():
            try:
                visit_request = services.request_create(
                    actor=user,
                    partner_org=user.partner_org,  # type: ignore[arg-type]
                    data=form.service_data(),
                    windows=form.windows(),
                    place=place,
                )
            except VisitError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(
                    request,
                    _("Request %(ref)s sent to the unit. We will propose a time.")
                    % {"ref": visit_request.reference},
                )
                return redirect("visits:requests")
    else:
        initial: dict[str, Any] = {"group_size": 1}
        if place is not None:
            initial.update(place.rules())
        form = RequestForm(initial=initial, officers=officers)
    return render(request, "visits/request_form.html", {"form": form, "place": place})


@staff_required
@require_http_methods(["GET", "POST"])
def place_edit(request: HttpRequest, user: User) -> HttpResponse:
    """The partner's standing rules for visitors; new requests start from them."""
    _need(selectors.is_partner(user))
    place = selectors.place_for(user)
    form = PlaceForm(
        request.POST or None,
        instance=place,
        initial=None if place else {"name": str(user.partner_org)},
    )
    if request.method == "POST" and form.is_valid():
        services.place_save(
            partner_org=user.partner_org,  # type: ignore[arg-type]
            actor=user,
            data=form.cleaned_data,
            place=place,
        )
        messages.success(request, _("Visiting rules saved. New requests start from them."))
        return redirect("visits:requests")
    return render(request, "visits/place.html", {"form": form})


def _partner_answers_slot(
    request: HttpRequest,
    user: User,
    pk: int,
    act: Callable[..., object],
    done: str,
) -> HttpResponse:
    """A partner's answer to a proposed or accepted slot: the service `act`, then back to
    the request with `done` or the service's refusal."""
    visit = selectors.access_visit_by_id(user, pk)
    _need(selectors.is_partner(user))
    try:
        act(visit=visit, actor=user)
        messages.success(request, done)
    except VisitError as exc:
        messages.error(request, exc.message)
    return redirect("visits:request_detail", visit.request_id)


@staff_required
@require_POST
def slot_accept(request: HttpRequest, user: User, pk: int) -> HttpResponse:
    done = _("Thank you: the visit is confirmed.")
    return _partner_answers_slot(request, user, pk, services.slot_accept, done)


@staff_required
@require_POST
def slot_decline(request: HttpRequest, user: User, pk: int) -> HttpResponse:
    done = _("Declined: the unit will propose another time.")
    return _partner_answers_slot(request, user, pk, services.slot_decline, done)


@staff_required
@require_POST
def slot_withdraw(request: HttpRequest, user: User, pk: int) -> HttpResponse:
    """The partner takes back an acceptance before the visit starts."""
    done = _(
        "Acceptance withdrawn: the unit has been told. The time is still held for you; "
        "accept it again or tell us you cannot take it."
    )
    return _partner_answers_slot(request, user, pk, services.slot_withdraw_acceptance, done)


@staff_required
@require_POST
def request_cancel(request: HttpRequest, user: User, pk: int) -> HttpResponse:
    visit_request = selectors.access_request_by_id(user, pk)
    _need(selectors.is_partner(user) or selectors.is_coordinator(user))
    try:
        services.request_cancel(
            request=visit_request, actor=user, reason=request.POST.get("reason", "")
        )
        messages.success(request, _("The request is cancelled."))
    except VisitError as exc:
        messages.error(request, exc.message)
    return redirect("visits:request_detail", visit_request.pk)


# --- coordinator (and officers, read-only) -----------------------------------------------------


@staff_required
def queue(request: HttpRequest, user: User) -> HttpResponse:
    """Requests by urgency, then the longest waiting, each with its place's rules."""
    _need(selectors.is_agency_staff(user))
    closed = request.GET.get("show") == "closed"
    items = list(selectors.queue(user, include_closed=closed)[:200])
    services.request_viewed(actor=user, requests=items, where="visits.queue")
    return render(
        request,
        "visits/queue.html",
        {
            "items": items,
            "closed": closed,
            "can_schedule": selectors.is_coordinator(user),
        },
    )


@staff_required
@require_http_methods(["GET", "POST"])
def request_for_partner(request: HttpRequest, user: User) -> HttpResponse:
    """ "New visit request for a partner": a nurse phoned the unit, so the coordinator files
    the request for her organisation. First the organisation (its standing rules fill the
    form), then the partner's own form plus who asked and how."""
    _need(selectors.is_coordinator(user))
    assert user.agency_id is not None
    partners = selectors.partners_for_filing(user)
    wanted = request.POST.get("partner_org") if request.method == "POST" else None
    wanted = wanted or request.GET.get("partner", "")
    chosen = partners.filter(pk=wanted).first() if wanted.isdigit() else None
    if request.method == "GET" and chosen is None:
        return render(
            request,
            "visits/request_for_partner.html",
            {"partners": list(partners), "refused": bool(wanted)},
        )
    place = selectors.place_of(chosen.pk) if chosen is not None else None
    officers = selectors.agency_officers(user.agency_id)
    if request.method == "POST":
        form = RequestForPartnerForm(
            request.POST, partners=partners, chosen=chosen, officers=officers
        )
        if form.is_valid():
            try:
                visit_request = services.request_create_for_partner(
                    actor=user,
                    partner_org=form.cleaned_data["partner_org"],
                    data=form.service_data(),
                    windows=form.windows(),
                    requested_by=form.cleaned_data["requested_by"],
                    received_via=form.cleaned_data["received_via"],
                )
            except VisitError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(
                    request,
                    _("Request %(ref)s filed for %(org)s; their staff have been told.")
                    % {"ref": visit_request.reference, "org": visit_request.partner_org},
                )
                return redirect("visits:queue")
    else:
        assert chosen is not None
        initial: dict[str, Any] = {"group_size": 1, "partner_org": chosen.pk}
        if place is not None:
            initial.update(place.rules())
        form = RequestForPartnerForm(
            initial=initial, partners=partners, chosen=chosen, officers=officers
        )
    return render(
        request,
        "visits/request_for_partner.html",
        {"form": form, "place": place, "chosen": chosen},
    )


@staff_required
def request_detail(request: HttpRequest, user: User, pk: int) -> HttpResponse:
    visit_request = selectors.access_request_by_id(user, pk)
    services.request_viewed(actor=user, requests=[visit_request], where="visits.request_detail")
    visits = list(
        visit_request.visits.select_related("officer", "return_of")
        .prefetch_related("guests", "mementos")
        .order_by("start")
    )
    selectors.attach_given(visits)
    return render(
        request,
        "visits/request_detail.html",
        {
            "r": visit_request,
            "visits": visits,
            "windows": list(visit_request.windows.all()),
            "is_partner": selectors.is_partner(user),
            "can_schedule": selectors.is_coordinator(user),
            "can_record_for": {
                v.pk
                for v in visits
                if selectors.is_coordinator(user)
                or (selectors.is_officer(user) and v.officer_id == user.pk)
            },
            "suggested": selectors.suggested_officer(visit_request),
            "now": timezone.now(),
        },
    )


def _slot_page(
    request: HttpRequest,
    user: User,
    visit_request: VisitRequest,
    *,
    mode: str,
    first_visit: Visit | None = None,
) -> HttpResponse:
    assert user.agency_id is not None
    officers = selectors.agency_officers(user.agency_id)
    suggested = selectors.suggested_officer(visit_request)
    with_guests = True  # guests count towards the place's group limit in every mode
    if request.method == "POST":
        form = SlotForm(request.POST, officers=officers, with_guests=with_guests)
        if form.is_valid():
            data = form.cleaned_data
            kwargs: dict[str, Any] = {
                "officer": data["officer"],
                "start": data["start"],
                "end": data["end"],
                "actor": user,
                "guests": form.guests(),
            }
            try:
                if mode == "propose":
                    services.slot_propose(request=visit_request, **kwargs)
                elif mode == "reschedule":
                    services.visit_reschedule(request=visit_request, **kwargs)
                else:
                    assert first_visit is not None
                    services.return_visit_create(first_visit=first_visit, **kwargs)
            except VisitError as exc:
                form.add_error("start" if exc.code == "overlap" else None, exc.message)
            else:
                messages.success(
                    request,
                    _("Proposed to %(org)s; they will confirm.")
                    % {"org": visit_request.partner_org},
                )
                return redirect("visits:request_detail", visit_request.pk)
    else:
        initial: dict[str, Any] = {}
        if suggested is not None and suggested.pk in {o.pk for o in officers}:
            initial["officer"] = suggested.pk
        window = visit_request.windows.filter(start__gte=timezone.now()).first()
        if window is not None:
            initial["start"] = timezone.localtime(window.start)
            initial["end"] = timezone.localtime(window.end)
        form = SlotForm(initial=initial, officers=officers, with_guests=with_guests)
    services.request_viewed(actor=user, requests=[visit_request], where=f"visits.{mode}")
    day = _day_of(form)
    return render(
        request,
        "visits/slot_form.html",
        {
            "form": form,
            "r": visit_request,
            "mode": mode,
            "suggested": suggested,
            "first_visit": first_visit,
            "windows": list(visit_request.windows.all()),
            "already_given": selectors.given_by_request([visit_request.pk]).get(
                visit_request.pk, []
            ),
            "day": day,
            "rows": selectors.availability(user.agency_id, day),
        },
    )


def _day_of(form: SlotForm) -> date:
    value = form["start"].value()
    if isinstance(value, datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if isinstance(value, str) and len(value) >= 10:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            pass
    return timezone.localdate()


@staff_required
@require_http_methods(["GET", "POST"])
def propose(request: HttpRequest, user: User, pk: int) -> HttpResponse:
    visit_request = selectors.access_request_by_id(user, pk)
    _need(selectors.is_coordinator(user))
    return _slot_page(request, user, visit_request, mode="propose")


@staff_required
@require_http_methods(["GET", "POST"])
def reschedule(request: HttpRequest, user: User, pk: int) -> HttpResponse:
    """After an interruption: the same officer is proposed first."""
    visit_request = selectors.access_request_by_id(user, pk)
    _need(selectors.is_coordinator(user))
    if visit_request.status != VisitRequest.Status.INTERRUPTED:
        messages.info(request, _("This request is not waiting to be rescheduled."))
        return redirect("visits:request_detail", visit_request.pk)
    return _slot_page(
        request,
        user,
        visit_request,
        mode="reschedule",
        first_visit=selectors.visit_to_reschedule(visit_request),
    )


@staff_required
@require_http_methods(["GET", "POST"])
def return_visit(request: HttpRequest, user: User, pk: int) -> HttpResponse:
    """Book a return visit that builds on an earlier one, often with guests."""
    visit = selectors.access_visit_by_id(user, pk)
    _need(selectors.is_coordinator(user))
    return _slot_page(request, user, visit.request, mode="return", first_visit=visit)


@staff_required
@require_http_methods(["GET", "POST"])
def availability(request: HttpRequest, user: User) -> HttpResponse:
    """Officers' shifts and booked visits for one day; coordinators also add shifts here."""
    _need(selectors.is_coordinator(user))
    assert user.agency_id is not None
    try:
        day = date.fromisoformat(request.GET.get("date", "")[:10])
    except ValueError:
        day = timezone.localdate()
    officers = selectors.agency_officers(user.agency_id)
    form = ShiftForm(request.POST or None, officers=officers)
    if request.method == "POST" and form.is_valid():
        try:
            shift = services.shift_add(
                officer=form.cleaned_data["officer"],
                start=form.cleaned_data["start"],
                end=form.cleaned_data["end"],
                actor=user,
            )
        except VisitError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Shift added."))
            return redirect(
                reverse("visits:availability")
                + "?date="
                + timezone.localtime(shift.start).date().isoformat()
            )
    context = {
        "day": day,
        "rows": selectors.availability(user.agency_id, day),
        "form": form,
        "prev": day.fromordinal(day.toordinal() - 1),
        "next": day.fromordinal(day.toordinal() + 1),
    }
    if _is_htmx(request):
        return render(request, "visits/availability.html#day", context)
    return render(request, "visits/availability.html", context)


@staff_required
@require_http_methods(["GET", "POST"])
def stock(request: HttpRequest, user: User) -> HttpResponse:
    _need(selectors.is_coordinator(user))
    assert user.agency is not None
    form = StockForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.stock_set(
            agency=user.agency,
            kind=form.cleaned_data["kind"],
            quantity=form.cleaned_data["quantity"],
            actor=user,
        )
        messages.success(request, _("Stock count saved."))
        return redirect("visits:stock")
    return render(
        request,
        "visits/stock.html",
        {
            "rows": selectors.stock(user.agency.pk),
            "form": form,
        },
    )


# --- officer ----------------------------------------------------------------------------------


@staff_required
def my_day(request: HttpRequest, user: User) -> HttpResponse:
    _need(selectors.is_officer(user))
    today, later = selectors.my_day(user)
    selectors.attach_given(today + later)
    services.request_viewed(
        actor=user, requests=[v.request for v in today + later], where="visits.my_day"
    )
    return render(request, "visits/my_day.html", {"today": today, "later": later})


def _visit_action(request: HttpRequest, user: User, pk: int, action: str) -> HttpResponse:
    visit = selectors.access_visit_by_id(user, pk)
    _need(selectors.is_officer(user) or selectors.is_coordinator(user))
    error = ""
    try:
        if action == "start":
            services.visit_start(visit=visit, actor=user)
        else:
            services.visit_interrupt(visit=visit, actor=user)
    except VisitError as exc:
        error = exc.message
    if _is_htmx(request):
        visit.refresh_from_db()
        selectors.attach_given([visit])
        return render(request, "visits/my_day.html#visit_card", {"v": visit, "error": error})
    if error:
        messages.error(request, error)
    elif action == "interrupt":
        messages.success(
            request,
            _("Marked as called away. The unit will reschedule; the partner has been told."),
        )
    return redirect(_next_or(request, reverse("visits:my_day")))


@staff_required
@require_POST
def visit_start(request: HttpRequest, user: User, pk: int) -> HttpResponse:
    return _visit_action(request, user, pk, "start")


@staff_required
@require_POST
def visit_interrupt(request: HttpRequest, user: User, pk: int) -> HttpResponse:
    """One tap: called away."""
    return _visit_action(request, user, pk, "interrupt")


@staff_required
@require_http_methods(["GET", "POST"])
def visit_complete(request: HttpRequest, user: User, pk: int) -> HttpResponse:
    visit = selectors.access_visit_by_id(user, pk)
    _need(selectors.is_officer(user) or selectors.is_coordinator(user))
    photos_allowed = visit.request.photos_allowed
    form = CompleteForm(
        request.POST or None,
        photos_allowed=photos_allowed,
        officers=[
            o
            for o in selectors.agency_officers(visit.request.agency_id)
            if o.pk != visit.officer_id
        ],
        initial={"officer_note": visit.officer_note},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.visit_complete(
                visit=visit,
                actor=user,
                note=form.cleaned_data["officer_note"],
                mementos=form.mementos(),
                guests=form.guests(),
                photo_consent=form.cleaned_data["photo_consent"],
                can_feed_story=form.cleaned_data["can_feed_story"],
            )
        except VisitError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Visit recorded. Thank you for showing up."))
            return redirect(_next_or(request, reverse("visits:my_day")))
    services.request_viewed(actor=user, requests=[visit.request], where="visits.complete")
    selectors.attach_given([visit])
    return render(request, "visits/complete.html", {"form": form, "v": visit, "r": visit.request})


@staff_required
@require_http_methods(["GET", "POST"])
def visit_given(request: HttpRequest, user: User, pk: int) -> HttpResponse:
    """What was given (and a short private note) on a visit in progress or one the officer was
    called away from: "What did you give before leaving?"."""
    visit = selectors.access_visit_by_id(user, pk)
    _need(selectors.is_officer(user) or selectors.is_coordinator(user))
    form = GivenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.visit_record_given(
                visit=visit,
                actor=user,
                mementos=form.mementos(),
                note=form.cleaned_data["note"],
            )
        except VisitError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Recorded. The next visit will build on it."))
            return redirect(_next_or(request, reverse("visits:my_day")))
    services.request_viewed(actor=user, requests=[visit.request], where="visits.given")
    selectors.attach_given([visit])
    return render(request, "visits/given.html", {"form": form, "v": visit, "r": visit.request})


# --- calendar -----------------------------------------------------------------------------------


@staff_required
def calendar(request: HttpRequest, user: User) -> HttpResponse:
    token = services.feed_token_for(user)
    return render(
        request,
        "visits/calendar.html",
        {
            "feed_url": request.build_absolute_uri(reverse("visits:calendar_feed")),
            "token_url": request.build_absolute_uri(
                reverse("visits:calendar_token_feed", args=[token.token])
            ),
        },
    )


@staff_required
@require_POST
def calendar_rotate(request: HttpRequest, user: User) -> HttpResponse:
    services.feed_token_rotate(user=user)
    messages.success(
        request, _("New calendar link made. Subscriptions with the old link stop updating.")
    )
    return redirect("visits:calendar")


def _ics(user: User) -> HttpResponse:
    body = ical.feed_for(user)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="showup-visits.ics"'
    response["Cache-Control"] = "private, no-store"
    return response


@staff_required
def calendar_feed(request: HttpRequest, user: User) -> HttpResponse:
    return _ics(user)


@never_cache
def calendar_token_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The subscription URL for calendar apps (they cannot log in): the token is the key."""
    found = FeedToken.objects.select_related("user").filter(token=token).first()
    if found is None or _user_for_feed(found.user) is None:
        raise Http404("No such calendar")
    return _ics(found.user)


def _user_for_feed(user: User) -> User | None:
    if user.is_active and (selectors.is_agency_staff(user) or selectors.is_partner(user)):
        return user
    return None
