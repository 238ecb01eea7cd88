from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from showup.core.models import User


def home(request: HttpRequest) -> HttpResponse:
    demo_logins = []
    if settings.DEMO_MODE:
        demo_logins = list(
            User.objects.filter(username__startswith="demo-")
            .select_related("agency", "partner_org")
            .order_by("role", "username")
        )
    return render(request, "core/home.html", {"demo_logins": demo_logins})


@login_required
def notices(request: HttpRequest) -> HttpResponse:
    items = list(request.user.notices.all()[:100])  # type: ignore[union-attr]
    request.user.notices.filter(read_at__isnull=True).update(read_at=timezone.now())  # type: ignore[union-attr]
    return render(request, "core/notices.html", {"notices": items})


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent without a valid security token (an expired page, blocked cookies).

    The browser's Back button brings the form back with what was typed; say so plainly.
    """
    return render(request, "core/csrf_failure.html", status=403)
