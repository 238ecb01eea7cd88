"""The home page's "Upcoming community events": public data and counts, never a name.

Registered with core as a home section (showup.events.apps), so core's home page knows nothing
of events."""

from __future__ import annotations

from typing import Any

from django import template
from django.template.loader import render_to_string

from showup.events import selectors

register = template.Library()


@register.inclusion_tag("events/_upcoming.html")
def upcoming_events(limit: int = 3) -> dict[str, Any]:
    events = list(selectors.public_events()[:limit])
    return {"rows": [{"event": e, "counts": selectors.event_counts(e)} for e in events]}


def home_section(request: Any) -> str:
    """The same list as the tag, rendered for core's home page (registry.register_home_section)."""
    return render_to_string("events/_upcoming.html", upcoming_events(), request=request)
