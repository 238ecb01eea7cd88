"""Stories' pages (namespace `stories:`, mounted at /stories/): the staff's drafts, media,
consent and review under drafts/ (and new/), the public list, story pages, feed and redacted
media, and the guardian's consent link."""

from django.urls import URLPattern, path

from showup.stories import views_public, views_stories

urlpatterns: list[URLPattern] = [
    # public
    path("", views_public.story_list, name="public_list"),
    path("feed.atom", views_public.stories_feed, name="feed"),
    path("s/<str:token>/", views_public.story_page, name="public_story"),
    path(
        "s/<str:token>/m/<int:pk>/<str:which>/",
        views_public.public_media,
        name="public_media",
    ),
    path("consent/<str:token>/", views_public.consent_revoke, name="consent_revoke"),
    # staff: coordinators and admins of the agency
    path("new/", views_stories.story_new, name="story_new"),
    path("drafts/", views_stories.story_list, name="story_list"),
    path("drafts/<int:pk>/", views_stories.story_detail, name="story_detail"),
    path("drafts/<int:pk>/review/", views_stories.story_review, name="story_review"),
    path("drafts/<int:pk>/submit/", views_stories.story_submit, name="story_submit"),
    path("drafts/<int:pk>/publish/", views_stories.story_publish, name="story_publish"),
    path("drafts/<int:pk>/unpublish/", views_stories.story_unpublish, name="story_unpublish"),
    path("drafts/<int:pk>/media/", views_stories.media_upload, name="media_upload"),
    path("drafts/<int:pk>/consent/", views_stories.consent_add, name="consent_add"),
    path(
        "drafts/consent/<int:pk>/revoke/",
        views_stories.consent_revoke_staff,
        name="consent_revoke_staff",
    ),
    path("drafts/media/<int:pk>/status/", views_stories.media_status, name="media_status"),
    path("drafts/media/<int:pk>/cancel/", views_stories.media_cancel, name="media_cancel"),
    path("drafts/media/<int:pk>/rerun/", views_stories.media_rerun, name="media_rerun"),
    path("drafts/media/<int:pk>/check/", views_stories.media_check, name="media_check"),
    path("drafts/media/<int:pk>/remove/", views_stories.media_remove, name="media_remove"),
    path("drafts/media/<int:pk>/faces/", views_stories.media_faces, name="media_faces"),
    path("drafts/media/<int:pk>/faces.jpg", views_stories.media_faces_still, name="media_still"),
    path("drafts/media/<int:pk>/<str:which>/", views_stories.media_file, name="media_file"),
]
