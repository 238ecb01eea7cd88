from django.urls import URLPattern, path

from showup.reunite import views_coord

urlpatterns: list[URLPattern] = [
    path("staff/board/", views_coord.board, name="board"),
    path("staff/board/live/", views_coord.board_live, name="board_live"),
    path("staff/reports/<int:pk>/", views_coord.report_detail, name="report_detail"),
    path("staff/reports/<int:pk>/notes/", views_coord.note_add, name="note_add"),
    path(
        "staff/candidates/<int:pk>/decide/", views_coord.candidate_decide, name="candidate_decide"
    ),
    path("staff/candidates/<int:pk>/handoff/", views_coord.handoff, name="handoff"),
    path("staff/mine/", views_coord.my_reports, name="my_reports"),
]
