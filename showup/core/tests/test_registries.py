"""core's registries, driven by a module made up here (core's tests know no real module):
notifications fan out and deliver in each staff member's language, failures are audited and
fall back, the duty roster decides who is on duty, the retention run calls every purger."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from showup.core import registry, sms
from showup.core.models import AuditEntry, IdempotencyKey, Notice, User
from showup.core.notifications import (
    Channel,
    Delivery,
    Message,
    NotificationKind,
    deliver_one,
    fan_out,
    send,
)
from showup.core.retention import IdempotencyKeyPurger, purge_expired

pytestmark = pytest.mark.django_db


class Greeting(NotificationKind):
    """A made-up module's notification: a notice and an email to each staff pk in `staff`,
    a text to the "visitor" (a number only the kind knows)."""

    name = "test.greeting"
    subject_key = "thing"

    def __init__(self, staff: list[int], visitor_phone: str = "", visitor_email: str = ""):
        self.staff = staff
        self.visitor_phone = visitor_phone
        self.visitor_email = visitor_email

    def agency_id(self, pk: int) -> int | None:
        return User.objects.get(pk=self.staff[0]).agency_id if self.staff else None

    def deliveries(self, pk: int, params: Mapping[str, Any]) -> list[Delivery]:
        out = [Delivery.to_user(Channel.APP, u, "officer") for u in self.staff]
        out += [Delivery.to_user(Channel.EMAIL, u, "officer") for u in self.staff]
        if self.visitor_phone:
            out.append(Delivery(Channel.SMS, "visitor", "visitor"))
        return out

    def render(
        self, pk: int, delivery: Delivery, params: Mapping[str, Any], user: User | None
    ) -> Message | None:
        if delivery.recipient == "visitor":
            to = self.visitor_phone if delivery.channel == Channel.SMS else self.visitor_email
            return Message(body=f"thing {pk}", subject="thing", to=to, phone_region="MX")
        # "Officer" is in the Spanish catalogue ("Agente"): the recipient's language shows.
        return Message(body=f"{_('Officer')} {pk}", subject=_("Officer"), url=f"/things/{pk}/")

    def fallback(self, pk: int, delivery: Delivery, params: Mapping[str, Any]) -> Delivery | None:
        if delivery.recipient == "visitor" and self.visitor_email:
            return Delivery(Channel.EMAIL, "visitor", "visitor")
        return None


@pytest.fixture(autouse=True)
def _clean() -> None:
    sms.outbox.clear()


def register(monkeypatch: Any, kind: NotificationKind) -> None:
    monkeypatch.setitem(registry._notification_kinds, kind.name, kind)


def test_each_staff_member_reads_notices_and_emails_in_their_language(
    monkeypatch: Any, officer: User, officer2: User, django_capture_on_commit_callbacks: Any
) -> None:
    officer.language = "es"
    officer.save()
    officer2.language = "xx"  # not a language of the site: the default
    officer2.save()
    register(monkeypatch, Greeting([officer.pk, officer2.pk]))

    send("test.greeting", 7)

    assert Notice.objects.get(user=officer).text == "Agente 7"
    assert Notice.objects.get(user=officer2).text == "Officer 7"
    assert Notice.objects.get(user=officer).url == "/things/7/"
    by_address = {m.to[0]: m for m in mail.outbox}
    assert by_address["olivia@example.org"].subject == "Agente"
    assert by_address["oscar@example.org"].subject == "Officer"
    sent = AuditEntry.objects.filter(action="core.notification.sent")
    # Both in-app notices in one entry (one transaction); each email in its own.
    assert sorted((e.data["channel"], e.data["thing"]) for e in sent) == [
        ("app", 7),
        ("email", 7),
        ("email", 7),
    ]
    [in_app] = [e for e in sent if e.data["channel"] == "app"]
    assert in_app.data["count"] == 2
    assert in_app.data["recipients"] == {"officer": sorted([officer.pk, officer2.pk])}
    assert all(e.agency_id == officer.agency_id for e in sent)


def test_a_kind_reaches_people_without_an_account_through_its_own_codes(
    monkeypatch: Any, officer: User
) -> None:
    register(monkeypatch, Greeting([], visitor_phone="55 1234 5678"))
    fan_out("test.greeting", 3, {})
    [text] = sms.outbox
    assert text.to == "+525512345678" and text.body == "thing 3"  # read with the kind's region


def test_a_failed_delivery_is_audited_and_falls_back(
    monkeypatch: Any, officer: User, settings: Any
) -> None:
    register(
        monkeypatch, Greeting([officer.pk], visitor_phone="555-2013", visitor_email="v@example.org")
    )
    assert deliver_one("test.greeting", 4, "sms", "visitor", "visitor", {}) is False
    [failed] = AuditEntry.objects.filter(action="core.notification.failed")
    assert failed.data == {
        "event": "test.greeting",
        "thing": 4,
        "channel": "sms",
        "role": "visitor",
        "error": "SmsError",
    }
    assert [m.to for m in mail.outbox] == [["v@example.org"]]  # the fallback went out
    assert "555" not in str(failed.data)


def test_a_deactivated_user_hears_nothing_more(monkeypatch: Any, officer: User) -> None:
    register(monkeypatch, Greeting([officer.pk]))
    officer.is_active = False
    officer.save()
    fan_out("test.greeting", 1, {})
    assert Notice.objects.count() == 0 and mail.outbox == []


def test_an_unknown_kind_is_dropped_without_raising(officer: User) -> None:
    fan_out("nobody.registered.this", 1, {})
    assert deliver_one("nobody.registered.this", 1, "sms", "user:1", "x", {}) is False
    assert Notice.objects.count() == 0


def test_audit_labels_come_from_the_registry(monkeypatch: Any) -> None:
    monkeypatch.setattr(registry, "_audit_labels", {})
    registry.register_audit_labels({"test.thing.done": gettext_lazy("Officer")})
    from django.utils import translation

    with translation.override("es"):
        assert registry.audit_label("test.thing.done") == "Agente"
    assert registry.audit_label("test.unknown") == "test.unknown"


# --- the duty roster ----------------------------------------------------------------------------


def test_without_any_roster_every_active_officer_is_on_duty(
    monkeypatch: Any,
    officer: User,
    officer2: User,
    coordinator: User,
    outsider: User,
) -> None:
    monkeypatch.setattr(registry, "_duty_rosters", {})
    officer2.is_active = False
    officer2.save()
    assert list(registry.on_duty(officer.agency_id, timezone.now())) == [officer]


def test_a_roster_that_knows_the_agency_decides(
    monkeypatch: Any, officer: User, officer2: User, outsider: User
) -> None:
    seen: list[tuple[int, datetime]] = []

    def roster(agency_id: int, now: datetime) -> set[int] | None:
        seen.append((agency_id, now))
        # It may name anyone: only active officers of the agency are kept.
        return {officer2.pk, outsider.pk} if agency_id == officer.agency_id else None

    def knows_nothing(agency_id: int, now: datetime) -> None:
        return None

    monkeypatch.setattr(registry, "_duty_rosters", {"a": roster, "b": knows_nothing})
    now = timezone.now()
    assert list(registry.on_duty(officer.agency_id, now)) == [officer2]
    assert seen == [(officer.agency_id, now)]
    # The other agency has no roster: all its officers.
    assert list(registry.on_duty(outsider.agency_id, now)) == [outsider]


def test_a_roster_with_nobody_on_duty_alerts_nobody(monkeypatch: Any, officer: User) -> None:
    monkeypatch.setattr(registry, "_duty_rosters", {"a": lambda agency_id, now: set()})
    assert list(registry.on_duty(officer.agency_id, timezone.now())) == []


# --- the retention run --------------------------------------------------------------------------


class CountingPurger:
    def __init__(self, name: str, fail: bool = False) -> None:
        self.name = name
        self.fail = fail
        self.calls: list[tuple[datetime, bool]] = []

    def purge(self, now: datetime, dry_run: bool) -> dict[str, Any]:
        self.calls.append((now, dry_run))
        if self.fail:
            raise RuntimeError("disk full")
        return {"things": 3}

    def summary(self, counts: dict[str, Any], dry_run: bool) -> list[str]:
        return [f"{counts['things']} things"]


def test_the_retention_run_calls_every_purger_and_audits_counts(monkeypatch: Any) -> None:
    broken, fine = CountingPurger("broken", fail=True), CountingPurger("fine")
    monkeypatch.setattr(registry, "_purgers", {})
    registry.register_purger(broken)
    registry.register_purger(fine)
    now = timezone.now()

    assert purge_expired(now=now, dry_run=True) == {
        "broken": {"error": "RuntimeError"},
        "fine": {"things": 3},
    }
    assert not AuditEntry.objects.filter(action="core.retention.purged").exists()

    purge_expired(now=now)
    assert fine.calls == [(now, True), (now, False)]  # the broken one did not stop it
    [entry] = AuditEntry.objects.filter(action="core.retention.purged")
    assert entry.data == {"broken": {"error": "RuntimeError"}, "fine": {"things": 3}}


def test_old_idempotency_keys_go_after_a_day(db: Any) -> None:
    old = IdempotencyKey.objects.create(scope="user:1", key="a", fingerprint="f")
    new = IdempotencyKey.objects.create(scope="user:1", key="b", fingerprint="f")
    IdempotencyKey.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=25))
    purger = IdempotencyKeyPurger()
    assert purger.purge(timezone.now(), True) == {"keys": 1}
    assert IdempotencyKey.objects.count() == 2
    assert purger.purge(timezone.now(), False) == {"keys": 1}
    assert list(IdempotencyKey.objects.values_list("pk", flat=True)) == [new.pk]


def test_core_registers_its_own_purger_and_modules_theirs() -> None:
    names = [p.name for p in registry.purgers()]
    assert names[0] == "idempotency_keys"
    assert len(names) > 1  # the installed modules registered theirs at start-up


class InAppOnly(Greeting):
    """Notices only: what a storm's missing report sends to every officer on duty."""

    name = "test.in_app"

    def deliveries(self, pk: int, params: Mapping[str, Any]) -> list[Delivery]:
        return [Delivery.to_user(Channel.APP, u, "officer") for u in self.staff]


