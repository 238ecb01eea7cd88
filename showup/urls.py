from django.contrib import admin
from django.urls import include, path

from showup.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("showup.core.urls_accounts")),
    path("staff/", include("showup.core.urls")),
    path("", include("showup.reunite.urls")),
    path("visits/", include("showup.visits.urls")),
    path("api/", include("showup.api_urls")),
    path("admin/", admin.site.urls),
]
