"""Who may open each coordination view, from every role's side.

The fixture world: an officer found a child (found report); the store's partner staff filed
the missing report; the engine paired them and a coordinator confirmed the pair. A second,
still proposed pair exists for the decision view.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from PIL import Image

from showup.core.photos import store_photo
from showup.reunite import services
from showup.reunite.models import Candidate, Report
from showup.reunite.tests.coord_helpers import (
    CHILDREN,
    child_data,
    fast_passwords,  # noqa: F401 (autouse)
)

ROLES = ["anonymous", "officer", "coordinator", "admin", "partner", "other_partner", "outsider"]
LOGIN = "login"

# view -> expected status per role; LOGIN means a redirect to the login page.
MATRIX: dict[str, dict[str, int | str]] = {
    "board": {
        "anonymous": LOGIN,
        "officer": 200,
        "coordinator": 200,
        "admin": 200,
        "partner": 403,
        "other_partner": 403,
        "outsider": 200,
    },
    "board_live": {
        "anonymous": LOGIN,
        "officer": 200,
        "coordinator": 200,
        "admin": 200,
        "partner": 403,
        "other_partner": 403,
        "outsider": 200,
    },
    "detail_found": {
        "anonymous": LOGIN,
        "officer": 200,
        "coordinator": 200,
        "admin": 200,
        "partner": 404,
        "other_partner": 404,
        "outsider": 404,
    },
    "detail_missing": {
        "anonymous": LOGIN,
        "officer": 200,
        "coordinator": 200,
        "admin": 200,
        "partner": 200,
        "other_partner": 404,
        "outsider": 404,
    },
    "note_missing": {
        "anonymous": LOGIN,
        "officer": 302,
        "coordinator": 302,
        "admin": 302,
        "partner": 302,
        "other_partner": 404,
        "outsider": 404,
    },
    "decide": {
        "anonymous": LOGIN,
        "officer": 404,
        "coordinator": 302,
        "admin": 302,
        "partner": 404,
        "other_partner": 404,
        "outsider": 404,
    },
    "review": {
        "anonymous": LOGIN,
        "officer": 404,
        "coordinator": 200,
        "admin": 200,
        "partner": 404,
        "other_partner": 404,
        "outsider": 404,
    },
    "thumb": {
        "anonymous": LOGIN,
        "officer": 200,
        "coordinator": 200,
        "admin": 200,
        "partner": 200,
        "other_partner": 404,
        "outsider": 404,
    },
    "handoff_get": {
        "anonymous": LOGIN,
        "officer": 200,
        "coordinator": 200,
        "admin": 200,
        "partner": 404,
        "other_partner": 404,
        "outsider": 404,
    },
    "handoff_post": {
        "anonymous": LOGIN,
        "officer": 302,
        "coordinator": 302,
        "admin": 302,
        "partner": 404,
        "other_partner": 404,
        "outsider": 404,
    },
    "my_reports": {
        "anonymous": LOGIN,
        "officer": 200,
        "coordinator": 200,
        "admin": 200,
        "partner": 200,
        "other_partner": 200,
        "outsider": 200,
    },
}


@pytest.fixture
def world(agency: Any, officer: Any, coordinator: Any, partner: Any, store: Any) -> dict[str, Any]:
    found = services.report_create(
        agency=agency, kind="found", data=child_data("found", CHILDREN[0]), filed_by=officer
    )
    missing = services.report_create(
        agency=agency,
        kind="missing",
        data=child_data("missing", CHILDREN[0]),
        filed_by=partner,
        partner_org=store,
    )
    confirmed = Candidate.objects.get(missing=missing, found=found)
    services.candidate_confirm(candidate=confirmed, actor=coordinator)
    found2 = services.report_create(
        agency=agency, kind="found", data=child_data("found", CHILDREN[1]), filed_by=officer
    )
    missing2 = services.report_create(
        agency=agency,
        kind="missing",
        data=child_data("missing", CHILDREN[1]),
        filed_by=partner,
        partner_org=store,
    )
    proposed = Candidate.objects.get(missing=missing2, found=found2)
    image = Image.new("RGB", (200, 300), (20, 120, 200))
    Report.objects.filter(pk=missing.pk).update(photo=store_photo(image))
    return {"found": found, "missing": missing, "confirmed": confirmed, "proposed": proposed}


def _request(client: Any, view: str, w: dict[str, Any]) -> Any:
    if view == "board":
        return client.get(reverse("reunite:board"))
    if view == "board_live":
        return client.get(reverse("reunite:board_live"))
    if view == "detail_found":
        return client.get(reverse("reunite:report_detail", args=[w["found"].pk]))
    if view == "detail_missing":
        return client.get(reverse("reunite:report_detail", args=[w["missing"].pk]))
    if view == "note_missing":
        return client.post(reverse("reunite:note_add", args=[w["missing"].pk]), {"text": "Hi"})
    if view == "decide":
        return client.post(
            reverse("reunite:candidate_decide", args=[w["proposed"].pk]), {"decision": "reject"}
        )
    if view == "review":
        return client.get(reverse("reunite:candidate_review", args=[w["proposed"].pk]))
    if view == "thumb":
        url = reverse("reunite:report_photo", args=[w["missing"].pk])
        return client.get(url, {"size": "thumb"})
    if view == "handoff_get":
        return client.get(reverse("reunite:handoff", args=[w["confirmed"].pk]))
    if view == "handoff_post":
        return client.post(
            reverse("reunite:handoff", args=[w["confirmed"].pk]), {"child_recognises": "on"}
        )
    if view == "my_reports":
        return client.get(reverse("reunite:my_reports"))
    raise AssertionError(view)


@pytest.mark.django_db
@pytest.mark.parametrize("view", list(MATRIX))
@pytest.mark.parametrize("role", ROLES)
def test_it_enforces_the_access_matrix(
    request: Any,
    role: str,
    view: str,
    client: Any,
    make_user: Any,
    agency: Any,
    world: dict[str, Any],
) -> None:
    if role == "admin":
        client.force_login(make_user("ada", "admin", agency))
    elif role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    response = _request(client, view, world)
    expected = MATRIX[view][role]
    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    else:
        assert response.status_code == expected, (view, role, response.status_code)
        if expected == 302:
            assert not response["Location"].startswith(reverse("login"))
