"""Filing, editing and cancelling reports; the guardian's private status page; photos.

Views validate input and check access; services.* change state and write the audit entry.
"""

from __future__ import annotations

from datetime import timedelta
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from showup.core import idempotency, ratelimit
from showup.core.access import can_file_reports, is_staff_user
from showup.core.models import Agency, AuditEntry, PartnerOrganisation, Role, User
from showup.core.phones import format_phone, tel_uri
from showup.core.photos import photo_path
from showup.reunite import services
from showup.reunite.access import access_report_by_id
from showup.reunite.forms import (
    CancelForm,
    FoundReportForm,
    GuardianAddForm,
    MissingReportForm,
    PublicAgencyForm,
    ReportFieldsForm,
)
from showup.reunite.models import Candidate, Handoff, Outcome, Relationship, Report
from showup.reunite.services import ReuniteError

NEW_REPORT_SESSION_KEY = "reunite_new_report"
# The rate-limit counters of the public forms (showup.core.ratelimit): the guardian's report,
# and the status page's "add information" and "cancel" together.
MISSING_LIMIT_SCOPE = "reunite.missing_public"
STATUS_LIMIT_SCOPE = "reunite.status"
# A repeat of a create form's POST (a second tap, a retry) waits this long for the first to
# finish, then answers with the first's redirect.
ONCE_WAIT_SECONDS = 5.0
# Back to the guardian's form within this time shows "You already sent this report".
PUBLIC_SENT_WINDOW = timedelta(hours=12)
# Staff file many reports a day: the notice shows once, on the first visit after filing.
STAFF_SENT_WINDOW = timedelta(minutes=30)
DEFAULT_MAP_CENTER = (34.0522, -118.2437)


# --- helpers -----------------------------------------------------------------------------


def public_agency() -> Agency | None:
    """The agency that receives public reports: the only one, or the configured one."""
    agencies = list(Agency.objects.order_by("pk")[:2])
    if len(agencies) == 1:
        return agencies[0]
    slug = getattr(settings, "PUBLIC_AGENCY_SLUG", "")
    if slug:
        return Agency.objects.filter(slug=slug).first()
    return None


def _staff_user(request: HttpRequest) -> User | None:
    user = request.user
    return user if is_staff_user(user) else None  # type: ignore[return-value]


def _map_context(form: ReportFieldsForm) -> dict[str, Any]:
    lat, lon = DEFAULT_MAP_CENTER
    center = getattr(settings, "SHOWUP_MAP_CENTER", None)
    if center:
        lat, lon = center
    return {"map_lat": lat, "map_lon": lon}


def _region(agency: Agency | None) -> str | None:
    """The agency's phone region: how a number typed without a country code is read."""
    return agency.phone_region if agency is not None else None


def _form_for_kind(kind: str) -> type[ReportFieldsForm]:
    return FoundReportForm if kind == Report.Kind.FOUND else MissingReportForm


