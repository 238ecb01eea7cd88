"""Reads for "After the event": families' feedback counted per event and per month, for one
agency only, and what families liked, without a name.

Counts come from one grouped query over the agency's feedback; an event of another agency is
never counted (the filter is on the event's agency). "What they liked" is the families' own
words; the registration (and so the family's name) is never read here, and the retention
purger empties those words with the rest of the family's details.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count
from django.utils import timezone

from showup.events.charts import percent
from showup.events.models import Event, Feedback

ANSWERS = [code for code, _label in Feedback.Answer.choices]  # yes, somewhat, no
QUESTIONS = ("felt_welcome", "would_call_officer")
LIKED_LIMIT = 100
EVENTS_LIMIT = 500


def _empty() -> dict[str, dict[str, int]]:
    return {q: dict.fromkeys(ANSWERS, 0) for q in QUESTIONS}


@dataclass
class Tally:
    """Answers to both questions, counted: `counts[question][answer]`."""

    responses: int = 0
    counts: dict[str, dict[str, int]] = field(default_factory=_empty)

    def add(self, felt_welcome: str, would_call: str, n: int) -> None:
        self.responses += n
        self.counts["felt_welcome"][felt_welcome] = (
            self.counts["felt_welcome"].get(felt_welcome, 0) + n
        )
        self.counts["would_call_officer"][would_call] = (
            self.counts["would_call_officer"].get(would_call, 0) + n
        )

    def merge(self, other: Tally) -> None:
        self.responses += other.responses
        for q in QUESTIONS:
            for a, n in other.counts[q].items():
                self.counts[q][a] = self.counts[q].get(a, 0) + n

    def cells(self) -> list[tuple[int, int]]:
        """(count, percent) for each question and answer, in table order."""
        return [
            (self.counts[q][a], percent(self.counts[q][a], self.responses))
            for q in QUESTIONS
            for a in ANSWERS
        ]

    def yes_percent(self, question: str) -> int:
        return percent(self.counts[question]["yes"], self.responses)

    @property
    def yes_welcome(self) -> int:
        return self.yes_percent("felt_welcome")

    @property
    def yes_call(self) -> int:
        return self.yes_percent("would_call_officer")


@dataclass
class EventResult:
    event: Event
    tally: Tally


@dataclass
class MonthResult:
    month: date  # the first day of the month, in the site's time zone
    events: int
    tally: Tally


def tally_for_event(event: Event) -> Tally:
    return _tallies(Feedback.objects.filter(event=event)).get(event.pk, Tally())


def _tallies(feedback: object) -> dict[int, Tally]:
    out: dict[int, Tally] = defaultdict(Tally)
    rows = (
        feedback.values_list("event_id", "felt_welcome", "would_call_officer")  # type: ignore[attr-defined]
        .annotate(n=Count("id"))
        .order_by()
    )
    for event_id, welcome, call, n in rows:
        out[event_id].add(welcome, call, n)
    return dict(out)


def agency_results(agency_id: int) -> tuple[list[EventResult], list[MonthResult], Tally]:
    """Every event of the agency that has begun (or has feedback), oldest first, with its
    tally; the same summed per month of the event's start; and the total."""
    tallies = _tallies(Feedback.objects.filter(event__agency_id=agency_id))
    now = timezone.now()
    events = list(
        Event.objects.filter(agency_id=agency_id)
        .exclude(status=Event.Status.DRAFT)
        .filter(start__lte=now)
        .order_by("-start", "-pk")[:EVENTS_LIMIT]
    )
    seen = {e.pk for e in events}
    missing = [pk for pk in tallies if pk not in seen]
    if missing:
        events += list(Event.objects.filter(agency_id=agency_id, pk__in=missing))
    events.sort(key=lambda e: (e.start, e.pk))
    per_event = [EventResult(e, tallies.get(e.pk, Tally())) for e in events]
    months: dict[date, MonthResult] = {}
    total = Tally()
    for result in per_event:
        local = timezone.localtime(result.event.start).date().replace(day=1)
        month = months.setdefault(local, MonthResult(local, 0, Tally()))
        month.events += 1
        month.tally.merge(result.tally)
        total.merge(result.tally)
    return per_event, [months[m] for m in sorted(months)], total


def liked(agency_id: int, *, event: Event | None = None) -> list[Feedback]:
    """What families liked, newest first, with the event (never the registration)."""
    qs = Feedback.objects.filter(event__agency_id=agency_id).exclude(liked="")
    if event is not None:
        qs = qs.filter(event=event)
    return list(
        qs.select_related("event")
        .only("liked", "created_at", "event__title", "event__start", "event__reference")
        .order_by("-created_at", "-pk")[:LIKED_LIMIT]
    )
