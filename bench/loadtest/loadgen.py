"""Invented children for the load test: plain data, shared by the seed step and the locustfile.

No Django and no locust here: the locustfile imports it into locust's gevent process, the seed
step and the tests (bench/loadtest/test_loadtest.py) into Django's. Everything is made
up; names repeat on purpose so that matching finds candidates, as at a crowded fair.
"""

from __future__ import annotations

import random
import re
import uuid
from html.parser import HTMLParser
from io import BytesIO
from typing import Any

# How fast the simulated people act, in seconds (bench/loadtest/locustfile.py): (low, high) of
# a uniform draw. A guardian really needs a minute or two for the form and an officer about one;
# these are several times faster, so that 100 users make a storm's worth of reports (several a
# second). Coordinators poll the board every second, as the page does.
PACE = {
    "guardian_typing": (10.0, 20.0),
    "officer_typing": (5.0, 15.0),
    "between_actions": (2.0, 5.0),  # guardians and officers, after one report, before the next
    "api_between": (2.0, 6.0),
    "board_poll": 1.0,
}
USERS = {"guardian": 40, "officer": 30, "coordinator": 10, "api": 20}
CENTRE = (34.0736, -118.2400)
FIRST = {
    "male": ["Liam", "Mateo", "Noah", "Ethan", "Diego", "Kenji", "Omar", "Luca", "Caleb", "Arjun"],
    "female": ["Sofia", "Ava", "Isabella", "Mia", "Aaliyah", "Mei", "Zara", "Lucia", "Nora", "Ana"],
}
FAMILY = ["Nguyen", "Garcia", "Johnson", "Kim", "Patel", "Lopez", "Brown", "Haddad", "Novak"]
GUARDIANS = ["Maria", "James", "Linh", "Fatima", "Carlos", "Grace", "Yusuf", "Elena", "Ravi"]
COLOURS = ["red", "blue", "green", "yellow", "pink", "black", "white", "orange", "purple"]
TOPS = ["t-shirt", "hoodie", "sweater", "rain jacket", "polo shirt"]
BOTTOMS = ["shorts", "jeans", "leggings", "skirt", "track pants"]
HAIR = ["short brown", "two braids", "black curls", "blond ponytail", "red, shoulder length"]
PLACES = [
    "county fair, Gate B",
    "Riverside Park playground",
    "Main St library",
    "FreshMart parking lot",
    "bus station",
    "farmers market",
]
SAFE = ["patrol car 12", "fair security office", "store customer desk", "library front desk"]
RELATIONSHIPS = ["mother", "father"]


def random_child(rng: random.Random, *, kind: str) -> dict[str, Any]:
    """Field values of a report of `kind` ("missing" or "found"), in the services' shape
    (the API's JSON shape too, once `seen_at` is added)."""
    sex = rng.choice(["male", "female"])
    age = rng.randint(2, 12)
    lat = CENTRE[0] + rng.uniform(-0.03, 0.03)
    lon = CENTRE[1] + rng.uniform(-0.03, 0.03)
    data: dict[str, Any] = {
        "sex": sex,
        "hair": rng.choice(HAIR),
        "clothing": f"{rng.choice(COLOURS)} {rng.choice(TOPS)}, "
        f"{rng.choice(COLOURS)} {rng.choice(BOTTOMS)}",
        "carrying": "",
        "languages": ["en"],
        "place": rng.choice(PLACES),
        "lat": round(lat, 6),
        "lon": round(lon, 6),
    }
    if kind == "missing":
        data.update(
            given_name=rng.choice(FIRST[sex]),
            family_name=rng.choice(FAMILY),
            age_years=age,
            guardian_name=f"{rng.choice(GUARDIANS)} {rng.choice(FAMILY)}",
            guardian_phone=f"+1213555{rng.randint(0, 9999):04d}",
            reporter_relationship=rng.choice(RELATIONSHIPS),
            reporter_has_custody=True,
        )
    else:
        named = rng.random() < 0.7
        data.update(
            given_name=rng.choice(FIRST[sex]) if named else "",
            family_name="",
            age_min=max(0, age - 1),
            age_max=age + 1,
            safe_location=rng.choice(SAFE),
            situation="lost",
        )
    return data