def _require_filer(request: HttpRequest) -> User | HttpResponse:
    """A staff member who may file reports, or the response to send instead."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    user = _staff_user(request)
    if user is None or not can_file_reports(user):
        raise PermissionDenied
    if user.role == Role.PARTNER and user.partner_org_id is None:
        raise PermissionDenied
    return user


def _require_staff(request: HttpRequest) -> User | HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    user = _staff_user(request)
    if user is None:
        raise PermissionDenied
    return user


def _partner_org(user: User) -> PartnerOrganisation | None:
    return user.partner_org if user.role == Role.PARTNER else None


# --- the guardian's pages ------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
@ratelimit.with_device_cookie
def report_missing_public(request: HttpRequest) -> HttpResponse:
    """The guardian's "My child is missing" page: public, phone-first, in the visitor's language.

    The form carries an idempotency key: a second tap or a retried POST redirects to the report
    the first one made. Back to this page after sending shows that report, not a blank form."""
    agency = public_agency()
    agencies = Agency.objects.order_by("name")
    language = (get_language() or settings.LANGUAGE_CODE)[:2]
    problem: dict[str, Any] | None = None
    sent: dict[str, Any] | None = None
    status_code = 200
    if request.method == "POST":
        form = MissingReportForm(request.POST, request.FILES, region=_region(agency))
        agency_form = None if agency else PublicAgencyForm(request.POST, queryset=agencies)
        status_code = 400
        try:
            claim = idempotency.form_claim(request)
            first = idempotency.replay(claim, wait=ONCE_WAIT_SECONDS) if claim else None
            if first is not None and isinstance(first.obj, Report):
                return _public_sent(request, first.obj)
            limit = ratelimit.check(request, MISSING_LIMIT_SCOPE)
            if not limit.allowed:
                return _missing_limited(request, limit, agency, agency_form)
            form_ok = form.is_valid()
            agency_ok = agency_form is None or agency_form.is_valid()
            if form_ok and agency_ok:
                chosen = agency or agency_form.cleaned_data["agency"]  # type: ignore[union-attr]
                data = form.service_data()
                if not form.cleaned_data.get("guardian_language"):
                    data["guardian_language"] = language
                staff = _staff_user(request)
                outcome = idempotency.run_once(
                    claim,
                    lambda: services.report_create(
                        agency=chosen,
                        kind=Report.Kind.MISSING,
                        data=data,
                        filed_by=staff,
                        partner_org=_partner_org(staff) if staff else None,
                        photo=form.photo_image,
                    ),
                    wait=ONCE_WAIT_SECONDS,
                )
                return _public_sent(request, outcome.obj)
        except idempotency.IdempotencyError as exc:
            problem, status_code = _once_problem(exc, public=True), exc.status
    else:
        form = MissingReportForm(initial={"guardian_language": language})
        agency_form = None if agency else PublicAgencyForm(queryset=agencies)
        if not request.GET.get("another"):
            sent = idempotency.sent_before(
                request, "reunite.missing_public", within=PUBLIC_SENT_WINDOW
            )
    context = {
        "form": form,
        "agency_form": agency_form,
        "idempotency_key": _next_form_key(request, problem),
        "once_problem": problem,
        "sent": sent,
        "another_url": f"{request.path}?another=1",
        **_map_context(form),
    }
    return render(request, "reunite/intake/missing_public.html", context, status=status_code)


def _missing_limited(
    request: HttpRequest,
    limit: ratelimit.Decision,
    agency: Agency | None,
    agency_form: PublicAgencyForm | None,
) -> HttpResponse:
    """Too many reports from this device or address: the form comes back as typed (the photo
    is not decoded: browsers cannot keep it anyway) with the wait, the unit's phone and the
    proof-of-work challenge that lets it through now. Nothing was claimed or filed."""
    form = MissingReportForm(request.POST, region=_region(agency))
    if agency is None and agency_form is not None and agency_form.is_valid():
        agency = agency_form.cleaned_data["agency"]
    context = {
        "form": form,
        "agency_form": agency_form,
        "idempotency_key": idempotency.form_key_for(request),
        "once_problem": None,
        "sent": None,
        "another_url": f"{request.path}?another=1",
        "limited": {
            "decision": limit,
            "phone": _unit_phone(agency) if agency else None,
            "photo": bool(request.FILES.get("photo")),
            "emergency": True,
        },
        **_map_context(form),
    }
    response = render(request, "reunite/intake/missing_public.html", context)
    return ratelimit.too_many_headers(response, limit)


def _public_sent(request: HttpRequest, report: Report) -> HttpResponse:
    """The guardian's answer to a filed report, the first time and on every repeat."""
    request.session[NEW_REPORT_SESSION_KEY] = report.status_token
    url = reverse("reunite:status", kwargs={"token": report.status_token})
    idempotency.remember_sent(request, "reunite.missing_public", url=url, label=report.reference)
    return redirect(url)


def _next_form_key(request: HttpRequest, problem: dict[str, Any] | None) -> str:
    """A re-rendered form keeps its key (the POST made nothing), unless the key itself was the
    problem; a form rendered afresh gets a new one."""
    if request.method != "POST" or (problem and problem["code"] != "in_flight"):
        return idempotency.new_form_key(request)
    return idempotency.form_key_for(request)


