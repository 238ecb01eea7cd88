"""Likely duplicates: the same child reported twice from the same side, hours apart.

A selector (reads only). `services.report_create` stores its answer in
`Report.possible_duplicate_of`; the board flags the pair and a coordinator may merge them. It is
a flag for a human, never an automatic merge, so it errs on the side of flagging.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.utils import timezone

from showup.reunite.models import Report

WINDOW = timedelta(hours=12)
_NOT_DIGITS = re.compile(r"\D+")
# Phone numbers are compared on their last digits, so that "+1 555 000 1111" (E.164) and
# "(555) 000-1111" (as typed) are the same number; shorter numbers must match exactly.
_PHONE_TAIL = 10
_MIN_PHONE_DIGITS = 7


def fold_name(name: str | None) -> str:
    """A first name compared without case, accents or spacing: "Mateíto " -> "mateito"."""
    if not name:
        return ""
    decomposed = unicodedata.normalize("NFKD", name.strip().casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.split())


def phone_digits(phone: str | None) -> str:
    digits = _NOT_DIGITS.sub("", phone or "")
    return digits[-_PHONE_TAIL:] if len(digits) >= _MIN_PHONE_DIGITS else ""


def _email(value: str | None) -> str:
    return (value or "").strip().casefold()


def likely_duplicate(
    *,
    agency_id: int,
    kind: str,
    data: dict[str, Any],
    exclude_pk: int | None = None,
    holding_officer_id: int | None = None,
    partner_org_id: int | None = None,
) -> Report | None:
    """The earliest open report of the same kind in the agency, filed in the last 12 hours,
    that looks like the same child from the same contact; None if there is none.

    Missing: the same guardian phone (digits) or email (case-insensitive), and the same first
    name after folding case and accents. Found: the same holding officer or the same partner
    organisation, the same folded first name, and age ranges that overlap (an unknown age
    overlaps anything). `data` holds the report's fields as the service receives them; the
    officer and partner of a found report may also be given in `data` under the same names.
    """
    name = fold_name(data.get("given_name"))
    if not name:
        return None
    recent = (
        Report.objects.open()
        .filter(agency_id=agency_id, kind=kind, created_at__gte=timezone.now() - WINDOW)
        .order_by("created_at", "pk")
    )
    if exclude_pk is not None:
        recent = recent.exclude(pk=exclude_pk)
    if kind == Report.Kind.MISSING:
        return _missing_duplicate(recent, name, data)
    officer = holding_officer_id or data.get("holding_officer_id")
    partner = partner_org_id or data.get("partner_org_id")
    return _found_duplicate(recent, name, data, officer, partner)


def _missing_duplicate(recent: Any, name: str, data: dict[str, Any]) -> Report | None:
    phone = phone_digits(data.get("guardian_phone"))
    email = _email(data.get("guardian_email"))
    if not phone and not email:
        return None
    contact = Q()
    if email:
        contact |= Q(guardian_email__iexact=email)
    if phone:
        # A cheap prefilter on the last four digits; the exact comparison is done below.
        contact |= Q(guardian_phone__contains=phone[-4:])
    for report in recent.filter(contact).only(
        "pk", "given_name", "guardian_phone", "guardian_email", "created_at"
    ):
        same_contact = (phone and phone_digits(report.guardian_phone) == phone) or (
            email and _email(report.guardian_email) == email
        )
        if same_contact and fold_name(report.given_name) == name:
            return report
    return None


def _found_duplicate(
    recent: Any, name: str, data: dict[str, Any], officer: int | None, partner: int | None
) -> Report | None:
    holder = Q()
    if officer:
        holder |= Q(holding_officer_id=officer)
    if partner:
        holder |= Q(partner_org_id=partner)
    if not holder:
        return None
    low, high = _age_range(data.get("age_min"), data.get("age_max"))
    for report in recent.filter(holder).only(
        "pk", "given_name", "age_min", "age_max", "created_at"
    ):
        if fold_name(report.given_name) != name:
            continue
        other_low, other_high = _age_range(report.age_min, report.age_max)
        if _overlap(low, high, other_low, other_high):
            return report
    return None


def _age_range(low: Any, high: Any) -> tuple[Decimal | None, Decimal | None]:
    low = None if low is None else Decimal(str(low))
    high = None if high is None else Decimal(str(high))
    return (low if low is not None else high), (high if high is not None else low)


def _overlap(
    low: Decimal | None, high: Decimal | None, other_low: Decimal | None, other_high: Decimal | None
) -> bool:
    if low is None or high is None or other_low is None or other_high is None:
        return True
    return low <= other_high and other_low <= high
