"""Thank-you notes: the public form and a unit's page (/stories/thanks/...), and the
coordinators' moderation (/stories/notes/...)."""

from django.urls import URLPattern, path

from showup.stories import views_notes as views

urlpatterns: list[URLPattern] = [
    path("thanks/", views.note_form, name="note_form"),
    path("thanks/<slug:slug>/", views.notes_public, name="notes_public"),
    path("notes/", views.notes_moderate, name="notes_moderate"),
    path("notes/<int:pk>/", views.note_detail, name="note_detail"),
    path("notes/<int:pk>/moderate/", views.note_moderate, name="note_moderate"),
]
