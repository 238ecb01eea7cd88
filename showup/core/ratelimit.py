"""Rate limits for the public forms, with a proof-of-work way through.

Every anonymous form (the guardian's missing-child report, the status page's "add information"
and "cancel") counts its submissions per device and per address, in Django's cache (the
database cache, shared by every web process). Beyond a limit the submission is not taken, but
nothing is lost: the view renders the form again with what was typed, a translated message
(wait N minutes, or call the unit) and an ALTCHA proof-of-work challenge. The browser solves it
in a second or two (static/js/pow.js with the vendored widget); the solved challenge lets that
one submission through. A crowd at a fair behind one address is slowed by a puzzle, never
blocked for good; a script pays a second of CPU for each report.

- device: a random id in a signed, long-lived cookie (`showup_device`); a client that drops it
  only escapes the device limit, not the address limit.
- address: REMOTE_ADDR, or with SHOWUP_TRUSTED_PROXY_COUNT = N the address the outermost of N
  trusted reverse proxies saw (X-Forwarded-For, counted from the right). IPv6 counts per /64.
- counters are fixed windows keyed by a salted hash of the id (no address is stored in
  clear); concurrent requests may each read the same count, so a burst can pass a limit by
  the number of requests racing, never more.
- each solved challenge works once (its nonce is remembered until it expires).

Staff who are logged in are never limited here (login throttling is showup.core.accounts').
"""

from __future__ import annotations

import ipaddress
import json
import logging
import math
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.utils.crypto import salted_hmac

logger = logging.getLogger(__name__)

DEVICE_COOKIE = "showup_device"
DEVICE_SALT = "showup.core.ratelimit.device"
DEVICE_COOKIE_AGE = 400 * 24 * 3600  # the longest browsers keep a cookie
POW_FIELD = "altcha"
POW_ALGORITHM = "PBKDF2/SHA-256"
MAX_PAYLOAD_LENGTH = 8192


@dataclass(frozen=True, slots=True)
class Rate:
    count: int
    seconds: int

    @classmethod
    def parse(cls, text: str) -> Rate | None:
        """ "5/600": five per ten minutes; "0" or "": no limit."""
        text = (text or "").strip()
        if text in {"", "0"}:
            return None
        count, _, seconds = text.partition("/")
        rate = cls(int(count), int(seconds or 60))
        if rate.count <= 0 or rate.seconds <= 0:
            return None
        return rate


@dataclass(frozen=True, slots=True)
class Decision:
    """What check() found. `allowed`: take the submission. Otherwise `retry_after` seconds
    until the earliest limit frees and `challenge` (JSON for the widget) to get through now."""

    allowed: bool
    retry_after: int = 0
    challenge: str = ""
    solved: bool = False  # allowed beyond the limit by a solved challenge
    pow_failed: bool = False  # a solution came but was wrong, expired or used

    @property
    def minutes(self) -> int:
        return max(1, math.ceil(self.retry_after / 60))


# --- who is asking ---------------------------------------------------------------------------


