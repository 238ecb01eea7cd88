from django.urls import URLPattern, path

from showup.reunite import views_case, views_coord, views_import, views_stats

urlpatterns: list[URLPattern] = [
    path("staff/board/", views_coord.board, name="board"),
    path("staff/board/live/", views_coord.board_live, name="board_live"),
    path("staff/reports/<int:pk>/", views_coord.report_detail, name="report_detail"),
    path("staff/reports/<int:pk>/notes/", views_coord.note_add, name="note_add"),
    path("staff/reports/<int:pk>/matches/", views_coord.report_matches, name="report_matches"),
    path(
        "staff/reports/<int:pk>/status-link/revoke/",
        views_coord.status_link_revoke,
        name="status_link_revoke",
    ),
    path("staff/candidates/<int:pk>/decide/", views_case.candidate_decide, name="candidate_decide"),
    path(
        "staff/candidates/<int:pk>/review/", views_coord.candidate_review, name="candidate_review"
    ),
    path("staff/candidates/<int:pk>/handoff/", views_case.handoff, name="handoff"),
    path(
        "staff/candidates/<int:pk>/handoff/override/",
        views_case.handoff_override,
        name="handoff_override",
    ),
    path("staff/reports/<int:pk>/close/", views_case.report_close, name="report_close"),
    path("staff/reports/<int:pk>/transfer/", views_case.report_transfer, name="report_transfer"),
    path(
        "staff/reports/<int:pk>/merge-into/<int:into>/",
        views_case.report_merge,
        name="report_merge",
    ),
    path("staff/mine/", views_coord.my_reports, name="my_reports"),
    path("staff/import/", views_import.import_reports, name="import_reports"),
    path("staff/stats/", views_stats.stats, name="stats"),
]
