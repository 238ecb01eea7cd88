"""The django-ninja API object; each app adds its router here.

Its OpenAPI schema is at /api/openapi.json, the interactive docs at /api/docs. Routers
authenticate with the staff session (ninja's cookie auth checks CSRF on unsafe methods).
Validation errors (422) keep ninja's shape but speak the request's language: LocaleMiddleware
activates it from Accept-Language (or the language cookie) for API paths too.
"""

from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import ValidationError

from showup.api_errors import translated_errors
from showup.reunite.api import router as reunite_router
from showup.reunite.services import ReuniteError

api = NinjaAPI(title="showup API", version="1", urls_namespace="api")


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return api.create_response(request, {"detail": translated_errors(exc.errors)}, status=422)


@api.exception_handler(ReuniteError)
def rule_refused(request: HttpRequest, exc: ReuniteError) -> HttpResponse:
    """A rule of the case said no: the same service and code the web pages translate."""
    if exc.status == 422:
        body: object = {"detail": [{"type": exc.code, "loc": ["body"], "msg": exc.message}]}
    else:
        body = {"detail": exc.message, "code": exc.code}
    return api.create_response(request, body, status=exc.status)


@api.exception_handler(MultiPartParserError)
def unreadable_upload(request: HttpRequest, exc: MultiPartParserError) -> HttpResponse:
    # Django would answer with its HTML 400 page; API clients get JSON like every other error.
    message = _("The upload could not be read. Send it as multipart/form-data.")
    return api.create_response(request, {"detail": message}, status=400)


api.add_router("/reunite/", reunite_router)

from showup.visits.api import router as visits_router  # noqa: E402

api.add_router("/visits/", visits_router)

from showup.events.api import router as events_router  # noqa: E402

api.add_router("/events/", events_router)

from showup.stories.api_followups import router as followups_router  # noqa: E402
from showup.stories.api_stories import router as stories_router  # noqa: E402

api.add_router("/stories/", followups_router)
api.add_router("/stories/", stories_router)
