"""Typed request and response bodies of the reunite API (django-ninja, pydantic).

Field limits mirror the report forms (showup.reunite.forms); rules that involve several fields
or the time of the request (a time in the future, a guardian contact) are checked in the API
view, which answers 422 naming the field, exactly like a pydantic error.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from ninja import Field, Schema
from pydantic import AwareDatetime, ConfigDict, StringConstraints, field_validator

from showup.api_errors import CheckedIn, ErrorOut, checked_time
from showup.api_errors import FieldError as SharedFieldError
from showup.api_errors import ValidationErrorOut as SharedValidationErrorOut
from showup.reunite.models import Candidate, Handoff, Outcome, Relationship, Report
from showup.reunite.validation import (
    ADULT_NAME_MAX,
    AGE_YEARS,
    HEIGHT_CM,
    LATITUDE,
    LONGITUDE,
    MAX_AUTHORISED_ADULTS,
)

Age = Annotated[Decimal, Field(ge=AGE_YEARS[0], le=AGE_YEARS[1], max_digits=4, decimal_places=1)]
ShortText = Annotated[str, StringConstraints(max_length=100)]
LanguageCode = Annotated[str, StringConstraints(min_length=1, max_length=35)]
RelationshipCode = Literal[tuple(Relationship.values)]  # type: ignore[valid-type]


class AuthorisedAdult(CheckedIn):
    """An adult the reporting guardian allows to collect the child."""

    NAMES = frozenset({"name"})

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    name: str = Field(min_length=1, max_length=ADULT_NAME_MAX)
    relationship: RelationshipCode  # type: ignore[valid-type]


class ReportFieldsIn(CheckedIn):
    """What a reporter may set on a report. All optional here; create adds `kind`."""

    NAMES = frozenset({"given_name", "family_name", "other_names", "guardian_name"})
    MULTILINE = frozenset({"clothing", "description"})

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    situation: Literal["lost", "alone"] = Field(
        "lost", description="Found reports: a lost child, or a child alone (welfare check)."
    )
    given_name: str = Field("", max_length=100, description="The child's first name as reported.")
    family_name: str = Field("", max_length=100)
    other_names: list[ShortText] = Field(
        default_factory=list, max_length=20, description="Nicknames, what the child calls themself."
    )
    age_years: Age | None = Field(None, description="Missing reports: the child's age, 0 to 18.")
    age_min: Age | None = Field(None, description="Found reports: the lower end of the age guess.")
    age_max: Age | None = Field(None, description="Found reports: the upper end of the age guess.")
    sex: Literal["male", "female", "unknown", ""] = ""
    height_cm: int | None = Field(None, ge=HEIGHT_CM[0], le=HEIGHT_CM[1])
    hair: str = Field("", max_length=200)
    clothing: str = Field("", max_length=500)
    carrying: str = Field("", max_length=300)
    languages: list[LanguageCode] = Field(
        default_factory=list, max_length=20, description="Languages the child speaks (BCP 47)."
    )
    description: str = Field("", max_length=2000)
    lat: float | None = Field(
        None, ge=LATITUDE[0], le=LATITUDE[1], description="Latitude, WGS 84; give lon too."
    )
    lon: float | None = Field(
        None, ge=LONGITUDE[0], le=LONGITUDE[1], description="Longitude, WGS 84; give lat too."
    )
    place: str = Field("", max_length=300, description="Where last seen (missing) or found.")
    safe_location: str = Field(
        "", max_length=300, description="Found reports: where the child is kept safe now."
    )
    guardian_name: str = Field("", max_length=200)
    guardian_phone: str = Field(
        "",
        max_length=32,
        description="Missing reports. Read with the agency's phone region when it has no "
        "country code; stored and answered in E.164 (+15552013344).",
    )
    guardian_email: str = Field("", max_length=254)
    guardian_language: str = Field(
        "en", description="The language messages to the guardian use: en or es."
    )
    reporter_relationship: RelationshipCode | Literal[""] = Field(  # type: ignore[valid-type]
        "",
        description="Missing reports: who the reporting guardian is to the child (required "
        "when filing). The hand-off releases the child only to this guardian (with custody) "
        "or to an adult in `authorised_adults`, unless a coordinator overrides.",
    )
    reporter_has_custody: bool | None = Field(
        None, description="Missing reports: whether the reporting guardian has custody."
    )
    authorised_adults: list[AuthorisedAdult] = Field(
        default_factory=list,
        max_length=MAX_AUTHORISED_ADULTS,
        description="Missing reports: other adults allowed to collect the child.",
    )

    @field_validator("guardian_email")
    @classmethod
    def _email(cls, value: str) -> str:
        if value:
            try:
                validate_email(value)
            except DjangoValidationError as exc:
                raise ValueError(_("Enter a valid email address.")) from exc
        return value

    @field_validator("guardian_language")
    @classmethod
    def _language(cls, value: str) -> str:
        codes = [code for code, _name in settings.LANGUAGES]
        if value not in codes:
            raise ValueError(_("Use one of: %(codes)s.") % {"codes": ", ".join(codes)})
        return value


class ReportCreateIn(ReportFieldsIn):
    kind: Literal["missing", "found"]
    seen_at: AwareDatetime = Field(
        description="When last seen (missing) or found, ISO 8601 with a UTC offset (-12:00 to "
        "+14:00); not in the future (10 minutes' tolerance), at most 30 days ago."
    )

    _seen_at = field_validator("seen_at")(checked_time)


class ReportPatchIn(ReportFieldsIn):
    """Only the fields sent are changed."""

    seen_at: AwareDatetime | None = Field(None, description="ISO 8601 with a UTC offset.")

    _seen_at = field_validator("seen_at")(checked_time)


class CancelIn(CheckedIn):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    MULTILINE = frozenset({"reason"})

    reason: str = Field(
        min_length=1, max_length=300, description="Why the report is no longer needed."
    )


class CloseIn(CheckedIn):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    MULTILINE = frozenset({"reason"})

    outcome: Literal[tuple(o for o in Outcome.values if o != "reunited")] = Field(  # type: ignore[valid-type]
        description="How the report ended. A reunion is recorded by the hand-off instead."
    )
    agency: str = Field(
        "", max_length=200, description="child_services and other_agency: which agency."
    )
    reference: str = Field("", max_length=100, description="That agency's reference.")
    duplicate_of: str = Field(
        "", max_length=12, description="duplicate: the reference of the report that is kept."
    )
    reason: str = Field("", max_length=300, description="A few words, kept on the report.")


class TransferIn(CheckedIn):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    to: str = Field(min_length=1, max_length=150, description="Username of the officer.")


class InformationIn(CheckedIn):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    MULTILINE = frozenset({"text"})

    text: str = Field(min_length=1, max_length=2000)


class UndoIn(CheckedIn):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    MULTILINE = frozenset({"reason"})

    reason: str = Field("", max_length=300)


class HandoffIn(CheckedIn):
    """The hand-off checklist, as the officer records it (any subset of steps)."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")
    NAMES = frozenset({"released_to"})

    id_checked: bool = False
    id_type: Literal[tuple(Handoff.IdType.values)] | Literal[""] = ""  # type: ignore[valid-type]
    id_last4: str = Field("", pattern=r"^([A-Za-z0-9]{4})?$")
    child_recognises: bool = False
    guardian_knowledge: bool = False
    guardian_knowledge_note: str = Field("", max_length=300)
    collector: Literal[tuple(Handoff.Collector.values)] | Literal[""] = Field(  # type: ignore[valid-type]
        "", description="reporter, listed (an adult the report lists) or other."
    )
    collector_relationship: RelationshipCode | Literal[""] = ""  # type: ignore[valid-type]
    released_to: str = Field("", max_length=200, description="Full name of the adult.")