def _once_problem(exc: idempotency.IdempotencyError, *, public: bool) -> dict[str, Any]:
    """What the person reads when a form's key cannot be honoured; nothing typed is lost."""
    original = exc.original if isinstance(exc.original, Report) else None
    link = ""
    if original is not None:
        link = (
            reverse("reunite:status", kwargs={"token": original.status_token})
            if public
            else reverse("reunite:report_detail", kwargs={"pk": original.pk})
        )
    if exc.code == "in_flight":
        text = _(
            "Your report is being saved. Wait a moment, then send again: it will not be "
            "filed twice."
        )
    elif exc.code == "key_reused":
        text = _(
            "This form was already sent. Check the answers below and send again to file them "
            "as a new report."
        )
    else:
        text = _("This form had expired. Check the answers below and send again.")
    return {
        "code": exc.code,
        "text": text,
        "link": link,
        "reference": original.reference if original else "",
    }


def _private_headers(response: HttpResponse) -> HttpResponse:
    # The token in the URL is the only key to this page: never leak it onward or cache it.
    # "same-origin", not "no-referrer": with no-referrer browsers send `Origin: null` on the
    # page's own POSTs (cancel, language switch) and Django's CSRF check refuses them.
    response["Referrer-Policy"] = "same-origin"
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


class StatusLinkGone(Exception):
    """The link names no report: revoked by staff (`agency` known from the audit log), purged
    (the purge gives the report a new token), or never issued."""

    def __init__(self, agency: Agency | None, *, revoked: bool) -> None:
        super().__init__("status link no longer works")
        self.agency = agency
        self.revoked = revoked


def _status_report(token: str) -> Report:
    if not token or len(token) > 64:
        raise StatusLinkGone(public_agency(), revoked=False)
    report = (
        Report.objects.filter(status_token=token, kind=Report.Kind.MISSING)
        .select_related("agency")
        .first()
    )
    if report is None:
        revoked = (
            AuditEntry.objects.filter(
                action="reunite.report.status_link_revoked",
                data__old_link=services.status_link_fingerprint(token),
            )
            .select_related("agency")
            .first()
        )
        if revoked is not None:
            raise StatusLinkGone(revoked.agency, revoked=True)
        raise StatusLinkGone(public_agency(), revoked=False)
    return report


def _status_link_gone(request: HttpRequest, gone: StatusLinkGone) -> HttpResponse:
    """The "this link no longer works, call the unit" page: 410 for a link staff revoked, 404
    for any other (purged or unknown alike: it tells nobody whether a report ever existed)."""
    context = {"unit_phone": _unit_phone(gone.agency) if gone.agency else None}
    response = render(
        request, "reunite/intake/status_gone.html", context, status=410 if gone.revoked else 404
    )
    return _private_headers(response)


def _status_link_view(view: Any) -> Any:
    """Every page behind a status link answers a dead link with the same page."""

    @wraps(view)
    def wrapper(request: HttpRequest, token: str) -> HttpResponse:
        try:
            response: HttpResponse = view(request, token)
        except StatusLinkGone as gone:
            return _status_link_gone(request, gone)
        return response

    return wrapper


@require_http_methods(["GET"])
@_status_link_view
def status(request: HttpRequest, token: str) -> HttpResponse:
    """The guardian's private status page: the reference, words that fit the state, the unit's
    phone number, and while the search is on, a way to add information or a photo."""
    report = _status_report(token)
    if request.headers.get("HX-Request"):
        state = _state_of(report)
        version = _state_version(report, state)
        # The page polls every few seconds: an unchanged state answers "nothing new" so the
        # live region is not rewritten, and not read out again, each time.
        if request.GET.get("v") == version:
            return _private_headers(HttpResponse(status=204))
        context = {"report": report, "state": state, "version": version}
        response = render(request, "reunite/intake/status.html#state", context)
        return _private_headers(response)
    just_filed = request.session.get(NEW_REPORT_SESSION_KEY) == token
    if just_filed:
        del request.session[NEW_REPORT_SESSION_KEY]
    return _private_headers(_status_page(request, report, just_filed=just_filed))


