"""Exactly one record per create request: idempotency keys for web forms and the API.

Semantics follow the IETF httpapi "Idempotency-Key header" draft. The first request with a key
claims it (scope: the staff user, or for an anonymous visitor a hash of the session key) with a
fingerprint of its body, creates its record and remembers the answer (status code, object).
A repeat with the same key and the same fingerprint gets the first answer again and creates
nothing; the same key with another body is refused (422); a repeat that arrives while the first
is still being processed (status_code 0) is refused with 409, or waits a little for it.

Module-agnostic: callers pass a `create` callable and get the created model instance back; the
answer is stored as the instance's model label and primary key and loaded again on a repeat.
Race-safe on SQLite and PostgreSQL: the claim is an INSERT under the unique constraint
(scope, key) in its own savepoint, and a loser of the race reads the winner's row.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.apps import apps
from django.db import IntegrityError, models, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from showup.core.models import IdempotencyKey

MAX_KEY_LENGTH = 120
# A repeat after this long is a new request. The retention run deletes older rows
# (showup.core.retention.IdempotencyKeyPurger, registered with core's purgers).
KEEP_FOR = timedelta(hours=24)
# A claim still "in flight" after this long belongs to a request that died between claiming
# and recording (no create takes minutes): the next request with the key takes it over.
STALE_AFTER = timedelta(minutes=2)
# The web form's hidden field; never part of the fingerprint, nor is the CSRF token.
FORM_FIELD = "idempotency_key"
HEADER = "Idempotency-Key"
_NOT_FINGERPRINTED = frozenset({FORM_FIELD, "csrfmiddlewaretoken"})


class IdempotencyError(Exception):
    """A key that cannot be honoured. `code` is stable, `status` the HTTP answer, `message`
    translated in the active language."""

    STATUS = {"invalid_key": 400, "in_flight": 409, "key_reused": 422}

    def __init__(self, code: str, message: str, original: models.Model | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = self.STATUS[code]
        # For key_reused: the record the key made first (the web links to it).
        self.original = original


@dataclass(frozen=True, slots=True)
class Claim:
    """One request's key, where it applies, and what it asked for."""

    scope: str
    key: str
    fingerprint: str


@dataclass(frozen=True, slots=True)
class Outcome[T: models.Model]:
    obj: T
    status_code: int
    replayed: bool


# --- building a claim ------------------------------------------------------------------------


def clean_key(raw: str) -> str:
    """The key as sent, if acceptable: 1 to 120 printable ASCII characters."""
    if not raw or len(raw) > MAX_KEY_LENGTH or not all(" " <= ch <= "~" for ch in raw):
        raise IdempotencyError(
            "invalid_key",
            _(
                "The idempotency key must be 1 to %(max)d printable ASCII characters "
                "(a UUID is a good choice)."
            )
            % {"max": MAX_KEY_LENGTH},
        )
    return raw


def scope_for(request: HttpRequest) -> str:
    """Whose keys these are: the signed-in user, or this browser's session (hashed, so the
    table never holds a usable session key). Creates the session if there is none yet."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    session = request.session
    if not session.session_key:
        session.save()
    digest = hashlib.sha256(str(session.session_key).encode()).hexdigest()
    return f"session:{digest[:64]}"


def fingerprint_json(body: Any) -> str:
    """sha256 of a JSON body in canonical form (sorted keys, no insignificant whitespace)."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def fingerprint_form(data: Any, files: Any = None) -> str:
    """sha256 of a form submission: every field but the key and the CSRF token, in a canonical
    order, and each uploaded file's name and content hash."""
    fields: dict[str, list[str]] = {}
    for name in sorted(data.keys()):
        if name in _NOT_FINGERPRINTED:
            continue
        fields[name] = (
            [str(v) for v in data.getlist(name)] if hasattr(data, "getlist") else [str(data[name])]
        )
    uploads: dict[str, list[str]] = {}
    for name in sorted(files.keys()) if files else ():
        digests = []
        for upload in files.getlist(name):
            digest = hashlib.sha256()
            for chunk in upload.chunks():
                digest.update(chunk)
            upload.seek(0)
            digests.append(f"{upload.name}:{digest.hexdigest()}")
        uploads[name] = digests
    return fingerprint_json({"fields": fields, "files": uploads})


def form_claim(request: HttpRequest) -> Claim | None:
    """The claim of a web form's POST, or None when the form carried no key (an old page)."""
    raw = request.POST.get(FORM_FIELD, "")
    if raw == "":
        return None
    key = clean_key(raw)
    return Claim(scope_for(request), key, fingerprint_form(request.POST, request.FILES))


def header_claim(request: HttpRequest, key: str | None, body: Any) -> Claim | None:
    """The claim of an API request carrying `Idempotency-Key`, or None without the header."""
    if key is None:
        return None
    return Claim(scope_for(request), clean_key(key), fingerprint_json(body))


# --- using it ----------------------------------------------------------------------------------


