"""The django-ninja API object; each app adds its router here."""

from ninja import NinjaAPI

api = NinjaAPI(title="showup API", version="1", urls_namespace="api")