def _status_page(
    request: HttpRequest,
    report: Report,
    *,
    just_filed: bool = False,
    cancel_form: CancelForm | None = None,
    add_form: GuardianAddForm | None = None,
    status: int = 200,
    limited: ratelimit.Decision | None = None,
) -> HttpResponse:
    state = _state_of(report)
    context: dict[str, Any] = {
        "report": report,
        "state": state,
        "version": _state_version(report, state),
        "just_filed": just_filed,
        "status_url": request.build_absolute_uri(
            reverse("reunite:status", kwargs={"token": report.status_token})
        ),
        "unit_phone": _unit_phone(report.agency),
        "cancel_form": cancel_form or CancelForm(),
        "can_cancel": report.status == Report.Status.OPEN,
        "add_form": add_form or GuardianAddForm(),
        "can_add": report.is_open and report.purged_at is None,
        "failed_form": "" if limited else "add" if add_form else "cancel" if cancel_form else "",
        "limited_form": ("add" if add_form else "cancel") if limited else "",
        "limited": limited
        and {
            "decision": limited,
            "phone": _unit_phone(report.agency),
            "photo": bool(request.FILES.get("photo")),
            "emergency": False,
        },
    }
    return render(request, "reunite/intake/status.html", context, status=status)


def _state_version(report: Report, state: dict[str, Any]) -> str:
    return f"{state['code']}-{int(report.updated_at.timestamp() * 1000)}"


def _unit_phone(agency: Agency) -> dict[str, str] | None:
    """The unit's number as people read it locally, and its tel: link (none if unreadable)."""
    number = agency.phone.strip()
    if not number:
        return None
    return {
        "display": format_phone(number, agency.phone_region),
        "tel": tel_uri(number, agency.phone_region),
    }


@require_POST
@ratelimit.with_device_cookie
@_status_link_view
def status_cancel(request: HttpRequest, token: str) -> HttpResponse:
    """The guardian withdraws her own report ("We found her, thank you")."""
    report = _status_report(token)
    if report.status != Report.Status.OPEN:
        messages.error(request, _("This report can no longer be cancelled here."))
        return _private_headers(redirect("reunite:status", token=token))
    limit = ratelimit.check(request, STATUS_LIMIT_SCOPE)
    if not limit.allowed:
        page = _status_page(
            request, report, cancel_form=CancelForm(request.POST), limited=limit, status=429
        )
        return _private_headers(ratelimit.too_many_headers(page, limit))
    form = CancelForm(request.POST)
    if not form.is_valid():
        return _private_headers(_status_page(request, report, cancel_form=form, status=400))
    try:
        services.report_withdraw(report=report, reason=form.cleaned_data["reason"])
    except services.ReuniteError as exc:
        messages.error(request, _guardian_refusal(exc))
        return _private_headers(redirect("reunite:status", token=token))
    messages.success(request, _("Your report is cancelled. We are glad your child is safe."))
    return _private_headers(redirect("reunite:status", token=token))


@require_POST
@ratelimit.with_device_cookie
@_status_link_view
def status_add(request: HttpRequest, token: str) -> HttpResponse:
    """The guardian adds what she remembered, or a photo, while the search is on. Matching
    runs again with it; the staff handling the report see it on the timeline."""
    report = _status_report(token)
    if not report.is_open:
        messages.error(request, _guardian_refusal(services.ReuniteError("not_open")))
        return _private_headers(redirect("reunite:status", token=token))
    limit = ratelimit.check(request, STATUS_LIMIT_SCOPE)
    if not limit.allowed:
        # Bound without the file: the photo is not decoded for a refused submission.
        page = _status_page(
            request, report, add_form=GuardianAddForm(request.POST), limited=limit, status=429
        )
        return _private_headers(ratelimit.too_many_headers(page, limit))
    form = GuardianAddForm(request.POST, request.FILES)
    if not form.is_valid():
        return _private_headers(_status_page(request, report, add_form=form, status=400))
    try:
        services.report_add_information(
            report=report, text=form.cleaned_data["text"], photo=form.photo_image, actor=None
        )
    except services.ReuniteError as exc:
        messages.error(request, _guardian_refusal(exc))
        return _private_headers(redirect("reunite:status", token=token))
    if form.cleaned_data["text"] and form.photo_image is not None:
        done = _("Thank you. Your information and the photo were added to your report.")
    elif form.photo_image is not None:
        done = _("Thank you. The photo was added to your report.")
    else:
        done = _("Thank you. Your information was added to your report.")
    messages.success(request, done)
    return _private_headers(redirect("reunite:status", token=token))


