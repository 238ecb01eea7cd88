"""Who hears about what happens to a report, and what they are told (reunite's notifications).

Services call the entry points at the bottom after their transaction commits
(transaction.on_commit); each only hands a kind's name and primary keys to core's generic
machinery (showup.core.notifications), which enqueues the fan-out, writes in-app notices and
sends emails and texts from the worker. The kinds below are registered with core in
ReuniteConfig.ready().

Guardians are written to in their report's language (`guardian_language`), staff in their own
(`User.language`, set by core before a kind renders). What leaves showup by email or text never
carries the guardian's contact, a family name or where a found child is kept; the guardian is
never told where the child is or which officer has them.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.timesince import timesince
from django.utils.translation import gettext as _

from showup.core import notifications
from showup.core.access import is_staff_user
from showup.core.models import Role, User
from showup.core.notifications import (
    Channel,
    Delivery,
    Message,
    NotificationKind,
    absolute_url,
    supported_language,
)
from showup.core.phones import format_phone
from showup.core.registry import on_duty, register_notification_kind
from showup.reunite.models import Candidate, Handoff, Outcome, Relationship, Report, Sex

logger = logging.getLogger(__name__)

GUARDIAN = "guardian"


# --- shared pieces ----------------------------------------------------------------------------


def _guardian_values(missing: Report) -> dict[str, str]:
    """What every message to the guardian may name: her reference, the unit, her link."""
    return {
        "reference": missing.reference,
        "agency": missing.agency.name,
        "link": status_link(missing.status_token),
    }


def status_link(token: str) -> str:
    return absolute_url(reverse("reunite:status", args=[token]))


def _path(name: str, pk: int) -> str:
    try:
        return reverse(name, args=[pk])
    except NoReverseMatch:
        logger.warning("no URL named %s; the notice will carry no link", name)
        return ""


def _guardian_delivery(report: Report) -> Delivery | None:
    """A text when the guardian gave a phone, an email otherwise, nothing without either."""
    if report.guardian_phone.strip():
        return Delivery(Channel.SMS, GUARDIAN, GUARDIAN)
    if report.guardian_email.strip():
        return Delivery(Channel.EMAIL, GUARDIAN, GUARDIAN)
    return None


def _guardian_fallback(report: Report | None, delivery: Delivery) -> Delivery | None:
    # A number the provider refuses should not leave the guardian without word.
    if (
        report is not None
        and delivery.recipient == GUARDIAN
        and delivery.channel == Channel.SMS
        and report.guardian_email.strip()
    ):
        return Delivery(Channel.EMAIL, GUARDIAN, GUARDIAN)
    return None


def _to_guardian(report: Report, delivery: Delivery, subject: str, body: str) -> Message:
    agency = report.agency
    return Message(
        subject=subject,
        body=body,
        to=report.guardian_phone if delivery.channel == Channel.SMS else report.guardian_email,
        reply_to=agency.email,
        phone_region=agency.phone_region,
    )


def _guardian_language(report: Report) -> translation.override:
    return translation.override(supported_language(report.guardian_language))


def _unit_line(report: Report) -> str:
    """ "Unit: (555) 201-3344" when the agency gave its phone (call inside the language)."""
    agency = report.agency
    if not agency.phone.strip():
        return ""
    return _("To reach %(agency)s: %(phone)s") % {
        "agency": agency.name,
        "phone": format_phone(agency.phone, agency.phone_region),
    }


def _join(*parts: str) -> str:
    return " ".join(p for p in parts if p)


def _privacy_line() -> str:
    return _("For the child's privacy this email carries no personal details; they are in showup.")


def _coordinators(agency_id: int) -> list[User]:
    return list(
        User.objects.filter(agency_id=agency_id, role=Role.COORDINATOR, is_active=True).order_by(
            "pk"
        )
    )


def _holder(found: Report) -> tuple[User | None, str]:
    """The staff member with the found child: the responsible officer, else who filed it."""
    holder, role = found.holding_officer, "holding_officer"
    if holder is None:
        holder, role = found.filed_by, "filer"
    if holder is not None and is_staff_user(holder) and holder.agency_id == found.agency_id:
        return holder, role
    return None, role


def _sex_word(report: Report) -> str:
    if report.sex == Sex.MALE:
        return _("boy")
    if report.sex == Sex.FEMALE:
        return _("girl")
    return _("child")


def _age_text(report: Report) -> str:
    from showup.reunite.selectors import age_label

    age = age_label(report)
    return _("age %(age)s") % {"age": age} if age else _("age unknown")


def _description(report: Report, *, with_name: bool) -> str:
    """A minimal description for staff: who to look for, where and since when. Never the
    family name or the guardian's contact; the first name only where asked (in the app)."""
    parts = [_sex_word(report), _age_text(report)]
    if with_name and report.given_name.strip():
        parts.insert(0, report.given_name.strip())
    if report.clothing.strip():
        parts.append(_("wearing %(clothing)s") % {"clothing": report.clothing.strip()})
    if report.place.strip():
        where = (
            _("last seen at %(place)s")
            if report.kind == Report.Kind.MISSING
            else _("found at %(place)s")
        )
        parts.append(where % {"place": report.place.strip()})
    parts.append(_("%(time)s ago") % {"time": timesince(report.seen_at, timezone.now())})
    return ", ".join(parts)


