from typing import Any

from django.conf import settings
from django.http import HttpRequest


def showup(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    unread = 0
    if user is not None and user.is_authenticated:
        unread = user.notices.filter(read_at__isnull=True).count()
    return {
        "DEMO_MODE": settings.DEMO_MODE,
        "unread_notices": unread,
        # One tile setting for every map (settings.SHOWUP_MAP_TILES).
        "map_tiles": settings.SHOWUP_MAP_TILES,
        "map_attribution": settings.SHOWUP_MAP_ATTRIBUTION,
    }