def _guardian_refusal(exc: services.ReuniteError) -> str:
    """The service's refusal in words for the guardian (its own messages speak to staff)."""
    if exc.code == "report_matched":
        return _(
            "We may have found your child, so this cannot be done here now. A coordinator will "
            "call you; tell them if your child is already with you."
        )
    if exc.code == "nothing_added":
        return _("Write something or choose a photo to add.")
    return _(
        "This report is closed, so nothing more can be changed here. If you have new "
        "information, call the unit."
    )


def _state_of(report: Report) -> dict[str, Any]:
    """What the guardian reads for her report: a title and words that fit how things stand.

    Never another child's details; never "back with you" or "have a photo ID ready" once
    someone else has collected her child; a closed report says how it ended."""
    if report.status == Report.Status.OPEN:
        return {
            "code": "searching",
            "title": _("We are searching"),
            "text": _(
                "Officers and partners are looking for a child matching your report. "
                "Keep your phone on; we will contact you."
            ),
        }
    if report.status == Report.Status.MATCHED:
        collectors = [_("You, with your photo ID")]
        for adult in report.authorised_adults or []:
            name = str(adult.get("name", "")).strip() if isinstance(adult, dict) else ""
            if name:
                relationship = _relationship_label(str(adult.get("relationship", "")))
                collectors.append(f"{name} ({relationship})" if relationship else name)
        return {
            "code": "call",
            "title": _("A coordinator will call you"),
            "text": _(
                "We may have found your child. A coordinator will call you soon to arrange "
                "a safe meeting. Have a photo ID ready."
            ),
            "collectors": collectors,
            "collectors_note": _(
                "The officer hands your child only to one of these adults, after checking their "
                "photo ID. If someone else has to collect your child, tell the coordinator."
            ),
        }
    if report.status == Report.Status.REUNITED:
        handoff = (
            Handoff.objects.filter(
                candidate__missing=report,
                candidate__decision=Candidate.Decision.CONFIRMED,
                completed_at__isnull=False,
            )
            .order_by("-completed_at")
            .first()
        )
        taker = handoff.released_to.strip() if handoff else ""
        if not taker:
            return {
                "code": "reunited",
                "title": _("Your child is safe"),
                "text": _(
                    "An officer handed your child to an adult after checking their identity. "
                    "If you have a question, call the unit."
                ),
            }
        assert handoff is not None
        herself = handoff.collector in ("", Handoff.Collector.REPORTER) and services.folded_name(
            taker
        ) == services.folded_name(report.guardian_name)
        if herself:
            return {
                "code": "reunited",
                "title": _("Reunited"),
                "text": _("Your child is back with you. Thank you for trusting us."),
            }
        relationship = _relationship_label(handoff.collector_relationship)
        who = f"{taker} ({relationship})" if relationship else taker
        if handoff.collector == Handoff.Collector.LISTED:
            text = _(
                "An officer handed your child to %(who)s, an adult you listed on your report, "
                "after checking their identity."
            )
        else:
            text = _(
                "An officer handed your child to %(who)s after checking their identity, with a "
                "coordinator's approval. If you did not expect this, call the unit now."
            )
        return {"code": "reunited", "title": _("Your child is safe"), "text": text % {"who": who}}
    details = []
    if report.outcome in (Outcome.CHILD_SERVICES, Outcome.OTHER_AGENCY):
        if report.outcome_agency:
            details.append(_("Agency: %(agency)s") % {"agency": report.outcome_agency})
        if report.outcome_reference:
            details.append(
                _("Their reference: %(reference)s") % {"reference": report.outcome_reference}
            )
    closed: dict[str, tuple[str, str]] = {
        Outcome.TAKEN_HOME: (
            _("An officer took your child home"),
            _(
                "An officer brought your child home, and this report is closed. If you have a "
                "question, call the unit."
            ),
        ),
        Outcome.CHILD_SERVICES: (
            _("Your child is in the care of child services"),
            _(
                "An officer referred your child to child services, who look after your child "
                "now. Call the unit to learn what happens next and how to reach them."
            ),
        ),
        Outcome.OTHER_AGENCY: (
            _("Another agency has your report"),
            _(
                "Your report was handed to another agency, which continues from here. Call the "
                "unit if you need to know how to reach them."
            ),
        ),
        Outcome.NO_REPORT_NEEDED: (
            _("Your child is safe"),
            _(
                "The search has stopped because your child is safe, and this report is closed. "
                "If your child goes missing again, call 911."
            ),
        ),
        Outcome.DUPLICATE: (
            _("Your report continues under another reference"),
            _(
                "This report described the same child as another report, so the search "
                "continues there and this page is no longer updated. The unit will contact you."
            ),
        ),
        Outcome.FILED_IN_ERROR: (
            _("This report was closed as filed in error"),
            _("If your child is missing, call 911 now, then fill in a new report."),
        ),
    }
    if report.outcome in closed:
        title, text = closed[report.outcome]
        return {"code": report.outcome, "title": title, "text": text, "details": details}
    # Reports closed before outcomes were recorded.
    return {
        "code": "cancelled",
        "title": _("This report was cancelled"),
        "text": _("This report is no longer active. If your child is missing again, call 911."),
    }


