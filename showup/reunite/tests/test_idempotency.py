"""Exactly one report per submission: the idempotency helper, the create forms' hidden key,
Back after sending, and the API's Idempotency-Key header."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from typing import Any

import pytest
from django.http import QueryDict
from django.test import Client
from django.utils import timezone

from showup.core import idempotency
from showup.core.models import Agency, IdempotencyKey, User
from showup.reunite import views_intake
from showup.reunite.models import Report
from showup.reunite.tests.intake_helpers import found_post, missing_post

pytestmark = pytest.mark.django_db

PUBLIC = "/missing/"
FOUND = "/staff/found/new/"
API = "/api/reunite/reports"
KEY = "4b7d2c8e-1f0a-4e57-9d1a-2f3c4b5a6d7e"


@pytest.fixture(autouse=True)
def _short_wait(monkeypatch: Any) -> None:
    monkeypatch.setattr(views_intake, "ONCE_WAIT_SECONDS", 0.3)


def guardian_post(**overrides: Any) -> dict[str, Any]:
    # The report form asks who the reporting adult is (harmless where it does not yet).
    return missing_post(reporter_relationship="mother", reporter_has_custody="yes", **overrides)


def form_key(body: bytes) -> str:
    match = re.search(rb'name="idempotency_key" value="([^"]+)"', body)
    assert match, "the form carries no idempotency key"
    return match.group(1).decode()


def session_scope(client: Client) -> str:
    key = client.session.session_key
    assert key
    return "session:" + hashlib.sha256(key.encode()).hexdigest()


# --- the helper ----------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["", "x" * 121, "clé-ü", "tab\there", "new\nline"])
def test_it_refuses_a_malformed_key(raw: str) -> None:
    with pytest.raises(idempotency.IdempotencyError) as caught:
        idempotency.clean_key(raw)
    assert caught.value.code == "invalid_key" and caught.value.status == 400
    assert "120" in caught.value.message


def test_it_accepts_printable_ascii_up_to_120() -> None:
    assert idempotency.clean_key("x" * 120) == "x" * 120
    assert idempotency.clean_key("a b~!") == "a b~!"


def test_the_form_fingerprint_ignores_the_key_the_csrf_token_and_order() -> None:
    one = QueryDict("a=1&b=2&b=3&idempotency_key=k1&csrfmiddlewaretoken=t1")
    two = QueryDict("b=2&b=3&a=1&idempotency_key=k2&csrfmiddlewaretoken=t2")
    other = QueryDict("a=1&b=3&b=2")
    assert idempotency.fingerprint_form(one) == idempotency.fingerprint_form(two)
    assert idempotency.fingerprint_form(one) != idempotency.fingerprint_form(other)
    assert idempotency.fingerprint_json({"a": 1, "b": [1, 2]}) == idempotency.fingerprint_json(
        {"b": [1, 2], "a": 1}
    )


def _agency_factory(name: str) -> Agency:
    return Agency.objects.create(name=name, slug=name.lower())


def test_run_once_creates_once_and_replays(db: Any) -> None:
    claim = idempotency.Claim("user:1", KEY, "f" * 64)
    first = idempotency.run_once(claim, lambda: _agency_factory("One"))
    again = idempotency.run_once(claim, lambda: _agency_factory("Two"))
    assert not first.replayed and again.replayed
    assert again.obj == first.obj and again.status_code == 201
    assert list(Agency.objects.values_list("name", flat=True)) == ["One"]
    row = IdempotencyKey.objects.get()
    assert (row.object_type, row.object_id) == ("core.agency", str(first.obj.pk))

    # The same key in another scope is another request.
    idempotency.run_once(
        idempotency.Claim("user:2", KEY, "f" * 64), lambda: _agency_factory("Three")
    )
    assert Agency.objects.count() == 2


def test_run_once_refuses_the_same_key_with_another_body(db: Any) -> None:
    idempotency.run_once(idempotency.Claim("user:1", KEY, "a" * 64), lambda: _agency_factory("One"))
    with pytest.raises(idempotency.IdempotencyError) as caught:
        idempotency.run_once(
            idempotency.Claim("user:1", KEY, "b" * 64), lambda: _agency_factory("Two")
        )
    assert caught.value.code == "key_reused" and caught.value.status == 422
    assert caught.value.original == Agency.objects.get(name="One")
    assert Agency.objects.count() == 1


def test_run_once_answers_409_while_the_first_is_in_flight(db: Any) -> None:
    IdempotencyKey.objects.create(scope="user:1", key=KEY, fingerprint="a" * 64)
    with pytest.raises(idempotency.IdempotencyError) as caught:
        idempotency.run_once(
            idempotency.Claim("user:1", KEY, "a" * 64), lambda: _agency_factory("Two")
        )
    assert caught.value.code == "in_flight" and caught.value.status == 409
    assert not Agency.objects.exists()


def test_run_once_takes_over_a_stale_claim_and_ignores_an_expired_key(db: Any) -> None:
    IdempotencyKey.objects.create(scope="user:1", key=KEY, fingerprint="a" * 64)
    IdempotencyKey.objects.update(created_at=timezone.now() - timedelta(minutes=3))
    made = idempotency.run_once(
        idempotency.Claim("user:1", KEY, "a" * 64), lambda: _agency_factory("One")
    )
    assert not made.replayed

    IdempotencyKey.objects.update(created_at=timezone.now() - timedelta(hours=25))
    again = idempotency.run_once(
        idempotency.Claim("user:1", KEY, "b" * 64), lambda: _agency_factory("Two")
    )
    assert not again.replayed and Agency.objects.count() == 2
    assert IdempotencyKey.objects.get().fingerprint == "b" * 64


def test_a_failed_create_releases_the_key(db: Any) -> None:
    claim = idempotency.Claim("user:1", KEY, "a" * 64)

    def boom() -> Agency:
        _agency_factory("Half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        idempotency.run_once(claim, boom)
    assert not IdempotencyKey.objects.exists() and not Agency.objects.exists()
    assert not idempotency.run_once(claim, lambda: _agency_factory("One")).replayed


# --- the guardian's form -------------------------------------------------------------------


def test_each_rendered_form_carries_a_fresh_key_and_the_script(client: Client, agency: Any) -> None:
    one = client.get(PUBLIC)
    two = client.get(PUBLIC)
    assert form_key(one.content) != form_key(two.content)
    body = one.content.decode()
    assert "data-submit-once" in body and 'data-sending-text="Sending…"' in body
    assert "js/submit-once.js" in body
    assert "<script>" not in body.split("<main")[1]  # nothing inline for the CSP


def test_the_same_key_twice_files_one_report(client: Client, agency: Any) -> None:
    key = form_key(client.get(PUBLIC).content)
    first = client.post(PUBLIC, guardian_post(idempotency_key=key))
    second = client.post(PUBLIC, guardian_post(idempotency_key=key))
    assert first.status_code == second.status_code == 302, first.content
    report = Report.objects.get()
    assert first["Location"] == second["Location"] == f"/status/{report.status_token}/"


def test_without_a_key_each_post_files_a_report(client: Client, agency: Any) -> None:
    client.post(PUBLIC, guardian_post())
    client.post(PUBLIC, guardian_post())
    assert Report.objects.count() == 2


def test_the_same_key_with_another_body_files_nothing_and_keeps_what_was_typed(
    client: Client, agency: Any
) -> None:
    key = form_key(client.get(PUBLIC).content)
    client.post(PUBLIC, guardian_post(idempotency_key=key))
    first = Report.objects.get()
    response = client.post(PUBLIC, guardian_post(idempotency_key=key, given_name="Lucas"))
    assert response.status_code == 422
    body = response.content.decode()
    assert "This form was already sent." in body
    assert f"/status/{first.status_token}/" in body  # her own first report, linked
    assert 'value="Lucas"' in body
    assert form_key(response.content) != key  # sending again files the new answers
    assert Report.objects.count() == 1


def test_a_malformed_key_is_400_and_files_nothing(client: Client, agency: Any) -> None:
    response = client.post(PUBLIC, guardian_post(idempotency_key="x" * 121))
    assert response.status_code == 400
    assert "This form had expired." in response.content.decode()
    assert not Report.objects.exists()


def test_a_re_render_with_errors_keeps_the_key(client: Client, agency: Any) -> None:
    key = form_key(client.get(PUBLIC).content)
    response = client.post(PUBLIC, guardian_post(idempotency_key=key, given_name=""))
    assert response.status_code == 400
    assert form_key(response.content) == key
    assert client.post(PUBLIC, guardian_post(idempotency_key=key)).status_code == 302
    assert Report.objects.count() == 1


def test_a_repeat_while_the_first_is_saving_says_so(client: Client, agency: Any) -> None:
    client.get(PUBLIC)
    post = guardian_post(idempotency_key=KEY)
    IdempotencyKey.objects.create(
        scope=session_scope(client),
        key=KEY,
        fingerprint=idempotency.fingerprint_form(_as_querydict(post)),
    )
    response = client.post(PUBLIC, post)
    assert response.status_code == 409
    assert "Your report is being saved." in response.content.decode()
    assert form_key(response.content) == KEY  # sending again is still safe
    assert not Report.objects.exists()


def _as_querydict(data: dict[str, Any]) -> QueryDict:
    query = QueryDict(mutable=True)
    for name, value in data.items():
        query.setlist(name, value if isinstance(value, list) else [value])
    return query


def test_back_after_sending_shows_the_report_not_a_blank_form(client: Client, agency: Any) -> None:
    key = form_key(client.get(PUBLIC).content)
    client.post(PUBLIC, guardian_post(idempotency_key=key))
    report = Report.objects.get()
    back = client.get(PUBLIC)
    body = back.content.decode()
    assert "You already sent this report" in body
    assert f'href="/status/{report.status_token}/"' in body
    assert 'name="given_name"' not in body
    assert 'href="/missing/?another=1"' in body
    # Still there on a second visit (the guardian files one report) ...
    assert "You already sent this report" in client.get(PUBLIC).content.decode()
    # ... and "Report another child" gives a blank form with a new key.
    another = client.get(PUBLIC + "?another=1")
    assert 'name="given_name"' in another.content.decode()
    assert form_key(another.content) != key
    # Another browser never sees it.
    assert "You already sent" not in Client().get(PUBLIC).content.decode()


# --- staff forms ---------------------------------------------------------------------------


def test_an_officer_tapping_twice_files_one_found_report(login: Any, officer: User) -> None:
    client = login(officer)
    key = form_key(client.get(FOUND).content)
    first = client.post(FOUND, found_post(idempotency_key=key))
    second = client.post(FOUND, found_post(idempotency_key=key), follow=True)
    report = Report.objects.get()
    assert first["Location"] == f"/staff/reports/{report.pk}/"
    assert second.redirect_chain[-1][0] == f"/staff/reports/{report.pk}/"
    assert "was already filed from this form" in second.content.decode()


def test_back_to_a_staff_form_shows_the_report_once(login: Any, officer: User) -> None:
    client = login(officer)
    client.post(FOUND, found_post(idempotency_key=form_key(client.get(FOUND).content)))
    report = Report.objects.get()
    back = client.get(FOUND).content.decode()
    assert "You already sent this report" in back
    assert f'href="/staff/reports/{report.pk}/"' in back
    assert 'name="safe_location"' not in back
    assert 'href="/staff/found/new/?another=1"' in back
    # Officers file many children a day: the next visit is a blank form.
    assert 'name="safe_location"' in client.get(FOUND).content.decode()


def test_the_staff_missing_form_carries_a_key_and_replays(login: Any, coordinator: User) -> None:
    client = login(coordinator)
    url = "/staff/reports/new/?kind=missing"
    key = form_key(client.get(url).content)
    for _ in range(2):
        response = client.post(url, guardian_post(idempotency_key=key))
        assert response.status_code == 302
    assert Report.objects.count() == 1


def test_the_edit_form_has_no_key(login: Any, officer: User) -> None:
    client = login(officer)
    client.post(FOUND, found_post())
    report = Report.objects.get()
    body = client.get(f"/staff/reports/{report.pk}/edit/").content.decode()
    assert 'name="idempotency_key"' not in body and "data-submit-once" in body


# --- the API -------------------------------------------------------------------------------


def api_payload(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": "found",
        "given_name": "Sam",
        "age_min": 3,
        "age_max": 5,
        "sex": "male",
        "clothing": "green raincoat",
        "safe_location": "Security office, north entrance",
        "place": "FreshMart, aisle 7",
        "seen_at": (timezone.now() - timedelta(minutes=3)).isoformat(),
    }
    data.update(overrides)
    return data


def api_post(client: Client, payload: dict[str, Any], key: str | None = KEY) -> Any:
    headers = {} if key is None else {"Idempotency-Key": key}
    return client.post(API, payload, content_type="application/json", headers=headers)


def test_the_api_answers_a_repeat_with_the_first_report(login: Any, officer: User) -> None:
    client = login(officer)
    payload = api_payload()
    first = api_post(client, payload)
    second = api_post(client, payload)
    assert first.status_code == second.status_code == 201, first.content
    assert first.json() == second.json()
    assert Report.objects.count() == 1


def test_the_api_refuses_the_same_key_with_another_body(login: Any, officer: User) -> None:
    client = login(officer)
    api_post(client, api_payload())
    response = api_post(client, api_payload(given_name="Maya"))
    assert response.status_code == 422
    error = response.json()["detail"][0]
    assert error["type"] == "idempotency_key_reused"
    assert error["loc"] == ["header", "Idempotency-Key"]
    assert "different request" in error["msg"]
    assert Report.objects.count() == 1


def test_the_api_without_the_header_files_every_time(login: Any, officer: User) -> None:
    client = login(officer)
    api_post(client, api_payload(), key=None)
    api_post(client, api_payload(), key=None)
    assert Report.objects.count() == 2


def test_the_api_answers_409_while_the_first_is_in_flight(login: Any, officer: User) -> None:
    client = login(officer)
    payload = api_payload()
    IdempotencyKey.objects.create(
        scope=f"user:{officer.pk}", key=KEY, fingerprint=idempotency.fingerprint_json(payload)
    )
    response = api_post(client, payload)
    assert response.status_code == 409
    assert "still being processed" in response.json()["detail"]
    assert not Report.objects.exists()


def test_the_api_refuses_a_malformed_key(login: Any, officer: User) -> None:
    response = api_post(login(officer), api_payload(), key="k" * 121)
    assert response.status_code == 400
    assert "120" in response.json()["detail"]
    assert not Report.objects.exists()


def test_keys_belong_to_one_account(login: Any, officer: User, officer2: User) -> None:
    api_post(login(officer), api_payload())
    api_post(login(officer2), api_payload())
    assert Report.objects.count() == 2


def test_the_openapi_schema_documents_the_header() -> None:
    schema = Client().get("/api/openapi.json").json()
    operation = schema["paths"]["/api/reunite/reports"]["post"]
    names = [p["name"] for p in operation.get("parameters", []) if p["in"] == "header"]
    assert "Idempotency-Key" in names
    assert {"400", "409", "422"} <= set(operation["responses"])
    assert "Idempotency-Key" in operation["description"]


def test_the_public_form_gives_a_first_time_visitor_her_session_with_the_key(
    agency: Agency,
) -> None:
    """Keys are scoped by session: a visitor who had none must get it with the form, or the
    repeats of her first POST (all sent before any answer set a cookie) would each get a
    session of their own and each file a report."""
    browser = Client()
    page = browser.get("/missing/")
    assert page.status_code == 200
    assert browser.cookies.get("sessionid") is not None
    data = missing_post()
    data[idempotency.FORM_FIELD] = re.search(
        rf'name="{idempotency.FORM_FIELD}" value="([^"]+)"', page.content.decode()
    ).group(1)  # type: ignore[union-attr]
    cookie = browser.cookies["sessionid"].value
    # Three requests that each left before any answer: same cookie, same key.
    for _tap in range(3):
        other_connection = Client()
        other_connection.cookies["sessionid"] = cookie
        assert other_connection.post("/missing/", data).status_code == 302
    assert Report.objects.count() == 1