def client_address(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or behind N trusted proxies the N-th address of
    X-Forwarded-For from the right (each proxy appends the address it received from)."""
    address = request.META.get("REMOTE_ADDR", "") or ""
    proxies = int(getattr(settings, "SHOWUP_TRUSTED_PROXY_COUNT", 0) or 0)
    if proxies > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if forwarded:
            address = forwarded[-proxies] if len(forwarded) >= proxies else forwarded[0]
    return _address_bucket(address)


def _address_bucket(address: str) -> str:
    """One bucket per IPv4 address, per /64 for IPv6 (one subscriber's whole network)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:64] or "unknown"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def device_id(request: HttpRequest) -> str:
    """The device's id from its signed cookie, or a new one (set on the response by
    `with_device_cookie`)."""
    known = getattr(request, "showup_device", None)
    if known:
        return str(known)
    value = request.get_signed_cookie(
        DEVICE_COOKIE, default=None, salt=DEVICE_SALT, max_age=DEVICE_COOKIE_AGE
    )
    if not value or len(value) > 64:
        value = secrets.token_urlsafe(18)
        request.showup_device_new = True  # type: ignore[attr-defined]
    request.showup_device = value  # type: ignore[attr-defined]
    return str(value)


def with_device_cookie(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Give the visitor a device id (before the view) and keep it in a signed cookie."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        device_id(request)
        response = view(request, *args, **kwargs)
        if getattr(request, "showup_device_new", False):
            response.set_signed_cookie(
                DEVICE_COOKIE,
                request.showup_device,  # type: ignore[attr-defined]
                salt=DEVICE_SALT,
                max_age=DEVICE_COOKIE_AGE,
                httponly=True,
                samesite="Lax",
                secure=request.is_secure(),
            )
        return response

    return wrapped


# --- counting --------------------------------------------------------------------------------


def _limits() -> list[tuple[str, Rate]]:
    limits = []
    for kind, name in (
        ("device", "SHOWUP_PUBLIC_RATE_DEVICE"),
        ("address", "SHOWUP_PUBLIC_RATE_ADDRESS"),
    ):
        rate = Rate.parse(str(getattr(settings, name, "") or ""))
        if rate is not None:
            limits.append((kind, rate))
    return limits


def _bucket_key(scope: str, kind: str, ident: str, rate: Rate, now: float) -> tuple[str, int]:
    """The cache key of this window and the seconds until it ends."""
    window = int(now // rate.seconds)
    digest = salted_hmac(
        "showup.core.ratelimit", f"{scope}|{kind}|{ident}", algorithm="sha256"
    ).hexdigest()[:32]
    remaining = int((window + 1) * rate.seconds - now) + 1
    return f"rl:{scope}:{kind}:{rate.seconds}:{digest}:{window}", remaining


def check(request: HttpRequest, scope: str) -> Decision:
    """Count one submission of a public form, or refuse it (with a challenge) when a limit is
    reached and the request carries no valid solution. A cache failure lets the submission
    through (a missing child's report outranks a limit) and is logged."""
    if request.user.is_authenticated:
        return Decision(allowed=True)
    limits = _limits()
    if not limits:
        return Decision(allowed=True)
    now = time.time()
    idents = {"device": device_id(request), "address": client_address(request)}
    buckets = []
    for kind, rate in limits:
        key, remaining = _bucket_key(scope, kind, idents[kind], rate, now)
        buckets.append((key, rate, remaining))
    try:
        counts = cache.get_many([key for key, _rate, _left in buckets])
        full = [
            (key, rate, left) for key, rate, left in buckets if counts.get(key, 0) >= rate.count
        ]
        solved = pow_failed = False
        if full:
            payload = request.POST.get(POW_FIELD, "")
            solved = bool(payload) and verify_solution(payload, scope)
            pow_failed = bool(payload) and not solved
            if not solved:
                return Decision(
                    allowed=False,
                    retry_after=max(left for _key, _rate, left in full),
                    challenge=new_challenge(scope),
                    pow_failed=pow_failed,
                )
        for key, _rate, left in buckets:
            cache.set(key, counts.get(key, 0) + 1, timeout=left)
    except DatabaseError:
        logger.exception("rate limit counters unavailable; the submission is let through")
        return Decision(allowed=True)
    return Decision(allowed=True, solved=solved)


def too_many_headers(response: HttpResponse, decision: Decision) -> HttpResponse:
    """429 with Retry-After for a refused submission (the page still carries the form)."""
    response.status_code = 429
    response["Retry-After"] = str(decision.retry_after)
    return response


# --- proof of work (ALTCHA) ------------------------------------------------------------------


def _hmac_key() -> str:
    configured = getattr(settings, "SHOWUP_ALTCHA_HMAC_KEY", "")
    return (
        configured
        or salted_hmac("showup.core.ratelimit.altcha", "hmac-key", algorithm="sha256").hexdigest()
    )


def new_challenge(scope: str) -> str:
    """A signed challenge for the widget, as JSON: valid for SHOWUP_ALTCHA_EXPIRES_SECONDS and
    only for this form."""
    from altcha import create_challenge

    challenge = create_challenge(
        algorithm=POW_ALGORITHM,
        cost=settings.SHOWUP_ALTCHA_COST,
        expires_at=int(time.time()) + settings.SHOWUP_ALTCHA_EXPIRES_SECONDS,
        data={"scope": scope},
        hmac_secret=_hmac_key(),
    )
    return json.dumps(challenge.to_dict(), separators=(",", ":"))


def verify_solution(payload: str, scope: str) -> bool:
    """True for a correct, unexpired solution of a challenge this server made for this form,
    the first time it is presented."""
    from altcha import Payload
    from altcha import verify_solution as altcha_verify

    if not payload or len(payload) > MAX_PAYLOAD_LENGTH:
        return False
    try:
        parsed = Payload.from_base64(payload)
        params = parsed.challenge.parameters
        if params.algorithm != POW_ALGORITHM or (params.data or {}).get("scope") != scope:
            return False
        if not altcha_verify(parsed, _hmac_key()).verified:
            return False
    except Exception:  # a forged payload can be malformed in any way
        return False
    # Once only: the nonce is remembered as long as the challenge could still be presented.
    return bool(
        cache.add(f"rl:pow:{params.nonce}", 1, timeout=settings.SHOWUP_ALTCHA_EXPIRES_SECONDS + 60)
    )


# --- the cache table -------------------------------------------------------------------------


def create_cache_table(using: str = "default", **kwargs: Any) -> None:
    """post_migrate: the database cache's table, so `migrate` alone prepares a database (a
    fresh clone, `make demo`, a deployment). The test runner creates it by itself too."""
    call_command("createcachetable", database=using, verbosity=0)
