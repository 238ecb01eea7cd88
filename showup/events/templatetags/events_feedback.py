"""`{% event_feedback_results event %}`: the event's staff page's "After the event" section
(showup/events/views_feedback.py builds it), for coordinators and admins only."""

from __future__ import annotations

from typing import Any

from django import template

from showup.events.models import Event
from showup.events.views_feedback import event_results_context
from showup.events.views_staff import is_manager

register = template.Library()


@register.inclusion_tag("events/staff/_event_results.html", takes_context=True)
def event_feedback_results(context: Any, event: Event) -> dict[str, Any]:
    request = context.get("request")
    if request is None or not is_manager(request.user):
        return {"hidden": True}
    return event_results_context(event)
