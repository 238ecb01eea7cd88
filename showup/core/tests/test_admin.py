"""Onboarding in the Django admin, from every side: a superuser, an agency admin, another
agency's admin, staff who are not admins. Agency admins see and change only their agency;
every change is audited; invitations email a working set-password link."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from showup.core.models import AuditEntry, PartnerOrganisation, User
from showup.visits.models import Shift

pytestmark = pytest.mark.django_db


@pytest.fixture
def ada(make_user: Any, agency: Any) -> User:
    """The County Sheriff's agency admin."""
    user: User = make_user("ada", "admin", agency, is_staff=True)
    return user


@pytest.fixture
def root(db: Any) -> User:
    from conftest import give_second_factor

    user = User.objects.create_superuser("root", "root@example.org", "x-root-password-9")
    give_second_factor(user)  # the operator's superuser needs a second factor too
    return user


@pytest.fixture
def city_admin(make_user: Any, other_agency: Any) -> User:
    user: User = make_user("cyd", "admin", other_agency, is_staff=True)
    return user


@pytest.fixture
def city_partner(other_agency: Any) -> PartnerOrganisation:
    return PartnerOrganisation.objects.create(agency=other_agency, name="City Mall", kind="store")


def _add_user(client: Any, **fields: Any) -> Any:
    data = {
        "username": "newbie",
        "usable_password": "false",
        "email": "newbie@example.org",
        "first_name": "New",
        "last_name": "Officer",
        "role": "officer",
        "language": "es",
        "_save": "Save",
    }
    data.update(fields)
    return client.post(
        reverse("admin:core_user_add"), {k: v for k, v in data.items() if v is not None}
    )


def test_it_shows_agency_admins_their_models_but_not_groups_or_task_results(
    client: Any, ada: User, root: User
) -> None:
    client.force_login(ada)
    index = client.get(reverse("admin:index"))
    assert index.status_code == 200
    body = index.content.decode()
    assert "showup administration" in body
    assert reverse("admin:core_user_changelist") in body
    assert reverse("admin:core_partnerorganisation_changelist") in body
    assert reverse("admin:core_auditentry_changelist") in body
    assert reverse("admin:auth_group_changelist") not in body
    assert reverse("admin:django_tasks_database_dbtaskresult_changelist") not in body
    assert client.get(reverse("admin:auth_group_changelist")).status_code == 403
    assert (
        client.get(reverse("admin:django_tasks_database_dbtaskresult_changelist")).status_code
        == 403
    )

    client.force_login(root)
    body = client.get(reverse("admin:index")).content.decode()
    assert reverse("admin:auth_group_changelist") in body
    assert reverse("admin:django_tasks_database_dbtaskresult_changelist") in body


def test_it_keeps_staff_who_are_not_admins_out(client: Any, coordinator: User) -> None:
    coordinator.is_staff = True  # even with the flag, the role decides
    coordinator.save()
    client.force_login(coordinator)
    assert client.get(reverse("admin:core_user_changelist")).status_code == 403
    body = client.get(reverse("admin:index")).content.decode()
    assert reverse("admin:core_user_changelist") not in body


def test_it_lists_only_the_admins_own_agency(
    client: Any, ada: User, officer: User, outsider: User, root: User, city_partner: Any, store: Any
) -> None:
    client.force_login(ada)
    users = client.get(reverse("admin:core_user_changelist")).context["cl"].result_list
    assert {u.username for u in users} == {"ada", "olivia"}
    partners = client.get(reverse("admin:core_partnerorganisation_changelist"))
    assert [p.name for p in partners.context["cl"].result_list] == ["FreshMart"]
    # Another agency's user, or a superuser, cannot be opened by URL either.
    for user in (outsider, root):
        response = client.get(reverse("admin:core_user_change", args=[user.pk]))
        assert response.status_code == 302 and response["Location"] == reverse("admin:index")
    response = client.get(reverse("admin:core_partnerorganisation_change", args=[city_partner.pk]))
    assert response.status_code == 302

    client.force_login(root)
    users = client.get(reverse("admin:core_user_changelist")).context["cl"].result_list
    assert {"ada", "olivia", "otto", "root"} <= {u.username for u in users}


def test_it_searches_users_by_badge_and_name(
    client: Any, ada: User, make_user: Any, agency: Any
) -> None:
    make_user("bert", "officer", agency, badge_number="B-7781", last_name="Quist")
    make_user("carl", "officer", agency, badge_number="C-1000")
    client.force_login(ada)
    found = client.get(reverse("admin:core_user_changelist"), {"q": "7781"}).context["cl"]
    assert [u.username for u in found.result_list] == ["bert"]
    found = client.get(reverse("admin:core_user_changelist"), {"q": "quist"}).context["cl"]
    assert [u.username for u in found.result_list] == ["bert"]
    filtered = client.get(reverse("admin:core_user_changelist"), {"role__exact": "admin"})
    assert [u.username for u in filtered.context["cl"].result_list] == ["ada"]


