"""After the event: the coordinator's results page and the event page's results section.

Numbers are counted per event and per month from families' answers, for the user's agency
only; the SVG charts parse as XML and carry the same numbers as the tables; what families
liked is listed without a name; officers, partners and other agencies' staff get no results.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta
from html import unescape
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from showup.events import charts, services
from showup.events.models import Event, Registration
from showup.events.tests.factories import make_event, register

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"
LA = ZoneInfo("America/Los_Angeles")
URL = "/events/staff/feedback/"


def _held_on(event: Event, when: datetime) -> Event:
    """Move a published event (with its registrations) into the past, so feedback opens."""
    Event.objects.filter(pk=event.pk).update(start=when, end=when + timedelta(hours=4))
    event.refresh_from_db()
    return event


@pytest.fixture
def world(agency: Any, other_agency: Any, coordinator: Any, make_user: Any) -> dict[str, Any]:
    other_coord = make_user("olga", "coordinator", other_agency)
    march_a = make_event(agency, coordinator, title="Community day")
    march_b = make_event(agency, coordinator, title="Bike rodeo")
    may = make_event(agency, coordinator, title="Open house")
    theirs = make_event(other_agency, other_coord, title="Their fair")
    # Families register while the events are open; then the events take place.
    families = {e.pk: [register(e) for _ in range(3)] for e in (march_a, march_b, may, theirs)}
    for registration in Registration.objects.all():
        Registration.objects.filter(pk=registration.pk).update(
            contact_name=f"Parentname{registration.pk}"
        )
    _held_on(march_a, datetime(2025, 3, 8, 10, tzinfo=LA))
    _held_on(march_b, datetime(2025, 3, 29, 10, tzinfo=LA))
    _held_on(may, datetime(2025, 5, 10, 10, tzinfo=LA))
    _held_on(theirs, datetime(2025, 3, 15, 10, tzinfo=LA))
    answers = {
        march_a.pk: [
            ("yes", "yes", "The cruiser tour & the walkie-talkies"),
            ("yes", "somewhat", ""),
            ("no", "yes", "Face painting <3"),
        ],
        march_b.pk: [("somewhat", "no", "")],
        may.pk: [("yes", "yes", "The K-9 demonstration"), ("yes", "yes", "")],
        theirs.pk: [("no", "no", "THEIRS-ONLY comment"), ("no", "no", ""), ("no", "no", "")],
    }
    for event in (march_a, march_b, may, theirs):
        for registration, (welcome, call, liked) in zip(
            families[event.pk], answers[event.pk], strict=False
        ):
            services.feedback_submit(
                event=event,
                registration=registration,
                data={"felt_welcome": welcome, "would_call_officer": call, "liked": liked},
            )
    return {
        "march_a": march_a,
        "march_b": march_b,
        "may": may,
        "theirs": theirs,
        "other_coord": other_coord,
    }


def _cells(html: str, row_id: str) -> list[str]:
    row = re.search(rf'<tr id="{row_id}">(.*?)</tr>', html, re.S)
    assert row, f"no row {row_id}"
    return [
        re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", "", c))).strip()
        for c in re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)
    ]


def _svgs(html: str) -> list[ET.Element]:
    found = re.findall(r"<svg\b.*?</svg>", html, re.S)
    return [ET.fromstring(s) for s in found]


def _segment_titles(svg: ET.Element) -> list[str]:
    return [t.text or "" for r in svg.iter(f"{SVG}rect") for t in r.findall(f"{SVG}title")]


def test_it_counts_per_event_and_per_month_for_the_agency_only(
    client: Any, coordinator: Any, world: dict[str, Any]
) -> None:
    client.force_login(coordinator)
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    # answers, then felt welcome yes/somewhat/no, then would call yes/somewhat/no
    assert _cells(html, f"results-event-{world['march_a'].pk}") == [
        "3",
        "2 (67%)",
        "0 (0%)",
        "1 (33%)",
        "2 (67%)",
        "1 (33%)",
        "0 (0%)",
    ]
    assert _cells(html, f"results-event-{world['march_b'].pk}")[:4] == [
        "1",
        "0 (0%)",
        "1 (100%)",
        "0 (0%)",
    ]
    assert _cells(html, f"results-event-{world['may'].pk}")[:2] == ["2", "2 (100%)"]
    # Per month: March sums both March events (4 answers), May has 2; their fair is not here.
    month_rows = re.findall(r"<tbody>(.*?)</tbody>", html, re.S)[0]
    months = re.findall(r"<tr>(.*?)</tr>", month_rows, re.S)
    assert len(months) == 2
    assert "March 2025" in months[0] and "May 2025" in months[1]
    march = [
        re.sub(r"<[^>]+>", "", c).strip()
        for c in re.findall(r"<td[^>]*>(.*?)</td>", months[0], re.S)
    ]
    assert march[:4] == ["4", "2 (50%)", "1 (25%)", "1 (25%)"]
    assert re.search(r'id="total-answers">6<', html)
    assert re.search(r'id="total-welcome">67%<', html)  # 4 of 6
    # Another agency's event is never counted or named, nor its families' words.
    assert "Their fair" not in html and "THEIRS-ONLY" not in html
    assert f"results-event-{world['theirs'].pk}" not in html
    # What families liked, escaped, without a name.
    assert "The cruiser tour &amp; the walkie-talkies" in html
    assert "Face painting &lt;3" in html
    assert "Parentname" not in html


def test_the_charts_parse_as_xml_and_carry_the_numbers(
    client: Any, coordinator: Any, world: dict[str, Any]
) -> None:
    client.force_login(coordinator)
    html = client.get(URL).content.decode()
    svgs = _svgs(html)
    assert len(svgs) == 4  # two questions, per month and per event
    for svg in svgs:
        assert svg.get("role") == "img"
        labelled = (svg.get("aria-labelledby") or "").split()
        ids = {el.get("id") for el in svg.iter() if el.get("id")}
        assert labelled and set(labelled) <= ids
        assert svg.find(f"{SVG}title") is not None and svg.find(f"{SVG}desc") is not None
        assert "style" not in {a for el in svg.iter() for a in el.attrib}
    by_id = {svg.get("id"): svg for svg in svgs}
    welcome = by_id["by-event-felt_welcome"]
    tips = _segment_titles(welcome)
    assert any(t.endswith("Yes 2 / 3 (67%)") and "Community day" in t for t in tips), tips
    assert any(t.endswith("No 1 / 3 (33%)") and "Community day" in t for t in tips), tips
    assert any("Open house" in t and t.endswith("Yes 2 / 2 (100%)") for t in tips), tips
    month_call = _segment_titles(by_id["by-month-would_call_officer"])
    assert any(t.startswith("March 2025") and t.endswith("Yes 2 / 4 (50%)") for t in month_call)
    assert not any("Their fair" in t for svg in svgs for t in _segment_titles(svg))
    # The bars' widths follow the shares: 2 of 3 of the 360-unit bar.
    rect = next(
        r
        for r in welcome.iter(f"{SVG}rect")
        if (r.findtext(f"{SVG}title") or "").endswith("Yes 2 / 3 (67%)")
    )
    assert float(rect.get("width") or 0) == pytest.approx(240, abs=0.01)


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("anonymous", "login"),
        ("officer", 403),
        ("partner", 403),
        ("outsider", 403),
        ("coordinator", 200),
        ("admin", 200),
        ("other_coord", 200),
    ],
)
def test_access_per_role(
    client: Any,
    world: dict[str, Any],
    role: str,
    expected: int | str,
    officer: Any,
    partner: Any,
    outsider: Any,
    coordinator: Any,
    make_user: Any,
    agency: Any,
) -> None:
    users = {
        "officer": officer,
        "partner": partner,
        "outsider": outsider,
        "coordinator": coordinator,
        "admin": make_user("ada", "admin", agency),
        "other_coord": world["other_coord"],
    }
    if role != "anonymous":
        client.force_login(users[role])
    response = client.get(URL)
    if expected == "login":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
        return
    assert response.status_code == expected
    if role == "other_coord":
        # Their own results: their fair only, none of ours.
        html = response.content.decode()
        assert "Their fair" in html and "THEIRS-ONLY" in html
        assert "Community day" not in html and "cruiser tour" not in html
        assert re.search(r'id="total-answers">3<', html)


def test_the_event_page_shows_its_results_to_coordinators_only(
    client: Any, coordinator: Any, officer: Any, world: dict[str, Any]
) -> None:
    url = reverse("events:staff_detail", args=[world["march_a"].pk])
    client.force_login(coordinator)
    html = client.get(url).content.decode()
    assert "After the event: feedback" in html
    row = re.search(r'<table[^>]*id="event-results-table".*?</table>', html, re.S)
    assert row and ">3<" in row.group(0) and "2 <span" in row.group(0)
    svgs = _svgs(html)
    assert {s.get("id") for s in svgs} == {
        f"event-{world['march_a'].pk}-felt_welcome",
        f"event-{world['march_a'].pk}-would_call_officer",
    }
    assert any(t.endswith("Yes 2 / 3 (67%)") for t in _segment_titles(svgs[0]))
    assert "The cruiser tour &amp; the walkie-talkies" in html
    assert "The K-9 demonstration" not in html  # another event's words
    client.force_login(officer)
    html = client.get(url).content.decode()
    assert "After the event: feedback" not in html and "cruiser tour" not in html


def test_an_event_without_answers_says_so(client: Any, coordinator: Any, agency: Any) -> None:
    event = make_event(agency, coordinator)
    client.force_login(coordinator)
    html = client.get(reverse("events:staff_detail", args=[event.pk])).content.decode()
    assert "No feedback yet" in html and "<svg" not in html
    html = client.get(URL).content.decode()
    assert "No answers yet." in html and "<svg" not in html


def test_the_staff_list_links_the_results_for_coordinators(
    client: Any, coordinator: Any, officer: Any, agency: Any
) -> None:
    client.force_login(coordinator)
    assert URL in client.get(reverse("events:staff_list")).content.decode()
    client.force_login(officer)
    assert URL not in client.get(reverse("events:staff_list")).content.decode()


def test_chart_text_is_escaped_and_empty_rows_drawn() -> None:
    svg = charts.stacked_bars(
        chart_id="t",
        title='Fun & "games" <b>',
        description="d",
        series=[charts.Series("yes", "Yes", "#1d4f91"), charts.Series("no", "No", "#b3261e")],
        rows=[charts.Row("A <script>", {"yes": 1, "no": 2}), charts.Row("Empty", {})],
    )
    root = ET.fromstring(str(svg))
    assert root.findtext(f"{SVG}title") == 'Fun & "games" <b>'
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "A <script> · 3 answers" in texts and "Empty · 0 answers" in texts
    outlined = [r for r in root.iter(f"{SVG}rect") if r.get("fill") == "none"]
    assert len(outlined) == 1


@pytest.mark.parametrize(
    ("part", "whole", "want"), [(2, 3, 67), (1, 3, 33), (1, 8, 13), (0, 5, 0), (3, 0, 0)]
)
def test_percent_rounds_half_up(part: int, whole: int, want: int) -> None:
    assert charts.percent(part, whole) == want


def test_answer_colours_have_enough_contrast_with_white() -> None:
    def luminance(hex_colour: str) -> float:
        channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    for colour in charts.ANSWER_FILLS.values():
        assert (1.05) / (luminance(colour) + 0.05) >= 4.5, colour
