"""Thank-you notes: created from the public (hostile input refused, the officer matched by
badge number or name, never listed), moderated (the proposal of redaction.moderation, edited,
approved, published, rejected: each refusal coded), published text only on the unit's page,
the officer told, originals and contacts purged after the retention period."""

from __future__ import annotations

import importlib.util
import sys
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from showup.core.models import AuditEntry, Notice
from showup.core.registry import purgers
from showup.stories import notes
from showup.stories.errors import StoryError
from showup.stories.models import ThankYouNote

pytestmark = pytest.mark.django_db

HAS_MODERATION = importlib.util.find_spec("redaction.moderation") is not None
needs_moderation = pytest.mark.skipif(
    not HAS_MODERATION,
    reason="redaction.moderation (the names engineer's module) has not landed yet",
)

TEXT = "Thank you Officer Diaz for finding our boy Mateo at the fair! Call me at 555-201-3344."


def create(agency: Any, **kw: Any) -> ThankYouNote:
    data: dict[str, Any] = {
        "agency": agency,
        "body": TEXT,
        "author_name": "Lucia Alvarez",
        "author_email": "lucia@example.org",
    }
    data.update(kw)
    return notes.note_create(**data)


def code_of(call: Any) -> str:
    with pytest.raises(StoryError) as caught:
        call()
    return caught.value.code


# --- creating -------------------------------------------------------------------------------------


def test_a_note_waits_for_moderation_and_the_audit_has_no_text(agency: Any) -> None:
    note = create(agency)
    assert note.status == "pending" and note.body == TEXT and note.officer is None
    entry = AuditEntry.objects.get(action="stories.note.received")
    assert "Mateo" not in str(entry.data) and "lucia" not in str(entry.data)
    assert note.reference.startswith("T-")


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("body", "", "empty"),
        ("body", "   ", "empty"),
        ("body", "x" * 4001, "too_long"),
        ("body", "nul\x00here", "bad_text"),
        ("author_name", "Ana\u202eevil", "bad_text"),
        ("author_email", "not-an-email", "bad_email"),
        ("officer_hint", "x" * 101, "too_long"),
    ],
)
def test_hostile_or_bad_input_is_refused(agency: Any, field: str, value: str, code: str) -> None:
    assert code_of(lambda: create(agency, **{field: value})) == code
    assert not ThankYouNote.objects.exists()


def test_the_officer_is_matched_by_badge_number_or_name(
    agency: Any, make_user: Any, other_agency: Any
) -> None:
    diaz = make_user("diaz", "officer", agency, badge_number="B-1042", last_name="Diaz")
    make_user("diaz2", "officer", other_agency, badge_number="B-1042", last_name="Diaz")
    assert create(agency, officer_hint="b-1042").officer == diaz
    assert create(agency, officer_hint="Officer Diaz").officer == diaz
    unmatched = create(agency, officer_hint="Deputy Nobody")
    assert unmatched.officer is None
    assert notes.OFFICER_UNMATCHED in unmatched.flags
    # Nothing typed is lost: the hint is kept privately for the coordinator, never made public.
    assert unmatched.officer_hint == "Deputy Nobody"
    assert "Deputy Nobody" not in unmatched.public_body
    assert create(agency, officer_hint="b-1042").officer_hint == ""  # matched: not kept


def test_an_ambiguous_name_matches_nobody(agency: Any, make_user: Any) -> None:
    make_user("sam1", "officer", agency, last_name="Lee")
    make_user("sam2", "officer", agency, last_name="Lee")
    assert create(agency, officer_hint="Officer Lee").officer is None


def test_without_the_moderation_package_nothing_is_proposed(agency: Any, monkeypatch: Any) -> None:
    monkeypatch.setitem(sys.modules, "redaction.moderation", None)  # the import fails
    note = create(agency)
    assert note.public_body == "" and notes.UNMODERATED in note.flags


@needs_moderation
def test_moderation_proposes_a_public_text_without_contact_details(agency: Any) -> None:
    note = create(agency)
    assert "555-201-3344" not in note.public_body
    assert "contact" in note.flags
    assert note.public_body.strip()


# --- moderation -----------------------------------------------------------------------------------


