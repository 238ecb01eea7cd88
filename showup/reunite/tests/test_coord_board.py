"""The coordinator's board: compact rows ordered by urgency, search and filters, the live poll
that sends only changed rows, the map data, auditing and the cost of a poll."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from showup.core.models import AuditEntry
from showup.reunite import services
from showup.reunite.models import Candidate, Report
from showup.reunite.tests.coord_helpers import (
    CHILDREN,
    child_data,
    fast_passwords,  # noqa: F401 (autouse)
    file_pair,
)

BOARD = reverse("reunite:board")
LIVE = reverse("reunite:board_live")
HX = {"HX-Request": "true"}


def _input(html: str, name: str) -> str:
    match = re.search(rf'id="board-{name}" name="{name}" value="([^"]*)"', html)
    assert match, f"no board-{name} input"
    return match.group(1)


def _rows(html: str) -> list[str]:
    """The r=<id>.<version> values the page would send with its next poll."""
    return re.findall(r'<input type="hidden" name="r" value="([^"]+)">', html)


def _row_order(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<li id="report-(\d+)" class="brow', html)]


def _poll(client: Any, html: str, **extra: Any) -> Any:
    params = {"v": _input(html, "v"), "t": _input(html, "t"), "r": _rows(html), **extra}
    return client.get(LIVE, params, headers=HX)


def _file(agency: Any, officer: Any, kind: str, child: dict[str, Any], **overrides: Any) -> Report:
    return services.report_create(
        agency=agency,
        kind=kind,
        data=child_data(kind, child, **overrides),
        filed_by=officer if kind == "found" else None,
    )


@pytest.mark.django_db
def test_it_shows_one_compact_row_per_report_with_the_top_candidate(
    login: Any, coordinator: Any, officer: Any, agency: Any, report_data: Any
) -> None:
    found, missing, cand = file_pair(agency, officer, report_data)
    html = login(coordinator).get(BOARD).content.decode()
    assert 'hx-trigger="every 1s"' in html
    assert sorted(_row_order(html)) == sorted([found.pk, missing.pk])
    assert "Mateo Alvarez" in html
    assert f"{round(cand.score * 100)}%" in html
    review = reverse("reunite:candidate_review", args=[cand.pk])
    assert review in html
    # The board never confirms in one tap: no decision form, only the way to the review.
    assert reverse("reunite:candidate_decide", args=[cand.pk]) not in html
    assert 'value="confirm"' not in html
    assert cand.engine_match
    assert f'id="review-{missing.pk}-{cand.pk}"' in html
    assert "Confirm…" in html and "likely match" in html


@pytest.mark.django_db
def test_it_shows_weak_candidates_as_weak_without_a_green_confirm(
    login: Any, coordinator: Any, officer: Any, agency: Any, report_data: Any
) -> None:
    _found, missing, cand = file_pair(agency, officer, report_data)
    Candidate.objects.filter(pk=cand.pk).update(engine_match=False, score=0.12)
    html = login(coordinator).get(BOARD).content.decode()
    row = html[html.index(f'id="report-{missing.pk}"') :]
    row = row[: row.index("</li>")]
    assert "possible, weak 12%" in row
    assert "candidate weak" in row
    assert "button small ok" not in row and "Confirm…" not in row
    assert "button small secondary" in row and ">Review<" in row


@pytest.mark.django_db
def test_it_hides_review_controls_from_officers(
    login: Any, officer: Any, agency: Any, report_data: Any
) -> None:
    _found, _missing, cand = file_pair(agency, officer, report_data)
    response = login(officer).get(BOARD)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Mateo Alvarez" in html
    assert reverse("reunite:candidate_review", args=[cand.pk]) not in html


@pytest.mark.django_db
def test_it_shows_confirmed_pairs_awaiting_hand_off(
    login: Any, coordinator: Any, officer: Any, agency: Any, report_data: Any
) -> None:
    _found, _missing, cand = file_pair(agency, officer, report_data)
    services.candidate_confirm(candidate=cand, actor=coordinator)
    html = login(coordinator).get(BOARD).content.decode()
    assert "Confirmed — awaiting hand-off" in html
    assert reverse("reunite:handoff", args=[cand.pk]) in html
    assert "Confirm…" not in html


@pytest.mark.django_db
def test_it_never_shows_rejected_pairs_or_closed_reports(
    login: Any, coordinator: Any, officer: Any, agency: Any, report_data: Any
) -> None:
    found, missing, cand = file_pair(agency, officer, report_data)
    services.candidate_reject(candidate=cand, actor=coordinator)
    html = login(coordinator).get(BOARD).content.decode()
    assert reverse("reunite:candidate_review", args=[cand.pk]) not in html
    services.report_cancel(report=found, reason="Found at the neighbour's", actor=officer)
    html = login(coordinator).get(BOARD).content.decode()
    assert found.reference not in html
    assert missing.reference in html


@pytest.mark.django_db
def test_it_orders_by_urgency_likely_matches_then_youngest_then_longest_missing(
    login: Any, coordinator: Any, officer: Any, agency: Any
) -> None:
    now = timezone.now()
    hours = timedelta(hours=1)
    teen = _file(agency, officer, "missing", CHILDREN[5], seen_at=now - 5 * hours)
    toddler_recent = _file(agency, officer, "missing", CHILDREN[3], seen_at=now - hours)
    toddler_long = _file(agency, officer, "missing", CHILDREN[0], seen_at=now - 3 * hours)
    # A ten-year-old with a likely match goes above every child without one.
    liam_found = _file(agency, officer, "found", CHILDREN[2])
    liam = _file(agency, officer, "missing", CHILDREN[2], seen_at=now - timedelta(minutes=40))
    assert Candidate.objects.get(missing=liam, found=liam_found).engine_match
    order = _row_order(login(coordinator).get(BOARD).content.decode())
    assert order.index(liam.pk) < order.index(toddler_long.pk)
    assert order.index(liam_found.pk) < order.index(toddler_long.pk)
    assert order.index(toddler_long.pk) < order.index(toddler_recent.pk) < order.index(teen.pk)


@pytest.mark.django_db
def test_it_searches_by_name_and_by_reference(
    login: Any, coordinator: Any, officer: Any, agency: Any
) -> None:
    sofia = _file(agency, officer, "missing", CHILDREN[1])
    wei = _file(agency, officer, "missing", CHILDREN[4])
    client = login(coordinator)
    assert _row_order(client.get(BOARD, {"q": "sofia"}).content.decode()) == [sofia.pk]
    assert _row_order(client.get(BOARD, {"q": "Chen Wei"}).content.decode()) == [wei.pk]
    ref = wei.reference.replace("-", "").lower()
    assert _row_order(client.get(BOARD, {"q": ref}).content.decode()) == [wei.pk]
    html = client.get(BOARD, {"q": "nobody-like-this"}).content.decode()
    assert _row_order(html) == []
    assert "No open report matches these filters." in html


@pytest.mark.django_db
def test_it_filters_by_kind_status_age_area_partner_and_map_bounds(
    login: Any, coordinator: Any, officer: Any, agency: Any, partner: Any, store: Any
) -> None:
    toddler = _file(agency, officer, "missing", CHILDREN[3], place="Harbor market")  # 3 years
    teen = _file(agency, officer, "missing", CHILDREN[5])  # 12
    found = _file(agency, officer, "found", CHILDREN[1])  # 6–8
    from_store = services.report_create(
        agency=agency,
        kind="missing",
        data=child_data("missing", CHILDREN[4]),
        filed_by=partner,
        partner_org=store,
    )
    client = login(coordinator)

    def rows(**params: Any) -> set[int]:
        return set(_row_order(client.get(BOARD, params).content.decode()))

    assert rows(kind="found") == {found.pk}
    assert rows(kind="missing") == {toddler.pk, teen.pk, from_store.pk}
    assert rows(age="0-4") == {toddler.pk}
    assert rows(age="10-13") == {teen.pk}
    assert rows(age="5-9") == {found.pk, from_store.pk}  # 6–8 overlaps, Wei is 6
    assert rows(area="harbor") == {toddler.pk}
    assert rows(partner=store.pk) == {from_store.pk}
    assert rows(status="matched") == set()
    # Aisha (3) was last seen in Santa Barbara; Olga (12) in the San Fernando valley.
    assert rows(bounds="34.3,-120,34.6,-119.5") == {toddler.pk}
    # A value that does not validate is reported and the other filters still apply.
    response = client.get(BOARD, {"kind": "found", "age": "99-100"})
    assert response.status_code == 200
    html = response.content.decode()
    assert set(_row_order(html)) == {found.pk}
    assert 'role="alert"' in html


@pytest.mark.django_db
def test_it_labels_every_filter_and_keeps_them_in_the_live_poll(
    login: Any, coordinator: Any
) -> None:
    html = login(coordinator).get(BOARD, {"kind": "found", "q": "Leo"}).content.decode()
    for name in ("q", "kind", "status", "age", "area", "partner"):
        assert f'for="id_{name}"' in html and f'id="id_{name}"' in html
    assert 'method="get"' in html
    assert f'hx-get="{LIVE}?q=Leo&amp;kind=found"' in html


@pytest.mark.django_db
def test_it_renders_the_live_poll_as_single_row_swaps(
    login: Any, coordinator: Any, officer: Any, agency: Any, report_data: Any
) -> None:
    client = login(coordinator)
    found = services.report_create(
        agency=agency, kind="found", data=report_data("found"), filed_by=officer
    )
    other = _file(agency, officer, "missing", CHILDREN[5])
    html = client.get(BOARD).content.decode()
    response = _poll(client, html)
    assert response.status_code == 204  # nothing changed: nothing is swapped

    # The mother's report arrives: the found row changes in place, the new report waits
    # behind "1 new report — show", and the live region says so in words.
    missing = services.report_create(
        agency=agency, kind="missing", data=report_data("missing"), filed_by=None
    )
    cand = Candidate.objects.get(missing=missing, found=found)
    response = _poll(client, html)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    live = response.content.decode()
    assert "<html" not in live and "<nav" not in live
    assert f'<li id="report-{found.pk}"' in live and 'hx-swap-oob="true"' in live
    assert f'id="report-{other.pk}"' not in live  # unchanged rows are not sent
    assert f'id="report-{missing.pk}"' not in live  # a new row is never inserted
    assert "1 new report — show" in live
    assert f"New likely match for Mateo A., {round(cand.score * 100)}%" in live
    assert 'id="board-announce" hx-swap-oob="innerHTML"' in live
    assert _input(live, "v") != _input(html, "v")

    # The next poll with the new version and row versions: nothing to send.
    row = re.search(rf'<li id="report-{found.pk}".*?</li>', live, re.S)
    assert row is not None
    rows = [r for r in _rows(html) if not r.startswith(f"{found.pk}.")] + _rows(row.group(0))
    again = client.get(
        LIVE, {"v": _input(live, "v"), "t": _input(live, "t"), "r": rows}, headers=HX
    )
    assert again.status_code == 204

    # A report that closes leaves a same-height placeholder, never a gap that moves rows.
    services.report_cancel(report=other, reason="Home", actor=officer)
    gone = client.get(
        LIVE, {"v": _input(live, "v"), "t": _input(live, "t"), "r": rows}, headers=HX
    ).content.decode()
    assert f'<li id="report-{other.pk}" class="brow gone" hx-swap-oob="true">' in gone
    assert f'value="{other.pk}.gone"' in gone


@pytest.mark.django_db
def test_it_shows_nothing_of_another_agency(
    login: Any, outsider: Any, officer: Any, agency: Any, report_data: Any
) -> None:
    found, missing, _cand = file_pair(agency, officer, report_data)
    for url in (BOARD, LIVE):
        response = login(outsider).get(url)
        assert response.status_code == 200
        html = response.content.decode()
        assert found.reference not in html and missing.reference not in html
        assert "Mateo" not in html


@pytest.mark.django_db
def test_it_keeps_partner_staff_off_the_board(
    login: Any, partner: Any, officer: Any, agency: Any, report_data: Any
) -> None:
    file_pair(agency, officer, report_data)
    for url in (BOARD, LIVE):
        assert login(partner).get(url).status_code == 403


@pytest.mark.django_db
def test_it_sends_anonymous_visitors_to_log_in(client: Any) -> None:
    for url in (BOARD, LIVE):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    response = client.get(LIVE, headers=HX)
    assert response.status_code == 204
    assert response["HX-Redirect"].startswith(reverse("login"))


@pytest.mark.django_db
def test_it_gives_the_map_positions_with_no_more_than_the_row_shows(
    login: Any, coordinator: Any, officer: Any, agency: Any, settings: Any
) -> None:
    settings.SHOWUP_MAP_TILES = ""
    mateo = _file(agency, officer, "missing", CHILDREN[0])
    nowhere = _file(agency, officer, "found", CHILDREN[1], lat=None, lon=None)
    html = login(coordinator).get(BOARD).content.decode()
    data = re.search(r'<script id="board-markers" type="application/json">(.*?)</script>', html)
    assert data is not None
    markers = json.loads(data.group(1))
    assert [m["id"] for m in markers] == [mateo.pk]
    marker = markers[0]
    assert marker["lat"] == pytest.approx(CHILDREN[0]["lat"])
    assert marker["label"] == f"Mateo A. · {mateo.reference}"
    assert set(marker) == {"id", "lat", "lon", "kind", "likely", "label", "url"}
    assert nowhere.pk not in [m["id"] for m in markers]
    assert 'data-tiles=""' in html  # no tiles configured: a plain background, nothing fetched
    settings.SHOWUP_MAP_TILES = "https://tiles.example.org/{z}/{x}/{y}.png"
    html = login(coordinator).get(BOARD).content.decode()
    assert 'data-tiles="https://tiles.example.org/{z}/{x}/{y}.png"' in html


@pytest.mark.django_db
def test_it_writes_one_audit_entry_per_board_view_listing_the_reports(
    login: Any, coordinator: Any, officer: Any, agency: Any, report_data: Any
) -> None:
    found, missing, _cand = file_pair(agency, officer, report_data)
    client = login(coordinator)
    before = AuditEntry.objects.count()
    html = client.get(BOARD).content.decode()
    assert AuditEntry.objects.count() == before + 1
    entry = AuditEntry.objects.order_by("-id").first()
    assert entry is not None
    assert entry.action == "reunite.board.viewed"
    assert entry.actor == coordinator
    assert sorted(entry.data["reports"]) == sorted([found.pk, missing.pk])

    # An unchanged poll shows nothing and audits nothing; a poll that shows a row audits it.
    count = AuditEntry.objects.count()
    assert _poll(client, html).status_code == 204
    assert AuditEntry.objects.count() == count
    # an edit through the service moves the board's version and the row's
    services.report_update(report=found, data={"safe_location": "Station lobby"}, actor=officer)
    assert _poll(client, html).status_code == 200
    entry = AuditEntry.objects.order_by("-id").first()
    assert entry is not None and entry.action == "reunite.board.viewed"
    # The found row changed, and so did the missing row that shows the found child.
    assert entry.data["reports"] == sorted([found.pk, missing.pk])


@pytest.mark.django_db
def test_it_reads_the_board_in_a_fixed_number_of_queries(
    login: Any,
    coordinator: Any,
    officer: Any,
    agency: Any,
    django_assert_max_num_queries: Any,
) -> None:
    client = login(coordinator)
    _file(agency, officer, "found", CHILDREN[0])
    _file(agency, officer, "missing", CHILDREN[0])
    with CaptureQueriesContext(connection) as small:
        assert client.get(BOARD).status_code == 200

    for child in CHILDREN[1:]:
        _file(agency, officer, "found", child)
        _file(agency, officer, "missing", child)
    assert Candidate.objects.count() >= len(CHILDREN)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(BOARD)
    html = response.content.decode()
    assert all(child["given_name"] in html for child in CHILDREN)
    with django_assert_max_num_queries(12):
        client.get(LIVE, {"r": _rows(html)[:-1]}, headers=HX)
    # The unchanged poll: the session, the user, and one primary-key read of the version row.
    with CaptureQueriesContext(connection) as poll:
        assert _poll(client, html).status_code == 204
    assert len(poll.captured_queries) == 3
    versions = [q["sql"] for q in poll.captured_queries if "reunite_boardversion" in q["sql"]]
    assert len(versions) == 1
    assert "reunite_report" not in " ".join(q["sql"] for q in poll.captured_queries)