# --- kinds about a candidate (a pairing of a missing and a found report) ---------------------


class _CandidateKind(NotificationKind):
    subject_key = "candidate"

    def agency_id(self, pk: int) -> int | None:
        return Candidate.objects.filter(pk=pk).values_list("missing__agency_id", flat=True).first()

    def candidate(self, pk: int) -> Candidate | None:
        candidate = (
            Candidate.objects.select_related(
                "missing",
                "missing__agency",
                "found",
                "found__agency",
                "found__holding_officer",
                "found__filed_by",
            )
            .filter(pk=pk)
            .first()
        )
        if candidate is None:
            logger.warning("%s for candidate %s skipped: it no longer exists", self.name, pk)
        return candidate

    def fallback(self, pk: int, delivery: Delivery, params: Mapping[str, Any]) -> Delivery | None:
        candidate = self.candidate(pk)
        return _guardian_fallback(candidate.missing if candidate else None, delivery)

    def _refs(self, candidate: Candidate) -> dict[str, str]:
        return {"found": candidate.found.reference, "missing": candidate.missing.reference}


class MatchConfirmed(_CandidateKind):
    """A coordinator confirmed a match: the officer with the child (in the app and by email),
    the coordinators (the same) and the guardian (expect a call; never where the child is)."""

    name = "match_confirmed"

    def deliveries(self, pk: int, params: Mapping[str, Any]) -> list[Delivery]:
        candidate = self.candidate(pk)
        if candidate is None:
            return []
        if candidate.decision != Candidate.Decision.CONFIRMED:
            # Rejected or undone before the worker got here: nobody should expect a call.
            logger.info("match_confirmed for candidate %s skipped: no longer confirmed", pk)
            return []
        staff: list[tuple[User, str]] = []
        holder, role = _holder(candidate.found)
        if holder is not None:
            staff.append((holder, role))
        staff += [
            (u, "coordinator")
            for u in _coordinators(candidate.found.agency_id)
            if holder is None or u.pk != holder.pk
        ]
        out = [Delivery.to_user(Channel.APP, u, r) for u, r in staff]
        out += [Delivery.to_user(Channel.EMAIL, u, r) for u, r in staff if u.email]
        guardian = _guardian_delivery(candidate.missing)
        if guardian is None:
            logger.info("candidate %s: the missing report has no guardian contact", pk)
        else:
            out.append(guardian)
        return out

    def render(
        self, pk: int, delivery: Delivery, params: Mapping[str, Any], user: User | None
    ) -> Message | None:
        candidate = self.candidate(pk)
        if candidate is None:
            return None
        missing, found = candidate.missing, candidate.found
        if delivery.recipient == GUARDIAN:
            values = _guardian_values(missing)
            with _guardian_language(missing):
                subject = _("Your report %(reference)s: please expect a call") % values
                body = _join(
                    _(
                        "showup %(reference)s: a child matching your report may have been "
                        "found. %(agency)s will call you shortly; please keep your phone with "
                        "you. Your status page: %(link)s"
                    )
                    % values,
                    _unit_line(missing),
                )
            return _to_guardian(missing, delivery, subject, body)

        refs = self._refs(candidate)
        holding = delivery.role in ("holding_officer", "filer")
        if delivery.channel == Channel.APP:
            if holding:
                text = (
                    _(
                        "Match confirmed for the child you are with (found %(found)s). The "
                        "guardian will be called; complete the hand-off checklist when they "
                        "arrive."
                    )
                    % refs
                )
                return Message(body=text, url=_path("reunite:handoff", candidate.pk))
            text = (
                _(
                    "Match confirmed: found %(found)s and missing %(missing)s. The guardian has "
                    "been told to expect a call from the unit."
                )
                % refs
            )
            return Message(body=text, url=_path("reunite:report_detail", found.pk))

        # Email leaves showup: it names the reports, not the child, and links back to the app.
        subject = _("Match confirmed: found %(found)s, missing %(missing)s") % refs
        if holding:
            action = _(
                "You are with the child. When the guardian arrives, complete the hand-off "
                "checklist: %(url)s"
            ) % {"url": absolute_url(_path("reunite:handoff", candidate.pk))}
        else:
            action = _("Call the guardian and arrange the hand-off: %(url)s") % {
                "url": absolute_url(_path("reunite:report_detail", found.pk))
            }
        body = "\n\n".join(
            [
                _(
                    "A coordinator confirmed that found report %(found)s and missing report "
                    "%(missing)s are the same child. The guardian has been told to expect a "
                    "call from the unit."
                )
                % refs,
                action,
                _privacy_line(),
            ]
        )
        return Message(subject=subject, body=body)


