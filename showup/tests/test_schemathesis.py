"""The whole OpenAPI schema, fuzzed: no server error, no answer outside the schema.

Schemathesis generates requests for every operation of /api/openapi.json (valid and invalid
bodies, query strings, path ids, headers) and sends each one, in process through the Django WSGI
application, as every role: an officer, a coordinator, a partner and an agency admin of an
agency that has reports, a candidate match, visit requests and visits, and an anonymous caller.
Every answer must be documented for that operation (status code and content type) and match
its response schema; none may be a server error. Half of the generated path ids are replaced
by ids that exist, so the operations also run against real records, not only 404s.

Bounded for `make test`: a fixed number of examples per operation, derandomized (the same
requests every run).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from http.cookies import SimpleCookie
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.middleware.csrf import _get_new_csrf_string, _mask_cipher_secret
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from werkzeug.test import Client as WsgiClient

pytestmark = pytest.mark.django_db

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES = 8  # per operation and mode; x5 roles: about 2,000 requests


def _session_cookies(user: Any) -> dict[str, str]:
    """A logged-in session and a CSRF pair for the WSGI calls (the API checks CSRF)."""
    client = Client()
    client.force_login(user)
    morsel = SimpleCookie(client.cookies.output(header="", sep=";"))
    secret = _get_new_csrf_string()
    return {"sessionid": morsel["sessionid"].value, "csrftoken": secret} | {
        "_csrf_header": _mask_cipher_secret(secret)
    }


@pytest.fixture(autouse=True)
def _connection_kept_between_wsgi_calls() -> Iterator[None]:
    """Raw WSGI calls send request_started/finished, whose close_old_connections would close
    PostgreSQL's connection inside the test's transaction; Django's own test client
    disconnects it the same way for its requests."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def world(
    agency: Any,
    officer: Any,
    officer2: Any,
    coordinator: Any,
    partner: Any,
    other_partner: Any,
    make_user: Any,
    hospital: Any,
    report_data: Any,
    settings: Any,
) -> dict[str, Any]:
    """An agency with some of everything, and a session for each role."""
    # The public registration is rate limited per address: every generated call comes from
    # the same one, and a 429 after a few would leave the rest of its examples unexplored.
    settings.SHOWUP_PUBLIC_RATE_DEVICE = "0"
    settings.SHOWUP_PUBLIC_RATE_ADDRESS = "0"
    from showup.reunite import services as reunite
    from showup.reunite.models import Candidate
    from showup.visits import services as visits
    from showup.visits.models import MementoStock, Shift

    admin = make_user("ada", "admin", agency)
    found = reunite.report_create(
        agency=agency, kind="found", data=report_data("found"), filed_by=officer
    )
    missing = reunite.report_create(
        agency=agency, kind="missing", data=report_data("missing"), filed_by=other_partner
    )
    place = visits.place_save(
        partner_org=hospital, actor=other_partner, data={"name": "Ward 4", "max_group_size": 3}
    )
    now = timezone.now()
    for person in (officer, officer2):
        Shift.objects.create(
            agency=agency,
            officer=person,
            start=now - timedelta(hours=1),
            end=now + timedelta(hours=12),
        )
    for kind in ("patch", "sticker"):
        MementoStock.objects.create(agency=agency, kind=kind, quantity=40)
    requests = []
    visit_ids = []
    for hours, act in ((2, "scheduled"), (4, "in_progress"), (6, "proposed")):
        request = visits.request_create(
            actor=other_partner,
            partner_org=hospital,
            data={"child_first_name": "Milo", "child_age": 7, "group_size": 1},
            windows=[(now + timedelta(hours=hours), now + timedelta(hours=hours + 1))],
            place=place,
        )
        visit = visits.slot_propose(
            request=request,
            officer=officer,
            start=now + timedelta(hours=hours),
            end=now + timedelta(hours=hours, minutes=30),
            actor=coordinator,
        )
        if act != "proposed":
            visits.slot_accept(visit=visit, actor=other_partner)
        if act == "in_progress":
            visits.visit_start(visit=visit, actor=officer)
        requests.append(request.pk)
        visit_ids.append(visit.pk)
    from showup.events.tests.factories import make_event, register

    community_day = make_event(agency, coordinator, capacity=4)
    register(community_day, children=2)
    waitlisted = register(community_day, adults=2, children=1)
    ids = {
        "event_id": [community_day.pk],
        "reference": [community_day.reference],
        "token": [waitlisted.token],
        "report_id": [found.pk, missing.pk],
        "kept_id": [missing.pk, found.pk],
        "candidate_id": list(Candidate.objects.values_list("pk", flat=True)) or [0],
        "request_id": requests,
        "visit_id": visit_ids,
    }
    roles = {
        "officer": _session_cookies(officer),
        "coordinator": _session_cookies(coordinator),
        "partner": _session_cookies(other_partner),
        "admin": _session_cookies(admin),
        "anonymous": {},
    }
    return {"ids": ids, "roles": roles, "seen": set(), "app": get_wsgi_application()}


