"""What modules plug into core at start-up. core imports no feature app: each module fills these
registries in its AppConfig.ready() (pretix registers its shredders and log renderers the same
way), so a new module is a new app that registers itself, nothing more.

- retention purgers: `register_purger(purger)`; `showup purge_expired` and the scheduled task
  run every registered purger (showup.core.retention).
- notification kinds: `register_notification_kind(kind)`; the generic `notify`/`deliver` tasks
  look the kind up by name (showup.core.notifications).
- audit labels: `register_audit_labels({code: lazy label})`; `audit_label(code)` renders an
  action code for people, in the active language.
- photo references: `register_photo_references(name, provider)`; the orphan-file sweep
  (showup.core.orphans) keeps every photo file a provider says its rows name.
- duty rosters: `register_duty_roster(provider)`; `on_duty(agency_id, now)` says which officers
  of an agency are on duty now.
- periodic jobs: `register_periodic_job(name, job, every)`; `showup run_scheduler` runs each
  registered job when its interval has passed (events' expiry of offered places, say).
- home sections: `register_home_section(name, render)`; the public home page shows each
  registered section's HTML (events' upcoming community days, say) in registration order.
- encounter kinds: `register_encounter_kind(name, provider, label)`; `encounter(name, user,
  id)` says what an encounter (a reunited report, a completed visit) is called and what an
  invitation to an event may prefill, or None when the user may not see it (events invites
  families this way without importing reunite or visits).

Registering again under the same name replaces the earlier entry, so a ready() that runs twice
(tests that reload apps) registers nothing twice.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from django.utils.functional import Promise

from showup.core.models import Role, User

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from showup.core.notifications import NotificationKind


# --- retention purgers ------------------------------------------------------------------------


class Purger(Protocol):
    """Removes one module's personal data once its agency's retention period has passed.

    `purge` returns counts only (never names): they are printed by the command and written to
    the audit log. With dry_run it only counts. `summary` turns the counts into one or more
    lines for the operator running `showup purge_expired`."""

    name: str

    def purge(self, now: datetime, dry_run: bool) -> dict[str, Any]: ...

    def summary(self, counts: dict[str, Any], dry_run: bool) -> list[str]: ...


_purgers: dict[str, Purger] = {}


def register_purger(purger: Purger) -> None:
    _purgers[purger.name] = purger


def purgers() -> list[Purger]:
    """Every registered purger, in the order of registration (the order of INSTALLED_APPS)."""
    return list(_purgers.values())


# --- photo references -------------------------------------------------------------------------

# (file names under PRIVATE_MEDIA_ROOT/photos) -> those of them a module's rows still name.
PhotoReferences = Callable[[Collection[str]], Iterable[str]]

_photo_references: dict[str, PhotoReferences] = {}


def register_photo_references(name: str, provider: PhotoReferences) -> None:
    """A module that stores photos (showup.core.photos.store_photo) says which files its rows
    name; the orphan sweep (showup.core.orphans) deletes only files no provider claims."""
    _photo_references[name] = provider


def photo_references() -> list[PhotoReferences]:
    return list(_photo_references.values())


# --- notification kinds -----------------------------------------------------------------------

_notification_kinds: dict[str, NotificationKind] = {}


def register_notification_kind(kind: NotificationKind) -> None:
    _notification_kinds[kind.name] = kind


def notification_kind(name: str) -> NotificationKind:
    """The registered kind; LookupError for a name nobody registered (a task queued by an
    older release, or a module removed since)."""
    try:
        return _notification_kinds[name]
    except KeyError:
        raise LookupError(f"no notification kind {name!r} is registered") from None


def notification_kinds() -> list[str]:
    return sorted(_notification_kinds)


# --- audit labels -----------------------------------------------------------------------------

_audit_labels: dict[str, Promise | str] = {}


def register_audit_labels(labels: Mapping[str, Promise | str]) -> None:
    """Readable labels for a module's audit action codes (lazy translations, so each is
    rendered in the language active when it is shown)."""
    _audit_labels.update(labels)


def audit_label(code: str) -> str:
    """The label of an action code in the active language; the code itself when unknown."""
    label = _audit_labels.get(code)
    return str(label) if label is not None else code


# --- duty rosters -----------------------------------------------------------------------------

# (agency_id, now) -> the pks of the users on duty, or None when the provider has no roster
# for that agency at all (a provider that knows the agency but finds nobody returns a set).
DutyRoster = Callable[[int, datetime], Iterable[int] | None]

_duty_rosters: dict[str, DutyRoster] = {}


def register_duty_roster(name: str, provider: DutyRoster) -> None:
    _duty_rosters[name] = provider


def on_duty(agency_id: int, now: datetime) -> QuerySet[User]:
    """The active officers of the agency on duty now, by every registered roster. When no
    roster knows the agency (no shifts entered at all), every active officer of the agency is
    on duty: an alert to too many beats an alert to nobody."""
    on_roster: set[int] | None = None
    for provider in _duty_rosters.values():
        pks = provider(agency_id, now)
        if pks is not None:
            on_roster = (on_roster or set()) | set(pks)
    officers = User.objects.filter(agency_id=agency_id, role=Role.OFFICER, is_active=True)
    if on_roster is not None:
        officers = officers.filter(pk__in=on_roster)
    return officers.order_by("pk")


# --- periodic jobs ----------------------------------------------------------------------------

# A job takes no arguments and returns a short summary (counts only, never names) or None.
PeriodicJob = Callable[[], Any]

_periodic_jobs: dict[str, tuple[PeriodicJob, float]] = {}


def register_periodic_job(name: str, job: PeriodicJob, every: float) -> None:
    """Run `job` about every `every` seconds from `showup run_scheduler` (at start, then each
    time the interval has passed). Jobs must be idempotent: two schedulers may run."""
    _periodic_jobs[name] = (job, every)


def periodic_jobs() -> dict[str, tuple[PeriodicJob, float]]:
    return dict(_periodic_jobs)


# --- home sections ----------------------------------------------------------------------------


HomeSection = Callable[[Any], str]  # request -> SafeString from render_to_string, or ""
_home_sections: dict[str, HomeSection] = {}


def register_home_section(name: str, render: HomeSection) -> None:
    _home_sections[name] = render


def home_sections() -> list[HomeSection]:
    return list(_home_sections.values())


# --- encounter kinds ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Encounter:
    """What a module says about one of its encounters with a family, for an invitation to an
    event: how staff call it, and the invitation's prefill (every field editable by the
    officer). Only details the family gave as its own contact go into email and phone."""

    label: str
    family_name: str = ""
    children_names: tuple[str, ...] = ()
    email: str = ""
    phone: str = ""
    language: str = "en"


# (user, id) -> the encounter, or None when it does not exist, the user may not see it, or it
# cannot lead to an invitation (a report still open, a visit not completed).
EncounterProvider = Callable[[User, int], Encounter | None]

_encounter_kinds: dict[str, tuple[EncounterProvider, Promise | str]] = {}


def register_encounter_kind(
    name: str, provider: EncounterProvider, label: Promise | str | None = None
) -> None:
    """`label` names the kind for people ("Reunited report"), shown where invitations are
    counted by the kind of encounter that led to them."""
    _encounter_kinds[name] = (provider, label if label is not None else name)


def encounter(name: str, user: User, pk: int) -> Encounter | None:
    """The encounter `pk` of kind `name` as `user` may see it; None for an unknown kind too."""
    entry = _encounter_kinds.get(name)
    return entry[0](user, pk) if entry is not None else None


def encounter_kind_label(name: str) -> str:
    entry = _encounter_kinds.get(name)
    return str(entry[1]) if entry is not None else name


def encounter_kinds() -> list[str]:
    return sorted(_encounter_kinds)
