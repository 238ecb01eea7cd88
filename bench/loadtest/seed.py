"""Seed the load test's database: one agency, officers, coordinators, open reports, sessions.

Run by scripts/loadtest.sh after `migrate`, with the same environment as the server:

    .venv/bin/python bench/loadtest/seed.py --officers 40 --coordinators 10 --open 200 \
        --out var/loadtest/accounts.json

Staff sessions are created here, directly in the session store, instead of through the login
page: the login flow (django-allauth with MFA, django-axes lockout) is not what this test
measures, and a load of logins would only measure the password hasher. The session carries
what Django's `login()` stores (user id, backend, password hash digest) and, when allauth is
installed, the record of how the user authenticated (password, plus TOTP for roles that need
a second factor), so the pages treat it as a completed login. Every account gets one usable
password (hashed once and copied), so a person can still log in through the page to look.

Reports go through the same service as the web and the API (matching, audit, notices).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import sys
import time
from datetime import timedelta
from decimal import Decimal
from importlib import import_module
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(Path(__file__).resolve().parent)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "showup.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.utils import timezone  # noqa: E402
from loadgen import CENTRE, random_child  # noqa: E402

from showup.core.models import Agency, Role, User  # noqa: E402
from showup.reunite import services  # noqa: E402
from showup.reunite.matching_service import drain_outbox  # noqa: E402
from showup.reunite.models import Report  # noqa: E402

AGENCY_SLUG = "loadtest"
PASSWORD = "load-test-" + "x" * 8  # the same for every load account; only on the throwaway DB


def _backend() -> str:
    """The authentication backend a password login would record in the session."""
    backends = list(settings.AUTHENTICATION_BACKENDS)
    for path in backends:
        if path == "django.contrib.auth.backends.ModelBackend":
            return path
    for path in backends:
        if "axes" not in path:
            return path
    return backends[0]


def _allauth_records(user: User, *, mfa: bool) -> list[dict[str, Any]]:
    """allauth's record of how this session authenticated (what its login view stores)."""
    now = time.time()
    records: list[dict[str, Any]] = [{"method": "password", "at": now, "username": user.username}]
    if mfa:
        records.append({"method": "mfa", "at": now, "type": "totp"})
    return records


def _activate_totp(user: User) -> bool:
    """Give the user a TOTP authenticator when allauth's MFA is installed, so that a role that
    must have a second factor is not sent to set one up. Returns whether one exists now."""
    if "allauth.mfa" not in settings.INSTALLED_APPS:
        return False
    try:
        from allauth.mfa.models import Authenticator
        from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    except ImportError:  # pragma: no cover - another allauth layout
        return False
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, generate_totp_secret())
    return True


def _session_for(user: User, *, mfa: bool) -> str:
    """A logged-in session for `user`, saved in the configured session store."""
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = _backend()
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    if "allauth.account" in settings.INSTALLED_APPS:
        store["account_authentication_methods"] = _allauth_records(user, mfa=mfa)
    store.create()
    assert store.session_key is not None
    return store.session_key


def _user(agency: Agency, username: str, role: str, password_hash: str) -> User:
    user, _created = User.objects.get_or_create(
        username=username,
        defaults={
            "agency": agency,
            "role": role,
            "first_name": username.split("-")[1].title(),
            "last_name": f"Load {username.rsplit('-', 1)[-1]}",
            "email": f"{username}@loadtest.invalid",
        },
    )
    user.password = password_hash
    user.save(update_fields=["password"])
    return user


def seed(officers: int, coordinators: int, open_reports: int, rng: random.Random) -> dict:
    agency, _created = Agency.objects.get_or_create(
        slug=AGENCY_SLUG,
        defaults={"name": "Load Test Police Department", "phone": "+12135550100"},
    )
    template = User(username="template")
    template.set_password(PASSWORD)  # hashed once: PBKDF2 is slow on purpose
    accounts: dict[str, list[dict[str, str]]] = {"officer": [], "coordinator": []}
    for role, count in ((Role.OFFICER, officers), (Role.COORDINATOR, coordinators)):
        for n in range(1, count + 1):
            user = _user(agency, f"load-{role}-{n:03d}", role, template.password)
            mfa = role == Role.COORDINATOR and _activate_totp(user)
            accounts[role].append(
                {"username": user.username, "sessionid": _session_for(user, mfa=mfa)}
            )
    filers = User.objects.filter(agency=agency, role=Role.OFFICER).order_by("pk")
    now = timezone.now()
    for n in range(open_reports):
        kind = Report.Kind.MISSING if n % 2 == 0 else Report.Kind.FOUND
        data = random_child(rng, kind=kind)
        data["seen_at"] = now - timedelta(minutes=rng.randint(5, 60 * 24 * 5))
        data["description"] = "seeded by the load test"
        for key in ("age_years", "age_min", "age_max"):
            if data.get(key) is not None:
                data[key] = Decimal(str(data[key]))
        services.report_create(
            agency=agency,
            kind=kind,
            data=data,
            filed_by=filers[n % len(filers)] if kind == Report.Kind.FOUND else None,
        )
    drain_outbox()  # the board opens with its candidates, match worker running or not
    return {
        "agency": agency.slug,
        "password": PASSWORD,
        "session_cookie": settings.SESSION_COOKIE_NAME,
        "csrf_cookie": settings.CSRF_COOKIE_NAME,
        "centre": CENTRE,
        "accounts": accounts,
        "open_reports": Report.objects.filter(agency=agency).open().count(),
        "seeded_at": now.isoformat(),
        "nonce": secrets.token_hex(4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--officers", type=int, default=40)
    parser.add_argument("--coordinators", type=int, default=10)
    parser.add_argument("--open", type=int, default=200, help="open reports on the board")
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    started = time.monotonic()
    result = seed(args.officers, args.coordinators, args.open, random.Random(args.seed))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1))
    print(
        f"seeded {args.officers} officers, {args.coordinators} coordinators, "
        f"{result['open_reports']} open reports in {time.monotonic() - started:.1f} s"
    )


if __name__ == "__main__":
    main()
