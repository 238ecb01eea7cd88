"""Shared fixtures: one agency with every role, a second agency, and a partner of each.

Every view is tested from each side: officer, coordinator, partner (own and other
organisation), another agency's officer, and an anonymous visitor.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture(autouse=True)
def _private_media(settings: Any, tmp_path: Any) -> None:
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.SMS_BACKEND = "locmem"
    settings.DEMO_MODE = False
    # The real hasher costs ~0.5 s a user; tests create hundreds of users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _inline_matching(settings: Any) -> None:
    """Tests match in-process, with the worker's own code (matching_service.drain_outbox), so a
    test reads the candidates right after filing. Each test has its own database: the
    process's index must not remember the last one's."""
    from showup.reunite.candidate_index import process_index

    settings.SHOWUP_MATCHING = "inline"
    process_index.reset()


@pytest.fixture(autouse=True)
def _audit_rows_cleared_after_transactional_tests(request: Any) -> Iterator[None]:
    """Transactional tests (live_server, browser tests) empty the database afterwards; on
    SQLite the append-only triggers would refuse that, so the audit rows are cleared first with
    the triggers lifted and put back. PostgreSQL's TRUNCATE does not fire row triggers."""
    if not {"transactional_db", "live_server"} & set(request.fixturenames):
        yield
        return
    request.getfixturevalue("transactional_db")
    yield
    from django.db import connection

    from showup.core.audit_guard import install_sqlite_guards, remove_sqlite_guards

    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        remove_sqlite_guards(cursor.execute)
        cursor.execute("DELETE FROM core_auditentry")
        install_sqlite_guards(cursor.execute)


@pytest.fixture
def agency(db: Any) -> Any:
    from showup.core.models import Agency

    return Agency.objects.create(name="County Sheriff", slug="county", email="unit@example.org")


@pytest.fixture
def other_agency(db: Any) -> Any:
    from showup.core.models import Agency

    return Agency.objects.create(name="City Police", slug="city")


@pytest.fixture
def store(agency: Any) -> Any:
    from showup.core.models import PartnerOrganisation

    return PartnerOrganisation.objects.create(agency=agency, name="FreshMart", kind="store")


@pytest.fixture
def hospital(agency: Any) -> Any:
    from showup.core.models import PartnerOrganisation

    return PartnerOrganisation.objects.create(
        agency=agency, name="Mercy Children's", kind="hospital"
    )


@pytest.fixture
def make_user(db: Any) -> Callable[..., Any]:
    from showup.core.models import User

    def make(username: str, role: str, agency: Any, partner_org: Any = None, **extra: Any) -> Any:
        extra.setdefault("first_name", username.title())
        user = User.objects.create_user(
            username=username,
            password=PASSWORD,
            role=role,
            agency=agency,
            partner_org=partner_org,
            email=f"{username}@example.org",
            **extra,
        )
        give_second_factor(user)
        return user

    return make


# Coordinators and admins must have a second factor (showup.core.accounts): the shared users
# get an activated TOTP authenticator with this secret, so the enforcement stays on in every
# test. Tests that log in through the form compute the code with `totp_code(TOTP_SECRET)`.
TOTP_SECRET = "JBSWY3DPEHPK3PXPTESTSUITE2FACTOR"


def give_second_factor(user: Any, *, force: bool = False) -> None:
    """An activated TOTP authenticator for a user whose role requires one (or any, `force`)."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP

    from showup.core.accounts import mfa_required

    if not (force or mfa_required(user)):
        return
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, TOTP_SECRET)


@pytest.fixture(autouse=True)
def _fresh_cache(request: Any) -> Iterator[None]:
    """Rate-limit counters and used TOTP codes live in the cache: each test starts clean. The
    cache is the database cache (settings.CACHES), so a test's rows roll back with its
    transaction; transactional tests (live_server, browser) commit theirs: cleared around them.
    Tests without the database never touch the cache."""
    if not {"transactional_db", "live_server"} & set(request.fixturenames):
        yield
        return
    request.getfixturevalue("transactional_db")
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def officer(make_user: Callable[..., Any], agency: Any) -> Any:
    return make_user("olivia", "officer", agency)


@pytest.fixture
def officer2(make_user: Callable[..., Any], agency: Any) -> Any:
    return make_user("oscar", "officer", agency)


@pytest.fixture
def coordinator(make_user: Callable[..., Any], agency: Any) -> Any:
    return make_user("cora", "coordinator", agency)


@pytest.fixture
def partner(make_user: Callable[..., Any], agency: Any, store: Any) -> Any:
    return make_user("pat", "partner", agency, partner_org=store)


@pytest.fixture
def other_partner(make_user: Callable[..., Any], agency: Any, hospital: Any) -> Any:
    return make_user("nina", "partner", agency, partner_org=hospital)


@pytest.fixture
def outsider(make_user: Callable[..., Any], other_agency: Any) -> Any:
    """An officer of another agency: sees nothing of ours."""
    return make_user("otto", "officer", other_agency)


@pytest.fixture
def login(client: Any) -> Callable[[Any], Any]:
    def do(user: Any) -> Any:
        client.force_login(user)
        return client

    return do


@pytest.fixture
def report_data() -> Callable[..., dict[str, Any]]:
    """Valid service-level data for a report, overridable per test."""
    from django.utils import timezone

    def make(kind: str = "found", **overrides: Any) -> dict[str, Any]:
        base: dict[str, Any] = {
            "given_name": "Mateo",
            "family_name": "" if kind == "found" else "Alvarez",
            "sex": "male",
            "hair": "short brown",
            "clothing": "red t-shirt, blue shorts",
            "carrying": "toy truck",
            "languages": ["es", "en"],
            "lat": 34.0522,
            "lon": -118.2437,
            "place": "Main St near the donut shop",
            "seen_at": timezone.now() - timedelta(minutes=20 if kind == "missing" else 5),
        }
        if kind == "found":
            base.update({"age_min": 3, "age_max": 5, "safe_location": "Patrol car 12"})
        else:
            base.update(
                {
                    "age_years": 4,
                    "guardian_name": "Lucia Alvarez",
                    "guardian_phone": "+15550001111",
                    "guardian_email": "lucia@example.org",
                }
            )
        base.update(overrides)
        return base

    return make


class _OneRequestAtATimeServer:
    """Made on first use, once Django is set up (see the fixture below)."""

    @staticmethod
    def make() -> type:
        from django.core.servers.basehttp import WSGIServer

        class SerialWSGIServer(WSGIServer):
            def __init__(self, *args: Any, connections_override: Any = None, **kwargs: Any):
                super().__init__(*args, **kwargs)
                self.connections_override = connections_override or {}

        return SerialWSGIServer


@pytest.fixture(scope="session", autouse=True)
def _live_server_serves_one_request_at_a_time(django_db_setup: Any) -> Iterator[None]:
    """On in-memory SQLite the live server's request threads all share the test's one
    connection, and two browser requests at once (a page and the service worker's background
    fetch) corrupt each other's queries ("bad parameter or other API misuse"). One request at
    a time there; Django then answers `Connection: close`, so browsers never wait on a kept
    connection. PostgreSQL keeps the threaded server (each thread has its own connection)."""
    from django.db import connection
    from django.test.testcases import LiveServerThread

    if connection.vendor != "sqlite" or not connection.is_in_memory_db():
        yield
        return
    threaded = LiveServerThread.server_class
    LiveServerThread.server_class = _OneRequestAtATimeServer.make()
    try:
        yield
    finally:
        LiveServerThread.server_class = threaded
