from django.urls import URLPattern, path

from showup.reunite import views_intake as views

urlpatterns: list[URLPattern] = [
    path("missing/", views.report_missing_public, name="report_missing_public"),
    path("status/<str:token>/", views.status, name="status"),
    path("status/<str:token>/cancel/", views.status_cancel, name="status_cancel"),
    path("status/<str:token>/add/", views.status_add, name="status_add"),
    path("staff/found/new/", views.report_found, name="report_found"),
    path("staff/reports/new/", views.report_new_staff, name="report_new_staff"),
    path("staff/reports/<int:pk>/edit/", views.report_edit, name="report_edit"),
    path("staff/reports/<int:pk>/photo/", views.report_photo, name="report_photo"),
]
