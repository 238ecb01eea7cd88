"""Who hears about a confirmed match and a reunion, through which channel, and what they are
never told. The match is confirmed through the API, as a coordinator would."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from asgiref.local import Local
from django.core import mail
from django.tasks import task_backends

from showup.core import sms
from showup.core.models import AuditEntry, Notice, User
from showup.reunite import services
from showup.reunite.models import Candidate, Report

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    # The shared fixtures create several accounts per test; the real hasher takes ~0.5 s each.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


SITE = "https://showup.example.org"


@pytest.fixture(autouse=True)
def _clean(settings: Any) -> None:
    sms.outbox.clear()
    settings.SITE_URL = SITE


@pytest.fixture
def found(agency: Any, officer: User, report_data: Any) -> Report:
    return services.report_create(
        agency=agency, kind="found", data=report_data("found"), filed_by=officer
    )


@pytest.fixture
def missing(agency: Any, report_data: Any) -> Report:
    return services.report_create(
        agency=agency, kind="missing", data=report_data("missing"), filed_by=None
    )


@pytest.fixture
def candidate(missing: Report, found: Report) -> Candidate:
    # The missing report first: a found child filed alone would alert the coordinators.
    cand, _ = Candidate.objects.get_or_create(
        missing=missing, found=found, defaults={"score": 0.9, "reasons": ["name Mateo ~ Mateo"]}
    )
    return cand


def confirm(client: Any, candidate: Candidate, capture: Any) -> Any:
    with capture(execute=True):
        return client.post(f"/api/reunite/candidates/{candidate.pk}/confirm")


def audits(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action).order_by("id"))


PRIVATE = (
    "Mateo",
    "Alvarez",
    "Patrol car 12",
    "Main St",
    "donut",
    "Olivia",
    "olivia",
    "34.05",
    "red t-shirt",
)


def test_it_notifies_the_officer_coordinators_and_guardian_on_a_confirmed_match(
    login: Any,
    coordinator: User,
    officer: User,
    officer2: User,
    partner: User,
    outsider: User,
    candidate: Candidate,
    missing: Report,
    found: Report,
    django_capture_on_commit_callbacks: Any,
) -> None:
    response = confirm(login(coordinator), candidate, django_capture_on_commit_callbacks)
    assert response.status_code == 200, response.content

    # In the app: the officer with the child (pointed at the hand-off) and the coordinator.
    assert Notice.objects.filter(
        user=officer, url=f"/staff/candidates/{candidate.pk}/handoff/"
    ).exists()
    assert Notice.objects.filter(user=coordinator, url=f"/staff/reports/{found.pk}/").exists()
    assert not Notice.objects.filter(user__in=[officer2, partner, outsider]).exists()
    assert found.reference in Notice.objects.get(user=coordinator).text

    # By email: the same two people, with references and a link, no personal detail.
    staff_mail = {m.to[0]: m for m in mail.outbox}
    assert set(staff_mail) == {"olivia@example.org", "cora@example.org"}
    officer_mail = staff_mail["olivia@example.org"]
    assert f"{SITE}/staff/candidates/{candidate.pk}/handoff/" in officer_mail.body
    assert missing.reference in officer_mail.subject
    for m in mail.outbox:
        assert "Mateo" not in m.body + m.subject and "Patrol car" not in m.body

    # The guardian: one SMS with the status link, never the child's whereabouts or the officer.
    [text] = sms.outbox
    assert text.to == "+15550001111"
    assert f"{SITE}/status/{missing.status_token}/" in text.body
    assert missing.reference in text.body and "call" in text.body
    for secret in PRIVATE:
        assert secret not in text.body


def test_it_audits_each_delivery_without_personal_data(
    login: Any, coordinator: User, candidate: Candidate, django_capture_on_commit_callbacks: Any
) -> None:
    confirm(login(coordinator), candidate, django_capture_on_commit_callbacks)
    sent = audits("core.notification.sent")
    # The in-app notices of one fan-out: one entry, the recipients' ids by role.
    [in_app] = [e for e in sent if e.data["channel"] == "app"]
    assert in_app.data["count"] == 2
    assert in_app.data["recipients"] == {
        "coordinator": [coordinator.pk],
        "holding_officer": [candidate.found.filed_by_id],
    }
    # Each email and text: its own entry, after the send.
    channels = sorted((e.data["channel"], e.data["role"]) for e in sent if e is not in_app)
    assert channels == [
        ("email", "coordinator"),
        ("email", "holding_officer"),
        ("sms", "guardian"),
    ]
    assert all(e.agency_id == coordinator.agency_id for e in sent)
    dumped = json.dumps([e.data for e in sent])
    for secret in ("5550001111", "lucia", "olivia@", "cora@", "Mateo"):
        assert secret not in dumped
    assert audits("core.notification.failed") == []


def test_it_emails_a_guardian_without_a_phone_in_their_language(
    login: Any,
    coordinator: User,
    agency: Any,
    report_data: Any,
    found: Report,
    django_capture_on_commit_callbacks: Any,
) -> None:
    missing = services.report_create(
        agency=agency,
        kind="missing",
        filed_by=None,
        data=report_data("missing", guardian_phone="", guardian_language="es"),
    )
    cand, _ = Candidate.objects.get_or_create(missing=missing, found=found, defaults={"score": 0.8})
    confirm(login(coordinator), cand, django_capture_on_commit_callbacks)

    assert sms.outbox == []
    [guardian_mail] = [m for m in mail.outbox if m.to == ["lucia@example.org"]]
    assert "página de estado" in guardian_mail.body and "llamará" in guardian_mail.body
    assert f"{SITE}/status/{missing.status_token}/" in guardian_mail.body
    assert guardian_mail.subject.startswith("Su reporte")
    assert guardian_mail.reply_to == ["unit@example.org"]
    staff_mail = [m for m in mail.outbox if m.to != ["lucia@example.org"]]
    assert staff_mail and all("llamará" not in m.body for m in staff_mail)


def test_a_failing_sms_provider_never_undoes_the_match(
    login: Any,
    coordinator: User,
    candidate: Candidate,
    missing: Report,
    found: Report,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.SMS_BACKEND = "twilio"
    settings.TWILIO_ACCOUNT_SID = ""  # misconfigured: every send raises SmsError
    response = confirm(login(coordinator), candidate, django_capture_on_commit_callbacks)

    assert response.status_code == 200
    assert Report.objects.get(pk=missing.pk).status == Report.Status.MATCHED
    assert Report.objects.get(pk=found.pk).status == Report.Status.MATCHED
    [failed] = audits("core.notification.failed")
    assert failed.data == {
        "event": "match_confirmed",
        "candidate": candidate.pk,
        "channel": "sms",
        "role": "guardian",
        "error": "SmsError",
    }
    # The guardian still hears, by email.
    assert any(m.to == ["lucia@example.org"] for m in mail.outbox)
    assert ("email", "guardian") in [
        (e.data["channel"], e.data.get("role")) for e in audits("core.notification.sent")
    ]


def test_an_unreachable_mail_server_never_undoes_the_match(
    login: Any,
    coordinator: User,
    candidate: Candidate,
    missing: Report,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 2},
        }
    }
    response = confirm(login(coordinator), candidate, django_capture_on_commit_callbacks)

    assert response.status_code == 200
    assert Report.objects.get(pk=missing.pk).status == Report.Status.MATCHED
    failed = audits("core.notification.failed")
    assert sorted(e.data["role"] for e in failed) == ["coordinator", "holding_officer"]
    assert {e.data["channel"] for e in failed} == {"email"}
    assert len(sms.outbox) == 1  # the guardian's SMS went out regardless
    assert Notice.objects.count() == 2


def test_it_notifies_the_partner_who_holds_a_child_they_reported(
    login: Any,
    coordinator: User,
    partner: User,
    agency: Any,
    store: Any,
    report_data: Any,
    missing: Report,
    django_capture_on_commit_callbacks: Any,
) -> None:
    found = services.report_create(
        agency=agency, kind="found", data=report_data("found"), filed_by=partner, partner_org=store
    )
    cand, _ = Candidate.objects.get_or_create(missing=missing, found=found, defaults={"score": 0.8})
    confirm(login(coordinator), cand, django_capture_on_commit_callbacks)
    assert Notice.objects.filter(user=partner).exists()
    [in_app] = [e for e in audits("core.notification.sent") if e.data["channel"] == "app"]
    assert in_app.data["recipients"]["filer"] == [partner.pk]


def test_it_thanks_the_guardian_and_tells_coordinators_on_reunion(
    login: Any,
    coordinator: User,
    officer: User,
    candidate: Candidate,
    missing: Report,
    django_capture_on_commit_callbacks: Any,
) -> None:
    confirm(login(coordinator), candidate, django_capture_on_commit_callbacks)
    sms.outbox.clear()
    mail.outbox.clear()
    Notice.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        services.handoff_record(
            candidate=candidate,
            officer=officer,
            id_checked=True,
            id_type="driving_licence",
            id_last4="1234",
            child_recognises=True,
            guardian_knowledge=True,
            guardian_knowledge_note="his dog is called Taco",
            released_to="Lucia Alvarez",
            collector="reporter",
        )
    assert Report.objects.get(pk=missing.pk).status == Report.Status.REUNITED
    [text] = sms.outbox
    assert "reunited" in text.body and f"/status/{missing.status_token}/" in text.body
    assert "Taco" not in text.body and "Lucia" not in text.body
    assert list(Notice.objects.values_list("user__username", flat=True)) == ["cora"]
    assert "Reunited" in Notice.objects.get().text
    assert mail.outbox == []  # staff learn of a reunion in the app


def test_a_match_rejected_before_the_worker_runs_is_not_announced(
    coordinator: User,
    candidate: Candidate,
) -> None:
    from showup.core.tasks import notify

    services.candidate_reject(candidate=candidate, actor=coordinator)
    notify.call("match_confirmed", candidate.pk)
    assert sms.outbox == [] and Notice.objects.count() == 0


@pytest.fixture
def queued(settings: Any) -> Iterator[Any]:
    """A queue that holds tasks instead of running them (a worker that has not run yet)."""

    def reset() -> None:
        task_backends.__dict__.pop("settings", None)
        task_backends._settings = None
        task_backends._connections = Local(task_backends.thread_critical)

    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    reset()
    yield task_backends["default"]
    reset()


def test_delivery_waits_for_the_worker_and_the_queue_holds_no_personal_data(
    login: Any,
    coordinator: User,
    candidate: Candidate,
    queued: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    response = confirm(login(coordinator), candidate, django_capture_on_commit_callbacks)
    assert response.status_code == 200
    assert sms.outbox == [] and mail.outbox == [] and Notice.objects.count() == 0
    [fan_out] = queued.results
    assert fan_out.task.name == "notify" and fan_out.args == ["match_confirmed", candidate.pk]

    fan_out.task.call(*fan_out.args)  # what db_worker would do
    deliveries = queued.results[1:]
    assert len(deliveries) == 3  # two staff emails, one guardian SMS
    assert "5550001111" not in json.dumps([d.args for d in deliveries])
    for delivery in deliveries:
        delivery.task.call(*delivery.args)
    assert len(sms.outbox) == 1 and len(mail.outbox) == 2