def test_an_agency_admin_adds_an_officer_to_their_own_agency_and_invites_them(
    client: Any,
    ada: User,
    agency: Any,
    other_agency: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    client.force_login(ada)
    with django_capture_on_commit_callbacks(execute=True):
        # Fields an agency admin may not set are ignored even if posted.
        response = _add_user(
            client,
            agency=str(other_agency.pk),
            is_superuser="on",
            is_staff="on",
            badge_number="4471",
            alert_by_sms="on",
        )
    assert response.status_code == 302, response.context["adminform"].form.errors
    user = User.objects.get(username="newbie")
    assert user.agency_id == agency.pk
    assert not user.is_superuser and not user.is_staff
    assert user.role == "officer" and user.badge_number == "4471" and user.alert_by_sms
    assert user.language == "es"
    assert not user.has_usable_password()

    created = AuditEntry.objects.get(action="core.admin.user.created")
    assert created.actor_id == ada.pk and created.object_id == str(user.pk)
    assert created.agency_id == agency.pk
    assert {"username", "email", "language", "badge_number"} <= set(created.data["fields"])
    assert not any("password" in f for f in created.data["fields"])
    assert AuditEntry.objects.filter(
        action="core.admin.user.invited", object_id=str(user.pk)
    ).exists()

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["newbie@example.org"]
    assert message.reply_to == ["unit@example.org"]
    assert "newbie" in message.body and "County Sheriff" in message.body
    link = re.search(r"https?://\S+/accounts/password/\S+/", message.body)
    assert link is not None
    path = link.group(0).split("://", 1)[1].split("/", 1)[1]

    # The link opens the set-password page, which redirects to its session URL first.
    client.logout()
    page = client.get("/" + path, follow=True)
    assert page.status_code == 200 and page.context["validlink"]
    set_url = page.redirect_chain[-1][0]
    # A password like the username is refused (UserAttributeSimilarityValidator).
    refused = client.post(set_url, {"new_password1": "newbie2024", "new_password2": "newbie2024"})
    assert refused.status_code == 200 and refused.context["form"].errors
    done = client.post(
        set_url, {"new_password1": "Tangerine-bicycle-42", "new_password2": "Tangerine-bicycle-42"}
    )
    assert done.status_code == 302 and done["Location"] == reverse("password_reset_complete")
    user.refresh_from_db()
    assert user.check_password("Tangerine-bicycle-42")
    assert AuditEntry.objects.filter(action="core.account.password_set", actor=user).exists()
    # The link works once.
    again = client.get("/" + path, follow=True)
    assert not again.context["validlink"]
    assert "This link no longer works" in again.content.decode()


def test_an_invitation_needs_an_email_when_no_password_is_set(client: Any, ada: User) -> None:
    client.force_login(ada)
    response = _add_user(client, email="")
    assert response.status_code == 200
    assert "email" in response.context["adminform"].form.errors
    assert not User.objects.filter(username="newbie").exists()


def test_partner_staff_need_a_partner_of_the_same_agency(
    client: Any, ada: User, root: User, store: Any, city_partner: Any, other_agency: Any
) -> None:
    client.force_login(ada)
    missing_org = _add_user(client, role="partner")
    assert "partner_org" in missing_org.context["adminform"].form.errors
    foreign_org = _add_user(client, role="partner", partner_org=str(city_partner.pk))
    assert "partner_org" in foreign_org.context["adminform"].form.errors  # not even a choice
    officer_with_org = _add_user(client, role="officer", partner_org=str(store.pk))
    assert "partner_org" in officer_with_org.context["adminform"].form.errors
    ok = _add_user(client, role="partner", partner_org=str(store.pk))
    assert ok.status_code == 302
    assert User.objects.get(username="newbie").partner_org_id == store.pk

    # A superuser picks the agency, and the partner must work with that agency.
    client.force_login(root)
    mismatch = _add_user(
        client,
        username="other",
        role="partner",
        agency=str(other_agency.pk),
        partner_org=str(store.pk),
    )
    assert "partner_org" in mismatch.context["adminform"].form.errors
    ok = _add_user(
        client,
        username="other",
        role="partner",
        agency=str(other_agency.pk),
        partner_org=str(city_partner.pk),
    )
    assert ok.status_code == 302
    assert User.objects.get(username="other").agency_id == other_agency.pk


def _change_data(user: User, **fields: Any) -> dict[str, Any]:
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "phone": user.phone,
        "badge_number": user.badge_number,
        "language": user.language,
        "role": user.role,
        "is_active": "on" if user.is_active else "",
        "_save": "Save",
    }
    data.update(fields)
    return {k: v for k, v in data.items() if v not in ("", None)}


