"""Follow-ups (staff): /stories/follow-ups/..."""

from django.urls import URLPattern, path

from showup.stories import views_followups as views

urlpatterns: list[URLPattern] = [
    path("follow-ups/", views.followups_mine, name="followups_mine"),
    path("follow-ups/new/", views.followup_new, name="followup_new"),
    path("follow-ups/<int:pk>/", views.followup_detail, name="followup_detail"),
    path("follow-ups/<int:pk>/done/", views.followup_done, name="followup_done"),
    path("follow-ups/<int:pk>/cancel/", views.followup_cancel, name="followup_cancel"),
    path("follow-ups/<int:pk>/due/", views.followup_due, name="followup_due"),
    path("follow-ups/<int:pk>/reassign/", views.followup_reassign, name="followup_reassign"),
]