def _real_ids(case: Any, ids: dict[str, list[int]]) -> None:
    """Every other generated id becomes the id of a record that exists."""
    for name, value in list((case.path_parameters or {}).items()):
        known = ids.get(name)
        if known and isinstance(value, int) and value % 2 == 0:
            case.path_parameters[name] = known[(value // 2) % len(known)]
        elif known and isinstance(value, str) and len(value) % 2 == 0:
            case.path_parameters[name] = known[0]


def _send_as_every_role(case: Any, world: dict[str, Any]) -> None:
    _real_ids(case, world["ids"])
    generated = dict(case.cookies) if case.cookies is not None else None
    for role, cookies in world["roles"].items():
        # case.call() keeps the cookies it sent on the case: the next role must not inherit.
        case.cookies = dict(generated) if generated is not None else None
        jar = {k: v for k, v in cookies.items() if not k.startswith("_")}
        headers = {"X-CSRFToken": cookies["_csrf_header"]} if cookies else {}
        # A fresh client each call: a cookie one role's answer set must not reach the next.
        client = WsgiClient(world["app"])
        response = case.call(session=client, cookies=jar, headers=headers)
        world["seen"].add((role, case.operation.label, response.status_code))
        case.validate_response(response, checks=CHECKS)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, BaseExceptionGroup):
        return str(exc) + "".join(f"\n  - {_describe(e)}" for e in exc.exceptions)
    return f"{type(exc).__name__}: {exc}"


def test_no_server_error_and_every_answer_documented(world: dict[str, Any]) -> None:
    api_schema = schemathesis.openapi.from_wsgi("/api/openapi.json", world["app"])
    failures: list[str] = []
    operations = 0
    for result in api_schema.get_all_operations():
        operation = result.ok()
        operations += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=EXAMPLES,
                derandomize=True,
                deadline=None,
                database=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            def run(case: Any) -> None:
                _send_as_every_role(case, world)

            try:
                run()
            except (Exception, BaseExceptionGroup) as exc:  # one failure must not hide others
                failures.append(f"{operation.label} [{mode.value}]: {_describe(exc)}")
    for failure in failures:
        print(failure, end="\n\n")  # pytest shows it with the failure
    assert operations >= 30, "the schema lost operations"
    assert not failures, "\n\n".join(failures)
    # Public operations (events' /public list, pages and registration) answer anyone, and so
    # do a family's own token operations (/api/events/registrations/{token}...) for the real
    # token; an unknown token is a 404. Every other operation never answers anonymous.
    answered = {
        (role, code // 100)
        for role, label, code in world["seen"]
        if "/public" not in label and " /api/events/registrations/{token}" not in label
    }
    assert ("anonymous", "GET /api/events/registrations/{token}", 200) in world["seen"], (
        "the family's token view never reached the real registration"
    )
    assert ("anonymous", 2) not in answered, "an anonymous caller got a success answer"
    for role in ("officer", "coordinator", "partner", "admin"):
        assert (role, 2) in answered, f"{role} never reached a real record: the test is blind"