class HandoffOut(Schema):
    candidate_id: int
    id_checked: bool
    id_type: str
    child_recognises: bool
    guardian_knowledge: bool
    collector: str
    collector_relationship: str
    released_to: str
    collector_check: str = Field(
        description="ok, unnamed, or override (the report does not name this adult: a "
        "coordinator must authorise the release)."
    )
    override_by: str | None
    completed_at: datetime | None

    @staticmethod
    def resolve_collector_check(obj: Handoff) -> str:
        from showup.reunite.services import collector_check

        return collector_check(obj, obj.candidate.missing)

    @staticmethod
    def resolve_override_by(obj: Handoff) -> str | None:
        return obj.override_by.username if obj.override_by_id and obj.override_by else None


class OverrideIn(CheckedIn):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    NAMES = frozenset({"collector_name"})
    MULTILINE = frozenset({"reason"})

    collector_name: str = Field(min_length=1, max_length=200)
    reason: str = Field(min_length=1, max_length=300)


RuleError = ErrorOut  # `code` is set on every rule refusal


class ReportSummaryOut(Schema):
    id: int
    reference: str
    kind: str
    situation: str
    status: str
    child: str = Field(description="The reported name, or 'Unnamed child'.")
    age_years: float | None
    age_min: float | None
    age_max: float | None
    sex: str
    seen_at: datetime
    created_at: datetime
    partner_org: str | None

    @staticmethod
    def resolve_child(obj: Report) -> str:
        return obj.child_label()

    @staticmethod
    def resolve_partner_org(obj: Report) -> str | None:
        return obj.partner_org.name if obj.partner_org_id and obj.partner_org else None