def _relationship_label(value: str) -> str:
    return str(Relationship(value).label) if value in Relationship.values else ""


# --- staff: filing ---------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def report_found(request: HttpRequest) -> HttpResponse:
    """An officer's "I found a child": under a minute on a phone."""
    user = _require_filer(request)
    if isinstance(user, HttpResponse):
        return user
    if user.role != Role.OFFICER:
        # Coordinators and partners file found reports through the general staff form.
        return redirect(f"{reverse('reunite:report_new_staff')}?kind=found")
    return _file_report(request, user, Report.Kind.FOUND, "reunite/intake/found.html")


@never_cache
@require_http_methods(["GET", "POST"])
def report_new_staff(request: HttpRequest) -> HttpResponse:
    """Partners, coordinators and officers file either kind (Code Adam, a hospital)."""
    user = _require_filer(request)
    if isinstance(user, HttpResponse):
        return user
    kind = request.GET.get("kind", "")
    if kind not in Report.Kind.values:
        return render(request, "reunite/intake/choose_kind.html")
    template = (
        "reunite/intake/found.html"
        if kind == Report.Kind.FOUND
        else "reunite/intake/missing_staff.html"
    )
    return _file_report(request, user, kind, template)


def _file_report(request: HttpRequest, user: User, kind: str, template: str) -> HttpResponse:
    form_class = _form_for_kind(kind)
    form_id = f"reunite.staff.{kind}"
    problem: dict[str, Any] | None = None
    sent: dict[str, Any] | None = None
    if request.method == "POST":
        form = form_class(request.POST, request.FILES, region=_region(user.agency))
        status_code = 400
        try:
            claim = idempotency.form_claim(request)
            first = idempotency.replay(claim, wait=ONCE_WAIT_SECONDS) if claim else None
            if first is not None and isinstance(first.obj, Report):
                return _staff_sent(request, form_id, first.obj, replayed=True)
            if form.is_valid():
                data = form.service_data()
                if kind == Report.Kind.MISSING and not form.cleaned_data.get("guardian_language"):
                    data["guardian_language"] = (get_language() or settings.LANGUAGE_CODE)[:2]
                assert user.agency is not None  # can_file_reports checked it
                agency = user.agency
                outcome = idempotency.run_once(
                    claim,
                    lambda: services.report_create(
                        agency=agency,
                        kind=kind,
                        data=data,
                        filed_by=user,
                        partner_org=_partner_org(user),
                        photo=form.photo_image,
                    ),
                    wait=ONCE_WAIT_SECONDS,
                )
                return _staff_sent(request, form_id, outcome.obj, replayed=outcome.replayed)
        except idempotency.IdempotencyError as exc:
            problem, status_code = _once_problem(exc, public=False), exc.status
    else:
        initial: dict[str, Any] = {}
        if kind == Report.Kind.MISSING:
            initial["guardian_language"] = (get_language() or "en")[:2]
        form = form_class(initial=initial)
        status_code = 200
        if not request.GET.get("another"):
            sent = idempotency.sent_before(request, form_id, within=STAFF_SENT_WINDOW, forget=True)
    another = request.GET.copy()
    another["another"] = "1"
    context = {
        "form": form,
        "kind": kind,
        "editing": None,
        "idempotency_key": _next_form_key(request, problem),
        "once_problem": problem,
        "sent": sent,
        "another_url": f"{request.path}?{another.urlencode()}",
        **_map_context(form),
    }
    return render(request, template, context, status=status_code)