def missing_form_fields(rng: random.Random) -> dict[str, str | list[str]]:
    """What a guardian types into "My child is missing" (field names of MissingReportForm)."""
    child = random_child(rng, kind="missing")
    return {
        "given_name": child["given_name"],
        "family_name": child["family_name"],
        "age_years": str(child["age_years"]),
        "sex": child["sex"],
        "hair": child["hair"],
        "clothing": child["clothing"],
        "languages": child["languages"],
        "place": child["place"],
        "lat": str(child["lat"]),
        "lon": str(child["lon"]),
        "guardian_name": child["guardian_name"],
        "reporter_relationship": child["reporter_relationship"],
        "reporter_has_custody": "yes",
        "guardian_phone": child["guardian_phone"],
    }


def found_form_fields(rng: random.Random) -> dict[str, str | list[str]]:
    """What an officer types into "I found a child" (field names of FoundReportForm)."""
    child = random_child(rng, kind="found")
    return {
        "situation": "lost",
        "given_name": child["given_name"],
        "age_min": str(child["age_min"]),
        "age_max": str(child["age_max"]),
        "sex": child["sex"],
        "clothing": child["clothing"],
        "hair": child["hair"],
        "languages": child["languages"],
        "safe_location": child["safe_location"],
        "place": child["place"],
        "lat": str(child["lat"]),
        "lon": str(child["lon"]),
    }


# --- forms as a browser sees them -----------------------------------------------------------


class FormReader(HTMLParser):
    """The controls of the page's create form (the one marked data-submit-once) and their
    values as a browser would submit them untouched; other forms on the page are ignored."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: list[tuple[str, str]] = []
        self.files: list[str] = []
        self.found = False
        self._in_form = False
        self._select: str | None = None
        self._select_first: str | None = None
        self._select_chosen = False
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        if tag == "form" and "data-submit-once" in a:
            self._in_form = self.found = True
        if not self._in_form:
            return
        name = a.get("name", "")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind == "file":
                self.files.append(name)
            elif kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.fields.append((name, a.get("value", "on")))
            elif kind not in ("submit", "button", "image", "reset"):
                self.fields.append((name, a.get("value", "")))
        elif tag == "select" and name:
            self._select, self._select_first, self._select_chosen = name, None, False
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            if self._select_first is None:
                self._select_first = value
            if "selected" in a and not self._select_chosen:
                self.fields.append((self._select, value))
                self._select_chosen = True
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self._in_form:
            self._in_form = False
        elif tag == "select" and self._select is not None:
            if not self._select_chosen and self._select_first is not None:
                self.fields.append((self._select, self._select_first))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self.fields.append((self._textarea, "".join(self._text).lstrip("\n")))
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text.append(data)


def read_form(html: str) -> FormReader:
    reader = FormReader()
    reader.feed(html)
    return reader


def fill(form: FormReader, typed: dict[str, str | list[str]]) -> list[tuple[str, str]]:
    """The page's values with what the person typed or chose put in their place."""
    fields = [(name, value) for name, value in form.fields if name not in typed]
    for name, value in typed.items():
        for one in value if isinstance(value, list) else [value]:
            fields.append((name, one))
    return fields


def multipart(
    fields: list[tuple[str, str]], files: list[tuple[str, str, bytes]]
) -> tuple[bytes, str]:
    """A multipart/form-data body as a browser builds it (an unused file input is sent as an
    empty part with an empty file name)."""
    boundary = f"----showupload{uuid.uuid4().hex}"
    out = BytesIO()
    for name, value in fields:
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode())
        out.write(value.encode() + b"\r\n")
    for name, filename, content in files:
        kind = "image/jpeg" if content else "application/octet-stream"
        out.write(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: {kind}\r\n\r\n'.encode()
        )
        out.write(content + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


def page_title(html: str) -> str:
    found = re.search(r"<title>(.{0,120}?)</title>", html, re.S)
    return " ".join(found.group(1).split()) if found else ""


def first_error(html: str) -> str:
    """The first error message on a re-rendered form, for the failure log."""
    found = re.search(r'class="[^"]*error[^"]*"[^>]*>(.{0,200})', html, re.S)
    return re.sub(r"<[^>]+>|\s+", " ", found.group(1)).strip()[:160] if found else ""
