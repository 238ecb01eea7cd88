"""The case decisions in real Chromium at phone size: a hand-off to an adult the report does
not name is refused until a coordinator overrides with a reason; a confirmed match is undone;
the boy on the curb (story 03) is closed as "taken home by the officer"."""

from __future__ import annotations

from typing import Any

import pytest

from showup.e2e import conftest as e2e
from showup.reunite import services
from showup.reunite.models import Candidate, Handoff, Report
from showup.reunite.tests.coord_helpers import fast_passwords, file_pair

__all__ = ["fast_passwords"]

browser_type_launch_args = e2e.browser_type_launch_args
browser_context_args = e2e.browser_context_args
shot = e2e.shot
staff_login = e2e.staff_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _fill_checklist(page: Any) -> None:
    page.get_by_label("I checked the adult's photo identity document").check()
    page.get_by_label("Type of document").select_option("state_id")
    page.get_by_label("Last four characters of the document number").fill("4821")
    page.get_by_label("The child recognises the adult").check()
    page.get_by_label("The adult described something only a guardian would know").check()
    page.get_by_label("What did they describe?").fill("the name of his toy dinosaur")


def test_a_hand_off_to_an_unnamed_adult_needs_a_coordinators_override(
    page: Any,
    live_server: Any,
    staff_login: Any,
    shot: Any,
    coordinator: Any,
    officer: Any,
    agency: Any,
    report_data: Any,
) -> None:
    found, missing, cand = file_pair(agency, officer, report_data)
    services.candidate_confirm(candidate=cand, actor=coordinator)
    url = f"{live_server.url}/staff/candidates/{cand.pk}/handoff/"

    staff_login(page, officer)
    page.goto(url)
    _fill_checklist(page)
    page.get_by_label("Someone else").check()
    page.get_by_label("Full name of the adult").fill("Rosa Jiménez")
    page.get_by_label("Their relationship to the child").select_option("neighbour")
    page.get_by_role("button", name="Save checklist").click()
    page.wait_for_selector("text=Release not authorised yet")
    shot(page, "handoff-refused-unnamed-adult")
    assert "is not named on the report" in page.content()
    for report in (found, missing):
        assert Report.objects.get(pk=report.pk).status == Report.Status.MATCHED
    # The officer cannot authorise it themself: no override form for them.
    assert page.get_by_role("button", name="Authorise this release").count() == 0

    page.context.clear_cookies()
    staff_login(page, coordinator)
    page.goto(url)
    page.get_by_label("Why may this adult take the child?").fill(
        "The mother phoned: her neighbour Rosa collects him while she drives back."
    )
    page.get_by_role("button", name="Authorise this release").click()
    page.wait_for_selector("text=Reunited — reports closed")
    shot(page, "handoff-override-reunited")
    handoff = Handoff.objects.get(candidate=cand)
    assert handoff.override_by == coordinator and handoff.released_to == "Rosa Jiménez"
    for report in (found, missing):
        assert Report.objects.get(pk=report.pk).status == Report.Status.REUNITED


def test_a_confirmed_match_is_undone_from_the_report_page(
    page: Any,
    live_server: Any,
    staff_login: Any,
    shot: Any,
    coordinator: Any,
    officer: Any,
    agency: Any,
    report_data: Any,
) -> None:
    found, missing, cand = file_pair(agency, officer, report_data)
    services.candidate_confirm(candidate=cand, actor=coordinator)
    staff_login(page, coordinator)
    page.goto(f"{live_server.url}/staff/reports/{missing.pk}/")
    page.locator(f"#undo-{cand.pk}").click()
    page.wait_for_selector("text=Confirmation undone")
    shot(page, "match-undone")
    assert Candidate.objects.get(pk=cand.pk).decision == Candidate.Decision.PROPOSED
    for report in (found, missing):
        assert Report.objects.get(pk=report.pk).status == Report.Status.OPEN


def test_the_boy_on_the_curb_is_closed_as_taken_home_by_the_officer(
    page: Any,
    live_server: Any,
    staff_login: Any,
    shot: Any,
    officer: Any,
    agency: Any,
    report_data: Any,
) -> None:
    boy = services.report_create(
        agency=agency,
        kind="found",
        data=report_data(
            "found",
            situation="alone",
            given_name="",
            clothing="grey hoodie",
            place="Curb outside the corner shop",
            safe_location="With me on the curb",
        ),
        filed_by=officer,
    )
    staff_login(page, officer)
    page.goto(f"{live_server.url}/staff/reports/{boy.pk}/")
    page.get_by_role("link", name="Close with outcome").click()
    page.get_by_label("Taken home by the officer").check()
    page.get_by_label("A few words (optional)").fill("Walked him home; his aunt was there.")
    page.get_by_role("button", name="Close the report").click()
    page.wait_for_selector("text=closed.")
    shot(page, "curb-boy-taken-home")
    assert "Taken home by the officer" in page.content()
    boy.refresh_from_db()
    assert (boy.status, boy.outcome, boy.closed_by) == ("closed", "taken_home", officer)


def test_the_case_page_says_looking_for_matches_until_the_service_is_done(
    page: Any,
    live_server: Any,
    staff_login: Any,
    shot: Any,
    settings: Any,
    officer: Any,
    agency: Any,
    report_data: Any,
) -> None:
    """The live region updates itself (htmx polls, no script of the page's own) and the
    polling stops once the matching service has looked at the report."""
    from django.utils import timezone

    from showup.reunite.models import MatchOutbox

    found, missing, _cand = file_pair(agency, officer, report_data)
    settings.SHOWUP_MATCHING = "worker"  # the next change waits for a worker
    services.report_update(report=found, data={"hair": "short, brown"}, actor=officer)
    assert MatchOutbox.objects.filter(report=found, done_at__isnull=True).exists()

    staff_login(page, officer)
    page.goto(f"{live_server.url}/staff/reports/{found.pk}/")
    status = page.locator("#matching-status")
    assert status.get_attribute("role") == "status"
    page.wait_for_selector("#matching-status:has-text('Looking for matches…')")
    shot(page, "case-looking-for-matches")
    page.wait_for_timeout(1500)  # polls answered 204 meanwhile: nothing moved
    assert "Looking for matches…" in status.inner_text()

    MatchOutbox.objects.filter(report=found).update(done_at=timezone.now())  # a worker did it
    page.wait_for_selector("#matching-status:has-text('Matching done: 1 possible match.')")
    assert page.locator("#candidates").get_attribute("hx-trigger") is None  # polling stopped
    assert missing.reference in page.locator("#candidates").inner_text()
