"""The stories module's pages: follow-ups and thank-you notes (urls_followups, urls_notes)
and stories (urls_stories)."""

from django.urls import include, path

app_name = "stories"

urlpatterns = [
    path("", include("showup.stories.urls_stories")),
    path("", include("showup.stories.urls_followups")),
    path("", include("showup.stories.urls_notes")),
]
