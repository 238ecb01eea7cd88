"""The unit's statistics: who may see them, and that the counts and medians are right."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from showup.reunite.models import Outcome, Report
from showup.reunite.selectors_stats import duration_label, unit_stats

pytestmark = pytest.mark.django_db

LOGIN = "login"
MATRIX: dict[str, int | str] = {
    "anonymous": LOGIN,
    "officer": 403,
    "coordinator": 200,
    "admin": 200,
    "partner": 403,
    "other_partner": 403,
    "outsider": 403,
}

# A fixed "now": Wednesday 2026-03-18 15:00 local time; its week began Monday 16 March.
NOW = timezone.make_aware(datetime(2026, 3, 18, 15, 0))
THIS_MONDAY = NOW.date() - timedelta(days=2)


def _report(
    agency: Any,
    kind: str,
    *,
    created: datetime,
    closed: datetime | None = None,
    outcome: str = "",
    status: str | None = None,
) -> Report:
    report = Report.objects.create(agency=agency, kind=kind, seen_at=created, given_name="X")
    Report.objects.filter(pk=report.pk).update(
        created_at=created,
        closed_at=closed,
        outcome=outcome,
        status=status or ("closed" if closed else "open"),
    )
    report.refresh_from_db()
    return report


def _local(day_offset: int, hour: int) -> datetime:
    return timezone.make_aware(
        datetime.combine(THIS_MONDAY + timedelta(days=day_offset), time(hour))
    )


@pytest.mark.parametrize("role", list(MATRIX))
def test_only_coordinators_and_admins_see_the_statistics(
    request: Any, client: Any, make_user: Any, agency: Any, role: str
) -> None:
    if role == "admin":
        client.force_login(make_user("ada", "admin", agency))
    elif role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    response = client.get(reverse("reunite:stats"))
    expected = MATRIX[role]
    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    else:
        assert response.status_code == expected


def test_it_counts_closed_reports_per_week_by_outcome(agency: Any, other_agency: Any) -> None:
    # This week: two reunions (both reports of each pair), one taken home, one referral.
    for minutes in (30, 90):
        _report(
            agency,
            "missing",
            created=_local(0, 9),
            closed=_local(0, 9) + timedelta(minutes=minutes),
            outcome=Outcome.REUNITED,
            status="reunited",
        )
        _report(
            agency,
            "found",
            created=_local(0, 9),
            closed=_local(0, 11),
            outcome=Outcome.REUNITED,
            status="reunited",
        )
    _report(agency, "found", created=_local(1, 8), closed=_local(1, 10), outcome=Outcome.TAKEN_HOME)
    _report(
        agency, "found", created=_local(1, 8), closed=_local(1, 12), outcome=Outcome.CHILD_SERVICES
    )
    # Last week (Sunday night still counts in last week): one reunion of 5 hours.
    _report(
        agency,
        "missing",
        created=_local(-1, 18),
        closed=_local(-1, 23),
        outcome=Outcome.REUNITED,
        status="reunited",
    )
    # Thirteen weeks ago: outside the window. Another agency: never counted.
    _report(
        agency, "found", created=_local(-91, 9), closed=_local(-91, 10), outcome=Outcome.DUPLICATE
    )
    _report(
        other_agency,
        "found",
        created=_local(0, 9),
        closed=_local(0, 10),
        outcome=Outcome.TAKEN_HOME,
    )
    # Open now: two missing (one matched), one found; a closed one is not open.
    _report(agency, "missing", created=_local(2, 9))
    _report(agency, "missing", created=_local(2, 9), status="matched")
    _report(agency, "found", created=_local(2, 10))

    stats = unit_stats(agency_id=agency.pk, now=NOW)

    assert len(stats.weeks) == 12
    assert stats.weeks[0].start == THIS_MONDAY
    assert stats.weeks[-1].start == THIS_MONDAY - timedelta(weeks=11)
    columns = [value for value, _label in stats.outcomes]
    assert columns == [value for value, _label in Outcome.choices]

    def count(week: int, outcome: str) -> int:
        return stats.weeks[week].counts[columns.index(outcome)]

    assert count(0, Outcome.REUNITED) == 4
    assert count(0, Outcome.TAKEN_HOME) == 1
    assert count(0, Outcome.CHILD_SERVICES) == 1
    assert stats.weeks[0].total == 6
    assert count(1, Outcome.REUNITED) == 1 and stats.weeks[1].total == 1
    assert all(w.total == 0 for w in stats.weeks[2:])
    assert stats.total_closed == 7
    assert stats.totals[columns.index(Outcome.DUPLICATE)] == 0

    assert stats.weeks[0].reunions == 2
    assert stats.weeks[0].median_to_reunion == timedelta(minutes=60)
    assert stats.weeks[1].median_to_reunion == timedelta(hours=5)
    assert stats.weeks[2].median_to_reunion is None
    assert stats.reunions == 3
    assert stats.median_to_reunion == timedelta(minutes=90)

    assert (stats.open_missing, stats.open_found, stats.open_total) == (2, 1, 3)


def test_a_closed_report_without_an_outcome_gets_its_own_column(agency: Any) -> None:
    _report(agency, "found", created=_local(0, 9), closed=_local(0, 10), outcome="")
    stats = unit_stats(agency_id=agency.pk, now=NOW)
    assert stats.outcomes[-1] == ("", "Not recorded")
    assert stats.weeks[0].counts[-1] == 1


def test_durations_read_plainly() -> None:
    assert duration_label(timedelta(minutes=45)) == "45 min"
    assert duration_label(timedelta(hours=2, minutes=5)) == "2 h 5 min"
    assert duration_label(timedelta(days=3, hours=4, minutes=10)) == "3 d 4 h"
    assert duration_label(None) == "—"


def test_the_page_shows_accessible_tables(client: Any, coordinator: Any, agency: Any) -> None:
    now = timezone.now()
    _report(
        agency,
        "missing",
        created=now - timedelta(minutes=50),
        closed=now - timedelta(minutes=5),
        outcome=Outcome.REUNITED,
        status="reunited",
    )
    _report(agency, "found", created=now - timedelta(hours=1))
    client.force_login(coordinator)
    response = client.get(reverse("reunite:stats"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<caption" in html and "Reports closed per week, by outcome" in html
    assert html.count('<th scope="row">') == 13  # twelve weeks and the total
    assert '<th scope="col" class="n">Taken home by the officer</th>' in html
    assert '<dd id="open-total">1</dd>' in html
    assert '<dd id="median-overall">45 min</dd>' in html
    assert f'href="{reverse("reunite:stats")}"' in html  # the nav link


def test_the_nav_links_to_statistics_only_for_coordinators(client: Any, officer: Any) -> None:
    client.force_login(officer)
    html = client.get(reverse("reunite:my_reports")).content.decode()
    assert reverse("reunite:stats") not in html