class MatchUndone(_CandidateKind):
    """A confirmed match was taken back before the hand-off: the guardian is told plainly that
    it was not confirmed and the search goes on; the officer with the child is told not to
    release the child (in the app and by email)."""

    name = "match_undone"

    def deliveries(self, pk: int, params: Mapping[str, Any]) -> list[Delivery]:
        candidate = self.candidate(pk)
        if candidate is None:
            return []
        if candidate.decision == Candidate.Decision.CONFIRMED:
            # Confirmed again before the worker got here: nothing was undone in the end.
            logger.info("match_undone for candidate %s skipped: confirmed again", pk)
            return []
        out: list[Delivery] = []
        holder, role = _holder(candidate.found)
        if holder is not None:
            out.append(Delivery.to_user(Channel.APP, holder, role))
            if holder.email:
                out.append(Delivery.to_user(Channel.EMAIL, holder, role))
        guardian = _guardian_delivery(candidate.missing)
        if guardian is not None and candidate.missing.is_open:
            out.append(guardian)
        return out

    def render(
        self, pk: int, delivery: Delivery, params: Mapping[str, Any], user: User | None
    ) -> Message | None:
        candidate = self.candidate(pk)
        if candidate is None:
            return None
        missing, found = candidate.missing, candidate.found
        if delivery.recipient == GUARDIAN:
            values = _guardian_values(missing)
            with _guardian_language(missing):
                subject = _("Your report %(reference)s: we are still searching") % values
                body = _join(
                    _(
                        "showup %(reference)s: the possible match we told you about was not "
                        "confirmed. It was not your child. We are still searching, and "
                        "%(agency)s will call you as soon as there is news. Your status page: "
                        "%(link)s"
                    )
                    % values,
                    _unit_line(missing),
                )
            return _to_guardian(missing, delivery, subject, body)

        refs = self._refs(candidate)
        text = (
            _(
                "The match for found %(found)s was undone. Do not release the child: keep them "
                "safe until a coordinator confirms a match."
            )
            % refs
        )
        url = _path("reunite:report_detail", found.pk)
        if delivery.channel == Channel.APP:
            return Message(body=text, url=url)
        subject = _("Match undone for found %(found)s: do not release the child") % refs
        body = "\n\n".join(
            [text, _("The report: %(url)s") % {"url": absolute_url(url)}, _privacy_line()]
        )
        return Message(subject=subject, body=body)


