from django.urls import URLPattern, path

from showup.visits import views

app_name = "visits"
urlpatterns: list[URLPattern] = [
    path("", views.index, name="index"),
    # partner
    path("requests/", views.requests_mine, name="requests"),
    path("requests/new/", views.request_new, name="request_new"),
    path("place/", views.place_edit, name="place"),
    path("slots/<int:pk>/accept/", views.slot_accept, name="slot_accept"),
    path("slots/<int:pk>/decline/", views.slot_decline, name="slot_decline"),
    path("slots/<int:pk>/withdraw/", views.slot_withdraw, name="slot_withdraw"),
    # coordinator (officers read the queue)
    path("queue/", views.queue, name="queue"),
    path("requests/<int:pk>/", views.request_detail, name="request_detail"),
    path("requests/<int:pk>/propose/", views.propose, name="propose"),
    path("requests/<int:pk>/reschedule/", views.reschedule, name="reschedule"),
    path("requests/<int:pk>/cancel/", views.request_cancel, name="request_cancel"),
    path("visit/<int:pk>/return/", views.return_visit, name="return_visit"),
    path("availability/", views.availability, name="availability"),
    path("stock/", views.stock, name="stock"),
    # officer
    path("my-day/", views.my_day, name="my_day"),
    path("visit/<int:pk>/start/", views.visit_start, name="visit_start"),
    path("visit/<int:pk>/interrupt/", views.visit_interrupt, name="visit_interrupt"),
    path("visit/<int:pk>/complete/", views.visit_complete, name="visit_complete"),
    path("visit/<int:pk>/given/", views.visit_given, name="visit_given"),
    # calendar
    path("calendar/", views.calendar, name="calendar"),
    path("calendar/rotate/", views.calendar_rotate, name="calendar_rotate"),
    path("calendar.ics", views.calendar_feed, name="calendar_feed"),
    path("calendar/<str:token>.ics", views.calendar_token_feed, name="calendar_token_feed"),
    # coordinator files a request for a partner who phoned, wrote or came in
    path("requests/for-partner/", views.request_for_partner, name="request_for_partner"),
]
