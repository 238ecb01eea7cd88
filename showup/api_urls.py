"""The JSON API (django-ninja); its OpenAPI schema is served at /api/openapi.json."""

from django.urls import path

from showup.api import api

urlpatterns = [path("", api.urls)]