class Reunited(_CandidateKind):
    """The hand-off is complete: the guardian is told who collected the child (never "back
    with you" unless it was the reporting adult); the coordinators are told in the app."""

    name = "reunited"

    def deliveries(self, pk: int, params: Mapping[str, Any]) -> list[Delivery]:
        candidate = self.candidate(pk)
        if candidate is None:
            return []
        out = [
            Delivery.to_user(Channel.APP, u, "coordinator")
            for u in _coordinators(candidate.found.agency_id)
        ]
        guardian = _guardian_delivery(candidate.missing)
        if guardian is not None:
            out.append(guardian)
        return out

    def render(
        self, pk: int, delivery: Delivery, params: Mapping[str, Any], user: User | None
    ) -> Message | None:
        candidate = self.candidate(pk)
        if candidate is None:
            return None
        missing, found = candidate.missing, candidate.found
        handoff = Handoff.objects.filter(candidate=candidate).first()
        if delivery.recipient != GUARDIAN:
            text = _(
                "Reunited: found %(found)s and missing %(missing)s are closed after a "
                "verified hand-off."
            ) % self._refs(candidate)
            if handoff is not None and handoff.override_by_id is not None:
                text = _join(text, _("The release needed a coordinator's override."))
            return Message(body=text, url=_path("reunite:report_detail", found.pk))

        values = {"reference": missing.reference, "link": status_link(missing.status_token)}
        with _guardian_language(missing):
            subject = _("Your report %(reference)s: reunited") % values
            body = _join(self._collected_line(handoff, values), _unit_line(missing))
        return _to_guardian(missing, delivery, subject, body)

    def _collected_line(self, handoff: Handoff | None, values: dict[str, str]) -> str:
        collector = handoff.collector if handoff is not None else ""
        if collector == Handoff.Collector.REPORTER:
            return (
                _(
                    "showup %(reference)s: your child is back with you and your report is "
                    "closed as reunited. Thank you, and we are glad you are together again. "
                    "%(link)s"
                )
                % values
            )
        name = handoff.released_to.strip() if handoff is not None else ""
        relationship = ""
        if handoff is not None and handoff.collector_relationship:
            relationship = str(Relationship(handoff.collector_relationship).label).lower()
        if name and relationship:
            who = _("%(name)s (%(relationship)s)") % {"name": name, "relationship": relationship}
        elif name:
            who = name
        elif collector == Handoff.Collector.LISTED:
            who = _("an adult listed on your report")
        else:
            who = _("another adult")
        return _(
            "showup %(reference)s: your child was collected by %(who)s after a verified "
            "hand-off, and your report is closed as reunited. If you did not expect this, "
            "call the unit at once. %(link)s"
        ) % {**values, "who": who}


# --- kinds about one report -------------------------------------------------------------------


class _ReportKind(NotificationKind):
    subject_key = "report"

    def agency_id(self, pk: int) -> int | None:
        return Report.objects.filter(pk=pk).values_list("agency_id", flat=True).first()

    def report(self, pk: int) -> Report | None:
        report = Report.objects.select_related("agency").filter(pk=pk).first()
        if report is None:
            logger.warning("%s for report %s skipped: it no longer exists", self.name, pk)
        return report

    def fallback(self, pk: int, delivery: Delivery, params: Mapping[str, Any]) -> Delivery | None:
        return _guardian_fallback(self.report(pk), delivery)


