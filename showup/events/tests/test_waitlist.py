"""Capacity, the family waitlist, offers of freed places with a time limit, and what families
are told."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from showup.events import selectors, services
from showup.events.models import Registration
from showup.events.services import EventError
from showup.events.tests.factories import make_event, register

pytestmark = pytest.mark.django_db
S = Registration.Status


def _reload(r: Registration) -> Registration:
    return Registration.objects.get(pk=r.pk)


def test_people_count_adults_and_children_and_the_family_waits_together(
    agency: Any, coordinator: Any
) -> None:
    event = make_event(agency, coordinator, capacity=5)
    first = register(event, adults=2, children=2)  # 4 people
    assert first.status == S.CONFIRMED
    second = register(event, adults=1, children=1)  # 2 people: only 1 place left
    assert second.status == S.WAITLISTED
    # The family is not split: nobody of it holds the one place left.
    counts = selectors.event_counts(event)
    assert counts == {
        "confirmed_people": 4,
        "confirmed_families": 1,
        "confirmed_children": 2,
        "offered_people": 0,
        "waitlisted_families": 1,
        "places_left": 1,
    }
    # A family of one adult and... at least one child is two: still waits. A smaller family
    # cannot exist (one adult, one child), so the last place stays free.
    assert register(event, adults=1, children=1).status == S.WAITLISTED


def test_a_family_larger_than_the_event_is_refused(agency: Any, coordinator: Any) -> None:
    event = make_event(agency, coordinator, capacity=3)
    with pytest.raises(EventError) as exc:
        register(event, adults=2, children=2)
    assert exc.value.code == "family_too_large"
    assert exc.value.status == 422
    assert not Registration.objects.exists()


def test_freed_places_are_offered_in_order_whole_families_first_fit(
    agency: Any, coordinator: Any
) -> None:
    event = make_event(agency, coordinator, capacity=6)
    holder = register(event, adults=2, children=4)  # 6: full
    big = register(event, adults=2, children=3)  # 5, first in line
    small = register(event, adults=1, children=1)  # 2
    later = register(event, adults=1, children=1)  # 2
    assert [r.status for r in (big, small, later)] == [S.WAITLISTED] * 3
    # 4 places free up: the big family (5) does not fit and keeps its turn; the two small
    # families behind it fit, in order.
    services.registration_update(
        registration=holder,
        data={"adults": 1},
        children=[{"first_name": "Ana", "age_band": "4-6"}],
    )
    assert _reload(holder).status == S.CONFIRMED
    assert _reload(big).status == S.WAITLISTED
    assert _reload(small).status == S.OFFERED
    assert _reload(later).status == S.OFFERED
    # The holder cancels: 2 more places; 2 + 0 left < 5 for the big family until an offer goes.
    services.registration_cancel(registration=holder)
    assert _reload(big).status == S.WAITLISTED
    services.offer_decline(registration=_reload(small))
    services.offer_decline(registration=_reload(later))
    big = _reload(big)
    assert big.status == S.OFFERED
    assert big.offer_expires_at is not None


def test_offer_accept_confirms_and_a_late_accept_moves_on(agency: Any, coordinator: Any) -> None:
    event = make_event(agency, coordinator, capacity=2)
    holder = register(event)
    first = register(event)
    second = register(event)
    services.registration_cancel(registration=holder)
    first = _reload(first)
    assert first.status == S.OFFERED
    assert first.offer_expires_at is not None
    expected = first.offered_at + timedelta(hours=24)  # type: ignore[operator]
    assert abs((first.offer_expires_at - expected).total_seconds()) < 1
    # Accepted in time: confirmed.
    assert services.offer_accept(registration=first).status == S.CONFIRMED
    # A second family offered a place that lets it lapse.
    services.registration_cancel(registration=first)
    second = _reload(second)
    assert second.status == S.OFFERED
    Registration.objects.filter(pk=second.pk).update(
        offer_expires_at=timezone.now() - timedelta(minutes=1)
    )
    with pytest.raises(EventError) as exc:
        services.offer_accept(registration=second)
    assert exc.value.code == "offer_expired"
    # The expiry stands (it was committed before the error) and the places are free again.
    assert _reload(second).status == S.EXPIRED
    assert selectors.event_counts(event)["places_left"] == 2


def test_expire_offers_moves_on_to_the_next_family(agency: Any, coordinator: Any) -> None:
    event = make_event(agency, coordinator, capacity=2)
    holder = register(event)
    slow = register(event)
    next_in_line = register(event)
    services.registration_cancel(registration=holder)
    assert _reload(slow).status == S.OFFERED
    assert _reload(next_in_line).status == S.WAITLISTED
    assert services.expire_offers() == 0  # nothing late yet
    later = timezone.now() + timedelta(hours=25)
    assert services.expire_offers(now=later) == 1
    assert _reload(slow).status == S.EXPIRED
    nxt = _reload(next_in_line)
    assert nxt.status == S.OFFERED
    assert nxt.offered_at == later


def test_an_offer_never_outlasts_the_event_start(agency: Any, coordinator: Any) -> None:
    start = timezone.now() + timedelta(hours=3)
    event = make_event(agency, coordinator, capacity=2, start=start, end=start + timedelta(hours=2))
    holder = register(event)
    waiting = register(event)
    services.registration_cancel(registration=holder)
    assert _reload(waiting).offer_expires_at == event.start


def test_more_capacity_offers_the_new_places(agency: Any, coordinator: Any) -> None:
    event = make_event(agency, coordinator, capacity=2)
    register(event)
    waiting = register(event)
    services.event_update(event=event, actor=coordinator, data={"capacity": 4})
    assert _reload(waiting).status == S.OFFERED


def test_growing_a_confirmed_family_beyond_the_places_waitlists_it(
    agency: Any, coordinator: Any
) -> None:
    event = make_event(agency, coordinator, capacity=4)
    family = register(event, adults=1, children=1)
    register(event, adults=1, children=1)  # full
    kids = [{"first_name": n, "age_band": "7-9"} for n in ("A", "B")]
    family = services.registration_update(registration=family, data={}, children=kids)
    assert family.status == S.WAITLISTED
    assert family.children.count() == 2


def test_cancelling_an_event_cancels_and_tells_every_family(
    agency: Any, coordinator: Any, django_capture_on_commit_callbacks: Any
) -> None:
    event = make_event(agency, coordinator, capacity=2)
    a = register(event, email="a@example.org")
    b = register(event, email="b@example.org")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.event_cancel(event=event, actor=coordinator)
    assert {_reload(a).status, _reload(b).status} == {S.CANCELLED}
    assert sorted(m.to[0] for m in mail.outbox) == ["a@example.org", "b@example.org"]
    assert all(event.title in m.body for m in mail.outbox)


def test_families_are_told_in_their_language_with_the_manage_link_and_reference(
    agency: Any, coordinator: Any, django_capture_on_commit_callbacks: Any
) -> None:
    event = make_event(agency, coordinator, capacity=3)
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = register(event, email="ana@example.org", language="es")
        waitlisted = register(event, adults=1, children=1, email="bo@example.org")
    by_to = {m.to[0]: m for m in mail.outbox}
    sent = by_to["ana@example.org"]
    assert confirmed.reference in sent.subject
    assert f"/events/r/{confirmed.token}/" in sent.body
    assert "Ana" not in sent.body and "Kid0" not in sent.body  # never a child's name
    assert "waitlist" in by_to["bo@example.org"].body
    assert waitlisted.reference in by_to["bo@example.org"].body
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.registration_cancel(registration=confirmed)
    offered = [m for m in mail.outbox if m.to == ["bo@example.org"]]
    assert len(offered) == 1
    assert f"/events/r/{waitlisted.token}/" in offered[0].body


def test_spanish_family_message_is_spanish_when_translated(
    agency: Any, coordinator: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """The message is rendered inside the family's language (the catalogue decides the words:
    here we check the language was active by a string Django itself translates)."""
    from showup.events import notify

    event = make_event(agency, coordinator, capacity=2)
    reg = register(event, language="es")
    kind = notify.RegistrationConfirmed()
    delivery = kind.deliveries(reg.pk, {})[0]
    message = kind.render(reg.pk, delivery, {}, None)
    assert message is not None
    from django.utils import translation

    with translation.override("es"):
        expected = notify._when(event)
    assert expected in message.body