class ReportOut(ReportSummaryOut):
    given_name: str
    family_name: str
    other_names: list[str]
    height_cm: int | None
    hair: str
    clothing: str
    carrying: str
    languages: list[str]
    description: str
    has_photo: bool
    lat: float | None
    lon: float | None
    place: str
    safe_location: str
    guardian_name: str
    guardian_phone: str
    guardian_email: str
    guardian_language: str
    reporter_relationship: str
    reporter_has_custody: bool | None
    authorised_adults: list[dict[str, str]]
    filed_by: str | None = Field(description="Username of the staff member who filed it.")
    holding_officer: str | None = Field(
        description="Username of the officer responsible (for a found report, with the child)."
    )
    possible_duplicate_of: str | None = Field(
        description="Reference of an open report that looks like the same child from the same "
        "contact, filed hours before."
    )
    updated_at: datetime
    closed_at: datetime | None
    outcome: str = Field(description="How the report ended: " + ", ".join(Outcome.values))
    outcome_agency: str
    outcome_reference: str
    duplicate_of: str | None = Field(description="Reference of the report this duplicates.")
    cancel_reason: str
    purged_at: datetime | None = Field(description="Set once personal data was purged.")

    @staticmethod
    def resolve_has_photo(obj: Report) -> bool:
        return bool(obj.photo)

    @staticmethod
    def resolve_filed_by(obj: Report) -> str | None:
        return obj.filed_by.username if obj.filed_by_id and obj.filed_by else None

    @staticmethod
    def resolve_holding_officer(obj: Report) -> str | None:
        user = obj.holding_officer
        return user.username if obj.holding_officer_id and user else None

    @staticmethod
    def resolve_possible_duplicate_of(obj: Report) -> str | None:
        other = obj.possible_duplicate_of
        return other.reference if obj.possible_duplicate_of_id and other else None

    @staticmethod
    def resolve_duplicate_of(obj: Report) -> str | None:
        other = obj.duplicate_of
        return other.reference if obj.duplicate_of_id and other else None


class CandidateOut(Schema):
    id: int
    missing_id: int
    found_id: int
    missing_reference: str
    found_reference: str
    score: float = Field(description="The engine's probability-like score, 0 to 1.")
    engine_match: bool = Field(description="Whether the engine itself calls it a match.")
    reasons: list[str] = Field(
        description="The engine's evidence in English, worded as `showup match` prints it."
    )
    reasons_shown: list[str] = Field(
        description="The same reasons in the request's language (Accept-Language; English "
        "for candidates stored before reasons were translatable). Names stay as written."
    )
    decision: str
    decided_at: datetime | None
    matching: Literal["pending", "done"] | None = Field(
        None,
        description="Only in `/reports/{id}/candidates`: `pending` while the matching service "
        "has still to look at the report's latest change (the list may then change), else "
        "`done`. The same value is in the `Showup-Matching` header, which an empty list has too.",
    )

    @staticmethod
    def resolve_missing_reference(obj: Candidate) -> str:
        return obj.missing.reference

    @staticmethod
    def resolve_found_reference(obj: Candidate) -> str:
        return obj.found.reference

    @staticmethod
    def resolve_reasons_shown(obj: Candidate) -> list[str]:
        return obj.shown_reasons()


class ImportedReportOut(Schema):
    reference: str = Field(description="The report's reference, e.g. KX7-4QM.")


class ImportOut(Schema):
    imported: int = Field(description="How many reports were filed (every line of the file).")
    missing: int
    found: int
    reports: list[ImportedReportOut] = Field(
        description="The filed reports in the file's order (blank lines skipped)."
    )
    matching: Literal["pending"] = Field(
        "pending",
        description="Imported reports are matched by the matching service, not in the "
        "request: read each report's candidates later.",
    )


# The shared error answers (showup.api_errors), under the names this module always had.
Message = ErrorOut
FieldError = SharedFieldError
ValidationErrorOut = SharedValidationErrorOut
