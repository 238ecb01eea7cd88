"""Filing, editing and cancelling reports; the guardian's private status page; photos.

Views validate input and check access; services.* change state and write the audit entry.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from showup.core.access import access_report_by_id, can_file_reports, is_staff_user
from showup.core.models import Agency, PartnerOrganisation, Role, User
from showup.core.photos import photo_path
from showup.reunite import services
from showup.reunite.forms import (
    CancelForm,
    FoundReportForm,
    MissingReportForm,
    PublicAgencyForm,
    ReportFieldsForm,
)
from showup.reunite.models import Report

NEW_REPORT_SESSION_KEY = "reunite_new_report"
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
def report_missing_public(request: HttpRequest) -> HttpResponse:
    """The guardian's "My child is missing" page: public, phone-first, in the visitor's language."""
    agency = public_agency()
    agencies = Agency.objects.order_by("name")
    language = (get_language() or settings.LANGUAGE_CODE)[:2]
    if request.method == "POST":
        form = MissingReportForm(request.POST, request.FILES)
        agency_form = None if agency else PublicAgencyForm(request.POST, queryset=agencies)
        form_ok = form.is_valid()
        agency_ok = agency_form is None or agency_form.is_valid()
        if form_ok and agency_ok:
            chosen = agency or agency_form.cleaned_data["agency"]  # type: ignore[union-attr]
            data = form.service_data()
            if not form.cleaned_data.get("guardian_language"):
                data["guardian_language"] = language
            staff = _staff_user(request)
            report = services.report_create(
                agency=chosen,
                kind=Report.Kind.MISSING,
                data=data,
                filed_by=staff,
                partner_org=_partner_org(staff) if staff else None,
                photo=form.photo_image,
            )
            request.session[NEW_REPORT_SESSION_KEY] = report.status_token
            return redirect("reunite:status", token=report.status_token)
    else:
        form = MissingReportForm(initial={"guardian_language": language})
        agency_form = None if agency else PublicAgencyForm(queryset=agencies)
    context = {"form": form, "agency_form": agency_form, **_map_context(form)}
    status = 400 if request.method == "POST" else 200
    return render(request, "reunite/intake/missing_public.html", context, status=status)


def _private_headers(response: HttpResponse) -> HttpResponse:
    # The token in the URL is the only key to this page: never leak it onward or cache it.
    # "same-origin", not "no-referrer": with no-referrer browsers send `Origin: null` on the
    # page's own POSTs (cancel, language switch) and Django's CSRF check refuses them.
    response["Referrer-Policy"] = "same-origin"
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _status_report(token: str) -> Report:
    if not token or len(token) > 64:
        raise Http404
    return get_object_or_404(Report, status_token=token, kind=Report.Kind.MISSING)


@require_http_methods(["GET"])
def status(request: HttpRequest, token: str) -> HttpResponse:
    """The guardian's private status page: the reference and the state, nothing else."""
    report = _status_report(token)
    context: dict[str, Any] = {"report": report, "state": _state_of(report)}
    if request.headers.get("HX-Request"):
        response = render(request, "reunite/intake/status.html#state", context)
        return _private_headers(response)
    just_filed = request.session.get(NEW_REPORT_SESSION_KEY) == token
    if just_filed:
        del request.session[NEW_REPORT_SESSION_KEY]
    context.update(
        {
            "just_filed": just_filed,
            "status_url": request.build_absolute_uri(
                reverse("reunite:status", kwargs={"token": token})
            ),
            "cancel_form": CancelForm(),
            "can_cancel": report.status == Report.Status.OPEN,
        }
    )
    return _private_headers(render(request, "reunite/intake/status.html", context))


