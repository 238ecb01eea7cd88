"""Staff sign-in: allauth's login guarded by axes' lockout, a second factor required per role,
and the idle timeout. Guardians have no account (their status page is a token link).

- `LoginView`: allauth's login, refused with 429 while axes has the account locked (before any
  password is checked) and when allauth's per-address throttle says no.
- `MFARequiredMiddleware`: a signed-in member of a role in SHOWUP_MFA_REQUIRED_ROLES with no
  authenticator is sent to the MFA setup page and can reach nothing else but logging out.
- `IdleTimeoutMiddleware`: SHOWUP_STAFF_IDLE_MINUTES without activity, or SESSION_COOKIE_AGE
  after logging in, ends the session. Live polls (SHOWUP_PASSIVE_URL_NAMES) are not activity.
- `unlock_sign_in`: what the admin's "Unlock sign-in" action does, audited.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.account.views import LoginView as AllauthLoginView
from allauth.account.views import LogoutView as AllauthLogoutView
from allauth.core import ratelimit
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from allauth.mfa.utils import decrypt
from axes.decorators import axes_dispatch
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from showup.core.audit import audit
from showup.core.models import Role, User

logger = logging.getLogger(__name__)

# The authenticators that are a second factor on their own (recovery codes are the fallback).
SECOND_FACTORS = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)

# The demo's coordinator and admin share this TOTP secret (seed_demo); the home page shows its
# current code in demo mode only. Never used outside the demo.
# Demo data only (bandit B105 asks): the demo home page shows this account's codes anyway.
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPSHOWUPDEMO2FACTR"  # nosec B105

SESSION_LAST_SEEN = "showup.last_seen"
SESSION_SIGNED_IN_AT = "showup.signed_in_at"
# The activity stamp is rewritten at most this often (a session save per request is waste).
ACTIVITY_GRANULARITY_SECONDS = 60


# --- allauth -------------------------------------------------------------------------------


class AccountAdapter(DefaultAccountAdapter):
    """Accounts come from the admin's invitations only: nobody signs up."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False


class MFAAdapter(DefaultMFAAdapter):
    """Someone whose role requires a second factor cannot remove their last one."""

    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        user = authenticator.user
        if authenticator.type not in SECOND_FACTORS or not mfa_required(user):
            return True
        others = Authenticator.objects.filter(user=user, type__in=SECOND_FACTORS).exclude(
            pk=authenticator.pk
        )
        return others.exists()


def axes_username(request: HttpRequest, credentials: dict[str, Any] | None = None) -> str | None:
    """The account a login attempt is about, however it was spelled (AXES_USERNAME_CALLABLE).

    allauth's form posts `login`; its credentials to `authenticate()` say `username`."""
    value = None
    if credentials:
        value = credentials.get("username") or credentials.get("login")
    if not value and request is not None:
        data = getattr(request, "POST", {})
        value = data.get("login") or data.get("username")
    if not value:
        return None
    return str(value).strip().lower()[:150]


