"""The last place, taken by two families at once (PostgreSQL: real row locks, two connections).

SQLite serialises writers on the whole database, so the race cannot happen there the way it
does on PostgreSQL; the test is skipped on it. Each thread has its own connection (Django
gives each thread one) and both wait at a barrier, then register at the same moment.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, connections

from showup.events import services
from showup.events.models import Event, Registration
from showup.events.tests.factories import make_event, register

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="PostgreSQL row locks (SQLite serialises every writer; the active database is another)",
)


@postgres_only
@pytest.mark.parametrize("attempt", range(3))
def test_two_families_for_the_last_place_one_confirmed_one_waitlisted(
    transactional_db: Any, agency: Any, coordinator: Any, attempt: int
) -> None:
    # A family is at least two people (an adult and a child): "the last place" is room for
    # one more such family. Four places, two taken: two left, and each racer needs two.
    event = make_event(agency, coordinator, capacity=4)
    register(event, adults=1, children=1)
    assert services.places_left(event) == 2
    barrier = threading.Barrier(2, timeout=20)
    results: dict[int, str] = {}
    errors: list[BaseException] = []

    def family(n: int) -> None:
        try:
            barrier.wait()
            registration = services.registration_create(
                event=Event.objects.get(pk=event.pk),
                data={
                    "contact_name": f"Racer {n}",
                    "email": f"racer{attempt}-{n}@example.org",
                    "adults": 1,
                },
                children=[{"first_name": f"K{n}", "age_band": "4-6"}],
                language="en",
            )
            results[n] = registration.status
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=family, args=(n,)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(results.values()) == ["confirmed", "waitlisted"]
    event.refresh_from_db()
    assert services.places_taken(event) == event.capacity == 4
    assert Registration.objects.filter(event=event, status="confirmed").count() == 2
    waiting = Registration.objects.get(event=event, status="waitlisted")
    assert (
        waiting.contact_name == f"Racer {next(n for n, s in results.items() if s == 'waitlisted')}"
    )
