"""The administration without privilege leaks: an agency admin is no superuser and reaches no
other agency's child; every opening of a child's record there is audited, the platform
operator's too; and the audit log keeps no free text that may name a child."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from showup.core.models import AuditEntry, PartnerOrganisation, User

pytestmark = pytest.mark.django_db

CHILD = "Milo"
SECRET = "Milo Hartley relapsed"  # free text naming a child and their health


def _windows() -> list[tuple[Any, Any]]:
    start = timezone.now() + timedelta(days=3)
    return [(start, start + timedelta(hours=2))]


def _request(partner_user: User, org: PartnerOrganisation, name: str = CHILD) -> Any:
    from showup.visits import services

    return services.request_create(
        actor=partner_user,
        partner_org=org,
        data={"child_first_name": name, "child_age": 7, "group_size": 1, "urgency": "soon"},
        windows=_windows(),
    )


@pytest.fixture
def ada(make_user: Any, agency: Any) -> User:
    from conftest import give_second_factor

    user: User = make_user("ada", "admin", agency, is_staff=True)
    give_second_factor(user)
    return user


@pytest.fixture
def root(db: Any) -> User:
    from conftest import give_second_factor

    user = User.objects.create_superuser("root", "root@example.org", "x-root-password-9")
    give_second_factor(user)
    return user


@pytest.fixture
def ours(other_partner: User, hospital: PartnerOrganisation) -> Any:
    return _request(other_partner, hospital)


@pytest.fixture
def theirs(make_user: Any, other_agency: Any) -> Any:
    org = PartnerOrganisation.objects.create(
        agency=other_agency, name="City Hospital", kind="hospital"
    )
    nurse = make_user("cass", "partner", other_agency, partner_org=org)
    return _request(nurse, org, name="Zelda")


def _change_url(obj: Any) -> str:
    return reverse(f"admin:visits_{obj._meta.model_name}_change", args=[obj.pk])


def _viewed(obj: Any) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(
            action=f"core.admin.{obj._meta.model_name}.viewed", object_id=str(obj.pk)
        )
    )


def test_an_agency_admin_cannot_open_another_agencys_child(
    client: Any, ada: User, theirs: Any
) -> None:
    client.force_login(ada)
    response = client.get(_change_url(theirs), follow=True)
    body = response.content.decode()
    assert "Zelda" not in body
    assert response.redirect_chain and response.redirect_chain[0][1] == 302
    assert _viewed(theirs) == []
    listing = client.get(reverse("admin:visits_visitrequest_changelist")).content.decode()
    assert theirs.reference not in listing
    # Nor change it by posting to the form.
    client.post(_change_url(theirs), {"child_first_name": "Changed", "_save": "Save"})
    theirs.refresh_from_db()
    assert theirs.child_first_name == "Zelda"


def test_an_agency_admins_view_of_a_childs_record_is_audited(
    client: Any, ada: User, ours: Any
) -> None:
    client.force_login(ada)
    response = client.get(_change_url(ours))
    assert response.status_code == 200 and CHILD in response.content.decode()
    [entry] = _viewed(ours)
    assert entry.actor_id == ada.pk and entry.agency_id == ours.agency_id
    assert entry.object_type == "visitrequest" and "superuser" not in entry.data


def test_the_operators_views_and_changes_are_audited_too(
    client: Any, root: User, ours: Any, theirs: Any
) -> None:
    from django.contrib.auth.models import Group

    client.force_login(root)
    for request in (ours, theirs):
        assert client.get(_change_url(request)).status_code == 200
        [entry] = _viewed(request)
        assert entry.actor_id == root.pk and entry.data == {"superuser": True}
    # A table outside the agencies (Django's groups) audits the operator's changes as well.
    response = client.post(reverse("admin:auth_group_add"), {"name": "auditors"})
    assert response.status_code == 302
    group = Group.objects.get(name="auditors")
    created = AuditEntry.objects.get(action="core.admin.group.created")
    assert created.object_id == str(group.pk) and created.actor_id == root.pk
    client.get(reverse("admin:auth_group_change", args=[group.pk]))
    assert AuditEntry.objects.filter(action="core.admin.group.viewed").count() == 1


def test_every_registered_admin_audits_itself() -> None:
    from django.contrib import admin

    from showup.core.admin import AuditedAdminMixin

    unaudited = [
        model._meta.label
        for model, model_admin in admin.site._registry.items()
        if not isinstance(model_admin, AuditedAdminMixin)
    ]
    assert unaudited == []


def test_the_demo_agency_admin_is_not_a_superuser_and_the_operator_is_separate() -> None:
    from showup.reunite.management.commands.seed_demo import OPERATOR_USERNAME, Command

    Command()._accounts()
    admin = User.objects.get(username="demo-admin")
    assert admin.is_staff and not admin.is_superuser and admin.agency_id is not None
    operator = User.objects.get(username=OPERATOR_USERNAME)
    assert operator.is_superuser and operator.agency_id is None
    assert User.objects.filter(is_superuser=True).count() == 1


# --- no free text in the audit log ------------------------------------------------------------


def test_free_text_that_may_name_a_child_never_reaches_the_audit_log(
    other_partner: User,
    hospital: PartnerOrganisation,
    agency: Any,
    officer: User,
    coordinator: User,
    report_data: Any,
) -> None:
    from showup.reunite import services as reunite
    from showup.reunite.models import Candidate
    from showup.visits import services as visits

    # A partner cancels a visit request with a reason naming the child and a relapse.
    request = _request(other_partner, hospital)
    visits.request_cancel(request=request, actor=other_partner, reason=SECRET)
    cancelled = AuditEntry.objects.get(action="visits.request.cancelled")
    assert cancelled.data["has_reason"] is True
    # A coordinator authorises a hand-off to an adult the report does not name, with a reason.
    missing = reunite.report_create(
        agency=agency, kind="missing", data=report_data("missing"), filed_by=None
    )
    found = reunite.report_create(
        agency=agency, kind="found", data=report_data("found"), filed_by=officer
    )
    candidate = Candidate.objects.get(missing=missing, found=found)
    reunite.candidate_confirm(candidate=candidate, actor=coordinator)
    reunite.handoff_override(
        candidate=candidate, actor=coordinator, reason=SECRET, collector_name="Marta Ruiz"
    )
    # An officer closes another report as handed to an agency named in free text.
    other = reunite.report_create(
        agency=agency,
        kind="found",
        data=report_data("found", given_name="Ines", place="Elm Park"),
        filed_by=officer,
    )
    reunite.report_close(
        report=other,
        outcome="other_agency",
        actor=officer,
        agency_name=SECRET,
        reference="X-1",
        reason=SECRET,
    )
    assert AuditEntry.objects.get(action="reunite.report.closed").data["agency_given"] is True
    # The text stays on the records, which the retention purge clears.
    other.refresh_from_db()
    assert other.outcome_agency == SECRET and other.cancel_reason == SECRET
    texts = [str(data) for data in AuditEntry.objects.values_list("data", flat=True)]
    assert len(texts) >= 6
    for fragment in (SECRET, "Hartley", "relapse", "Marta"):
        assert not [t for t in texts if fragment in t], fragment
