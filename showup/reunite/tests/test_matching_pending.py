"""While the matching service has still to look at a report, the case page says "Looking for
matches…" and polls until it is done; the API says `matching: pending`."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from showup.reunite import selectors, services
from showup.reunite.models import MatchOutbox, Report
from showup.reunite.tests.coord_helpers import (
    fast_passwords,  # noqa: F401 (autouse)
    file_pair,
)


def _finish(report: Report) -> None:
    """What a worker does when it has processed the report's rows."""
    MatchOutbox.objects.filter(report=report, done_at__isnull=True).update(done_at=timezone.now())


def _pending(report: Report) -> None:
    MatchOutbox.objects.create(
        report=report, agency_id=report.agency_id, shard=0, reason=MatchOutbox.Reason.EDITED
    )


@pytest.mark.django_db
def test_a_report_filed_with_no_worker_yet_is_pending_until_processed(
    agency: Any, officer: Any, report_data: Any, settings: Any
) -> None:
    settings.SHOWUP_MATCHING = "worker"  # no inline drain: the row waits for a worker
    report = services.report_create(
        agency=agency, kind="found", data=report_data("found"), filed_by=officer
    )
    assert selectors.matching_pending(report)
    _finish(report)
    assert not selectors.matching_pending(report)


@pytest.mark.django_db
def test_the_case_page_polls_while_matching_and_shows_the_candidates_when_done(
    login: Any, coordinator: Any, officer: Any, agency: Any, report_data: Any
) -> None:
    found, missing, _cand = file_pair(agency, officer, report_data)
    _pending(found)
    client = login(coordinator)
    detail = reverse("reunite:report_detail", kwargs={"pk": found.pk})
    poll = reverse("reunite:report_matches", kwargs={"pk": found.pk})
    html = client.get(detail).content.decode()
    assert '<p id="matching-status" class="hint" role="status">Looking for matches…</p>' in html
    assert f'hx-get="{poll}" hx-trigger="every 1s" hx-swap="outerHTML"' in html
    assert "<script>" not in html  # CSP: no inline script, htmx's attributes only

    assert client.get(poll, headers={"HX-Request": "true"}).status_code == 204
    _finish(found)
    done = client.get(poll, headers={"HX-Request": "true"})
    assert done.status_code == 200 and done["Cache-Control"] == "no-store"
    body = done.content.decode()
    assert 'id="candidates"' in body and "hx-trigger" not in body  # the polling stops
    assert '<span id="matching-status" hx-swap-oob="innerHTML">' in body
    assert "Matching done: 1 possible match." in body
    assert missing.reference in body
    assert f'name="next" value="{detail}"' in body  # decisions come back to the case page

    again = client.get(detail).content.decode()
    assert "Looking for matches" not in again and "every 1s" not in again


@pytest.mark.django_db
def test_the_page_after_filing_says_matching_is_in_progress(
    login: Any, officer: Any, report_data: Any, settings: Any
) -> None:
    settings.SHOWUP_MATCHING = "worker"
    client = login(officer)
    data = report_data("found")
    form = {
        "given_name": data["given_name"],
        "sex": data["sex"],
        "age_min": "3",
        "age_max": "5",
        "clothing": data["clothing"],
        "place": data["place"],
        "lat": str(data["lat"]),
        "lon": str(data["lon"]),
        "seen_at": timezone.localtime(data["seen_at"]).strftime("%Y-%m-%dT%H:%M"),
        "safe_location": data["safe_location"],
        "situation": "lost",
    }
    response = client.post(reverse("reunite:report_found"), form, follow=True)
    html = response.content.decode()
    assert response.redirect_chain, html[:2000]
    assert "filed." in html and "Matching has run" not in html
    assert "Looking for matches…" in html and 'hx-trigger="every 1s"' in html


@pytest.mark.django_db
def test_the_poll_is_for_agency_staff_only(
    login: Any,
    partner: Any,
    outsider: Any,
    officer: Any,
    agency: Any,
    report_data: Any,
    store: Any,
    client: Any,
) -> None:
    report = services.report_create(
        agency=agency,
        kind="found",
        data=report_data("found"),
        filed_by=partner,
        partner_org=store,
    )
    poll = reverse("reunite:report_matches", kwargs={"pk": report.pk})
    assert client.get(poll).status_code == 302  # the public: log in
    assert login(partner).get(poll).status_code == 404  # never candidates
    assert login(outsider).get(poll).status_code == 404
    assert login(officer).get(poll).status_code == 200


@pytest.mark.django_db
def test_the_api_says_whether_matching_is_pending(
    login: Any, coordinator: Any, officer: Any, agency: Any, report_data: Any
) -> None:
    found, _missing, _cand = file_pair(agency, officer, report_data)
    client = login(coordinator)
    url = f"/api/reunite/reports/{found.pk}/candidates"
    response = client.get(url)
    assert response["Showup-Matching"] == "done"
    assert [c["matching"] for c in response.json()] == ["done"]
    _pending(found)
    response = client.get(url)
    assert response["Showup-Matching"] == "pending"
    assert [c["matching"] for c in response.json()] == ["pending"]
    lone = services.report_create(
        agency=agency, kind="found", data=report_data("found", given_name="Zed"), filed_by=officer
    )
    _pending(lone)
    empty = client.get(f"/api/reunite/reports/{lone.pk}/candidates")
    assert empty.json() == [] or all(c["matching"] == "pending" for c in empty.json())
    assert empty["Showup-Matching"] == "pending"