class ReportFiled(_ReportKind):
    """A report was filed.

    - A missing report with a guardian contact: the guardian gets her reference and private
      status link at once (a text, or an email without a phone), with the unit's phone.
    - A missing report: the officers on duty in the agency are alerted in the app, and by text
      or email where they opted in (`alert_by_sms`, `alert_by_email`), with a minimal
      description and a link; never the guardian's contact or the family name.
    - A found report that matched nothing: the coordinators, in the app and by email where
      they opted in. Only the matching worker knows that, so it sends this one, after its
      first processing of the report, in the same transaction as its candidates
      (matching_service.py); the web sends it for missing reports only.
    """

    name = "report_filed"

    def deliveries(self, pk: int, params: Mapping[str, Any]) -> list[Delivery]:
        report = self.report(pk)
        if report is None or not report.is_open:
            return []
        out: list[Delivery] = []
        if report.kind == Report.Kind.MISSING:
            guardian = _guardian_delivery(report)
            if guardian is not None:
                out.append(guardian)
            officers = [
                u for u in on_duty(report.agency_id, timezone.now()) if u.pk != report.filed_by_id
            ]
            out += [Delivery.to_user(Channel.APP, u, "officer_on_duty") for u in officers]
            out += [
                Delivery.to_user(Channel.SMS, u, "officer_on_duty")
                for u in officers
                if u.alert_by_sms and u.phone.strip()
            ]
            out += [
                Delivery.to_user(Channel.EMAIL, u, "officer_on_duty")
                for u in officers
                if u.alert_by_email and u.email
            ]
            return out
        # The worker asks only when nothing matched; a match since then makes it moot.
        if Candidate.objects.filter(Q(found=report) | Q(missing=report)).exists():
            return []
        coordinators = [u for u in _coordinators(report.agency_id) if u.pk != report.filed_by_id]
        out += [Delivery.to_user(Channel.APP, u, "coordinator") for u in coordinators]
        out += [
            Delivery.to_user(Channel.EMAIL, u, "coordinator")
            for u in coordinators
            if u.alert_by_email and u.email
        ]
        return out

    def render(
        self, pk: int, delivery: Delivery, params: Mapping[str, Any], user: User | None
    ) -> Message | None:
        report = self.report(pk)
        if report is None:
            return None
        if delivery.recipient == GUARDIAN:
            values = {"reference": report.reference, "link": status_link(report.status_token)}
            with _guardian_language(report):
                subject = _("Your report %(reference)s: we are searching") % values
                body = _join(
                    _(
                        "showup %(reference)s: we have your report and are searching. Your "
                        "private status page (keep this link to yourself): %(link)s"
                    )
                    % values,
                    _unit_line(report),
                )
            return _to_guardian(report, delivery, subject, body)

        path = _path("reunite:report_detail", report.pk)
        refs = {"reference": report.reference}
        if report.kind == Report.Kind.MISSING:
            in_app = delivery.channel == Channel.APP
            values = {**refs, "description": _description(report, with_name=in_app)}
            if in_app:
                text = _("Missing child %(reference)s: %(description)s.") % values
                return Message(body=text, url=path)
            text = _("Missing child %(reference)s: %(description)s. %(link)s") % {
                **values,
                "link": absolute_url(path),
            }
            if delivery.channel == Channel.SMS:
                return Message(body=text, phone_region=report.agency.phone_region)
            subject = _("Missing child %(reference)s") % refs
            return Message(subject=subject, body="\n\n".join([text, _privacy_line()]))

        values = {**refs, "description": _description(report, with_name=False)}
        text = _("Found child %(reference)s matches no missing report yet: %(description)s.") % (
            values
        )
        if delivery.channel == Channel.APP:
            return Message(body=text, url=path)
        subject = _("Found child %(reference)s: no missing report yet") % refs
        body = "\n\n".join([text, absolute_url(path), _privacy_line()])
        return Message(subject=subject, body=body)


