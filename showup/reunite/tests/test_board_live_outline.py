"""The live poll's cheap path: the board's page as versions only (plain values), and only the
rows an answer sends are built. Its versions and order must be exactly the board's, or a poll
would resend rows that did not change (or miss ones that did)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from showup.reunite import selectors_board, services
from showup.reunite.models import Candidate, Report
from showup.reunite.selectors_board import BoardFilters, board_outline, board_rows
from showup.reunite.tests.coord_helpers import (
    CHILDREN,
    child_data,
    fast_passwords,  # noqa: F401 (autouse)
)
from showup.reunite.tests.test_coord_board import _input, _poll, _rows

BOARD = reverse("reunite:board")
LIVE = reverse("reunite:board_live")

pytestmark = pytest.mark.django_db


def _file(agency: Any, officer: Any, kind: str, child: dict[str, Any]) -> Report:
    return services.report_create(
        agency=agency,
        kind=kind,
        data=child_data(kind, child),
        filed_by=officer if kind == "found" else None,
    )


def _pairs(agency: Any, officer: Any, coordinator: Any) -> None:
    for child in CHILDREN:
        _file(agency, officer, "found", child)
        _file(agency, officer, "missing", child)
    cands = list(Candidate.objects.order_by("pk"))
    assert len(cands) >= 3
    services.candidate_confirm(candidate=cands[0], actor=coordinator)
    services.candidate_reject(candidate=cands[1], actor=coordinator)  # left off the row


@pytest.mark.parametrize(
    "filters", [BoardFilters(), BoardFilters(kind="missing"), BoardFilters(q="Mateo")]
)
def test_the_outline_has_the_boards_rows_order_and_versions(
    coordinator: Any, officer: Any, agency: Any, filters: BoardFilters
) -> None:
    _pairs(agency, officer, coordinator)
    page = board_rows(coordinator, filters)
    outline = board_outline(coordinator, filters)
    assert page.rows, "the board is empty: nothing compared"
    assert [(r.pk, r.version) for r in outline] == [(row.pk, row.version) for row in page.rows]
    # A limit cuts both the same way.
    short = board_outline(coordinator, filters, limit=3)
    assert [r.pk for r in short] == [row.pk for row in page.rows][:3]


def test_a_change_on_the_other_side_of_a_candidate_moves_the_row_version(
    coordinator: Any, officer: Any, agency: Any
) -> None:
    found = _file(agency, officer, "found", CHILDREN[0])
    missing = _file(agency, officer, "missing", CHILDREN[0])
    assert Candidate.objects.filter(found=found, missing=missing).exists()
    before = {r.pk: r.version for r in board_outline(coordinator, BoardFilters())}
    missing.clothing = "green raincoat"
    missing.save()
    after = {r.pk: r.version for r in board_outline(coordinator, BoardFilters())}
    assert after[found.pk] != before[found.pk]  # its candidate's other side changed
    assert after[missing.pk] != before[missing.pk]
    assert after == {row.pk: row.version for row in board_rows(coordinator, BoardFilters()).rows}


def test_a_poll_in_a_storm_builds_only_the_rows_it_sends(
    login: Any, coordinator: Any, officer: Any, agency: Any, monkeypatch: Any
) -> None:
    client = login(coordinator)
    for child in CHILDREN[:4]:
        _file(agency, officer, "found", child)
    html = client.get(BOARD).content.decode()
    shown = [int(r.split(".")[0]) for r in _rows(html)]
    assert len(shown) == 4

    built: list[list[int]] = []
    real = selectors_board.board_rows_by_id

    def spy(user: Any, filters: BoardFilters, ids: list[int]) -> Any:
        built.append(list(ids))
        return real(user, filters, ids)

    def whole_page(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the live poll rebuilt the whole page")

    monkeypatch.setattr(selectors_board, "board_rows_by_id", spy)
    monkeypatch.setattr(selectors_board, "board_rows", whole_page)

    # A new missing report that matches nobody on the page: the version moves, no row changed.
    newcomer = _file(agency, officer, "missing", CHILDREN[5])
    live = _poll(client, html)
    assert live.status_code == 200
    body = live.content.decode()
    assert "1 new report — show" in body
    assert not any(f'<li id="report-{pk}"' in body for pk in shown)  # nothing resent
    assert built == [[newcomer.pk]]  # only the row its announcement names was built

    # A matching missing report: its found row changes and is the one built (with the newcomer).
    built.clear()
    found_pk = shown[0]
    found = Report.objects.get(pk=found_pk)
    child = next(c for c in CHILDREN if c["given_name"] == found.given_name)
    missing = _file(agency, officer, "missing", child)
    assert Candidate.objects.filter(found=found, missing=missing).exists()
    live = _poll(client, html)
    body = live.content.decode()
    assert f'<li id="report-{found_pk}"' in body
    assert len(built) == 1 and found_pk in built[0]
    assert set(built[0]) <= {found_pk, missing.pk, newcomer.pk}
    assert _input(body, "v") != _input(html, "v")
