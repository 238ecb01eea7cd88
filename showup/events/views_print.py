"""Printing junior badges and certificates (PDF, rendered by showup.events.printing).

Staff of the event's agency only: coordinators and admins print the batch before the day,
officers print a single badge or certificate at check-in. Partner staff get 403; an event or a
child of another agency answers 404, as if it did not exist. Every print writes one audit entry
with codes and ids only: `events.badges.printed` (a batch, with its count),
`events.badge.printed` (one child's badge printed at the door: a POST, through
services.badge_printed, which also stamps the child's `badge_printed_at`),
`events.badge.viewed` (the same PDF opened again by a GET, which stamps nothing) and
`events.certificate.printed`.

The emblem is the agency's own (core.AgencyEmblem, uploaded in the agency admin), else
showup's star.

Query parameters: `paper=letter|a4` (default: settings.EVENTS_PAPER, else letter),
`slot=1..8` for a sheet whose first labels are used already, `kind=chief|partner` for a
certificate. A value outside these is a 400, never a silent default.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, QueryDict
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from showup.core.audit import audit
from showup.core.models import AgencyEmblem, User
from showup.events import printing, selectors, services
from showup.events.models import Event, RegisteredChild, Registration
from showup.events.views_staff import staff_required


def _paper(request: HttpRequest | QueryDict) -> str | None:
    query = request.GET if isinstance(request, HttpRequest) else request
    paper = query.get("paper") or getattr(settings, "EVENTS_PAPER", "letter")
    return paper if paper in printing.LAYOUTS else None


def _event_date(event: Event) -> str:
    return formats.date_format(timezone.localdate(event.start), "DATE_FORMAT")


def _printable_children(event: Event) -> QuerySet[RegisteredChild]:
    """Children of the event's confirmed registrations whose names are still kept."""
    return (
        RegisteredChild.objects.filter(
            registration__event=event,
            registration__status=Registration.Status.CONFIRMED,
            registration__purged_at__isnull=True,
        )
        .exclude(first_name="")
        .select_related("registration")
        .order_by("registration__created_at", "registration__pk", "pk")
    )


def _access_child(user: User, pk: int) -> RegisteredChild:
    """A child of a confirmed registration for one of the user's agency's events, or 404."""
    if user.agency_id is None:
        raise Http404("No such child")
    child = (
        RegisteredChild.objects.select_related("registration__event__agency")
        .filter(
            pk=pk,
            registration__event__agency_id=user.agency_id,
            registration__status=Registration.Status.CONFIRMED,
            registration__purged_at__isnull=True,
        )
        .exclude(first_name="")
        .first()
    )
    if child is None:
        raise Http404("No such child")
    return child


def _badge(child: RegisteredChild, event: Event, date: str) -> printing.BadgeData:
    return printing.BadgeData(
        first_name=child.first_name,
        event_title=event.title,
        event_date=date,
        qr_payload=services.qr_payload(child.registration),
    )


def _issuer(event: Event) -> printing.Issuer:
    emblem = AgencyEmblem.objects.filter(agency_id=event.agency_id).values_list("png", flat=True)
    png = emblem.first()
    return printing.issuer(event.agency.name, bytes(png) if png else None)


def _pdf(pdf: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _slot(request: HttpRequest | QueryDict) -> int | None:
    """The first label to print on (1-8 in the query, 0-7 here)."""
    query = request.GET if isinstance(request, HttpRequest) else request
    raw = query.get("slot", "1")
    if not raw.isdigit() or not 1 <= int(raw) <= printing.BADGES_PER_SHEET:
        return None
    return int(raw) - 1


@staff_required
def badges(request: HttpRequest, user: User, pk: int) -> HttpResponse:
    """Badge sheets for every child of the event's confirmed registrations."""
    event = selectors.access_event(user, pk)
    paper, slot = _paper(request), _slot(request)
    if paper is None or slot is None:
        return HttpResponseBadRequest(_("Choose the paper (letter or a4) and a label from 1 to 8."))
    children = list(_printable_children(event))
    date = _event_date(event)
    pdf = printing.badge_sheets_pdf(
        [_badge(child, event, date) for child in children],
        issuer=_issuer(event),
        paper=paper,
        first_slot=slot,
    )
    audit(
        "events.badges.printed",
        actor=user,
        obj=event,
        agency_id=event.agency_id,
        event_id=event.pk,
        count=len(children),
        children=[child.pk for child in children],
        paper=paper,
    )
    return _pdf(pdf, f"badges-{event.reference}.pdf")


@staff_required
@require_http_methods(["GET", "POST"])
def badge(request: HttpRequest, user: User, pk: int) -> HttpResponse:
    """One child's badge. Printing it at the door is a POST (the "Print badge" button), which
    stamps the child's badge_printed_at; a GET shows the same PDF again and changes nothing,
    so a link followed by a browser's preloader or a crawler never marks a badge as given."""
    child = _access_child(user, pk)
    source = request.POST if request.method == "POST" else request.GET
    paper, slot = _paper(source), _slot(source)
    if paper is None or slot is None:
        return HttpResponseBadRequest(_("Choose the paper (letter or a4) and a label from 1 to 8."))
    event = child.registration.event
    pdf = printing.badge_sheets_pdf(
        [_badge(child, event, _event_date(event))],
        issuer=_issuer(event),
        paper=paper,
        first_slot=slot,
    )
    if request.method == "POST":
        services.badge_printed(child=child, actor=user)  # audits events.badge.printed
    else:
        audit(
            "events.badge.viewed",
            actor=user,
            obj=child,
            agency_id=event.agency_id,
            event_id=event.pk,
            child=child.pk,
        )
    return _pdf(pdf, f"badge-{event.reference}-{child.pk}.pdf")


@staff_required
def certificate(request: HttpRequest, user: User, pk: int) -> HttpResponse:
    """One child's certificate: ?kind=chief ("Chief Junior Officer") or partner."""
    child = _access_child(user, pk)
    kind, paper = request.GET.get("kind", "chief"), _paper(request)
    if kind not in printing.CERTIFICATE_KINDS or paper is None:
        return HttpResponseBadRequest(
            _("Choose the certificate (chief or partner) and the paper (letter or a4).")
        )
    event = child.registration.event
    pdf = printing.certificate_pdf(
        printing.CertificateData(
            first_name=child.first_name,
            event_title=event.title,
            event_date=_event_date(event),
            kind=kind,
        ),
        issuer=_issuer(event),
        paper=paper,
    )
    audit(
        "events.certificate.printed",
        actor=user,
        obj=child,
        agency_id=event.agency_id,
        event_id=event.pk,
        child=child.pk,
        kind=kind,
        paper=paper,
    )
    return _pdf(pdf, f"certificate-{event.reference}-{child.pk}.pdf")
