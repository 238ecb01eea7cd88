"""The stories services: drafts and names, consent, review and publishing, revocation,
retention. (The redaction task is in test_stories_task.py, pages in test_stories_views.py.)"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from showup.core.models import AuditEntry
from showup.core.registry import Encounter
from showup.stories import services, storage
from showup.stories.errors import StoryError
from showup.stories.models import Consent, Story, StoryMedia, ThankYouNote
from showup.stories.tests.stories_helpers import (
    BODY,
    CHILD,
    consent,
    draft,
    published,
    ready_media,
)


@pytest.fixture
def reviewer(make_user: Any, agency: Any) -> Any:
    return make_user("reviewer", "coordinator", agency)


@pytest.fixture
def other_coordinator(make_user: Any, other_agency: Any) -> Any:
    return make_user("citycoord", "coordinator", other_agency)


def test_public_text_takes_out_the_known_and_extra_names(coordinator: Any) -> None:
    story = draft(coordinator)
    assert CHILD not in story.public_body
    assert "[name]" in story.public_body
    assert story.body == BODY  # the draft keeps what was written
    assert AuditEntry.objects.filter(
        action="stories.story.created", object_id=str(story.pk)
    ).exists()


def test_names_from_the_encounter(coordinator: Any, monkeypatch: Any) -> None:
    seen: list[tuple[str, int]] = []

    def fake(kind: str, user: Any, pk: int) -> Encounter | None:
        seen.append((kind, pk))
        return Encounter(label="R-1", family_name="Quintero", children_names=("Mateo",))

    monkeypatch.setattr(services, "encounter", fake)
    story = services.story_create(
        actor=coordinator,
        title="Home again",
        body="Mateo Quintero went for donuts and came back with an officer.",
        source=services.Source(kind="reunite.report", id=7),
    )
    assert ("reunite.report", 7) in seen
    assert "Mateo" not in story.public_body and "Quintero" not in story.public_body
    assert story.source_kind == "reunite.report" and story.source_id == 7
    # The names are kept with the draft: still taken out once the encounter is gone (purged).
    monkeypatch.setattr(services, "encounter", lambda kind, user, pk: None)
    assert set(services.known_names(story, coordinator)) >= {"Mateo", "Quintero"}
    with pytest.raises(services.StoryError) as typed_back:
        services.check_public_text("Mateo at the curb", services.known_names(story, None))
    assert typed_back.value.code == "known_name"


def test_an_encounter_the_user_may_not_see_is_not_found(coordinator: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(services, "encounter", lambda kind, user, pk: None)
    with pytest.raises(StoryError) as err:
        draft(coordinator, source=services.Source(kind="reunite.report", id=99))
    assert err.value.code == "no_source" and err.value.status == 404
    with pytest.raises(StoryError) as err:
        draft(coordinator, source=services.Source(kind="shop.sale", id=1))
    assert err.value.code == "no_source"


def test_a_note_of_another_agency_is_not_a_source(coordinator: Any, other_agency: Any) -> None:
    note = ThankYouNote.objects.create(agency=other_agency, body="Thanks", public_body="Thanks")
    with pytest.raises(StoryError) as err:
        draft(coordinator, source=services.Source(note_id=note.pk))
    assert err.value.code == "no_source"


def test_a_known_name_typed_back_into_the_public_text_is_refused(coordinator: Any) -> None:
    story = draft(coordinator)
    with pytest.raises(StoryError) as err:
        services.set_public_text(
            actor=coordinator, story=story, text=f"Lunch with {CHILD.upper()}."
        )
    assert err.value.code == "known_name" and err.value.status == 422
    story.refresh_from_db()
    assert CHILD not in story.public_body
    services.set_public_text(actor=coordinator, story=story, text="Lunch with a boy on the curb.")
    story.refresh_from_db()
    assert story.public_body == "Lunch with a boy on the curb."


def test_a_name_in_the_title_is_refused(coordinator: Any) -> None:
    with pytest.raises(StoryError) as err:
        draft(coordinator, title=f"{CHILD} on the curb")
    assert err.value.code == "known_name"


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"title": "  "}, "missing_title"),
        ({"body": ""}, "missing_body"),
        ({"body": "a\x00b"}, "bad_text"),
        ({"title": "x" * 141}, "too_long"),
    ],
)
def test_bad_drafts_are_refused(coordinator: Any, changes: dict[str, str], code: str) -> None:
    with pytest.raises(StoryError) as err:
        draft(coordinator, **changes)
    assert err.value.code == code
    assert not Story.objects.exists()


def test_officers_partners_and_other_agencies_cannot_draft(
    officer: Any, partner: Any, other_coordinator: Any, coordinator: Any
) -> None:
    for user in (officer, partner):
        with pytest.raises(StoryError) as err:
            draft(user)
        assert err.value.status == 403
    story = draft(coordinator)
    with pytest.raises(StoryError) as err:
        services.access_story(other_coordinator, story.pk)
    assert err.value.status == 404
    with pytest.raises(StoryError):
        services.story_update(actor=other_coordinator, story=story, title="x", body="y")


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"given_on": "tomorrow"}, "future_date"),
        ({"uses": []}, "bad_uses"),
        ({"uses": ["billboard"]}, "bad_uses"),
        ({"method": "telepathy"}, "bad_method"),
        ({"guardian_name": " "}, "missing_field"),
        ({"guardian_name": "Ro\u202esa"}, "bad_text"),
    ],
)
def test_bad_consents_are_refused(coordinator: Any, changes: dict[str, Any], code: str) -> None:
    story = draft(coordinator)
    if changes.get("given_on") == "tomorrow":
        changes["given_on"] = timezone.localdate() + timedelta(days=1)
    with pytest.raises(StoryError) as err:
        consent(coordinator, story, **changes)
    assert err.value.code == code
    assert not Consent.objects.exists()


def test_publishing_needs_every_consent_and_cleared_media(coordinator: Any, reviewer: Any) -> None:
    story = draft(coordinator)
    media = ready_media(story)
    with pytest.raises(StoryError) as err:
        services.publish(actor=reviewer, story=story)
    assert err.value.code == "no_consent"
    consent(coordinator, story, uses=[Consent.Use.PRINT])  # not the website
    with pytest.raises(StoryError) as err:
        services.publish(actor=reviewer, story=story)
    assert err.value.code == "no_consent"
    consent(coordinator, story)
    with pytest.raises(StoryError) as err:
        services.publish(actor=reviewer, story=story)
    assert err.value.code == "no_media_consent"
    consent(coordinator, story, media)
    StoryMedia.objects.filter(pk=media.pk).update(status="processing")
    with pytest.raises(StoryError) as err:
        services.publish(actor=reviewer, story=story)
    assert err.value.code == "media_busy"
    StoryMedia.objects.filter(pk=media.pk).update(status="needs_review")
    with pytest.raises(StoryError) as err:
        services.publish(actor=reviewer, story=story)
    assert err.value.code == "media_unchecked"
    media.refresh_from_db()
    services.media_mark_checked(actor=reviewer, media=media)
    story = services.publish(actor=reviewer, story=story)
    assert story.status == Story.Status.PUBLISHED and story.reviewed_by == reviewer
    assert services.public_story(story.public_token) == story
    assert [m.pk for m in services.public_media(story)] == [media.pk]


def test_a_flagged_output_with_a_face_left_cannot_be_cleared(coordinator: Any) -> None:
    story = draft(coordinator)
    media = ready_media(story, status="needs_review")
    media.report = {"recheck_passed": False, "recheck_faces": [[0, 1, 1, 5, 5]]}
    media.save()
    with pytest.raises(StoryError) as err:
        services.media_mark_checked(actor=coordinator, media=media)
    assert err.value.code == "faces_remain"


def test_the_author_may_not_approve_when_another_reviewer_exists(
    coordinator: Any, make_user: Any, agency: Any
) -> None:
    story = draft(coordinator)
    consent(coordinator, story)
    # Alone in the unit: the author publishes.
    assert services.publish(actor=coordinator, story=story).status == Story.Status.PUBLISHED
    services.unpublish(actor=coordinator, story=story)
    other = make_user("second", "admin", agency)
    with pytest.raises(StoryError) as err:
        services.publish(actor=coordinator, story=story)
    assert err.value.code == "own_story" and err.value.status == 403
    assert services.publish(actor=other, story=story).status == Story.Status.PUBLISHED


def test_revoking_the_text_consent_unpublishes_at_once(coordinator: Any, reviewer: Any) -> None:
    story, media, text, _media_consent = published(coordinator, reviewer)
    services.consent_revoke(consent=text, actor=None)
    story.refresh_from_db()
    assert story.status == Story.Status.UNPUBLISHED
    assert story.unpublished_reason == "consent_revoked"
    assert services.public_story(story.public_token) is None
    assert services.public_media_item(story.public_token, media.pk) is None
    assert not services.published_stories().exists()
    entry = AuditEntry.objects.get(action="stories.consent.revoked")
    assert entry.actor_label == "guardian"
    # Revoking twice changes nothing.
    services.consent_revoke(consent=text, actor=None)
    assert AuditEntry.objects.filter(action="stories.consent.revoked").count() == 1


def test_revoking_a_media_consent_withdraws_only_that_item(coordinator: Any, reviewer: Any) -> None:
    story, media, _text, media_consent = published(coordinator, reviewer)
    services.consent_revoke(consent=media_consent, actor=coordinator, method="phone")
    story.refresh_from_db()
    assert story.status == Story.Status.PUBLISHED
    assert services.public_story(story.public_token) == story
    assert services.public_media(story) == []
    assert services.public_media_item(story.public_token, media.pk) is None


def test_a_revocation_cancels_a_redaction_under_way(coordinator: Any) -> None:
    story = draft(coordinator)
    media = ready_media(story, status="processing")
    media_consent = consent(coordinator, story, media)
    services.consent_revoke(consent=media_consent, actor=coordinator)
    media.refresh_from_db()
    assert media.cancel_requested


def test_changing_a_published_story_sends_it_back_to_review(
    coordinator: Any, reviewer: Any
) -> None:
    story, *_rest = published(coordinator, reviewer)
    story = services.story_update(
        actor=coordinator,
        story=story,
        title=story.title,
        body=BODY + " The end.",
        extra_names=CHILD,
    )
    assert story.status == Story.Status.IN_REVIEW
    assert services.public_story(story.public_token) is None


def test_retention_keeps_the_public_text_and_drops_the_private(
    coordinator: Any, reviewer: Any, django_capture_on_commit_callbacks: Any
) -> None:
    story, media, *_rest = published(coordinator, reviewer)
    left = draft(coordinator, title="Never finished")
    left_media = ready_media(left)
    original = storage.path_of(media.original_name)
    left_files = [
        storage.path_of(left_media.original_name),
        storage.path_of(left_media.redacted_name),
    ]
    assert original is not None and all(left_files)
    later = timezone.now() + timedelta(days=coordinator.agency.retention_days + 1)
    counts = services.StoryPurger().purge(later, dry_run=True)
    assert counts["published"] == 1 and counts["deleted"] == 1
    assert original.exists()
    with django_capture_on_commit_callbacks(execute=True):
        counts = services.purge_expired_stories(later)
    assert counts == {"published": 1, "deleted": 1, "files": 3}
    assert not original.exists() and not any(p.exists() for p in left_files if p)
    assert storage.path_of(media.redacted_name) is not None  # the public output stays
    story.refresh_from_db()
    media.refresh_from_db()
    assert story.body == "" and story.extra_names == "" and story.purged_at is not None
    assert story.known_names == ""
    assert story.public_body and media.redacted_name and media.original_name == ""
    assert services.public_story(story.public_token) == story
    assert not Story.objects.filter(pk=left.pk).exists()


def test_register_adds_the_purger_and_labels() -> None:
    from showup.core.registry import audit_label, purgers

    services.register()
    assert any(p.name == "stories.stories" for p in purgers())
    assert audit_label("stories.story.published") == "Story published"


def test_story_files_no_row_names_are_swept_once_old(coordinator: Any) -> None:
    """A killed upload or task leaves a file under stories/ that no row names."""
    import os

    from showup.core.registry import purgers

    story = draft(coordinator)
    media = ready_media(story)
    kept = [storage.path_of(media.original_name), storage.path_of(media.redacted_name)]
    stray = storage.root() / "0123456789abcdef.mp4"
    stray.write_bytes(b"left by a killed request")
    fresh = storage.root() / "fedcba9876543210.jpg"
    fresh.write_bytes(b"being saved right now")
    past = timezone.now().timestamp() - 2 * 3600
    for path in [*kept, stray]:
        assert path is not None
        os.utime(path, (past, past))
    sweep = next(p for p in purgers() if p.name == "stories.orphan_files")
    assert sweep.purge(timezone.now(), dry_run=True) == {"files": 1, "kept": 2}
    assert stray.exists()
    sweep.purge(timezone.now(), dry_run=False)
    assert not stray.exists() and fresh.exists()
    assert all(path is not None and path.exists() for path in kept)


def test_the_officers_name_stays_and_the_childs_goes(coordinator: Any, make_user: Any) -> None:
    make_user("okafor", "officer", coordinator.agency, first_name="Sam", last_name="Okafor")
    story = services.story_create(
        actor=coordinator,
        title="Lunch on the curb",
        body="Officer Okafor sat down beside Danny and shared his lunch.",
        extra_names="Danny",
    )
    assert "Okafor" in story.public_body
    assert "Danny" not in story.public_body
    # A staff name the family also carries is still taken out.
    other = services.story_create(
        actor=coordinator,
        title="Home again",
        body="Sam Okafor, nine, waited with the officer.",
        extra_names="Sam Okafor",
    )
    assert "Okafor" not in other.public_body and "Sam" not in other.public_body
