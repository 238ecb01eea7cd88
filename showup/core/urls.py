from django.urls import path

from showup.core import views

app_name = "core"
urlpatterns = [
    path("notices/", views.notices, name="notices"),
]
