"""The field app's outbox talks to the same views as the forms (see docs/field-app.md).

A form sent by field-app.js or replayed from the phone's outbox carries `X-Showup-Outbox: 1`.
A view answers a successful POST with a redirect (to the report filed, to the hand-off); a
script cannot read where a redirect goes without following it, and following it would show
(and use up) the page's flash messages inside the script. So such a redirect is answered as
JSON instead, {"redirect": url, "login": bool}, with the same cookies: the script then shows
"Sent" with a link, or opens the page itself; `login` says the redirect is to the login page
(the session ended), which is not a success. Every other answer passes unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import resolve_url

HEADER = "X-Showup-Outbox"


class OutboxAnswerMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if (
            request.method != "POST"
            or request.headers.get(HEADER) != "1"
            or response.status_code not in (301, 302, 303, 307, 308)
            or not response.has_header("Location")
        ):
            return response
        location = response["Location"]
        login = urlsplit(location).path == urlsplit(resolve_url(settings.LOGIN_URL)).path
        answer: HttpResponse = JsonResponse({"redirect": location, "login": login})
        answer.cookies = response.cookies
        answer["Cache-Control"] = "no-store"
        return answer