def replay(claim: Claim, *, wait: float = 0.0) -> Outcome[Any] | None:
    """The first answer for this key, or None if the key is new. Raises key_reused when the key
    came with another body, in_flight when the first request is still running after `wait`
    seconds."""
    deadline = time.monotonic() + wait
    while True:
        row = IdempotencyKey.objects.filter(scope=claim.scope, key=claim.key).first()
        if row is None or _expired(row):
            return None
        if row.fingerprint != claim.fingerprint:
            raise IdempotencyError(
                "key_reused",
                _(
                    "This idempotency key was already used for a different request. Send a "
                    "new key to make a new record."
                ),
                original=_stored_object(row) if row.status_code else None,
            )
        if row.status_code:
            obj = _stored_object(row)
            if obj is None:  # the record is gone: nothing to answer with, treat as new
                row.delete()
                return None
            return Outcome(obj, row.status_code, replayed=True)
        if _stale(row):
            return None
        if time.monotonic() >= deadline:
            raise IdempotencyError(
                "in_flight",
                _(
                    "A request with this idempotency key is still being processed. Wait a "
                    "moment and try again."
                ),
            )
        time.sleep(0.2)


def run_once[M: models.Model](
    claim: Claim | None,
    create: Callable[[], M],
    *,
    status_code: int = 201,
    wait: float = 0.0,
) -> Outcome[M]:
    """Run `create` unless this key already did; without a claim simply run it.

    `create` and the recording of its answer share one transaction (the claim is committed
    before it, so a concurrent repeat sees "in flight"). If `create` raises, the claim is
    released so that a corrected retry with the same key can proceed."""
    if claim is None:
        return Outcome(create(), status_code, replayed=False)
    for _attempt in range(3):
        if _claim(claim):
            break
        first = replay(claim, wait=wait)
        if first is not None:
            return first
        _take_over_or_drop(claim)
    else:  # pragma: no cover - three races lost in a row
        raise IdempotencyError("in_flight", _("Please try again."))
    try:
        with transaction.atomic():
            obj = create()
            IdempotencyKey.objects.filter(scope=claim.scope, key=claim.key).update(
                status_code=status_code,
                object_type=obj._meta.label_lower,
                object_id=str(obj.pk),
            )
    except BaseException:
        IdempotencyKey.objects.filter(scope=claim.scope, key=claim.key, status_code=0).delete()
        raise
    return Outcome(obj, status_code, replayed=False)


# --- internals --------------------------------------------------------------------------------


def _claim(claim: Claim) -> bool:
    """Insert the in-flight row; False if the key is already there. The savepoint keeps a
    failed INSERT from breaking a surrounding transaction (PostgreSQL)."""
    try:
        with transaction.atomic():
            IdempotencyKey.objects.create(
                scope=claim.scope, key=claim.key, fingerprint=claim.fingerprint
            )
    except IntegrityError:
        return False
    return True


def _take_over_or_drop(claim: Claim) -> None:
    """The row is expired or a stale claim: remove it so that the next INSERT can win (only
    one of several racing requests will). A finished, live row is never removed here."""
    now = timezone.now()
    IdempotencyKey.objects.filter(scope=claim.scope, key=claim.key).filter(
        models.Q(created_at__lt=now - KEEP_FOR)
        | models.Q(status_code=0, created_at__lt=now - STALE_AFTER)
    ).delete()


def _expired(row: IdempotencyKey) -> bool:
    return row.created_at < timezone.now() - KEEP_FOR


def _stale(row: IdempotencyKey) -> bool:
    return row.status_code == 0 and row.created_at < timezone.now() - STALE_AFTER


def _stored_object(row: IdempotencyKey) -> models.Model | None:
    try:
        model = apps.get_model(row.object_type)
    except (LookupError, ValueError):
        return None
    return model._default_manager.filter(pk=row.object_id).first()


# --- web forms ---------------------------------------------------------------------------------

# What this browser sent from each create form: {form_id: {"url", "label", "at"}}. Lets a form
# reached again with Back say "You already sent this report" instead of offering a blank form.
SENT_SESSION_KEY = "showup_sent_forms"


def new_form_key(request: HttpRequest) -> str:
    """A fresh key for one rendered create form. A visitor without an account gets her
    session now, with the form: keys are scoped by session, and repeats of a first POST that
    all left before any answer (a double tap, a retrying network) must share one scope."""
    scope_for(request)
    return str(uuid.uuid4())


def form_key_for(request: HttpRequest) -> str:
    """The key a re-rendered form keeps: the one it was posted with, if usable."""
    raw = request.POST.get(FORM_FIELD, "") if request.method == "POST" else ""
    try:
        return clean_key(raw)
    except IdempotencyError:
        return new_form_key(request)


def remember_sent(request: HttpRequest, form_id: str, *, url: str, label: str) -> None:
    sent = dict(request.session.get(SENT_SESSION_KEY, {}))
    sent[form_id] = {"url": url, "label": label, "at": time.time()}
    request.session[SENT_SESSION_KEY] = sent


def sent_before(
    request: HttpRequest, form_id: str, *, within: timedelta, forget: bool = False
) -> dict[str, Any] | None:
    """What this browser last sent from the form, if within `within`; `forget` shows it once."""
    sent = dict(request.session.get(SENT_SESSION_KEY, {}))
    entry = sent.get(form_id)
    if entry is None:
        return None
    if forget or time.time() - entry.get("at", 0) > within.total_seconds():
        del sent[form_id]
        request.session[SENT_SESSION_KEY] = sent
    if time.time() - entry.get("at", 0) > within.total_seconds():
        return None
    return dict(entry)
