"""The pages as people use them: filing, bad input that loses nothing, scheduling, my day."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from showup.core.models import AuditEntry
from showup.visits import services
from showup.visits.models import MementoStock, Shift, Visit, VisitRequest

from .conftest import at

FMT = "%Y-%m-%dT%H:%M"


def request_post(**overrides: Any) -> dict[str, Any]:
    data = {
        "child_first_name": "Milo",
        "child_age": "7",
        "interests": "dinosaurs",
        "asked_for": "a real one, brave",
        "ward": "Room 12",
        "urgency": "urgent",
        "group_size": "2",
        "max_group_size": "3",
        "min_visitor_age": "16",
        "infection_screening": "on",
        "escort_required": "on",
        "min_notice_days": "14",
        "rules_notes": "Check in at level 2",
        "window_1_start": at(1, 10).strftime(FMT),
        "window_1_end": at(1, 12).strftime(FMT),
    }
    data.update(overrides)
    return data


def test_the_request_form_starts_from_the_place_rules(
    login: Any, other_partner: Any, place: Any
) -> None:
    page = login(other_partner).get(reverse("visits:request_new")).content.decode()
    assert 'name="escort_required" id="id_escort_required" checked' in page
    assert "Check in at the child-life desk" in page
    assert "Please do not include any medical details" in page


def test_a_partner_files_a_request(
    login: Any, other_partner: Any, place: Any, hospital: Any
) -> None:
    response = login(other_partner).post(reverse("visits:request_new"), request_post())
    assert response.status_code == 302
    r = VisitRequest.objects.get()
    assert (r.partner_org, r.child_first_name, r.urgency, r.place) == (
        hospital,
        "Milo",
        "urgent",
        place,
    )
    assert r.windows.count() == 1 and not r.photos_allowed


def test_a_request_has_no_field_for_a_diagnosis() -> None:
    names = {f.name for f in VisitRequest._meta.get_fields()}
    assert not names & {"diagnosis", "condition", "illness", "medical", "prognosis"}


def test_bad_request_input_is_explained_and_nothing_is_lost(
    login: Any, other_partner: Any, place: Any
) -> None:
    cases = {
        "window_1_start": at(-1, 10).strftime(FMT),  # in the past
    }
    client = login(other_partner)
    page = client.post(reverse("visits:request_new"), request_post(**cases)).content.decode()
    assert "This time is in the past" in page
    assert 'value="a real one, brave"' in page and 'value="Room 12"' in page

    page = client.post(
        reverse("visits:request_new"), request_post(window_1_end=at(1, 9).strftime(FMT))
    ).content.decode()
    assert "The end must be after the start" in page

    page = client.post(reverse("visits:request_new"), request_post(group_size="0")).content.decode()
    assert "At least one visitor" in page
    page = client.post(reverse("visits:request_new"), request_post(group_size="5")).content.decode()
    assert "at most 3 visitors" in page

    page = client.post(
        reverse("visits:request_new"), request_post(child_first_name="Milo Smith")
    ).content.decode()
    assert "First name only" in page

    page = client.post(
        reverse("visits:request_new"), request_post(window_1_start="", window_1_end="")
    ).content.decode()
    assert "This field is required" in page
    assert VisitRequest.objects.count() == 0


def test_the_partner_sees_an_interruption_as_being_rescheduled(
    login: Any, other_partner: Any, interrupted: Any
) -> None:
    page = login(other_partner).get(reverse("visits:requests")).content.decode()
    assert "Interrupted — being rescheduled" in page


def test_the_queue_is_ordered_by_urgency_then_waiting_time(
    login: Any, coordinator: Any, make_request: Any
) -> None:
    make_request(child_first_name="Routine1", urgency="routine")
    make_request(child_first_name="Soon1", urgency="soon")
    make_request(child_first_name="Urgent1", urgency="urgent")
    make_request(child_first_name="Urgent2", urgency="urgent")
    page = login(coordinator).get(reverse("visits:queue")).content.decode()
    order = [page.index(n) for n in ("Urgent1", "Urgent2", "Soon1", "Routine1")]
    assert order == sorted(order)
    assert "Escort by staff" in page and "No photos" in page  # the rules on every request
    entry = AuditEntry.objects.filter(action="visits.request.listed").first()
    assert entry is not None and len(entry.data["requests"]) == 4


def test_viewing_a_request_is_audited(login: Any, officer: Any, visit_request: Any) -> None:
    login(officer).get(reverse("visits:request_detail", args=[visit_request.pk]))
    entry = AuditEntry.objects.get(action="visits.request.viewed")
    assert entry.actor == officer and entry.object_id == str(visit_request.pk)


def test_the_coordinator_proposes_a_slot(
    login: Any, coordinator: Any, officer: Any, visit_request: Any, shifts: Any
) -> None:
    client = login(coordinator)
    page = client.get(reverse("visits:propose", args=[visit_request.pk])).content.decode()
    assert "Officers that day" in page and "Olivia" in page
    response = client.post(
        reverse("visits:propose", args=[visit_request.pk]),
        {"officer": officer.pk, "start": at(1, 10).strftime(FMT), "end": at(1, 11).strftime(FMT)},
    )
    assert response.status_code == 302
    assert Visit.objects.get().status == "proposed"


def test_an_overlapping_booking_is_refused_clearly(
    login: Any, coordinator: Any, officer: Any, proposed: Any, make_request: Any
) -> None:
    other = make_request(child_first_name="Noa")
    page = (
        login(coordinator)
        .post(
            reverse("visits:propose", args=[other.pk]),
            {
                "officer": officer.pk,
                "start": at(1, 10, 30).strftime(FMT),
                "end": at(1, 11, 30).strftime(FMT),
            },
        )
        .content.decode()
    )
    assert "is already booked" in page and proposed.request.reference in page
    assert Visit.objects.filter(request=other).count() == 0


def test_a_slot_outside_the_shifts_needs_a_tick(
    login: Any, coordinator: Any, officer: Any, visit_request: Any
) -> None:
    client = login(coordinator)
    url = reverse("visits:propose", args=[visit_request.pk])
    data = {"officer": officer.pk, "start": at(1, 20).strftime(FMT), "end": at(1, 21).strftime(FMT)}
    page = client.post(url, data).content.decode()
    assert "is not on shift" in page and Visit.objects.count() == 0
    assert client.post(url, {**data, "outside_shift_ok": "on"}).status_code == 302
    assert Visit.objects.count() == 1


def test_slot_times_in_the_past_or_reversed_are_refused(
    login: Any, coordinator: Any, officer: Any, visit_request: Any
) -> None:
    client = login(coordinator)
    url = reverse("visits:propose", args=[visit_request.pk])
    page = client.post(
        url,
        {"officer": officer.pk, "start": at(-1, 10).strftime(FMT), "end": at(-1, 11).strftime(FMT)},
    ).content.decode()
    assert "in the past" in page
    page = client.post(
        url,
        {"officer": officer.pk, "start": at(1, 11).strftime(FMT), "end": at(1, 10).strftime(FMT)},
    ).content.decode()
    assert "end must be after the start" in page
    assert Visit.objects.count() == 0


def test_rescheduling_proposes_the_same_officer_first(
    login: Any, coordinator: Any, interrupted: Any
) -> None:
    client = login(coordinator)
    page = client.get(reverse("visits:reschedule", args=[interrupted.request_id])).content.decode()
    assert f'<option value="{interrupted.officer_id}" selected>' in page
    assert "came last time: proposed first" in page


def test_the_officer_s_day_has_big_buttons_that_work_with_htmx(
    login: Any, officer: Any, scheduled: Any
) -> None:
    client = login(officer)
    page = client.get(reverse("visits:my_day")).content.decode()
    assert "Start the visit" in page and "Called away" in page and "Milo" in page
    fragment = client.post(
        reverse("visits:visit_start", args=[scheduled.pk]), HTTP_HX_REQUEST="true"
    ).content.decode()
    assert fragment.lstrip().startswith("<li") and "In progress" in fragment
    fragment = client.post(
        reverse("visits:visit_interrupt", args=[scheduled.pk]), HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "Called away. The coordinator will reschedule" in fragment
    scheduled.refresh_from_db()
    assert scheduled.status == "interrupted"
    # a second tap explains instead of failing
    fragment = client.post(
        reverse("visits:visit_interrupt", args=[scheduled.pk]), HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "cannot be done now" in fragment


def test_the_officer_completes_a_visit_with_mementos_and_a_guest(
    login: Any,
    officer: Any,
    in_progress: Any,
    agency: Any,
) -> None:
    MementoStock.objects.create(agency=agency, kind="patch", quantity=5)
    response = login(officer).post(
        reverse("visits:visit_complete", args=[in_progress.pk]),
        {
            "given_patch": "1",
            "given_toy_badge": "0",
            "guest_1_kind": "honouree",
            "guest_1_name": "Jordan",
            "officer_note": "Brought cards next time.",
        },
    )
    assert response.status_code == 302
    in_progress.refresh_from_db()
    assert in_progress.status == "completed"
    assert in_progress.mementos.get().kind == "patch"
    assert MementoStock.objects.get(agency=agency, kind="patch").quantity == 4


def test_completing_refuses_a_story_without_consent_and_keeps_the_input(
    login: Any,
    officer: Any,
    in_progress: Any,
) -> None:
    VisitRequest.objects.filter(pk=in_progress.request_id).update(photos_allowed=True)
    page = (
        login(officer)
        .post(
            reverse("visits:visit_complete", args=[in_progress.pk]),
            {
                "officer_note": "keep me",
                "can_feed_story": "on",
                "given_patch": "2",
            },
        )
        .content.decode()
    )
    assert "only with the guardian" in page and "keep me" in page and 'value="2"' in page
    in_progress.refresh_from_db()
    assert in_progress.status == "in_progress"


def test_where_photos_are_not_allowed_consent_cannot_be_ticked(
    login: Any,
    officer: Any,
    in_progress: Any,
) -> None:
    page = login(officer).get(reverse("visits:visit_complete", args=[in_progress.pk]))
    html = page.content.decode()
    assert "This place does not allow photos" in html
    assert "disabled" in html.split('name="photo_consent"')[1].split(">")[0]


def test_the_coordinator_sees_and_sets_the_stock(login: Any, coordinator: Any, agency: Any) -> None:
    client = login(coordinator)
    assert (
        client.post(reverse("visits:stock"), {"kind": "patch", "quantity": "40"}).status_code == 302
    )
    page = client.get(reverse("visits:stock")).content.decode()
    assert "Department patch" in page and "40" in page
    page = client.post(
        reverse("visits:stock"), {"kind": "patch", "quantity": "-1"}
    ).content.decode()
    assert "greater than or equal to 0" in page


def test_the_coordinator_sees_availability_and_adds_shifts(
    login: Any, coordinator: Any, officer: Any, scheduled: Any
) -> None:
    client = login(coordinator)
    day = at(1).date().isoformat()
    page = client.get(reverse("visits:availability") + f"?date={day}").content.decode()
    assert "Olivia" in page and "Mercy Children" in page  # the booked visit
    fragment = client.get(
        reverse("visits:availability") + f"?date={day}", HTTP_HX_REQUEST="true"
    ).content.decode()
    assert fragment.lstrip().startswith('<div id="availability">')
    response = client.post(
        reverse("visits:availability"),
        {"officer": officer.pk, "start": at(8, 7).strftime(FMT), "end": at(8, 15).strftime(FMT)},
    )
    assert response.status_code == 302
    assert Shift.objects.filter(officer=officer, start=at(8, 7)).exists()


def test_a_partner_accepts_and_the_officer_is_told(
    login: Any, other_partner: Any, proposed: Any, officer: Any
) -> None:
    response = login(other_partner).post(reverse("visits:slot_accept", args=[proposed.pk]))
    assert response.status_code == 302
    proposed.refresh_from_db()
    assert proposed.status == "scheduled"
    assert officer.notices.filter(text__contains="confirmed").exists()


def test_the_partner_saves_standing_rules(login: Any, other_partner: Any, hospital: Any) -> None:
    client = login(other_partner)
    response = client.post(
        reverse("visits:place"),
        {"name": "Ward 4", "max_group_size": "2", "min_notice_days": "14", "photos_allowed": "on"},
    )
    assert response.status_code == 302
    assert hospital.visit_places.get().max_group_size == 2
    page = client.post(
        reverse("visits:place"), {"name": "Ward 4", "max_group_size": "0", "min_notice_days": "0"}
    ).content.decode()
    assert "At least one visitor" in page


def test_a_return_visit_is_booked_with_a_guest(
    login: Any, coordinator: Any, officer: Any, completed: Any, shifts: Any
) -> None:
    response = login(coordinator).post(
        reverse("visits:return_visit", args=[completed.pk]),
        {
            "officer": officer.pk,
            "start": at(7, 10).strftime(FMT),
            "end": at(7, 11).strftime(FMT),
            "guest_1_kind": "k9",
            "guest_1_name": "Rex",
        },
    )
    assert response.status_code == 302
    v = Visit.objects.get(return_of=completed)
    assert v.guests.get().name == "Rex"


def test_interrupt_without_htmx_redirects_with_a_message(
    login: Any, officer: Any, scheduled: Any
) -> None:
    response = login(officer).post(
        reverse("visits:visit_interrupt", args=[scheduled.pk]), follow=True
    )
    assert "Marked as called away" in response.content.decode()


def test_a_cancelled_request_is_closed(login: Any, other_partner: Any, visit_request: Any) -> None:
    login(other_partner).post(
        reverse("visits:request_cancel", args=[visit_request.pk]), {"reason": "went home"}
    )
    visit_request.refresh_from_db()
    assert visit_request.status == "cancelled"
    services.purge_expired_visits()  # not yet expired: nothing happens
    visit_request.refresh_from_db()
    assert visit_request.child_first_name == "Milo"
