from django.urls import URLPattern, path

from showup.events import views, views_feedback, views_invite, views_print, views_staff

app_name = "events"
urlpatterns: list[URLPattern] = [
    # public
    path("", views.event_list, name="list"),
    path("feed.ics", views.feed_ics, name="feed"),
    # the family's private link
    path("r/<str:token>/", views.manage, name="manage"),
    path("r/<str:token>/qr.png", views.qr, name="qr"),
    path("r/<str:token>/change/", views.change, name="change"),
    path("r/<str:token>/cancel/", views.cancel, name="cancel"),
    path("r/<str:token>/accept/", views.offer_accept, name="offer_accept"),
    path("r/<str:token>/decline/", views.offer_decline, name="offer_decline"),
    path("r/<str:token>/feedback/", views.feedback, name="feedback"),
    # staff: coordinators change, officers read and check in
    path("staff/", views_staff.event_list, name="staff_list"),
    path("staff/feedback/", views_feedback.results_page, name="feedback_results"),
    path("staff/new/", views_staff.event_create, name="staff_create"),
    path("staff/invite/", views_invite.invite, name="invite"),
    path("staff/<int:pk>/", views_staff.event_detail, name="staff_detail"),
    path("staff/<int:pk>/edit/", views_staff.event_edit, name="staff_edit"),
    path("staff/<int:pk>/publish/", views_staff.event_publish, name="staff_publish"),
    path("staff/<int:pk>/cancel/", views_staff.event_cancel, name="staff_cancel"),
    path("staff/<int:pk>/activities/", views_staff.activity_add, name="activity_add"),
    path("staff/activities/<int:pk>/remove/", views_staff.activity_remove, name="activity_remove"),
    path("staff/<int:pk>/materials/", views_staff.material_add, name="material_add"),
    path("staff/materials/<int:pk>/remove/", views_staff.material_remove, name="material_remove"),
    path("staff/<int:pk>/door/", views_staff.door, name="door"),
    path("staff/<int:pk>/door/checkin/", views_staff.door_checkin, name="door_checkin"),
    path("staff/<int:pk>/door/scan/", views_staff.door_scan, name="door_scan"),
    # printing (showup.events.views_print): all badges of an event, one child's badge or certificate
    path("staff/<int:pk>/badges.pdf", views_print.badges, name="badges"),
    path("staff/children/<int:pk>/badge.pdf", views_print.badge, name="badge"),
    path("staff/children/<int:pk>/certificate.pdf", views_print.certificate, name="certificate"),
    # public event pages last: a reference never looks like the paths above
    path("<str:reference>.ics", views.event_ics, name="ics"),
    path("<str:reference>/", views.event_detail, name="detail"),
    path("<str:reference>/rsvp/", views.rsvp, name="rsvp"),
]
