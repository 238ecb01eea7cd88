"""Reading a file of reports to import: JSON lines in the child-report schema
(`../shared/contracts/child-report.schema.json`) or CSV with the same field names.

Every line is checked exactly as one report filed through the API is (`ReportCreateIn`: types,
lengths, characters, times; then `validation.check_report`: the rules across fields), and every
problem names its line. Nothing here writes: `services.reports_import` files what was read, all
of it or nothing. Hostile files (not UTF-8, NUL bytes, huge lines, deep nesting, numbers that
overflow) give a message, never an exception.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from pydantic import ValidationError as PydanticError

from showup.api_errors import translated_errors
from showup.reunite.schemas import ReportCreateIn
from showup.reunite.validation import check_report, fill_age_range

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_LINE_BYTES = 64 * 1024
MAX_REPORTS = 5_000
MAX_PROBLEMS = 200  # a file wrong on every line: the first ones say enough

# The child-report schema's fields, showup's own report fields a file may add (the schema
# allows more properties; filing a report needs e.g. the reporter's relationship), and the
# CSV columns, which are the same names with the guardian flattened.
SCHEMA_FIELDS = (
    "id",
    "kind",
    "given_name",
    "family_name",
    "other_names",
    "age_years",
    "age_min",
    "age_max",
    "sex",
    "height_cm",
    "hair",
    "clothing",
    "carrying",
    "languages",
    "lat",
    "lon",
    "place",
    "time",
    "guardian",
)
EXTRA_FIELDS = (
    "situation",
    "description",
    "safe_location",
    "guardian_language",
    "reporter_relationship",
    "reporter_has_custody",
    "authorised_adults",
)
GUARDIAN_FIELDS = ("name", "phone", "email")
CSV_COLUMNS = (
    *(f for f in SCHEMA_FIELDS if f != "guardian"),
    "guardian_name",
    "guardian_phone",
    "guardian_email",
    *(f for f in EXTRA_FIELDS if f != "authorised_adults"),
)
# The intake forms ask these of the person filing; another system's records (PFIF, a
# shelter's list, the matching contract's files) do not carry them, and refusing the import
# would lose every report in it. A file may still give them; staff complete them on the case.
ASKED_AT_INTAKE_ONLY = {("reporter_relationship", "required"), ("safe_location", "required")}
CSV_LISTS = ("other_names", "languages")  # several values in one cell, separated by ";"


@dataclass(frozen=True, slots=True)
class LineProblem:
    line: int  # 1-based; 0 for the file as a whole
    field: str
    message: str


@dataclass(frozen=True, slots=True)
class ImportRow:
    line: int
    kind: str
    data: dict[str, Any]


@dataclass
class ReadResult:
    rows: list[ImportRow] = field(default_factory=list)
    problems: list[LineProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.rows)


def read_file(content: bytes, fmt: str, *, region: str | None) -> ReadResult:
    """Check a whole file; `fmt` is "jsonl" or "csv". The rows are only usable when `ok`."""
    result = ReadResult()
    whole = _file_problem(content)
    if whole:
        result.problems.append(LineProblem(0, "", whole))
        return result
    lines = _csv_lines(content) if fmt == "csv" else _jsonl_lines(content)
    for number, obj, problem in lines:
        if problem:
            result.problems.append(LineProblem(number, "", problem))
        else:
            _check_line(number, obj, region, result)
        if len(result.rows) + len(result.problems) > MAX_REPORTS:
            result.problems.append(
                LineProblem(
                    number,
                    "",
                    _("A file may hold at most %(n)d reports; split it.") % {"n": MAX_REPORTS},
                )
            )
            break
        if len(result.problems) >= MAX_PROBLEMS:
            break
    if not result.rows and not result.problems:
        result.problems.append(LineProblem(0, "", _("The file holds no report.")))
    return result


def _file_problem(content: bytes) -> str | None:
    if len(content) > MAX_FILE_BYTES:
        return _("The file is larger than %(mb)d MB; split it.") % {
            "mb": MAX_FILE_BYTES // (1024 * 1024)
        }
    if b"\x00" in content:
        return _("The file holds NUL bytes: it is not a text file.")
    return None


def _decoded(raw: bytes) -> str | None:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


_NOT_UTF8 = "not_utf8"


def _jsonl_lines(content: bytes) -> Iterator[tuple[int, dict[str, Any], str | None]]:
    for number, raw in enumerate(content.split(b"\n"), start=1):
        if not raw.strip():
            continue
        if len(raw) > MAX_LINE_BYTES:
            yield (
                number,
                {},
                _("The line is longer than %(kb)d KB.") % {"kb": MAX_LINE_BYTES // 1024},
            )
            continue
        text = _decoded(raw)
        if text is None:
            yield number, {}, _("The line is not UTF-8 text.")
            continue
        try:
            obj = json.loads(text)
        except (ValueError, RecursionError):  # not JSON; an int too long; nesting too deep
            yield number, {}, _("The line is not valid JSON.")
            continue
        if not isinstance(obj, dict):
            yield number, {}, _("The line is not a JSON object (one report between { and }).")
            continue
        yield number, obj, None


def _csv_lines(content: bytes) -> Iterator[tuple[int, dict[str, Any], str | None]]:
    text = _decoded(content)
    if text is None:
        yield 0, {}, _("The file is not UTF-8 text.")
        return
    reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
    try:
        header = reader.fieldnames or []
    except csv.Error:
        yield 1, {}, _("The first line is not a CSV header.")
        return
    unknown = [name for name in header if name not in CSV_COLUMNS]
    if unknown or "kind" not in header:
        message = _("Unknown columns: %(names)s.") % {"names": ", ".join(unknown)}
        if "kind" not in header:
            message = _("The first line must name the columns, kind among them.")
        yield 1, {}, message
        return
    while True:
        last = reader.line_num
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error:  # the record that starts after the last one read
            yield last + 1, {}, _("The line is not valid CSV (a quote left open?).")
            return
        if None in cells:  # more cells than columns
            yield reader.line_num, {}, _("The line has more cells than the header has columns.")
            continue
        yield reader.line_num, _from_cells(cells), None


def _from_cells(cells: dict[str, str | None]) -> dict[str, Any]:
    """A CSV row as a child report: empty cells are absent, lists split on ";"."""
    obj: dict[str, Any] = {}
    guardian: dict[str, str] = {}
    for name, value in cells.items():
        if value is None or not value.strip():
            continue
        if name in CSV_LISTS:
            obj[name] = [v.strip() for v in value.split(";") if v.strip()]
        elif name.startswith("guardian_") and name[9:] in GUARDIAN_FIELDS:
            guardian[name[9:]] = value
        else:
            obj[name] = value
    if guardian:
        obj["guardian"] = guardian
    return obj


def _as_report_fields(obj: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """The child report's keys as the API's report fields; unknown keys are problems."""
    values: dict[str, Any] = {}
    problems: list[tuple[str, str]] = []
    for key, value in obj.items():
        if key == "id":
            continue  # the caller's own id: the answer gives each line's reference instead
        if key == "time":
            values["seen_at"] = value
        elif key == "guardian":
            if not isinstance(value, dict):
                problems.append((key, _("Give the guardian as an object: name, phone, email.")))
                continue
            for part, text in value.items():
                if part not in GUARDIAN_FIELDS:
                    problems.append((f"guardian.{part}", _("Unknown field.")))
                else:
                    values[f"guardian_{part}"] = text
        elif key in SCHEMA_FIELDS or key in EXTRA_FIELDS:
            values[key] = value
        else:
            problems.append((str(key)[:50], _("Unknown field.")))
    return values, problems


def _check_line(number: int, obj: dict[str, Any], region: str | None, out: ReadResult) -> None:
    values, unknown = _as_report_fields(obj)
    if unknown:
        out.problems += [LineProblem(number, f, m) for f, m in unknown]
        return
    try:
        report = ReportCreateIn.model_validate(values)
    except PydanticError as exc:
        for error in translated_errors(exc.errors(include_url=False, include_input=False)):
            where = ".".join(str(p) for p in error.get("loc", ()))
            out.problems.append(LineProblem(number, _schema_name(where), str(error["msg"])))
        return
    data = report.model_dump(exclude={"kind"})
    if report.kind == "found":
        fill_age_range(data)
    problems = [
        p
        for p in check_report(report.kind, data, check_time=True, creating=True, region=region)
        if (p.field, p.code) not in ASKED_AT_INTAKE_ONLY
    ]
    if problems:
        out.problems += [LineProblem(number, _schema_name(p.field), p.message) for p in problems]
        return
    out.rows.append(ImportRow(number, report.kind, data))


def _schema_name(field_name: str) -> str:
    """A field as the file names it."""
    if field_name == "seen_at":
        return "time"
    if field_name.startswith("guardian_") and field_name[9:] in GUARDIAN_FIELDS:
        return f"guardian.{field_name[9:]}"
    return field_name
