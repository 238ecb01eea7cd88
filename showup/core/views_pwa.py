"""The field app: the officer's pages as an installable progressive web app.

- `/manifest.webmanifest`: name, icons, the officer's start page, standalone display.
- `/sw.js`: the service worker, served from the site's root so that its scope is the whole
  site; the static source (static/js/offline/sw.js) with its configuration put above it: the
  files of the app shell to keep on the phone and a version that changes with any of them.
- `/offline/`: what a page that is not kept on the phone shows without a connection: the
  reports waiting on this phone (listed by field-app.js), never a child's details.
- `/field/session/`: who is signed in and a fresh CSRF token, for sending a kept form.

Module-agnostic: which blank forms are kept offline is said by the pages (links marked
`data-offline`), not here. See docs/field-app.md.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from showup.core.views import role_home_link

THEME_COLOUR = "#0b3d91"  # --brand in static/css/showup.css
BACKGROUND_COLOUR = "#ffffff"
ICONS = [
    ("img/icon-192.png", "192x192", "any"),
    ("img/icon-512.png", "512x512", "any"),
    ("img/icon-maskable-512.png", "512x512", "maskable"),
]
# The app shell: kept on the phone by the service worker, served from there first (those of
# these files that exist).
SHELL_STATIC = [
    "css/showup.css",
    "vendor/htmx.min.js",
    "js/behaviours.js",
    "js/submit-once.js",
    "js/location.js",
    "js/offline/outbox.js",
    "js/offline/field-app.js",
    *(icon for icon, _size, _purpose in ICONS),
]
SW_SOURCE = "js/offline/sw.js"


def _read_static(path: str) -> bytes:
    found = finders.find(path)
    if found:
        with open(str(found), "rb") as fh:
            return fh.read()
    from django.contrib.staticfiles.storage import staticfiles_storage

    with staticfiles_storage.open(path) as fh:
        return bytes(fh.read())


@cache
def _service_worker() -> bytes:
    """The worker's text, once per process (the static files do not change while it runs)."""
    shell = [path for path in SHELL_STATIC if finders.find(path)]
    digest = hashlib.sha256()
    for path in [SW_SOURCE, *shell]:
        digest.update(_read_static(path))
    config = {
        "version": digest.hexdigest()[:16],
        "precache": [static(path) for path in shell],
        "offlineUrl": reverse("offline"),
        "outboxJs": static("js/offline/outbox.js"),
        "sessionUrl": reverse("field_session"),
    }
    head = f"self.SHOWUP_SW = {json.dumps(config)};\n".encode()
    return head + _read_static(SW_SOURCE)


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    body = _service_worker()
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    # The browser checks for a new worker on every visit; never a stale one from a cache.
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def manifest(request: HttpRequest) -> HttpResponse:
    start_url, _label = role_home_link(request.user)
    if not request.user.is_authenticated:
        start_url = reverse("role_home")  # logs in first, then the officer's start page
    body = {
        "name": _("showup for officers"),
        "short_name": "showup",
        "description": _("Report a found child and hand them over, even with no signal."),
        "lang": getattr(request, "LANGUAGE_CODE", settings.LANGUAGE_CODE),
        "start_url": start_url,
        "scope": "/",
        "id": "/",
        "display": "standalone",
        "orientation": "portrait",
        "theme_color": THEME_COLOUR,
        "background_color": BACKGROUND_COLOUR,
        "icons": [
            {"src": static(path), "sizes": size, "type": "image/png", "purpose": purpose}
            for path, size, purpose in ICONS
        ],
    }
    response = JsonResponse(body, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json"
    response["Cache-Control"] = "private, no-cache"
    return response


@never_cache
@require_GET
def offline(request: HttpRequest) -> HttpResponse:
    """Kept by the service worker and shown for pages it does not keep; holds no record."""
    return render(request, "core/offline.html")


@never_cache
@require_GET
def field_session(request: HttpRequest) -> JsonResponse:
    """Who is signed in on this browser, and a CSRF token to send a kept form with."""
    user = request.user
    return JsonResponse(
        {"user": user.pk if user.is_authenticated else None, "csrf": get_token(request)}
    )
