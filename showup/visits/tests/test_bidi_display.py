"""A name stored with a right-to-left override (before names were checked at input, or
imported) is neutralised on every visits page that shows it: the control characters are removed
(`nobidi`) and the name is isolated in <bdi>, so "Mi<RLO>olim" can never read as another name.
Notices and emails name a request by its reference only (showup.visits.notify), and the
calendar feed never carries a child's name: there is nothing to neutralise there."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from showup.visits.models import VisitGuest, VisitRequest

pytestmark = pytest.mark.django_db

RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE
PDF = "\u202c"  # POP DIRECTIONAL FORMATTING
CHILD = f"Mi{RLO}olim{PDF}"
CHILD_SHOWN = "<bdi>Miolim</bdi>"
GUEST = f"Rex{RLO}9-K"
GUEST_SHOWN = "<bdi>Rex9-K</bdi>"
ASKED_BY = f"Ana{RLO}esruN"


def stored_raw(request: VisitRequest, **fields: Any) -> None:
    """Written past the input checks, as an old or imported row would be."""
    VisitRequest.objects.filter(pk=request.pk).update(**fields)


def page(client: Any, user: Any, url: str) -> str:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    text = response.content.decode()
    for control in (RLO, PDF):
        assert control not in text, url
    return text


def test_request_pages_show_a_stored_rlo_name_neutralised(
    client: Any, make_request: Any, coordinator: Any, other_partner: Any, shifts: Any
) -> None:
    request = make_request()
    stored_raw(request, child_first_name=CHILD, received_via="phone", requested_by=ASKED_BY)
    detail = reverse("visits:request_detail", args=[request.pk])
    for user, url in [
        (coordinator, reverse("visits:queue")),
        (coordinator, detail),
        (coordinator, reverse("visits:propose", args=[request.pk])),
        (other_partner, reverse("visits:requests")),
        (other_partner, detail),
    ]:
        assert CHILD_SHOWN in page(client, user, url), url
    # Who at the partner asked: on the queue (inside a sentence) and on the request.
    assert "AnaesruN" in page(client, coordinator, reverse("visits:queue"))
    assert "<bdi>AnaesruN</bdi>" in page(client, coordinator, detail)


def test_visit_pages_show_stored_rlo_child_and_guest_names_neutralised(
    client: Any, in_progress: Any, officer: Any, coordinator: Any
) -> None:
    stored_raw(in_progress.request, child_first_name=CHILD)
    VisitGuest.objects.create(visit=in_progress, kind=VisitGuest.Kind.K9, name=GUEST)
    my_day = page(client, officer, reverse("visits:my_day"))
    assert CHILD_SHOWN in my_day and GUEST_SHOWN in my_day
    for url in (
        reverse("visits:visit_complete", args=[in_progress.pk]),
        reverse("visits:visit_given", args=[in_progress.pk]),
    ):
        assert CHILD_SHOWN in page(client, officer, url), url
    detail = page(
        client, coordinator, reverse("visits:request_detail", args=[in_progress.request_id])
    )
    assert CHILD_SHOWN in detail and GUEST_SHOWN in detail


def test_the_htmx_card_of_my_day_is_neutralised_too(
    client: Any, scheduled: Any, officer: Any
) -> None:
    stored_raw(scheduled.request, child_first_name=CHILD)
    client.force_login(officer)
    response = client.post(
        reverse("visits:visit_start", args=[scheduled.pk]), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    card = response.content.decode()
    assert RLO not in card and CHILD_SHOWN in card