def test_an_agency_admin_cannot_grant_superuser_or_move_anyone(
    client: Any, ada: User, officer: User, other_agency: Any, agency: Any
) -> None:
    client.force_login(ada)
    response = client.post(
        reverse("admin:core_user_change", args=[officer.pk]),
        _change_data(
            officer,
            role="coordinator",
            is_superuser="on",
            is_staff="on",
            agency=str(other_agency.pk),
            phone="+15550002222",
        ),
    )
    assert response.status_code == 302
    officer.refresh_from_db()
    assert officer.role == "coordinator" and officer.phone == "+15550002222"
    assert not officer.is_superuser and not officer.is_staff
    assert officer.agency_id == agency.pk
    entry = AuditEntry.objects.get(action="core.admin.user.changed")
    assert entry.data["fields"] == ["phone", "role"]

    # Promoting to agency admin opens the administration to them; demoting closes it.
    client.post(
        reverse("admin:core_user_change", args=[officer.pk]), _change_data(officer, role="admin")
    )
    officer.refresh_from_db()
    assert officer.is_staff and not officer.is_superuser
    client.post(
        reverse("admin:core_user_change", args=[officer.pk]), _change_data(officer, role="officer")
    )
    officer.refresh_from_db()
    assert not officer.is_staff


def test_another_agencys_admin_cannot_change_our_users(
    client: Any, city_admin: User, officer: User
) -> None:
    client.force_login(city_admin)
    response = client.post(
        reverse("admin:core_user_change", args=[officer.pk]), _change_data(officer, role="admin")
    )
    assert response.status_code == 302 and response["Location"] == reverse("admin:index")
    officer.refresh_from_db()
    assert officer.role == "officer"
    assert (
        client.post(
            reverse("admin:core_user_delete", args=[officer.pk]), {"post": "yes"}
        ).status_code
        == 302
    )
    assert User.objects.filter(pk=officer.pk).exists()
    assert not AuditEntry.objects.filter(action__startswith="core.admin.").exists()


def test_invitations_from_the_list_and_the_change_page(
    client: Any,
    ada: User,
    officer: User,
    coordinator: User,
    make_user: Any,
    agency: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    no_email = make_user("nomail", "officer", agency)
    no_email.email = ""
    no_email.save()
    client.force_login(ada)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:core_user_changelist"),
            {
                "action": "send_invitations",
                "_selected_action": [str(officer.pk), str(coordinator.pk), str(no_email.pk)],
            },
            follow=True,
        )
    assert sorted(m.to[0] for m in mail.outbox) == ["cora@example.org", "olivia@example.org"]
    texts = [str(m) for m in response.context["messages"]]
    assert any("nomail" in t for t in texts)
    assert AuditEntry.objects.filter(action="core.admin.user.invited").count() == 2

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:core_user_change", args=[officer.pk]),
            _change_data(officer, _send_invitation="1", _save=None),
        )
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:core_user_change", args=[officer.pk])
    assert [m.to for m in mail.outbox] == [["olivia@example.org"]]
    page = client.get(reverse("admin:core_user_change", args=[officer.pk]))
    assert 'name="_send_invitation"' in page.content.decode()


def test_the_invitation_is_written_in_the_persons_language(
    ada: User, officer: User, django_capture_on_commit_callbacks: Any
) -> None:
    from showup.core.admin import send_invitation

    officer.language = "es"
    officer.save()
    with django_capture_on_commit_callbacks(execute=True):
        assert send_invitation(officer, actor=ada)
    # The subject and body are rendered under the person's language (Spanish once translated),
    # whatever the admin's own language is.
    from django.utils import translation

    with translation.override("es"):
        from django.template.loader import render_to_string

        expected_subject = " ".join(
            render_to_string(
                "registration/invitation_subject.txt", {"agency": "County Sheriff"}
            ).split()
        )
    assert mail.outbox[0].subject == expected_subject