def too_many_requests(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """429 for allauth's throttles (the project's handler429): too many attempts from here."""
    return render(
        request,
        "account/throttled.html",
        {"retry_minutes": 1},
        status=429,
    )


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the account is locked; say for how long and who can lift it."""
    cooloff = settings.AXES_COOLOFF_TIME
    minutes = round(float(cooloff) * 60) if cooloff else None
    response = render(
        request,
        "account/locked_out.html",
        {"lockout_minutes": minutes, "failure_limit": settings.AXES_FAILURE_LIMIT},
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )
    if minutes:
        response["Retry-After"] = str(minutes * 60)
    return response


def _too_many_attempts(form: Any) -> bool:
    errors = form.errors.as_data() if hasattr(form, "errors") else {}
    return any(
        getattr(error, "code", None) == "too_many_login_attempts"
        for field_errors in errors.values()
        for error in field_errors
    )


@method_decorator(axes_dispatch, name="dispatch")
class LoginView(AllauthLoginView):
    """allauth's login; a locked account is answered 429 before its password is looked at.

    allauth's per-address limit on failed logins raises a form error; it is a throttle, so it
    is answered like the others: 429 and the "too many attempts" page."""

    template_name = "core/login.html"

    def form_invalid(self, form: Any) -> HttpResponse:
        if getattr(self.request, "axes_locked_out", False):
            return lockout_response(self.request)
        if _too_many_attempts(form):
            return too_many_requests(self.request)
        return super().form_invalid(form)


login = LoginView.as_view()


# A shared phone keeps nothing after logging out, even where the field app's script did not
# run: the browser drops this site's HTTP cache and its storage (IndexedDB's outbox, Cache
# Storage, local storage) and unregisters its service worker. Cookies are left to logout.
CLEAR_SITE_DATA = '"cache", "storage"'


class LogoutView(AllauthLogoutView):
    """allauth's logout (POST only); its answer carries `Clear-Site-Data`."""

    def post(self, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().post(*args, **kwargs)
        response["Clear-Site-Data"] = CLEAR_SITE_DATA
        return response


logout_view = LogoutView.as_view()


# --- who needs a second factor ---------------------------------------------------------------


def mfa_required_roles() -> set[str]:
    return {str(role) for role in getattr(settings, "SHOWUP_MFA_REQUIRED_ROLES", [])}


def mfa_required(user: Any) -> bool:
    """Whether this account must have a second factor: its role is listed, or it can open the
    administration (staff, superuser) and "admin" is listed."""
    if not isinstance(user, User) or not user.is_authenticated:
        return False
    roles = mfa_required_roles()
    if user.role in roles:
        return True
    return Role.ADMIN in roles and (user.is_superuser or user.is_staff)


def has_second_factor(user: Any) -> bool:
    return bool(
        isinstance(user, User)
        and Authenticator.objects.filter(user=user, type__in=SECOND_FACTORS).exists()
    )


def totp_code(secret: str, at: float | None = None) -> str:
    """The 6-digit TOTP code of `secret` at `at` (now by default), as an authenticator app shows
    it. Used by the demo's home page and by tests that log in through the form."""
    from allauth.mfa import app_settings as mfa_settings

    counter = int(time.time() if at is None else at) // mfa_settings.TOTP_PERIOD
    return format_hotp_value(hotp_value(secret, counter))


def demo_totp_codes(users: list[User]) -> dict[int, str]:
    """The current code of each demo user's TOTP authenticator (demo mode only)."""
    if not settings.DEMO_MODE:
        return {}
    codes: dict[int, str] = {}
    for authenticator in Authenticator.objects.filter(user__in=users, type=Authenticator.Type.TOTP):
        try:
            codes[authenticator.user_id] = totp_code(decrypt(authenticator.data["secret"]))
        except Exception:  # a broken demo row must not break the home page
            logger.exception("demo TOTP code unavailable")
    return codes


def _path_of(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def _exempt_prefixes() -> tuple[str, ...]:
    """What a user who still has to set up a second factor may open."""
    names = ("mfa_index", "account_logout", "account_reauthenticate", "logout")
    paths = [p for p in (_path_of(n) for n in names) if p]
    static = (
        settings.STATIC_URL if settings.STATIC_URL.startswith("/") else "/" + settings.STATIC_URL
    )
    return (*paths, static, "/i18n/")


MFA_SEEN_KEY = "showup_mfa_seen"


class MFARequiredMiddleware:
    """Coordinators and admins (SHOWUP_MFA_REQUIRED_ROLES) set up a second factor before
    anything else: every other page sends them to the setup page; the API answers 403."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(_exempt_prefixes())
            and mfa_required(user)
            and not self._has_second_factor(request, user)
        ):
            return self._to_setup(request)
        return self.get_response(request)

    @staticmethod
    def _has_second_factor(request: HttpRequest, user: User) -> bool:
        # Remembered in the session once seen: a required role can never remove its last
        # factor (MFAAdapter), and the board's live poll stays at its few queries.
        if request.session.get(MFA_SEEN_KEY) == user.pk:
            return True
        if not has_second_factor(user):
            return False
        request.session[MFA_SEEN_KEY] = user.pk
        return True

    def _to_setup(self, request: HttpRequest) -> HttpResponse:
        text = gettext(
            "Your role needs a second factor to sign in: add a passkey or an authenticator "
            "app to continue."
        )
        setup = reverse("mfa_index")
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": text}, status=403)
        if request.headers.get("HX-Request"):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = setup
            return response
        if request.method == "GET":
            messages.warning(request, text)
        return redirect(setup)


# --- idle timeout ------------------------------------------------------------------------------


def _is_passive(request: HttpRequest) -> bool:
    """A request the page makes on its own (a live poll), not something a person did."""
    if request.headers.get("X-Showup-Passive"):
        return True
    match = getattr(request, "resolver_match", None)
    if match is None:
        from django.urls import Resolver404, resolve

        try:
            match = resolve(request.path_info)
        except Resolver404:
            return False
    return match.view_name in set(getattr(settings, "SHOWUP_PASSIVE_URL_NAMES", []))


class IdleTimeoutMiddleware:
    """Staff sessions end after SHOWUP_STAFF_IDLE_MINUTES without activity, and at most
    SESSION_COOKIE_AGE after logging in (the activity stamp re-saves the session, which would
    otherwise push Django's own expiry forward for ever).

    Live polls (`reunite:board_live`, SHOWUP_PASSIVE_URL_NAMES, or any request with the
    `X-Showup-Passive` header) neither count as activity nor keep the session alive; once the
    session has expired they are logged out like any request, and the board's poll is then sent
    to the login page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            expired = self._expired(request)
            if expired is not None:
                return self._sign_out(request, expired)
        return self.get_response(request)

    def _expired(self, request: HttpRequest) -> str | None:
        session = request.session
        now = time.time()
        idle = settings.SHOWUP_STAFF_IDLE_MINUTES * 60
        signed_in_at = session.get(SESSION_SIGNED_IN_AT)
        last_seen = session.get(SESSION_LAST_SEEN)
        if signed_in_at is None:
            session[SESSION_SIGNED_IN_AT] = now
        elif now - float(signed_in_at) > settings.SESSION_COOKIE_AGE:
            return "absolute"
        if last_seen is not None and idle > 0 and now - float(last_seen) > idle:
            return "idle"
        if _is_passive(request):
            if last_seen is None:
                session[SESSION_LAST_SEEN] = now
            return None
        if last_seen is None or now - float(last_seen) >= ACTIVITY_GRANULARITY_SECONDS:
            session[SESSION_LAST_SEEN] = now
        return None

    def _sign_out(self, request: HttpRequest, why: str) -> HttpResponse:
        user = request.user
        logout(request)
        if why == "idle":
            text = gettext(
                "You were signed out after %(minutes)d minutes without activity. "
                "Log in again to continue."
            ) % {"minutes": settings.SHOWUP_STAFF_IDLE_MINUTES}
        else:
            text = gettext("Your session has ended. Log in again to continue.")
        if isinstance(user, User):
            audit("core.account.session_expired", actor=user, obj=user, reason=why)
        login_url = reverse("login")
        if request.method == "GET" and not request.headers.get("HX-Request"):
            login_url = f"{login_url}?next={request.get_full_path()}"
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": text}, status=401)
        messages.info(request, text)
        if request.headers.get("HX-Request"):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = login_url
            return response
        return redirect(login_url)


# --- lifting a lockout ------------------------------------------------------------------------


def is_locked_out(user: User) -> bool:
    from axes.models import AccessAttempt

    username = axes_username(None, {"username": user.get_username()})  # type: ignore[arg-type]
    failures = AccessAttempt.objects.filter(username=username).values_list(
        "failures_since_start", flat=True
    )
    return any(count >= settings.AXES_FAILURE_LIMIT for count in failures)


def unlock_sign_in(request: HttpRequest, user: User, *, actor: User | None) -> int:
    """Lift a lockout: forget the account's failed attempts (axes) and allauth's per-account
    counters of failed passwords and codes. Audited `core.admin.user.unlocked`."""
    username = axes_username(request, {"username": user.get_username()}) or ""
    removed = axes_reset(username=username)
    site_key = get_account_adapter()._get_login_attempts_cache_key(request, username=username)
    for key in (site_key, f"mfa-auth-user-{user.pk}"):
        ratelimit.clear(request, action="login_failed", key=key)
    audit("core.admin.user.unlocked", actor=actor, obj=user, attempts_cleared=removed)
    return removed


def audit_lockout(sender: Any, request: HttpRequest, username: str, **kwargs: Any) -> None:
    """axes' `user_locked_out`: the lockout is in the audit log, on the account if it exists."""
    user = User.objects.filter(username__iexact=username).first() if username else None
    audit(
        "core.account.locked_out",
        actor=None,
        actor_label="axes",
        obj=user,
        failures=settings.AXES_FAILURE_LIMIT,
    )


__all__ = [
    "DEMO_TOTP_SECRET",
    "IdleTimeoutMiddleware",
    "LoginView",
    "MFARequiredMiddleware",
    "axes_username",
    "demo_totp_codes",
    "has_second_factor",
    "lockout_response",
    "login",
    "logout_view",
    "mfa_required",
    "too_many_requests",
    "totp_code",
    "unlock_sign_in",
]

AUDIT_LABELS = {
    "core.account.session_expired": _("Signed out (session expired)"),
    "core.account.locked_out": _("Sign-in locked after failed passwords"),
    "core.admin.user.unlocked": _("Sign-in unlocked"),
}
