from django.contrib import admin
from django.urls import include, path

from showup.core import views as core_views
from showup.core import views_pwa

urlpatterns = [
    path("", core_views.home, name="home"),
    # The field app: manifest, service worker (root scope), offline page (docs/field-app.md).
    path("manifest.webmanifest", views_pwa.manifest, name="manifest"),
    path("sw.js", views_pwa.service_worker, name="service_worker"),
    path("offline/", views_pwa.offline, name="offline"),
    path("field/session/", views_pwa.field_session, name="field_session"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("showup.core.urls_accounts")),
    path("staff/", include("showup.core.urls")),
    path("", include("showup.reunite.urls")),
    path("visits/", include("showup.visits.urls")),
    path("events/", include("showup.events.urls")),
    path("stories/", include("showup.stories.urls")),
    path("api/", include("showup.api_urls")),
    path("admin/", admin.site.urls),
]

# Styled error pages in the visitor's language (500 needs neither database nor session).
handler400 = "showup.core.views.bad_request"
handler403 = "showup.core.views.permission_denied"
handler404 = "showup.core.views.page_not_found"
handler500 = "showup.core.views.server_error"
# allauth's throttles (too many logins from one address) answer with this page.
handler429 = "showup.core.accounts.too_many_requests"
