"""One tile setting for every map: the report forms' pin and the board's map of reports."""

from __future__ import annotations

from typing import Any

import pytest

from showup.reunite.tests.coord_helpers import fast_passwords

__all__ = ["fast_passwords"]


@pytest.mark.django_db
@pytest.mark.parametrize("tiles", ["https://tiles.example.org/{z}/{x}/{y}.png", ""])
def test_the_report_form_and_the_board_use_the_same_tiles(
    tiles: str, settings: Any, client: Any, login: Any, coordinator: Any, agency: Any
) -> None:
    settings.SHOWUP_MAP_TILES = tiles
    settings.SHOWUP_MAP_ATTRIBUTION = "Tiles: County GIS" if tiles else ""
    form = client.get("/missing/").content.decode()
    board = login(coordinator).get("/staff/board/").content.decode()
    for page in (form, board):
        assert f'data-tiles="{tiles}"' in page
        assert "tile.openstreetmap.org" not in page