@require_POST
def status_cancel(request: HttpRequest, token: str) -> HttpResponse:
    """The guardian withdraws their own report ("We found her, thank you")."""
    report = _status_report(token)
    form = CancelForm(request.POST)
    if report.status != Report.Status.OPEN:
        messages.error(request, _("This report can no longer be cancelled here."))
        return _private_headers(redirect("reunite:status", token=token))
    if not form.is_valid():
        context = {
            "report": report,
            "state": _state_of(report),
            "cancel_form": form,
            "can_cancel": True,
            "just_filed": False,
        }
        response = render(request, "reunite/intake/status.html", context, status=400)
        return _private_headers(response)
    services.report_cancel(report=report, reason=form.cleaned_data["reason"], actor=None)
    messages.success(request, _("Your report is cancelled. We are glad your child is safe."))
    return _private_headers(redirect("reunite:status", token=token))


def _state_of(report: Report) -> dict[str, str]:
    """What the guardian reads, from the report's status alone."""
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
        return {
            "code": "call",
            "title": _("A coordinator will call you"),
            "text": _(
                "We may have found your child. A coordinator will call you soon to arrange "
                "a safe meeting. Have a photo ID ready."
            ),
        }
    if report.status == Report.Status.REUNITED:
        return {
            "code": "reunited",
            "title": _("Reunited"),
            "text": _("Your child is back with you. Thank you for trusting us."),
        }
    return {
        "code": "cancelled",
        "title": _("This report was cancelled"),
        "text": _("This report is no longer active. If your child is missing again, call 911."),
    }


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
    if request.method == "POST":
        form = form_class(request.POST, request.FILES)
        if form.is_valid():
            data = form.service_data()
            if kind == Report.Kind.MISSING and not form.cleaned_data.get("guardian_language"):
                data["guardian_language"] = (get_language() or settings.LANGUAGE_CODE)[:2]
            assert user.agency is not None  # can_file_reports checked it
            report = services.report_create(
                agency=user.agency,
                kind=kind,
                data=data,
                filed_by=user,
                partner_org=_partner_org(user),
                photo=form.photo_image,
            )
            messages.success(
                request,
                _("Report %(reference)s filed. Matching has run.")
                % {"reference": report.reference},
            )
            return redirect("reunite:report_detail", pk=report.pk)
        status_code = 400
    else:
        initial: dict[str, Any] = {}
        if kind == Report.Kind.MISSING:
            initial["guardian_language"] = (get_language() or "en")[:2]
        form = form_class(initial=initial)
        status_code = 200
    context = {"form": form, "kind": kind, "editing": None, **_map_context(form)}
    return render(request, template, context, status=status_code)


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
        form = form_class(request.POST, request.FILES, initial=initial)
        if form.is_valid():
            services.report_update(
                report=report, data=form.service_data(), actor=user, photo=form.photo_image
            )
            messages.success(request, _("Changes saved. Matching has run again."))
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


@never_cache
@require_http_methods(["GET", "POST"])
def report_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    user = _require_staff(request)
    if isinstance(user, HttpResponse):
        return user
    report = access_report_by_id(user, pk)
    if not report.is_open:
        services.report_viewed(report=report, actor=user, where="cancel")
        return _closed(request, report, status=409 if request.method == "POST" else 200)
    if request.method == "POST":
        form = CancelForm(request.POST)
        if form.is_valid():
            services.report_cancel(report=report, reason=form.cleaned_data["reason"], actor=user)
            messages.success(
                request, _("Report %(reference)s cancelled.") % {"reference": report.reference}
            )
            return redirect("reunite:report_detail", pk=report.pk)
        status_code = 400
    else:
        form = CancelForm()
        status_code = 200
    services.report_viewed(report=report, actor=user, where="cancel")
    return render(
        request, "reunite/intake/cancel.html", {"form": form, "report": report}, status=status_code
    )


@require_http_methods(["GET"])
def report_photo(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The child's photo, only for staff who may see the report; never cached."""
    user = _require_staff(request)
    if isinstance(user, HttpResponse):
        return user
    report = access_report_by_id(user, pk)
    path = photo_path(report.photo)
    if path is None:
        raise Http404("No photo")
    services.report_viewed(report=report, actor=user, where="photo")
    response = FileResponse(path.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, no-store"
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    return response
