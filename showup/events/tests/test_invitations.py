# ruff: noqa: F811  (the visits fixtures are imported by name)
"""Invitations from encounters: an officer invites the family of a reunited report or a
completed visit; the link prefills the RSVP form; the coordinator sees which encounters led to
attendance. events never imports reunite or visits: it asks core's registry of encounter kinds.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from showup.core.models import AuditEntry
from showup.core.registry import encounter, encounter_kind_label, encounter_kinds
from showup.events import services
from showup.events.attribution import encounter_outcomes
from showup.events.models import Invitation, Registration
from showup.events.tests.factories import make_event, register
from showup.reunite import services as reunite
from showup.reunite.models import Candidate
from showup.visits.tests.conftest import (  # noqa: F401
    _fast_passwords,
    completed,
    make_request,
    place,
    shifts,
)

pytestmark = pytest.mark.django_db


def reunited_pair(agency: Any, officer: Any, coordinator: Any, report_data: Any) -> tuple:
    missing = reunite.report_create(
        agency=agency,
        kind="missing",
        filed_by=None,
        data=report_data(
            "missing",
            given_name="Jalen",
            family_name="Brooks",
            guardian_name="Tanya Brooks",
            guardian_phone="+15550142201",
            guardian_email="",
            guardian_language="es",
            reporter_relationship="mother",
            reporter_has_custody=True,
        ),
    )
    found = reunite.report_create(
        agency=agency,
        kind="found",
        filed_by=officer,
        data=report_data("found", given_name="Jalen", safe_location="With the trooper"),
    )
    candidate = Candidate.objects.get(missing=missing, found=found)
    reunite.candidate_confirm(candidate=candidate, actor=coordinator)
    reunite.handoff_record(
        candidate=candidate,
        officer=officer,
        id_checked=True,
        id_type="driving_licence",
        id_last4="4821",
        child_recognises=True,
        guardian_knowledge=True,
        guardian_knowledge_note="Named his sister",
        released_to="Tanya Brooks",
        collector="reporter",
    )
    missing.refresh_from_db()
    found.refresh_from_db()
    return missing, found


@pytest.fixture
def pair(agency: Any, officer: Any, coordinator: Any, report_data: Any) -> tuple:
    return reunited_pair(agency, officer, coordinator, report_data)


@pytest.fixture
def event(agency: Any, coordinator: Any) -> Any:
    return make_event(agency, coordinator, capacity=20, title="Community day")


def invite_url(kind: str, pk: int) -> str:
    return reverse("events:invite") + "?" + urlencode({"kind": kind, "id": pk})


# --- the registry -----------------------------------------------------------------------------


def test_both_modules_register_their_encounter_kinds() -> None:
    assert {"reunite.report", "visits.visit"} <= set(encounter_kinds())
    assert encounter_kind_label("reunite.report") != "reunite.report"  # a label, not the code
    assert encounter("nobody.registered", None, 1) is None  # type: ignore[arg-type]


def test_a_reunited_report_prefills_from_the_missing_reports_reporter(
    pair: tuple, officer: Any
) -> None:
    missing, found = pair
    assert found.status == "reunited"
    # From the found report the officer filed, the family is the missing report's reporter.
    for report in (found, missing):
        got = encounter("reunite.report", officer, report.pk)
        assert got is not None
        assert got.family_name == "Tanya Brooks"
        assert got.phone == "+15550142201" and got.email == ""
        assert got.children_names == ("Jalen",)
        assert got.language == "es"
        assert report.reference in got.label


def test_an_open_report_or_a_stranger_gets_nothing(
    agency: Any,
    pair: tuple,
    officer: Any,
    partner: Any,
    outsider: Any,
    report_data: Any,
) -> None:
    _missing, found = pair
    open_report = reunite.report_create(
        agency=agency, kind="found", filed_by=officer, data=report_data("found")
    )
    assert encounter("reunite.report", officer, open_report.pk) is None
    assert encounter("reunite.report", partner, found.pk) is None
    assert encounter("reunite.report", outsider, found.pk) is None
    assert encounter("reunite.report", officer, 10**9) is None


def test_a_completed_visit_prefills_the_childs_name_only(
    completed: Any, officer: Any, coordinator: Any, officer2: Any, other_partner: Any
) -> None:
    for user in (officer, coordinator):
        got = encounter("visits.visit", user, completed.pk)
        assert got is not None
        assert got.children_names == ("Ada",)
        # The hospital's contact is not the family's: nothing to send to yet.
        assert got.email == "" and got.phone == "" and got.family_name == ""
    assert encounter("visits.visit", officer2, completed.pk) is None  # not their visit
    assert encounter("visits.visit", other_partner, completed.pk) is None


def test_a_visit_not_completed_gets_nothing(
    completed: Any, make_request: Any, officer: Any
) -> None:
    other = completed.request.visits.model.objects.exclude(status="completed").first()
    assert other is None or encounter("visits.visit", officer, other.pk) is None
    pending = make_request(child_first_name="Bo")
    assert encounter("visits.visit", officer, pending.pk) is None  # a request id is no visit


# --- who may open the page -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("anonymous", "login"),
        ("officer", 200),
        ("coordinator", 200),
        ("admin", 200),
        ("partner", 403),
        ("outsider", 404),
        ("other_coord", 404),
    ],
)
def test_who_may_invite_from_a_reunited_report(
    client: Any,
    make_user: Any,
    agency: Any,
    other_agency: Any,
    pair: tuple,
    event: Any,
    officer: Any,
    coordinator: Any,
    partner: Any,
    outsider: Any,
    role: str,
    expected: int | str,
) -> None:
    users = {
        "officer": officer,
        "coordinator": coordinator,
        "admin": make_user("adam", "admin", agency),
        "partner": partner,
        "outsider": outsider,
        "other_coord": make_user("olga", "coordinator", other_agency),
    }
    if role != "anonymous":
        client.force_login(users[role])
    url = invite_url("reunite.report", pair[1].pk)
    for method in ("get", "post"):
        response = getattr(client, method)(url)
        if expected == "login":
            assert response.status_code == 302 and "/login" in response["Location"]
        else:
            assert response.status_code == (
                400 if expected == 200 and method == "post" else expected
            )
    assert Invitation.objects.count() == 0


def test_unknown_kinds_ids_and_open_reports_are_404(
    client: Any, officer: Any, agency: Any, report_data: Any, event: Any
) -> None:
    client.force_login(officer)
    open_report = reunite.report_create(
        agency=agency, kind="found", filed_by=officer, data=report_data("found")
    )
    assert client.get(invite_url("reunite.report", open_report.pk)).status_code == 404
    assert client.get(invite_url("nothing.here", 1)).status_code == 404
    assert client.get(reverse("events:invite") + "?kind=reunite.report&id=x").status_code == 404
    assert client.get(reverse("events:invite")).status_code == 404


# --- sending --------------------------------------------------------------------------------


def test_the_form_is_prefilled_and_lists_only_upcoming_published_events(
    client: Any,
    officer: Any,
    coordinator: Any,
    agency: Any,
    other_agency: Any,
    make_user: Any,
    pair: tuple,
    event: Any,
) -> None:
    draft = services.event_create(
        agency=agency,
        actor=coordinator,
        data={
            "title": "Draft day",
            "place_name": "Lot",
            "start": timezone.now() + timedelta(days=3),
            "end": timezone.now() + timedelta(days=3, hours=2),
            "capacity": 10,
        },
    )
    theirs = make_event(
        other_agency, make_user("olga", "coordinator", other_agency), title="Theirs"
    )
    client.force_login(officer)
    response = client.get(invite_url("reunite.report", pair[1].pk))
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["family_name"] == "Tanya Brooks"
    assert form.initial["contact"] == "+15550142201" and form.initial["channel"] == "sms"
    assert form.initial["children_names"] == "Jalen" and form.initial["language"] == "es"
    choices = list(form.fields["event"].queryset)
    assert choices == [event] and draft not in choices and theirs not in choices
    html = response.content.decode()
    assert "Tanya Brooks" in html and pair[1].reference in html
    # Another agency's event cannot be chosen by posting its id.
    response = client.post(
        invite_url("reunite.report", pair[1].pk),
        {"event": theirs.pk, "channel": "sms", "contact": "+15550142201", "language": "en"},
    )
    assert response.status_code == 400 and Invitation.objects.count() == 0


def test_sending_invites_audits_and_the_link_prefills_the_rsvp(
    client: Any, officer: Any, pair: tuple, event: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client.force_login(officer)
    url = invite_url("reunite.report", pair[1].pk)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url,
            {
                "event": event.pk,
                "channel": "email",
                "contact": "tanya@example.org",  # the officer changed the prefilled phone
                "family_name": "Tanya Brooks",
                "children_names": "Jalen, Kiara",
                "language": "en",
            },
        )
    assert response.status_code == 302
    assert response["Location"] == reverse("events:staff_detail", args=[event.pk])
    invitation = Invitation.objects.get()
    assert invitation.source_kind == "reunite.report" and invitation.source_id == pair[1].pk
    assert invitation.contact == "tanya@example.org" and invitation.sent_by == officer
    entry = AuditEntry.objects.filter(action="events.invitation.sent").get()
    assert entry.data["source_kind"] == "reunite.report"
    assert entry.data["source_id"] == pair[1].pk
    assert "Tanya" not in str(entry.data) and "tanya@" not in str(entry.data)
    link = f"/events/{event.reference}/rsvp/?i={invitation.token}"
    assert any(link in m.body for m in mail.outbox), [m.body for m in mail.outbox]

    client.logout()
    rsvp = client.get(link)
    assert rsvp.status_code == 200
    html = rsvp.content.decode()
    assert 'value="Tanya Brooks"' in html and 'value="tanya@example.org"' in html
    assert 'value="Jalen"' in html and 'value="Kiara"' in html


def test_a_bad_contact_comes_back_with_everything_typed(
    client: Any, officer: Any, pair: tuple, event: Any
) -> None:
    client.force_login(officer)
    response = client.post(
        invite_url("reunite.report", pair[1].pk),
        {
            "event": event.pk,
            "channel": "email",
            "contact": "not-an-address",
            "family_name": "Tanya Brooks",
            "children_names": "Jalen",
            "language": "en",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="form-errors"' in html and 'value="not-an-address"' in html
    assert Invitation.objects.count() == 0


def test_a_visit_invitation_needs_the_familys_contact(
    client: Any, officer: Any, completed: Any, event: Any
) -> None:
    client.force_login(officer)
    url = invite_url("visits.visit", completed.pk)
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["form"].initial.get("contact") is None
    assert page.context["form"].initial["children_names"] == "Ada"
    response = client.post(
        url,
        {"event": event.pk, "channel": "sms", "contact": "", "children_names": "Ada"},
    )
    assert response.status_code == 400
    response = client.post(
        url,
        {
            "event": event.pk,
            "channel": "sms",
            "contact": "(555) 014-9911",
            "children_names": "Ada",
            "language": "en",
        },
    )
    assert response.status_code == 302
    invitation = Invitation.objects.get(source_kind="visits.visit")
    assert invitation.source_id == completed.pk and invitation.contact == "+15550149911"


# --- links on the encounters' pages ---------------------------------------------------------


def test_the_reunited_report_page_links_to_the_invitation(
    client: Any, officer: Any, agency: Any, pair: tuple, report_data: Any
) -> None:
    client.force_login(officer)
    html = client.get(reverse("reunite:report_detail", args=[pair[1].pk])).content.decode()
    assert f"kind=reunite.report&amp;id={pair[1].pk}" in html
    open_report = reunite.report_create(
        agency=agency, kind="found", filed_by=officer, data=report_data("found")
    )
    html = client.get(reverse("reunite:report_detail", args=[open_report.pk])).content.decode()
    assert "kind=reunite.report" not in html


def test_the_completed_visit_links_to_the_invitation(
    client: Any, officer: Any, other_partner: Any, completed: Any
) -> None:
    url = reverse("visits:request_detail", args=[completed.request_id])
    client.force_login(officer)
    assert f"kind=visits.visit&amp;id={completed.pk}" in client.get(url).content.decode()
    client.force_login(other_partner)  # the hospital sees the visit, never the invitation
    assert "kind=visits.visit" not in client.get(url).content.decode()


# --- attribution ----------------------------------------------------------------------------


def test_the_coordinator_sees_which_encounters_led_to_attendance(
    client: Any,
    officer: Any,
    coordinator: Any,
    pair: tuple,
    completed: Any,
    event: Any,
) -> None:
    from_report = services.invitation_send(
        event=event,
        actor=officer,
        channel="sms",
        contact="+15550142201",
        family_name="Tanya Brooks",
        children_names="Jalen",
        source_kind="reunite.report",
        source_id=pair[1].pk,
    )
    services.invitation_send(
        event=event,
        actor=officer,
        channel="email",
        contact="ada.family@example.org",
        source_kind="visits.visit",
        source_id=completed.pk,
    )
    came = services.registration_create(
        event=event,
        data={"contact_name": "Tanya Brooks", "phone": "+15550142201", "adults": 1},
        children=[
            {"first_name": "Jalen", "age_band": "7-9"},
            {"first_name": "Kiara", "age_band": "0-3"},
        ],
        language="en",
        invitation=from_report,
    )
    register(event, children=3)  # a family that came on its own: not attributed
    services.checkin_record(
        event=event,
        actor=officer,
        payload_or_registration=came,
        scan_id="scan-1",
        scanned_at=timezone.now(),
    )
    rows = {row.kind: row for row in encounter_outcomes(event)}
    assert set(rows) == {"reunite.report", "visits.visit"}
    assert (rows["reunite.report"].invited, rows["reunite.report"].rsvps) == (1, 1)
    assert rows["reunite.report"].attended == 1
    assert rows["reunite.report"].children_checked_in == 2
    assert (rows["visits.visit"].invited, rows["visits.visit"].rsvps) == (1, 0)
    assert rows["visits.visit"].children_checked_in == 0

    client.force_login(coordinator)
    html = client.get(reverse("events:staff_detail", args=[event.pk])).content.decode()
    section = html.split('id="encounters"', 1)[1].split("</section>", 1)[0]
    assert str(encounter_kind_label("reunite.report")) in section
    row = section.split('data-kind="reunite.report"', 1)[1].split("</tr>", 1)[0]
    assert [cell.split("</td>")[0] for cell in row.split("<td>")[1:]] == ["1", "1", "1", "2"]
    # A cancelled RSVP no longer counts as one made from the invitation.
    services.registration_cancel(registration=Registration.objects.get(pk=came.pk))
    assert encounter_outcomes(event)[0].rsvps == 0


def test_attendance_is_never_credited_to_an_open_or_foreign_encounter(
    agency: Any,
    pair: tuple,
    officer: Any,
    outsider: Any,
    other_agency: Any,
    make_user: Any,
    event: Any,
    report_data: Any,
) -> None:
    """The API takes the encounter's kind and id as given: the service checks them."""
    open_report = reunite.report_create(
        agency=agency, kind="found", filed_by=officer, data=report_data("found")
    )
    city_coordinator = make_user("city-coordinator-9", "coordinator", other_agency)
    theirs = make_event(other_agency, city_coordinator, title="Their day")
    for actor, where, kind, pk in (
        (officer, event, "reunite.report", open_report.pk),  # still open
        (officer, event, "reunite.report", 10**9),  # no such report
        (officer, event, "nobody.registered", pair[1].pk),  # no such kind
        (officer, event, "reunite.report", None),  # half a source
        (officer, event, "", pair[1].pk),
        (outsider, theirs, "reunite.report", pair[1].pk),  # another agency's report
    ):
        with pytest.raises(services.EventError) as refused:
            services.invitation_send(
                event=where,
                actor=actor,
                channel="sms",
                contact="+15550142201",
                source_kind=kind,
                source_id=pk,
            )
        assert refused.value.code == "bad_source", (kind, pk)
    assert not Invitation.objects.exists()
    typed = services.invitation_send(
        event=event, actor=officer, channel="sms", contact="+15550142201"
    )
    assert (typed.source_kind, typed.source_id) == ("", None)