def test_a_fan_out_writes_its_notices_in_one_transaction_with_one_audit_entry(
    monkeypatch: Any,
    make_user: Any,
    agency: Any,
    django_assert_num_queries: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    def queries_for(count: int, pk: int) -> int:
        staff = [make_user(f"duty{pk}x{i}", "officer", agency).pk for i in range(count)]
        register(monkeypatch, InAppOnly(staff))
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            fan_out("test.in_app", pk, {})
        assert Notice.objects.filter(text=f"Officer {pk}").count() == count
        [entry] = AuditEntry.objects.filter(action="core.notification.sent", data__thing=pk)
        assert entry.data["count"] == count
        assert entry.data["recipients"] == {"officer": sorted(staff)}
        return len(captured)

    # The same statements for 3 officers as for 30: no query, insert or commit per notice.
    assert queries_for(3, 1) == queries_for(30, 2)


def test_a_deactivated_recipient_is_left_out_of_the_fan_out_entry(
    monkeypatch: Any, officer: User, officer2: User
) -> None:
    officer2.is_active = False
    officer2.save()
    register(monkeypatch, InAppOnly([officer.pk, officer2.pk]))
    fan_out("test.in_app", 5, {})
    assert list(Notice.objects.values_list("user_id", flat=True)) == [officer.pk]
    [entry] = AuditEntry.objects.filter(action="core.notification.sent")
    assert entry.data["count"] == 1 and entry.data["recipients"] == {"officer": [officer.pk]}


def test_a_fan_out_that_cannot_be_written_leaves_no_notice_and_is_audited(
    monkeypatch: Any, officer: User, officer2: User
) -> None:
    register(monkeypatch, InAppOnly([officer.pk, officer2.pk]))

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(Notice.objects, "bulk_create", broken)
    fan_out("test.in_app", 6, {})
    assert Notice.objects.count() == 0
    assert not AuditEntry.objects.filter(action="core.notification.sent").exists()
    [failed] = AuditEntry.objects.filter(action="core.notification.failed")
    assert failed.data == {
        "event": "test.in_app",
        "thing": 6,
        "channel": "app",
        "role": "officer",
        "error": "RuntimeError",
        "count": 2,
    }


def test_an_email_is_sent_before_the_audit_chain_is_locked(monkeypatch: Any, officer: User) -> None:
    from showup.core import audit as audit_module
    from showup.core import notifications

    events: list[str] = []
    real_lock, real_send = audit_module.lock_chain, notifications.send_email
    monkeypatch.setattr(audit_module, "lock_chain", lambda: events.append("lock") or real_lock())
    monkeypatch.setattr(
        notifications,
        "send_email",
        lambda *a, **k: events.append("send") or real_send(*a, **k),
    )
    register(monkeypatch, Greeting([officer.pk]))
    assert deliver_one("test.greeting", 8, "email", f"user:{officer.pk}", "officer", {}) is True
    assert events == ["send", "lock"]  # the provider's call never waits in the chain's queue
    assert len(mail.outbox) == 1
