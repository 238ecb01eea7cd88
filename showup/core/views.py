import logging

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.template import loader
from django.urls import NoReverseMatch, reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from showup.core.accounts import demo_totp_codes
from showup.core.audit import audit
from showup.core.models import Role, User
from showup.core.registry import home_sections

logger = logging.getLogger(__name__)


def home(request: HttpRequest) -> HttpResponse:
    demo_logins = []
    if settings.DEMO_MODE:
        demo_logins = list(
            User.objects.filter(username__startswith="demo-")
            .select_related("agency", "partner_org")
            .order_by("role", "username")
        )
        # Coordinators and admins have a second factor even in the demo: show its code.
        codes = demo_totp_codes(demo_logins)
        for demo_user in demo_logins:
            demo_user.demo_totp = codes.get(demo_user.pk, "")  # type: ignore[attr-defined]
    # Each section is a module's rendered template (a SafeString: its own escaping applies).
    sections = [html for html in (section(request) for section in home_sections()) if html]
    return render(request, "core/home.html", {"demo_logins": demo_logins, "sections": sections})


@login_required
def notices(request: HttpRequest) -> HttpResponse:
    items = list(request.user.notices.all()[:100])  # type: ignore[union-attr]
    request.user.notices.filter(read_at__isnull=True).update(read_at=timezone.now())  # type: ignore[union-attr]
    return render(request, "core/notices.html", {"notices": items})


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent without a valid security token (an expired page, blocked cookies).

    The browser's Back button brings the form back with what was typed; say so plainly.
    """
    return render(request, "core/csrf_failure.html", status=403)


# --- where each role starts -------------------------------------------------------------

# URL names, not imports: core knows no module, only where each role's work begins.
ROLE_HOMES: dict[str, tuple[str, object]] = {
    Role.OFFICER: ("reunite:my_reports", _("My reports")),
    Role.COORDINATOR: ("reunite:board", _("Board")),
    Role.PARTNER: ("reunite:my_reports", _("My reports")),
    Role.ADMIN: ("admin:index", _("Administration")),
}


def role_home_link(user: object) -> tuple[str, str]:
    """The URL and label of a staff member's start page (the site's home for anyone else)."""
    if not isinstance(user, User) or not user.is_authenticated:
        return reverse("home"), str(_("Home"))
    name, label = ROLE_HOMES.get(user.role, ("home", _("Home")))
    if name == "admin:index" and not user.is_staff:
        name, label = ROLE_HOMES[Role.COORDINATOR]  # an admin role without admin access
    elif user.is_superuser and user.agency_id is None:
        name, label = "admin:index", ROLE_HOMES[Role.ADMIN][1]
    try:
        return reverse(name), str(label)
    except NoReverseMatch:
        return reverse("home"), str(_("Home"))


@login_required
def role_home(request: HttpRequest) -> HttpResponse:
    """LOGIN_REDIRECT_URL: after logging in (without a `next`), each role lands on its work."""
    return HttpResponseRedirect(role_home_link(request.user)[0])


class PasswordSetView(auth_views.PasswordResetConfirmView):
    """The invitation's set-password page (Django's reset confirmation, audited)."""

    template_name = "registration/password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")

    def form_valid(self, form: SetPasswordForm[User]) -> HttpResponse:
        response = super().form_valid(form)
        audit("core.account.password_set", actor=form.user, obj=form.user)
        return response


# --- error pages ------------------------------------------------------------------------

ROLE_PAGES_FOR: dict[str, object] = {
    # What a page refused to this role is for, in plain words.
    Role.PARTNER: _("This page is for agency staff: officers, coordinators and admins."),
    Role.OFFICER: _("This page is for coordinators and agency admins."),
    Role.COORDINATOR: _("This page is for agency admins."),
    Role.ADMIN: _("This page is for the people handling this record."),
}


def _error_page(
    request: HttpRequest, template: str, status: int, context: dict[str, object] | None = None
) -> HttpResponse:
    """Render an error page like the rest of the site; if that fails too (a broken database,
    a bad host header), fall back to the static page that needs nothing."""
    try:
        return render(request, template, context or {}, status=status)
    except Exception:
        logger.exception("error page %s could not be rendered; static fallback", template)
        return _static_error_page(status)


def _static_error_page(status: int) -> HttpResponse:
    try:
        body = loader.get_template("500.html").render({"status": status})
    except Exception:
        logger.exception("static error page could not be rendered")
        body = (
            "<!doctype html><title>showup</title>"
            "<h1>Something went wrong</h1><p><a href=/>showup</a></p>"
        )
    return HttpResponse(body, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error_page(request, "400.html", 400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """A styled 403: who you are logged in as, what the page is for, and your way back.

    A view may say what the page is for: `raise PermissionDenied(_("..."))`."""
    user = getattr(request, "user", None)
    reason = str(exception) if exception is not None and str(exception) else ""
    context: dict[str, object] = {"reason": reason}
    if isinstance(user, User) and user.is_authenticated:
        home_url, home_label = role_home_link(user)
        context.update(
            {
                "who": user.display_name(),
                "role_label": user.get_role_display(),
                "page_for": reason or ROLE_PAGES_FOR.get(user.role, ""),
                "home_url": home_url,
                "home_label": home_label,
            }
        )
    return _error_page(request, "403.html", 403, context)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    home_url, home_label = role_home_link(getattr(request, "user", None))
    return _error_page(request, "404.html", 404, {"home_url": home_url, "home_label": home_label})


def server_error(request: HttpRequest) -> HttpResponse:
    """Rendered without the request's context: no database, no session, no user."""
    return _static_error_page(500)
