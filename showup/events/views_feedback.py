"""After the event: what families answered, for coordinators.

`/events/staff/feedback/` shows the agency's events over time: "did you feel welcome?" and
"would you call an officer if your child were lost?" per event and per month, as server-side
SVG charts (showup/events/charts.py) with the same numbers in tables, and what families liked,
listed without a name. The event's staff page has the same for one event (the
`events_feedback` template library's `{% event_feedback_results %}`).

Coordinators and admins of the agency see them; officers and partner staff get 403 (the page
is the coordinator's, as the issue has it); only the user's own agency is ever counted.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import formats
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from showup.core.models import User
from showup.events import charts, results
from showup.events.models import Event, Feedback
from showup.events.views_staff import is_manager, staff_required


def answer_series() -> list[charts.Series]:
    return [
        charts.Series(code, str(label), charts.ANSWER_FILLS[code])
        for code, label in Feedback.Answer.choices
    ]


def question_labels() -> dict[str, str]:
    return {
        "felt_welcome": _("Did families feel welcome?"),
        "would_call_officer": _("Would they call an officer if their child were lost?"),
    }


def _chart(
    chart_id: str, question: str, rows: list[tuple[str, results.Tally]], scope: str
) -> SafeString:
    title = question_labels()[question]
    answers = sum(t.responses for _label, t in rows)
    description = _(
        "%(scope)s: the share of answers yes, somewhat and no, %(answers)s answers in all. "
        "The table below has the same numbers."
    ) % {"scope": scope, "answers": answers}
    return charts.stacked_bars(
        chart_id=chart_id,
        title=title,
        description=description,
        series=answer_series(),
        rows=[charts.Row(label, dict(t.counts[question])) for label, t in rows],
        answers_label=_("{n} answers"),
    )


def _event_label(event: Event) -> str:
    return f"{event.title} ({formats.date_format(event.start, 'j M Y')})"


def _month_label(month: Any) -> str:
    return formats.date_format(month, "YEAR_MONTH_FORMAT")


def event_results_context(event: Event) -> dict[str, Any]:
    """What the event's staff page shows after the event: the tally, two one-bar charts and
    what families liked."""
    tally = results.tally_for_event(event)
    rows = [(_event_label(event), tally)] if tally.responses else []
    return {
        "event": event,
        "tally": tally,
        "answers": answer_series(),
        "questions": question_labels(),
        "charts": [
            _chart(f"event-{event.pk}-{q}", q, rows, _event_label(event)) for q in results.QUESTIONS
        ]
        if rows
        else [],
        "liked": results.liked(event.agency_id, event=event),
    }


@staff_required
def results_page(request: HttpRequest, user: User) -> HttpResponse:
    if not is_manager(user):
        raise PermissionDenied
    assert user.agency_id is not None
    per_event, per_month, total = results.agency_results(user.agency_id)
    answered = [r for r in per_event if r.tally.responses]
    month_rows = [(_month_label(m.month), m.tally) for m in per_month if m.tally.responses]
    event_rows = [(_event_label(r.event), r.tally) for r in answered]
    charts_by_event = [
        _chart(f"by-event-{q}", q, event_rows, _("Per event")) for q in results.QUESTIONS
    ]
    charts_by_month = [
        _chart(f"by-month-{q}", q, month_rows, _("Per month")) for q in results.QUESTIONS
    ]
    return render(
        request,
        "events/staff/feedback.html",
        {
            "per_event": per_event,
            "per_month": per_month,
            "total": total,
            "answers": answer_series(),
            "questions": question_labels(),
            "charts_by_event": charts_by_event if event_rows else [],
            "charts_by_month": charts_by_month if month_rows else [],
            "liked": results.liked(user.agency_id),
        },
    )
