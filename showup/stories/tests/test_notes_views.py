"""The pages and the API at work: adding a follow-up from a closed report (the link on the
report's page), errors that keep what was typed, "My follow-ups" and the coordinator's overdue
list; the public thank-you form (idempotent, rate limited with proof of work, hostile input),
moderation side by side, and the public API's Idempotency-Key."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from showup.reunite import services as reunite
from showup.stories import followups, notes
from showup.stories.models import FollowUp, ThankYouNote

pytestmark = pytest.mark.django_db

CHILD = "Zorbatronia"


@pytest.fixture(autouse=True)
def _no_rate_limits(settings: Any) -> None:
    settings.SHOWUP_PUBLIC_RATE_DEVICE = "0"
    settings.SHOWUP_PUBLIC_RATE_ADDRESS = "0"


@pytest.fixture
def report(agency: Any, officer: Any, report_data: Any) -> Any:
    r = reunite.report_create(
        agency=agency, kind="found", filed_by=officer, data=report_data("found", given_name=CHILD)
    )
    return reunite.report_close(report=r, outcome="taken_home", actor=officer)


def _new_url(report: Any) -> str:
    return reverse("stories:followup_new") + f"?kind=reunite.report&id={report.pk}"


# --- follow-ups -----------------------------------------------------------------------------------


def test_the_closed_report_links_to_a_new_follow_up(client: Any, officer: Any, report: Any) -> None:
    client.force_login(officer)
    page = client.get(reverse("reunite:report_detail", args=[report.pk])).content.decode()
    assert _new_url(report).replace("&", "&amp;") in page


def test_add_a_follow_up_then_see_it_in_my_list(client: Any, officer: Any, report: Any) -> None:
    client.force_login(officer)
    due = timezone.localdate() + timedelta(days=5)
    response = client.post(
        _new_url(report), {"kind": "call", "due_on": due.isoformat(), "note": "Call the mother"}
    )
    assert response.status_code == 302
    f = FollowUp.objects.get()
    assert (f.kind, f.due_on, f.owed_by, f.note) == ("call", due, officer, "Call the mother")
    page = client.get(reverse("stories:followups_mine")).content.decode()
    assert report.reference in page and CHILD not in page


def test_a_past_date_is_refused_and_nothing_typed_is_lost(
    client: Any, officer: Any, report: Any
) -> None:
    client.force_login(officer)
    past = timezone.localdate() - timedelta(days=2)
    response = client.post(
        _new_url(report), {"kind": "visit", "due_on": past.isoformat(), "note": "Bring cookies"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "form-errors" in page and "Bring cookies" in page and "This date has passed" in page
    assert not FollowUp.objects.exists()


def test_done_twice_says_so(client: Any, officer: Any, report: Any) -> None:
    f = followups.followup_create(
        actor=officer,
        source_kind="reunite.report",
        source_id=report.pk,
        kind="visit",
        due_on=timezone.localdate(),
    )
    client.force_login(officer)
    url = reverse("stories:followup_done", args=[f.pk])
    assert client.post(url, {"outcome_note": "Visited"}).status_code == 302
    again = client.post(url, {"outcome_note": "Again"})
    assert again.status_code == 409 and "already done" in again.content.decode()


def test_the_coordinator_sees_the_units_overdue(
    client: Any, officer: Any, coordinator: Any, report: Any
) -> None:
    f = followups.followup_create(
        actor=officer,
        source_kind="reunite.report",
        source_id=report.pk,
        kind="visit",
        due_on=timezone.localdate(),
    )
    FollowUp.objects.filter(pk=f.pk).update(due_on=timezone.localdate() - timedelta(days=2))
    client.force_login(coordinator)
    mine = client.get(reverse("stories:followups_mine")).content.decode()
    assert "Overdue in the unit" in mine and f"followup-{f.pk}" in mine
    home = client.get(reverse("home")).content.decode()
    assert "Overdue follow-ups in the unit" in home
    client.force_login(officer)
    assert "Overdue follow-ups in the unit" not in client.get(reverse("home")).content.decode()


# --- the public form ------------------------------------------------------------------------------


def _form(client: Any) -> str:
    page = client.get(reverse("stories:note_form")).content.decode()
    marker = 'name="idempotency_key" value="'
    return page.split(marker, 1)[1].split('"', 1)[0]


def test_a_note_is_sent_once_however_often_the_form_is_posted(client: Any, agency: Any) -> None:
    key = _form(client)
    data = {"idempotency_key": key, "agency": agency.slug, "body": "Thank you!"}
    first = client.post(reverse("stories:note_form"), data)
    second = client.post(reverse("stories:note_form"), data)
    assert first.status_code == second.status_code == 302
    assert ThankYouNote.objects.count() == 1
    page = client.get(first["Location"]).content.decode()
    assert ThankYouNote.objects.get().reference in page


def test_hostile_input_is_refused_and_kept(client: Any, agency: Any) -> None:
    key = _form(client)
    response = client.post(
        reverse("stories:note_form"),
        {
            "idempotency_key": key,
            "agency": agency.slug,
            "body": "Thanks <script>alert(1)</script>\x00",
            "author_name": "Ana",
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert 'value="Ana"' in page
    assert not ThankYouNote.objects.exists()


def test_too_long_is_refused(client: Any, agency: Any) -> None:
    key = _form(client)
    response = client.post(
        reverse("stories:note_form"),
        {"idempotency_key": key, "agency": agency.slug, "body": "x" * 4001},
    )
    assert response.status_code == 400 and not ThankYouNote.objects.exists()


def test_beyond_the_limit_a_challenge_and_nothing_is_lost(
    client: Any, agency: Any, settings: Any
) -> None:
    settings.SHOWUP_PUBLIC_RATE_DEVICE = "1/600"
    cache.clear()
    url = reverse("stories:note_form")
    first = {"idempotency_key": _form(client), "agency": agency.slug, "body": "One"}
    assert client.post(url, first).status_code == 302
    second = {"idempotency_key": _form(client), "agency": agency.slug, "body": "Two, kept"}
    refused = client.post(url, second)
    assert refused.status_code == 429 and refused["Retry-After"]
    page = refused.content.decode()
    assert "data-pow-challenge" in page and "Two, kept" in page
    assert ThankYouNote.objects.count() == 1


def test_the_officer_link_prefills_the_hint(client: Any, agency: Any) -> None:
    page = client.get(reverse("stories:note_form") + "?agency=county&officer=B-1042").content
    assert b'value="B-1042"' in page


# --- moderation -----------------------------------------------------------------------------------


def test_moderation_side_by_side_then_publish(
    client: Any, agency: Any, coordinator: Any, officer: Any
) -> None:
    note = notes.note_create(
        agency=agency, body=f"Thanks for finding {CHILD}! Write to me at me@example.org"
    )
    client.force_login(coordinator)
    page = client.get(reverse("stories:note_detail", args=[note.pk])).content.decode()
    assert CHILD in page  # the private original, for the coordinator
    assert 'data-flag="contact"' in page
    response = client.post(
        reverse("stories:note_moderate", args=[note.pk]),
        {"action": "publish", "public_body": "Thanks for finding our boy!", "officer": officer.pk},
    )
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.status == "published" and note.officer == officer
    public = client.get(reverse("stories:notes_public", args=[agency.slug])).content.decode()
    assert "Thanks for finding our boy!" in public and CHILD not in public
    assert "me@example.org" not in public


def test_publishing_an_empty_text_is_refused_on_the_page(
    client: Any, agency: Any, coordinator: Any
) -> None:
    note = notes.note_create(agency=agency, body="Thanks")
    client.force_login(coordinator)
    response = client.post(
        reverse("stories:note_moderate", args=[note.pk]), {"action": "publish", "public_body": ""}
    )
    assert response.status_code == 422
    assert "Write the public text first" in response.content.decode()


# --- the API --------------------------------------------------------------------------------------


def test_public_api_idempotency_key(client: Any, agency: Any) -> None:
    url = "/api/stories/notes/public"
    body = json.dumps({"agency": agency.slug, "body": "Thank you!"})
    first = client.post(url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = client.post(url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 201
    assert first.json()["reference"] == again.json()["reference"]
    other = json.dumps({"agency": agency.slug, "body": "Another"})
    reused = client.post(url, other, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert reused.status_code == 422
    assert ThankYouNote.objects.count() == 1


def test_public_api_bad_input_and_limit(client: Any, agency: Any, settings: Any) -> None:
    url = "/api/stories/notes/public"
    nul = json.dumps({"agency": agency.slug, "body": "a\u0000b"})
    assert client.post(url, nul, content_type="application/json").status_code == 422
    unknown = json.dumps({"agency": "nowhere", "body": "Hi"})
    assert client.post(url, unknown, content_type="application/json").status_code == 404
    settings.SHOWUP_PUBLIC_RATE_ADDRESS = "1/600"
    ok = json.dumps({"agency": agency.slug, "body": "Hi"})
    assert client.post(url, ok, content_type="application/json").status_code == 201
    limited = client.post(url, ok, content_type="application/json")
    assert limited.status_code == 429 and limited["Retry-After"]
    assert limited.json()["code"] == "rate_limited"


def test_api_complete_twice_is_a_coded_409(client: Any, officer: Any, report: Any) -> None:
    client.force_login(officer)
    created = client.post(
        "/api/stories/follow-ups",
        json.dumps(
            {
                "source_kind": "reunite.report",
                "source_id": report.pk,
                "kind": "visit",
                "due_on": timezone.localdate().isoformat(),
            }
        ),
        content_type="application/json",
    )
    assert created.status_code == 201
    pk = created.json()["id"]
    url = f"/api/stories/follow-ups/{pk}/complete"
    assert client.post(url, "{}", content_type="application/json").status_code == 200
    again = client.post(url, "{}", content_type="application/json")
    assert again.status_code == 409 and again.json()["code"] == "already_done"
    past = client.post(
        "/api/stories/follow-ups",
        json.dumps(
            {
                "source_kind": "reunite.report",
                "source_id": report.pk,
                "kind": "visit",
                "due_on": "2001-01-01",
            }
        ),
        content_type="application/json",
    )
    assert past.status_code == 422 and past.json()["detail"][0]["type"] == "bad_date"
