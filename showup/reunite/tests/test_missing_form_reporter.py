"""The missing report says who is reporting and who else may collect the child."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from showup.core.models import User
from showup.reunite import services
from showup.reunite.forms import MissingReportForm
from showup.reunite.models import Report
from showup.reunite.tests.intake_helpers import missing_post

URL = "/missing/"
STAFF_URL = "/staff/reports/new/?kind=missing"

pytestmark = pytest.mark.django_db


def adults(*rows: tuple[str, str]) -> dict[str, str]:
    """Form data for the "other adults" rows, numbered from 1."""
    data: dict[str, str] = {}
    for n, (name, relationship) in enumerate(rows, start=1):
        data[f"adult_{n}_name"] = name
        data[f"adult_{n}_relationship"] = relationship
    return data


def test_it_asks_who_is_reporting_and_who_may_collect(client: Client, agency: Any) -> None:
    body = client.get(URL).content.decode()
    assert "Your relationship to the child" in body
    assert 'name="reporter_relationship"' in body and 'value="grandparent"' in body
    assert "Do you have custody (legal responsibility) of the child?" in body
    assert 'type="radio" name="reporter_has_custody" value="unsure"' in body
    assert "Other adults allowed to collect your child" in body
    for n in (1, 2, 3):
        assert f'name="adult_{n}_name"' in body and f'name="adult_{n}_relationship"' in body
        assert f'for="id_adult_{n}_name"' in body  # every input has its label
    assert 'name="adult_4_name"' not in body


@pytest.mark.parametrize(("answer", "stored"), [("yes", True), ("no", False), ("unsure", None)])
def test_it_stores_the_reporter_and_the_adults(
    client: Client, agency: Any, answer: str, stored: bool | None
) -> None:
    post = missing_post(
        reporter_relationship="grandparent",
        reporter_has_custody=answer,
        **adults(("  Rosa   Jiménez ", "neighbour"), ("", ""), ("Tomás Alvarez", "father")),
    )
    r = client.post(URL, post)
    assert r.status_code == 302, r.content.decode()[:2000]
    report = Report.objects.get()
    assert report.reporter_relationship == "grandparent"
    assert report.reporter_has_custody is stored
    # Spaces tidied, the empty middle row left out, order kept.
    assert report.authorised_adults == [
        {"name": "Rosa Jiménez", "relationship": "neighbour"},
        {"name": "Tomás Alvarez", "relationship": "father"},
    ]


def test_it_needs_the_relationship_on_a_new_report(client: Client, agency: Any) -> None:
    r = client.post(URL, missing_post(reporter_relationship="", reporter_has_custody=""))
    assert r.status_code == 400
    assert not Report.objects.exists()
    errors = r.context["form"].errors
    assert "reporter_relationship" in errors and "reporter_has_custody" in errors
    body = r.content.decode()
    assert "Please choose who you are to the child." in body
    assert 'value="Lucia Alvarez"' in body and 'value="Mateo"' in body


def test_it_refuses_an_unknown_relationship(client: Client, agency: Any) -> None:
    r = client.post(URL, missing_post(reporter_relationship="boss", **adults(("Rosa", "boss"))))
    assert r.status_code == 400
    errors = r.context["form"].errors
    assert "reporter_relationship" in errors and "adult_1_relationship" in errors


@pytest.mark.parametrize(
    ("row", "field", "message"),
    [
        (("Rosa Jiménez", ""), "adult_2_relationship", "Please choose who Rosa Jiménez is"),
        (("", "neighbour"), "adult_2_name", "Please give this adult&#x27;s full name"),
        (("R" * 201, "neighbour"), "adult_2_name", "at most 200 characters"),
    ],
)
def test_it_refuses_a_half_filled_adult_and_keeps_everything(
    client: Client, agency: Any, row: tuple[str, str], field: str, message: str
) -> None:
    post = missing_post(**adults(("Tomás Alvarez", "father"), row))
    r = client.post(URL, post)
    assert r.status_code == 400
    assert not Report.objects.exists()
    form = r.context["form"]
    assert list(form.errors) == [field]
    body = r.content.decode()
    assert message in body
    assert f'href="#id_{field}"' in body  # the error summary links to the row's field
    assert 'value="Tomás Alvarez"' in body and 'value="father" selected' in body
    if row[0]:
        assert f'value="{row[0]}"' in body
    else:
        assert 'value="neighbour" selected' in body


def test_it_accepts_a_name_of_200_characters(client: Client, agency: Any) -> None:
    name = "R" * 200
    assert client.post(URL, missing_post(**adults((name, "carer")))).status_code == 302
    assert Report.objects.get().authorised_adults == [{"name": name, "relationship": "carer"}]


def test_staff_filing_for_a_guardian_see_and_store_the_same(login: Any, coordinator: User) -> None:
    client = login(coordinator)
    body = client.get(STAFF_URL).content.decode()
    assert 'name="reporter_relationship"' in body and 'name="adult_3_name"' in body
    r = client.post(
        STAFF_URL,
        missing_post(reporter_relationship="carer", reporter_has_custody="no")
        | adults(("Lucia Alvarez", "mother")),
    )
    assert r.status_code == 302
    report = Report.objects.get()
    assert report.filed_by == coordinator
    assert (report.reporter_relationship, report.reporter_has_custody) == ("carer", False)
    assert report.authorised_adults == [{"name": "Lucia Alvarez", "relationship": "mother"}]
    r = client.post(STAFF_URL, missing_post(reporter_relationship=""))
    assert r.status_code == 400 and "reporter_relationship" in r.context["form"].errors


def _missing(agency: Any, report_data: Any, **overrides: Any) -> Report:
    return services.report_create(
        agency=agency, kind="missing", data=report_data("missing", **overrides), filed_by=None
    )


def _post_from_initial(initial: dict[str, Any]) -> dict[str, Any]:
    """What the browser sends back when nobody changes the edit form."""
    post = missing_post()
    for key, value in initial.items():
        if key.startswith(("adult_", "reporter_")):
            post[key] = value
    return post


@pytest.mark.parametrize("custody", [True, False, None])
def test_editing_round_trips_the_reporter_and_adults(
    login: Any, coordinator: User, agency: Any, report_data: Any, custody: bool | None
) -> None:
    listed = [
        {"name": "Rosa Jiménez", "relationship": "neighbour"},
        {"name": "Tomás Alvarez", "relationship": "father"},
    ]
    report = _missing(
        agency,
        report_data,
        reporter_relationship="mother",
        reporter_has_custody=custody,
        authorised_adults=listed,
    )
    initial = MissingReportForm.initial_from(report)
    assert initial["reporter_relationship"] == "mother"
    assert initial["reporter_has_custody"] == {True: "yes", False: "no", None: "unsure"}[custody]
    assert (initial["adult_2_name"], initial["adult_2_relationship"]) == ("Tomás Alvarez", "father")

    client = login(coordinator)
    page = client.get(f"/staff/reports/{report.pk}/edit/").content.decode()
    assert 'value="Rosa Jiménez"' in page and 'value="neighbour" selected' in page
    assert 'value="mother" selected' in page

    r = client.post(f"/staff/reports/{report.pk}/edit/", _post_from_initial(initial))
    assert r.status_code == 302
    report.refresh_from_db()
    assert report.reporter_relationship == "mother"
    assert report.reporter_has_custody is custody
    assert report.authorised_adults == listed


def test_editing_keeps_more_adults_than_the_form_offers_new(
    login: Any, coordinator: User, agency: Any, report_data: Any
) -> None:
    """The API may list up to five: an edit on the web must not drop the fourth."""
    listed = [{"name": f"Adult {n}", "relationship": "relative"} for n in range(1, 5)]
    report = _missing(agency, report_data, reporter_relationship="mother", authorised_adults=listed)
    initial = MissingReportForm.initial_from(report)
    client = login(coordinator)
    assert 'name="adult_4_name"' in client.get(f"/staff/reports/{report.pk}/edit/").content.decode()
    r = client.post(f"/staff/reports/{report.pk}/edit/", _post_from_initial(initial))
    assert r.status_code == 302
    report.refresh_from_db()
    assert report.authorised_adults == listed


def test_editing_an_older_report_does_not_demand_the_new_answers(
    login: Any, coordinator: User, agency: Any, report_data: Any
) -> None:
    report = _missing(agency, report_data)  # filed before the questions existed
    assert report.reporter_relationship == ""
    post = missing_post(reporter_relationship="", reporter_has_custody="", given_name="Mateito")
    r = login(coordinator).post(f"/staff/reports/{report.pk}/edit/", post)
    assert r.status_code == 302
    report.refresh_from_db()
    assert report.given_name == "Mateito"
    assert report.reporter_relationship == "" and report.reporter_has_custody is None
