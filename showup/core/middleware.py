"""Response headers that keep a child's details out of browser and proxy caches."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase

NO_STORE = "private, no-store"
SAFE_METHODS = frozenset({"GET", "HEAD"})


def may_be_cached(request: HttpRequest) -> bool:
    """Only an anonymous visitor's GET of a page listed in SHOWUP_CACHEABLE_PATHS (the public
    home page) or of a static file may be cached. Everything else may carry a child's details:
    every answer to a logged-in user, every /status/ page and /api/ answer, every photo, every
    answer to a form (a re-shown form holds what the guardian typed), every error page. The
    rule is an allow-list, so a new page is private until someone decides otherwise."""
    if request.method not in SAFE_METHODS:
        return False
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return False
    path = request.path_info
    static_url = "/" + str(settings.STATIC_URL).lstrip("/")
    return path.startswith(static_url) or path in settings.SHOWUP_CACHEABLE_PATHS


class NoStoreMiddleware:
    """Cache-Control: private, no-store on every response that may carry a child's details."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if may_be_cached(request):
            return response
        if "no-store" not in response.get("Cache-Control", ""):
            # Replaces, not merges: a max-age or public set by a view must not survive.
            response["Cache-Control"] = NO_STORE
            if "Expires" in response:
                del response["Expires"]
        return response


def _carries_nul(request: HttpRequest) -> bool:
    if "\x00" in request.path_info:
        return True
    for key, values in request.GET.lists():
        if "\x00" in key or any("\x00" in value for value in values):
            return True
    return False


class RefuseNulMiddleware:
    """A NUL character in the address or the query string is refused with a 400 before any view
    runs: no link of ours carries one, and PostgreSQL refuses a NUL in a query with an error,
    so a token or slug read from the URL (/status/<token>/, /events/<reference>/, ?agency=)
    would otherwise be a server error. Form and API bodies are not checked here: their fields
    go through showup.core.text, which refuses a NUL with a message beside the field and keeps
    everything else typed."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if _carries_nul(request):
            from django.http import HttpResponseBadRequest, JsonResponse
            from django.utils.translation import gettext as _

            message = _("This address contains a character that is not allowed.")
            if request.path_info.startswith("/api/"):  # the API's error shape
                return JsonResponse({"detail": message, "code": "bad_character"}, status=400)
            return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