def test_partner_organisations_are_created_in_the_admins_agency_and_audited(
    client: Any, ada: User, agency: Any, other_agency: Any
) -> None:
    client.force_login(ada)
    response = client.post(
        reverse("admin:core_partnerorganisation_add"),
        {"name": "Sunny School", "kind": "school", "agency": str(other_agency.pk), "_save": "Save"},
    )
    assert response.status_code == 302
    org = PartnerOrganisation.objects.get(name="Sunny School")
    assert org.agency_id == agency.pk
    created = AuditEntry.objects.get(action="core.admin.partnerorganisation.created")
    assert created.agency_id == agency.pk and created.data["fields"] == ["kind", "name"]

    response = client.post(
        reverse("admin:core_partnerorganisation_delete", args=[org.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not PartnerOrganisation.objects.filter(pk=org.pk).exists()
    deleted = AuditEntry.objects.get(action="core.admin.partnerorganisation.deleted")
    assert deleted.object_id == str(org.pk) and deleted.actor_id == ada.pk


def test_an_agency_admin_edits_their_agency_but_adds_no_other(
    client: Any, ada: User, agency: Any, other_agency: Any
) -> None:
    client.force_login(ada)
    agencies = client.get(reverse("admin:core_agency_changelist")).context["cl"].result_list
    assert list(agencies) == [agency]
    assert client.get(reverse("admin:core_agency_add")).status_code == 403
    response = client.post(
        reverse("admin:core_agency_change", args=[agency.pk]),
        {
            "name": "County Sheriff",
            "retention_days": "45",
            "email": "unit@example.org",
            "phone": "+15550009999",
            "phone_region": "US",
            "_save": "Save",
        },
    )
    assert response.status_code == 302
    agency.refresh_from_db()
    assert agency.phone == "+15550009999" and agency.retention_days == 45
    entry = AuditEntry.objects.get(action="core.admin.agency.changed")
    assert entry.agency_id == agency.pk and entry.data["fields"] == ["phone", "retention_days"]
    assert (
        client.get(reverse("admin:core_agency_change", args=[other_agency.pk])).status_code == 302
    )


def test_the_audit_log_is_read_only_and_scoped(
    client: Any, ada: User, officer: User, outsider: User, root: User
) -> None:
    from showup.core.audit import audit

    ours = audit("test.ours", actor=officer)
    theirs = audit("test.theirs", actor=outsider)
    client.force_login(ada)
    listed = client.get(reverse("admin:core_auditentry_changelist")).context["cl"].result_list
    assert ours in listed and theirs not in listed
    assert client.get(reverse("admin:core_auditentry_add")).status_code == 403
    view = client.get(reverse("admin:core_auditentry_change", args=[ours.pk]))
    assert view.status_code == 200 and 'name="_save"' not in view.content.decode()
    assert (
        client.post(
            reverse("admin:core_auditentry_change", args=[ours.pk]), {"action": "x"}
        ).status_code
        == 403
    )
    assert (
        client.post(
            reverse("admin:core_auditentry_delete", args=[ours.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    client.force_login(root)
    assert client.get(reverse("admin:core_auditentry_add")).status_code == 403
    assert (
        client.post(
            reverse("admin:core_auditentry_delete", args=[ours.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert AuditEntry.objects.filter(pk=ours.pk).exists()


def test_visits_tables_are_scoped_to_the_admins_agency(
    client: Any, ada: User, officer: User, outsider: User, agency: Any, other_agency: Any
) -> None:
    now = timezone.now()
    ours = Shift.objects.create(
        agency=agency, officer=officer, start=now, end=now + timedelta(hours=8)
    )
    theirs = Shift.objects.create(
        agency=other_agency, officer=outsider, start=now, end=now + timedelta(hours=8)
    )
    client.force_login(ada)
    listed = client.get(reverse("admin:visits_shift_changelist")).context["cl"].result_list
    assert list(listed) == [ours]
    assert client.get(reverse("admin:visits_shift_change", args=[theirs.pk])).status_code == 302
    form = client.get(reverse("admin:visits_shift_add")).context["adminform"].form
    assert "agency" not in form.fields
    assert set(form.fields["officer"].queryset) == {ada, officer}
    start = timezone.localtime(now)
    response = client.post(
        reverse("admin:visits_shift_add"),
        {
            "officer": str(outsider.pk),
            "start_0": start.strftime("%Y-%m-%d"),
            "start_1": "08:00:00",
            "end_0": start.strftime("%Y-%m-%d"),
            "end_1": "16:00:00",
        },
    )
    assert response.status_code == 200  # another agency's officer is not a valid choice
    response = client.post(
        reverse("admin:visits_shift_add"),
        {
            "officer": str(officer.pk),
            "start_0": start.strftime("%Y-%m-%d"),
            "start_1": "08:00:00",
            "end_0": start.strftime("%Y-%m-%d"),
            "end_1": "16:00:00",
        },
    )
    assert response.status_code == 302
    new = Shift.objects.exclude(pk__in=[ours.pk, theirs.pk]).get()
    assert new.agency_id == agency.pk
    assert AuditEntry.objects.filter(
        action="core.admin.shift.created", object_id=str(new.pk)
    ).exists()