class ReportClosed(_ReportKind):
    """A report closed with an outcome other than a reunion: the guardian of a missing report
    is told in words that fit the outcome. Nothing when she closed it herself from her status
    page (she knows), nothing for a found report (no guardian on it)."""

    name = "report_closed"

    def deliveries(self, pk: int, params: Mapping[str, Any]) -> list[Delivery]:
        report = self.report(pk)
        if (
            report is None
            or report.kind != Report.Kind.MISSING
            or report.is_open
            or report.outcome in ("", Outcome.REUNITED)
            or report.closed_by_id is None  # the guardian's own withdrawal
        ):
            return []
        guardian = _guardian_delivery(report)
        return [guardian] if guardian is not None else []

    def render(
        self, pk: int, delivery: Delivery, params: Mapping[str, Any], user: User | None
    ) -> Message | None:
        report = self.report(pk)
        if report is None or delivery.recipient != GUARDIAN:
            return None
        values = {
            "reference": report.reference,
            "agency": report.agency.name,
            "other": report.outcome_agency.strip(),
            "their_reference": report.outcome_reference.strip(),
        }
        with _guardian_language(report):
            subject = _("Your report %(reference)s is closed") % values
            body = _join(self._outcome_line(report, values), _unit_line(report))
        return _to_guardian(report, delivery, subject, body)

    def _outcome_line(self, report: Report, values: dict[str, str]) -> str:
        outcome = report.outcome
        if outcome == Outcome.TAKEN_HOME:
            return (
                _(
                    "showup %(reference)s: an officer took your child home, and your report is "
                    "closed. Thank you."
                )
                % values
            )
        if outcome == Outcome.CHILD_SERVICES:
            line = _(
                "showup %(reference)s: your child is safe and in the care of child services "
                "(%(other)s), and your report with %(agency)s is closed. Please contact them."
            )
            if values["their_reference"]:
                line = _join(line, _("Their reference: %(their_reference)s."))
            return line % values
        if outcome == Outcome.OTHER_AGENCY:
            line = _(
                "showup %(reference)s: your report was handed to %(other)s, who are now "
                "handling it. Please contact them for news."
            )
            if values["their_reference"]:
                line = _join(line, _("Their reference: %(their_reference)s."))
            return line % values
        if outcome == Outcome.DUPLICATE:
            return (
                _(
                    "showup %(reference)s: the same child is already reported, so this report "
                    "is closed. The search goes on under the other report, and %(agency)s will "
                    "call you with any news."
                )
                % values
            )
        if outcome == Outcome.NO_REPORT_NEEDED:
            return (
                _(
                    "showup %(reference)s: your report is closed because we understand your "
                    "child is safe and no report is needed. If your child is still missing, "
                    "call 911 at once."
                )
                % values
            )
        return (
            _(
                "showup %(reference)s: your report was closed as filed in error. If a child is "
                "missing, call 911 at once."
            )
            % values
        )


class ReportTransferred(_ReportKind):
    """The report was transferred: the officer now responsible gets a notice in the app."""

    name = "report_transferred"

    def deliveries(self, pk: int, params: Mapping[str, Any]) -> list[Delivery]:
        to_user = params.get("to_user")
        if not isinstance(to_user, int) or self.report(pk) is None:
            return []
        return [Delivery.to_user(Channel.APP, to_user, "new_officer")]

    def render(
        self, pk: int, delivery: Delivery, params: Mapping[str, Any], user: User | None
    ) -> Message | None:
        report = self.report(pk)
        if report is None:
            return None
        values = {"reference": report.reference, "kind": report.get_kind_display().lower()}
        if report.kind == Report.Kind.FOUND:
            text = (
                _(
                    "Report %(reference)s (%(kind)s) was transferred to you: you are now "
                    "responsible for the child."
                )
                % values
            )
        else:
            text = _("Report %(reference)s (%(kind)s) was transferred to you.") % values
        return Message(body=text, url=_path("reunite:report_detail", report.pk))


KINDS: tuple[NotificationKind, ...] = (
    ReportFiled(),
    MatchConfirmed(),
    MatchUndone(),
    Reunited(),
    ReportClosed(),
    ReportTransferred(),
)


def register() -> None:
    """Called from ReuniteConfig.ready()."""
    for kind in KINDS:
        register_notification_kind(kind)


# --- entry points called by services (on commit) ----------------------------------------------


def report_filed(report_pk: int) -> None:
    notifications.send(ReportFiled.name, report_pk)


def match_confirmed(candidate_pk: int) -> None:
    notifications.send(MatchConfirmed.name, candidate_pk)


def match_undone(candidate_pk: int) -> None:
    notifications.send(MatchUndone.name, candidate_pk)


def reunited(candidate_pk: int) -> None:
    notifications.send(Reunited.name, candidate_pk)


def report_closed(report_pk: int) -> None:
    notifications.send(ReportClosed.name, report_pk)


def report_transferred(report_pk: int, to_user_pk: int) -> None:
    notifications.send(ReportTransferred.name, report_pk, to_user=to_user_pk)