def test_edit_approve_publish_and_the_officer_is_told(
    agency: Any,
    coordinator: Any,
    officer: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    note = create(agency)
    if not note.public_body:  # nothing proposed: a person must write it first
        assert code_of(lambda: notes.note_approve(note=note, actor=coordinator)) == (
            "no_public_text"
        )
    note = notes.note_edit(
        note=note, actor=coordinator, public_body="Thank you for finding our boy!", officer=officer
    )
    assert note.officer == officer
    note = notes.note_approve(note=note, actor=coordinator)
    assert note.status == "approved"
    with django_capture_on_commit_callbacks(execute=True):
        note = notes.note_publish(note=note, actor=coordinator)
    assert note.status == "published" and note.published_at is not None
    assert [n.text for n in Notice.objects.filter(user=officer)]
    assert [m.to for m in mail.outbox] == [[officer.email]]
    assert "Thank you for finding our boy!" in mail.outbox[0].body
    assert "Mateo" not in mail.outbox[0].body and "555" not in mail.outbox[0].body
    note.refresh_from_db()
    assert note.officer_told_at is not None
    assert code_of(lambda: notes.note_publish(note=note, actor=coordinator)) == (
        "already_published"
    )
    assert (
        code_of(lambda: notes.note_edit(note=note, actor=coordinator, public_body="x"))
        == "not_editable"
    )


def test_a_note_to_the_unit_tells_its_coordinators(
    agency: Any, coordinator: Any, officer: Any, django_capture_on_commit_callbacks: Any
) -> None:
    note = create(agency)
    notes.note_edit(note=note, actor=coordinator, public_body="Thanks, all of you.")
    with django_capture_on_commit_callbacks(execute=True):
        notes.note_publish(note=note, actor=coordinator)
    assert Notice.objects.filter(user=coordinator).count() == 1
    assert not Notice.objects.filter(user=officer).exists()


def test_only_the_units_coordinators_moderate(
    agency: Any, officer: Any, other_agency: Any, make_user: Any
) -> None:
    note = create(agency, body="Thanks!")
    theirs = make_user("olga", "coordinator", other_agency)
    for actor in (officer, theirs):
        assert code_of(lambda a=actor: notes.note_approve(note=note, actor=a)) == "forbidden"
        assert code_of(lambda a=actor: notes.note_reject(note=note, actor=a)) == "forbidden"
    assert not notes.moderated_notes(officer).exists()
    assert not notes.moderated_notes(theirs).exists()


def test_publishing_needs_a_public_text_and_rejected_is_final(
    agency: Any, coordinator: Any
) -> None:
    note = create(agency)
    notes.note_edit(note=note, actor=coordinator, public_body="")
    assert code_of(lambda: notes.note_publish(note=note, actor=coordinator)) == "no_public_text"
    notes.note_reject(note=note, actor=coordinator)
    assert code_of(lambda: notes.note_publish(note=note, actor=coordinator)) == "rejected"
    assert code_of(lambda: notes.note_reject(note=note, actor=coordinator)) == "already_rejected"


def test_the_public_list_and_signature(agency: Any, coordinator: Any) -> None:
    shown = create(agency)
    notes.note_edit(note=shown, actor=coordinator, public_body="Thank you!")
    notes.note_publish(note=shown, actor=coordinator)
    create(agency)  # pending: never listed
    anonymous = create(agency, author_name="")
    notes.note_edit(note=anonymous, actor=coordinator, public_body="Merci")
    notes.note_publish(note=anonymous, actor=coordinator)
    listed = list(notes.published_notes(agency))
    assert {n.pk for n in listed} == {shown.pk, anonymous.pk}
    # Never the writer's name: a parent's name beside the story could point to the child.
    assert notes.public_signature(shown) == "a family"
    assert notes.public_signature(anonymous) == "a family"


# --- retention ------------------------------------------------------------------------------------


def test_purge_clears_published_originals_and_deletes_the_others(
    agency: Any, coordinator: Any
) -> None:
    published = create(agency, officer_hint="Deputy Nobody")
    assert published.officer_hint == "Deputy Nobody"
    notes.note_edit(note=published, actor=coordinator, public_body="Thank you!")
    notes.note_publish(note=published, actor=coordinator)
    pending = create(agency)
    rejected = create(agency)
    notes.note_reject(note=rejected, actor=coordinator)
    purger = next(p for p in purgers() if p.name == "stories.followups_notes")
    soon = timezone.now() + timedelta(days=1)
    assert purger.purge(soon, dry_run=False)["notes_cleared"] == 0
    later = timezone.now() + timedelta(days=agency.retention_days + 1)
    dry = purger.purge(later, dry_run=True)
    assert (dry["notes_cleared"], dry["notes_deleted"]) == (1, 2)
    assert ThankYouNote.objects.count() == 3
    counts = purger.purge(later, dry_run=False)
    assert (counts["notes_cleared"], counts["notes_deleted"]) == (1, 2)
    published.refresh_from_db()
    assert published.body == "" and published.author_email == "" and published.author_name == ""
    assert published.officer_hint == ""
    assert published.public_body == "Thank you!" and published.purged_at is not None
    assert not ThankYouNote.objects.filter(pk__in=[pending.pk, rejected.pk]).exists()
    assert purger.summary(counts, False)


def test_the_thanked_officers_name_stays_and_other_names_go(agency: Any, make_user: Any) -> None:
    make_user("elena", "officer", agency, badge_number="B-7", last_name="Diaz")
    note = create(
        agency,
        body="Thank you Officer Diaz for finding our son Mateo Alvarez at the fair.",
        officer_hint="B-7",
    )
    assert "Diaz" in note.public_body
    assert "Mateo" not in note.public_body
    assert "person_name" in note.flags