def _staff_sent(
    request: HttpRequest, form_id: str, report: Report, *, replayed: bool
) -> HttpResponse:
    if replayed:
        messages.info(
            request,
            _("Report %(reference)s was already filed from this form; nothing was filed twice.")
            % {"reference": report.reference},
        )
    else:
        messages.success(
            request,
            _("Report %(reference)s filed.") % {"reference": report.reference},
        )
    url = reverse("reunite:report_detail", kwargs={"pk": report.pk})
    idempotency.remember_sent(request, form_id, url=url, label=report.reference)
    return redirect(url)


# --- staff: editing and cancelling ----------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def report_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _require_staff(request)
    if isinstance(user, HttpResponse):
        return user
    report = access_report_by_id(user, pk)
    if not report.is_open:
        services.report_viewed(report=report, actor=user, where="edit")
        return _closed(request, report, status=409 if request.method == "POST" else 200)
    form_class = _form_for_kind(report.kind)
    initial = form_class.initial_from(report)
    if request.method == "POST":
        form = form_class(
            request.POST,
            request.FILES,
            initial=initial,
            region=_region(report.agency),
            editing=True,
        )
        if form.is_valid():
            try:
                services.report_update(
                    report=report, data=form.service_data(), actor=user, photo=form.photo_image
                )
            except ReuniteError:
                # Closed or purged by someone else while this form was open.
                report.refresh_from_db()
                return _closed(request, report, status=409)
            messages.success(request, _("Changes saved."))
            return redirect("reunite:report_detail", pk=report.pk)
        status_code = 400
    else:
        form = form_class(initial=initial)
        status_code = 200
    services.report_viewed(report=report, actor=user, where="edit")
    template = (
        "reunite/intake/found.html"
        if report.kind == Report.Kind.FOUND
        else "reunite/intake/missing_staff.html"
    )
    context = {"form": form, "kind": report.kind, "editing": report, **_map_context(form)}
    return render(request, template, context, status=status_code)


def _closed(request: HttpRequest, report: Report, status: int) -> HttpResponse:
    return render(request, "reunite/intake/closed.html", {"report": report}, status=status)


@require_http_methods(["GET"])
def report_photo(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The child's photo, only for staff who may see the report; never cached.
    `?size=thumb` answers a small square made on the fly (the board's rows): same checks,
    same audit, stored nowhere."""
    user = _require_staff(request)
    if isinstance(user, HttpResponse):
        return user
    report = access_report_by_id(user, pk)
    path = photo_path(report.photo)
    if path is None:
        raise Http404("No photo")
    thumb = request.GET.get("size") == "thumb"
    services.report_viewed(report=report, actor=user, where="thumb" if thumb else "photo")
    response: HttpResponseBase
    if thumb:
        from io import BytesIO

        from PIL import Image, ImageOps

        with Image.open(path) as image:
            small = ImageOps.fit(image.convert("RGB"), (96, 96))
        buffer = BytesIO()
        small.save(buffer, "JPEG", quality=80)
        response = HttpResponse(buffer.getvalue(), content_type="image/jpeg")
    else:
        response = FileResponse(path.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, no-store"
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    return response
