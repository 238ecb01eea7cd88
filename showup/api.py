"""The django-ninja API object; each app adds its router here.

Its OpenAPI schema is at /api/openapi.json, the interactive docs at /api/docs. Routers
authenticate with the staff session (ninja's cookie auth checks CSRF on unsafe methods).
"""

from ninja import NinjaAPI

from showup.reunite.api import router as reunite_router

api = NinjaAPI(title="showup API", version="1", urls_namespace="api")
api.add_router("/reunite/", reunite_router)

from showup.visits.api import router as visits_router  # noqa: E402

api.add_router("/visits/", visits_router)
