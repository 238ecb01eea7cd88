"""The guardian's status page: words that fit each state, the unit's phone, adding information."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from PIL import Image

from showup.core.models import AuditEntry, User
from showup.core.photos import photo_path
from showup.reunite import services
from showup.reunite.models import Candidate, Report, TimelineNote
from showup.reunite.tests.intake_helpers import corrupt_upload, jpeg_upload

pytestmark = pytest.mark.django_db

NEIGHBOUR = {"name": "Rosa Jiménez", "relationship": "neighbour"}
PHOTO_ID = "photo ID"
BACK_WITH_YOU = "back with you"


def page(client: Client, report: Report) -> str:
    r = client.get(f"/status/{report.status_token}/")
    assert r.status_code == 200
    return r.content.decode()


def private(response: Any) -> bool:
    return (
        response["Referrer-Policy"] == "same-origin"
        and "no-store" in response["Cache-Control"]
        and "noindex" in response["X-Robots-Tag"]
    )


@pytest.fixture
def mine(agency: Any, report_data: Any) -> Report:
    data = report_data(
        "missing",
        reporter_relationship="mother",
        reporter_has_custody=True,
        authorised_adults=[NEIGHBOUR],
        description="Loves trucks.",
    )
    return services.report_create(agency=agency, kind="missing", data=data, filed_by=None)


@pytest.fixture
def theirs(agency: Any, report_data: Any) -> Report:
    data = report_data(
        "missing",
        given_name="Zoe",
        family_name="Whitfield",
        place="Oak Park pond",
        lat=40.0,
        lon=-75.0,
        age_years=11,
        sex="female",
        clothing="green coat",
        guardian_name="Hannah Whitfield",
        reporter_relationship="mother",
        authorised_adults=[{"name": "Gordon Whitfield", "relationship": "father"}],
    )
    return services.report_create(agency=agency, kind="missing", data=data, filed_by=None)


@pytest.fixture
def matched(agency: Any, officer: User, coordinator: User, report_data: Any, mine: Report) -> Any:
    found = services.report_create(
        agency=agency, kind="found", data=report_data("found"), filed_by=officer
    )
    candidate = Candidate.objects.get(missing=mine, found=found)
    services.candidate_confirm(candidate=candidate, actor=coordinator)
    mine.refresh_from_db()
    assert mine.status == Report.Status.MATCHED
    return candidate


def hand_off(candidate: Candidate, officer: User, **who: str) -> None:
    services.handoff_record(
        candidate=candidate,
        officer=officer,
        id_checked=True,
        id_type="driving_licence",
        id_last4="7x3q",
        child_recognises=True,
        guardian_knowledge=True,
        guardian_knowledge_note="the name of his toy truck",
        **who,
    )


# --- each state in words that fit it ------------------------------------------------------


def test_it_says_we_are_searching_with_the_reference(client: Client, mine: Report) -> None:
    body = page(client, mine)
    assert mine.reference in body
    assert 'data-state="searching"' in body and "We are searching" in body
    assert 'role="status"' in body
    assert "Add information or a photo" in body and "Has your child been found?" in body


def test_it_says_a_coordinator_will_call_and_who_may_collect(
    client: Client, matched: Candidate, mine: Report
) -> None:
    body = page(client, mine)
    assert 'data-state="call"' in body and "A coordinator will call you" in body
    assert "Have a photo ID ready." in body
    assert "Who may collect your child" in body
    assert "You, with your photo ID" in body
    assert "Rosa Jiménez (Neighbour or family friend)" in body
    # She may still add information; the search is not hers to call off any more.
    assert "Add information or a photo" in body
    assert "Has your child been found?" not in body


def test_it_says_back_with_you_when_she_collected_her_child(
    client: Client, officer: User, matched: Candidate, mine: Report
) -> None:
    hand_off(matched, officer, released_to="Lucia Alvarez", collector="reporter")
    mine.refresh_from_db()
    assert mine.status == Report.Status.REUNITED
    body = page(client, mine)
    assert 'data-state="reunited"' in body and ">Reunited<" in body
    assert "Your child is back with you." in body
    assert PHOTO_ID not in body
    assert "Add information or a photo" not in body and 'hx-trigger="every 10s"' not in body


def test_it_names_the_neighbour_and_never_says_back_with_you(
    client: Client, officer: User, matched: Candidate, mine: Report
) -> None:
    hand_off(
        matched,
        officer,
        released_to="Rosa Jiménez",
        collector="listed",
        collector_relationship="neighbour",
    )
    mine.refresh_from_db()
    assert mine.status == Report.Status.REUNITED
    body = page(client, mine)
    assert 'data-state="reunited"' in body and "Your child is safe" in body
    assert "Rosa Jiménez (Neighbour or family friend)" in body
    assert "an adult you listed" in body
    assert BACK_WITH_YOU not in body and PHOTO_ID not in body


def test_it_names_an_adult_a_coordinator_approved(
    client: Client, officer: User, coordinator: User, matched: Candidate, mine: Report
) -> None:
    services.handoff_override(
        candidate=matched,
        actor=coordinator,
        reason="The mother asked us by phone; she is in hospital",
        collector_name="Marta Ruiz",
    )
    hand_off(
        matched,
        officer,
        released_to="Marta Ruiz",
        collector="other",
        collector_relationship="relative",
    )
    mine.refresh_from_db()
    assert mine.status == Report.Status.REUNITED
    body = page(client, mine)
    assert "Marta Ruiz (Other relative)" in body and "approval" in body
    assert BACK_WITH_YOU not in body and PHOTO_ID not in body


@pytest.mark.parametrize(
    ("outcome", "extra", "code", "words"),
    [
        ("taken_home", {}, "taken_home", "An officer took your child home"),
        (
            "child_services",
            {"agency_name": "County DCFS", "reference": "CS-4411"},
            "child_services",
            "Your child is in the care of child services",
        ),
        (
            "other_agency",
            {"agency_name": "City Police"},
            "other_agency",
            "Another agency has your report",
        ),
        ("no_report_needed", {}, "no_report_needed", "Your child is safe"),
        ("filed_in_error", {}, "filed_in_error", "closed as filed in error"),
    ],
)
def test_it_words_each_closed_outcome(
    client: Client,
    coordinator: User,
    mine: Report,
    outcome: str,
    extra: dict[str, str],
    code: str,
    words: str,
) -> None:
    services.report_close(report=mine, outcome=outcome, actor=coordinator, **extra)
    body = page(client, mine)
    assert f'data-state="{code}"' in body and words in body
    for value in extra.values():
        assert value in body  # the agency and their reference, to follow up
    assert PHOTO_ID not in body and BACK_WITH_YOU not in body
    assert "Add information or a photo" not in body and "Has your child been found?" not in body
    assert 'hx-trigger="every 10s"' not in body


def test_a_duplicate_points_nowhere_and_says_the_unit_will_call(
    client: Client, coordinator: User, agency: Any, report_data: Any, mine: Report
) -> None:
    kept = services.report_create(
        agency=agency,
        kind="missing",
        data=report_data("missing", guardian_name="Tomás Alvarez", reporter_relationship="father"),
        filed_by=None,
    )
    services.report_close(report=mine, outcome="duplicate", actor=coordinator, duplicate_of=kept)
    body = page(client, mine)
    assert 'data-state="duplicate"' in body
    assert "continues under another reference" in body and "The unit will contact you." in body
    # Nothing of the other report: not its reference, not its link, not its guardian.
    for leak in (kept.reference, kept.status_token, "Tomás"):
        assert leak not in body


# --- the unit's phone ---------------------------------------------------------------------


def test_it_shows_the_units_phone_to_tap(client: Client, agency: Any, mine: Report) -> None:
    agency.phone = "555 010 0100"
    agency.save()
    body = page(client, mine)
    assert 'href="tel:+15550100100"' in body
    assert "Call (555) 010-0100" in body
    assert "County Sheriff" in body


def test_it_shows_a_foreign_number_internationally(
    client: Client, agency: Any, mine: Report
) -> None:
    agency.phone, agency.phone_region = "+52 55 1234 5678", "US"
    agency.save()
    body = page(client, mine)
    assert 'href="tel:+525512345678"' in body and "+52 55 1234 5678" in body


def test_it_offers_the_units_email_without_a_phone(
    client: Client, agency: Any, mine: Report
) -> None:
    assert agency.phone == ""
    body = page(client, mine)
    assert 'href="tel:' not in body
    assert 'href="mailto:unit@example.org"' in body


# --- adding information or a photo ----------------------------------------------------------


def add_url(report: Report) -> str:
    return reverse("reunite:status_add", kwargs={"token": report.status_token})


def test_it_reverses_the_add_url() -> None:
    assert reverse("reunite:status_add", kwargs={"token": "abc"}) == "/status/abc/add/"


def test_she_adds_information(client: Client, mine: Report) -> None:
    r = client.post(add_url(mine), {"text": "  She may go to her grandmother's on Elm St.  "})
    assert r.status_code == 302 and r["Location"] == f"/status/{mine.status_token}/"
    assert private(r)
    note = TimelineNote.objects.get(report=mine)
    assert note.text == "She may go to her grandmother's on Elm St."
    assert note.from_guardian and note.author is None
    mine.refresh_from_db()
    assert mine.description == "Loves trucks.\nShe may go to her grandmother's on Elm St."
    entry = AuditEntry.objects.get(action="reunite.report.information_added")
    assert entry.actor is None and entry.object_id == str(mine.pk)
    assert entry.data["fields"] == ["description"]
    body = client.get(r["Location"]).content.decode()
    assert "Your information was added to your report." in body
    assert "Elm St" not in body  # not repeated on the page


def test_she_adds_a_photo_and_the_old_one_goes(
    client: Client, coordinator: User, mine: Report, django_capture_on_commit_callbacks: Any
) -> None:
    services.report_photo_set(report=mine, photo=Image.new("RGB", (30, 30)), actor=coordinator)
    mine.refresh_from_db()
    old = photo_path(mine.photo)
    assert old is not None and old.is_file()
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(add_url(mine), {"text": "", "photo": jpeg_upload()})
    assert r.status_code == 302
    mine.refresh_from_db()
    new = photo_path(mine.photo)
    assert new is not None and new.is_file() and new != old
    assert not old.exists()
    assert not TimelineNote.objects.filter(report=mine).exists()
    entry = AuditEntry.objects.get(action="reunite.report.information_added")
    assert entry.data["fields"] == ["photo"]
    assert "The photo was added to your report." in client.get(r["Location"]).content.decode()


def test_she_adds_both_while_matched(client: Client, matched: Candidate, mine: Report) -> None:
    r = client.post(add_url(mine), {"text": "She has a scar on her knee", "photo": jpeg_upload()})
    assert r.status_code == 302
    mine.refresh_from_db()
    assert mine.status == Report.Status.MATCHED and mine.photo
    assert TimelineNote.objects.get(report=mine).from_guardian


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"text": "   "}, "Write something or choose a photo to add."),
        ({"text": "x" * 2001}, "at most 2000 characters"),
    ],
)
def test_it_refuses_bad_input_and_keeps_the_text(
    client: Client, mine: Report, data: dict[str, str], message: str
) -> None:
    r = client.post(add_url(mine), data)
    assert r.status_code == 400 and private(r)
    body = r.content.decode()
    assert message in body
    assert 'id="form-errors"' in body and "autofocus" in body and 'href="#id_text"' in body
    if data["text"].strip():
        assert data["text"] in body  # what she typed is still in the box
    assert not TimelineNote.objects.exists()
    assert not AuditEntry.objects.filter(action="reunite.report.information_added").exists()


def test_it_asks_for_the_photo_again_and_keeps_the_text(client: Client, mine: Report) -> None:
    r = client.post(add_url(mine), {"text": "Blue hair clip", "photo": corrupt_upload()})
    assert r.status_code == 400
    body = r.content.decode()
    assert "not a readable photo" in body and "choose the photo again" in body
    assert "Blue hair clip" in body
    assert not TimelineNote.objects.exists()


def test_a_closed_report_refuses_additions(client: Client, coordinator: User, mine: Report) -> None:
    services.report_close(report=mine, outcome="taken_home", actor=coordinator)
    r = client.post(add_url(mine), {"text": "One more thing"})
    assert r.status_code == 302 and private(r)
    assert not TimelineNote.objects.exists()
    mine.refresh_from_db()
    assert mine.description == "Loves trucks."
    body = client.get(r["Location"]).content.decode()
    assert "This report is closed" in body and "call the unit" in body


# --- tokens -----------------------------------------------------------------------------------


def test_a_mistyped_token_is_not_found(client: Client, mine: Report) -> None:
    wrong = mine.status_token[:-1] + ("A" if mine.status_token[-1] != "A" else "B")
    assert client.get(f"/status/{wrong}/").status_code == 404
    assert client.post(f"/status/{wrong}/add/", {"text": "hello"}).status_code == 404
    assert client.post(f"/status/{wrong}/cancel/", {"reason": "found"}).status_code == 404
    assert client.get(f"/status/{'x' * 65}/").status_code == 404
    assert not TimelineNote.objects.exists()
    mine.refresh_from_db()
    assert mine.status == Report.Status.OPEN


def test_another_reports_token_never_shows_this_report(
    client: Client, mine: Report, theirs: Report
) -> None:
    body = page(client, theirs)
    assert theirs.reference in body
    for leak in (mine.reference, mine.status_token, "Mateo", "Alvarez", "Rosa Jiménez"):
        assert leak not in body
    client.post(add_url(theirs), {"text": "Zoe has a red bike"})
    assert TimelineNote.objects.get().report == theirs
    mine.refresh_from_db()
    assert "red bike" not in mine.description


# --- cancelling, headers, polling -------------------------------------------------------------


def test_she_cannot_call_off_a_matched_report(
    client: Client, matched: Candidate, mine: Report
) -> None:
    r = client.post(f"/status/{mine.status_token}/cancel/", {"reason": "found her"})
    assert r.status_code == 302 and private(r)
    mine.refresh_from_db()
    assert mine.status == Report.Status.MATCHED


def test_a_bad_cancel_focuses_the_error_summary(client: Client, mine: Report) -> None:
    r = client.post(f"/status/{mine.status_token}/cancel/", {"reason": " "})
    assert r.status_code == 400 and private(r)
    body = r.content.decode()
    assert 'id="form-errors"' in body and "autofocus" in body and 'href="#id_reason"' in body


def test_every_answer_is_private(client: Client, mine: Report) -> None:
    url = f"/status/{mine.status_token}/"
    assert private(client.get(url))
    assert private(client.get(url, headers={"hx-request": "true"}))
    assert private(client.post(add_url(mine), {"text": ""}))
    assert private(client.post(add_url(mine), {"text": "ok"}))


def test_polling_answers_no_content_until_something_changes(
    client: Client, officer: User, coordinator: User, report_data: Any, agency: Any, mine: Report
) -> None:
    body = page(client, mine)
    marker = f"/status/{mine.status_token}/?v="
    assert marker in body
    version = body.split(marker, 1)[1].split('"', 1)[0]
    hx = {"hx-request": "true"}
    same = client.get(f"/status/{mine.status_token}/", {"v": version}, headers=hx)
    assert same.status_code == 204 and private(same)

    found = services.report_create(
        agency=agency, kind="found", data=report_data("found"), filed_by=officer
    )
    services.candidate_confirm(
        candidate=Candidate.objects.get(missing=mine, found=found), actor=coordinator
    )
    changed = client.get(f"/status/{mine.status_token}/", {"v": version}, headers=hx)
    assert changed.status_code == 200
    text = changed.content.decode()
    assert "<html" not in text and 'data-state="call"' in text
