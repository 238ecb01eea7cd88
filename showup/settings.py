"""Settings for showup, driven by environment variables (one file, as healthchecks does).

SQLite in `var/` is the embedded default; `SHOWUP_DB=postgres` switches to PostgreSQL with the
usual libpq variables (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE).
"""

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("SHOWUP_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def envbool(name: str, default: str = "False") -> bool:
    return os.environ.get(name, default).lower() in {"1", "true", "yes", "on"}


def envint(name: str, default: int) -> int:
    return int(os.environ.get(name, str(default)))


DEBUG = envbool("SHOWUP_DEBUG", "False")
# Demo mode shows the demo logins on the home page; never on in production.
DEMO_MODE = envbool("SHOWUP_DEMO", "False")
# Development (the test suite, `make`'s targets, the type checker): a built-in secret key is
# allowed. Production runs none of DEBUG, demo or SHOWUP_DEV and must set SHOWUP_SECRET_KEY.
DEV_MODE = DEBUG or DEMO_MODE or envbool("SHOWUP_DEV", "False")
SECRET_KEY = os.environ.get("SHOWUP_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEV_MODE:
        raise ImproperlyConfigured(
            "SHOWUP_SECRET_KEY is not set. Set it to a long random string, the same for every "
            "process of the deployment (for example the output of "
            "`python3 -c 'import secrets; print(secrets.token_urlsafe(50))'`). "
            "For development only, SHOWUP_DEV=1 uses a built-in key."
        )
    SECRET_KEY = "dev-only-insecure-key-never-used-in-production"
ALLOWED_HOSTS = os.environ.get("SHOWUP_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
SITE_URL = os.environ.get("SHOWUP_SITE_URL", "http://127.0.0.1:8000")
# The agency that receives the public "My child is missing" reports when there are several.
PUBLIC_AGENCY_SLUG = os.environ.get("SHOWUP_PUBLIC_AGENCY", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",  # serves Swagger UI's files for /api/docs from our own static, not a CDN
    "django_tasks_db",
    "showup.core",
    "showup.reunite",
    "showup.visits",
    "showup.events",
    "showup.stories",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "showup.core.middleware.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "showup.core.middleware.RefuseNulMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # The field app's outbox: a form's redirect answered as JSON (docs/field-app.md).
    "showup.core.outbox.OutboxAnswerMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "showup.urls"
WSGI_APPLICATION = "showup.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "showup.core.context_processors.showup",
            ],
        },
    },
]

DATABASES: dict[str, dict[str, object]]
if os.environ.get("SHOWUP_DB", "sqlite") == "postgres":
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": os.environ.get("PGDATABASE", "showup"),
            "USER": os.environ.get("PGUSER", "postgres"),
            "PASSWORD": os.environ.get("PGPASSWORD", ""),
            "HOST": os.environ.get("PGHOST", "127.0.0.1"),
            "PORT": os.environ.get("PGPORT", "5432"),
            # Seconds a web process keeps its connection between requests (0: a new one per
            # request, which costs PostgreSQL a process fork); 60 suits a gunicorn deployment
            # (docs/benchmarks.md, "Load test").
            "CONN_MAX_AGE": envint("SHOWUP_DB_CONN_MAX_AGE", 0),
            # Only a kept connection needs checking before reuse (with none kept, a check can
            # close the connection inside a test's transaction).
            "CONN_HEALTH_CHECKS": envint("SHOWUP_DB_CONN_MAX_AGE", 0) > 0,
        }
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SHOWUP_SQLITE_PATH", str(VAR_DIR / "showup.sqlite3")),
            # WAL and a busy timeout let the web process and the worker share the file.
            "OPTIONS": {
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
            },
        }
    }

# PostgreSQL: the role the application connects as, which may not UPDATE, DELETE or TRUNCATE
# the audit log (migrations run as the owner role; docs/operations.md, database roles).
AUDIT_DB_APP_ROLE = os.environ.get("SHOWUP_DB_APP_ROLE", "showup_app")
# How often `showup run_scheduler` checks the audit log's hash chain (seconds).
AUDIT_CHECK_INTERVAL_SECONDS = envint("SHOWUP_AUDIT_CHECK_INTERVAL", 86400)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "role_home"  # each role's start page (core.views.role_home)
LOGOUT_REDIRECT_URL = "home"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Español"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("SHOWUP_TIME_ZONE", "America/Los_Angeles")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"

# Children's photos never live under a public media URL: they are written here and served only
# by access-checked views (see reunite.views.report_photo).
PRIVATE_MEDIA_ROOT = Path(os.environ.get("SHOWUP_PRIVATE_MEDIA", VAR_DIR / "private"))
MAX_PHOTO_BYTES = 10 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# ---- Abuse limits: photos, public forms, orphan files (docs/operations.md "Abuse limits") ----
# Photos (showup.core.photos): checked from the header before any pixel is decoded. 24 MP holds
# a phone's full-size photo (12 MP typical, 24 MP at most on phones that bin 48 MP sensors).
MAX_PHOTO_PIXELS = envint("SHOWUP_MAX_PHOTO_PIXELS", 24_000_000)
SHOWUP_MAX_PHOTO_METADATA_BYTES = envint("SHOWUP_MAX_PHOTO_METADATA_BYTES", 4 * 1024 * 1024)
SHOWUP_MAX_PHOTO_FRAMES = envint("SHOWUP_MAX_PHOTO_FRAMES", 200)
# Decodes at once per process, and how long a photo waits for a slot before "try again".
SHOWUP_PHOTO_DECODE_CONCURRENCY = envint("SHOWUP_PHOTO_DECODE_CONCURRENCY", 2)
SHOWUP_PHOTO_DECODE_WAIT_SECONDS = envint("SHOWUP_PHOTO_DECODE_WAIT_SECONDS", 20)
# Public forms (showup.core.ratelimit): "count/seconds" per device (a signed cookie) and per
# address, for each public form; "0" switches that limit off. Beyond them the form comes back
# as typed with a proof-of-work challenge (ALTCHA, solved by the browser) that lets it through.
SHOWUP_PUBLIC_RATE_DEVICE = os.environ.get("SHOWUP_PUBLIC_RATE_DEVICE", "5/600")
SHOWUP_PUBLIC_RATE_ADDRESS = os.environ.get("SHOWUP_PUBLIC_RATE_ADDRESS", "20/3600")
# Reverse proxies in front of showup that append to X-Forwarded-For; 0: REMOTE_ADDR is the
# client (a wrong number lets anyone choose their address, so count only proxies you run).
SHOWUP_TRUSTED_PROXY_COUNT = envint("SHOWUP_TRUSTED_PROXY_COUNT", 0)
# The challenge's HMAC key (defaults to one derived from SECRET_KEY), its PBKDF2 iteration
# count (about a second on a phone at 5000) and how long a challenge stays valid.
SHOWUP_ALTCHA_HMAC_KEY = os.environ.get("SHOWUP_ALTCHA_HMAC_KEY", "")
SHOWUP_ALTCHA_COST = envint("SHOWUP_ALTCHA_COST", 5000)
SHOWUP_ALTCHA_EXPIRES_SECONDS = envint("SHOWUP_ALTCHA_EXPIRES_SECONDS", 1200)
# Files under PRIVATE_MEDIA_ROOT/photos that no row names and older than this are deleted by
# the retention run (showup.core.orphans): what a request killed mid-submit left behind.
SHOWUP_ORPHAN_FILE_GRACE_SECONDS = envint("SHOWUP_ORPHAN_FILE_GRACE_SECONDS", 3600)
# Story media (showup.stories.services, probed by redaction.media.probe before anything is
# kept): bytes of one upload, seconds of a clip, pixels of a photo or of a video frame.
SHOWUP_STORY_MAX_BYTES = envint("SHOWUP_STORY_MAX_BYTES", 200 * 1024 * 1024)
SHOWUP_STORY_MAX_SECONDS = envint("SHOWUP_STORY_MAX_SECONDS", 120)
SHOWUP_STORY_MAX_PIXELS = envint("SHOWUP_STORY_MAX_PIXELS", 24_000_000)
# Counters must be shared by every web process: the database cache (its table is created by
# `migrate`, see showup.core.apps, and by the test runner).
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "showup_cache",
        "OPTIONS": {"MAX_ENTRIES": 50_000},
    }
}
# ---- end of abuse limits ----

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "showup.core.views.csrf_failure"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

MAILERS = {
    "default": {
        "BACKEND": os.environ.get(
            "SHOWUP_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
        ),
    }
}
DEFAULT_FROM_EMAIL = os.environ.get("SHOWUP_FROM_EMAIL", "showup@localhost")

# SMS goes through showup.core.sms: "console" prints, "twilio" calls the provider's HTTP API.
SMS_BACKEND = os.environ.get("SHOWUP_SMS_BACKEND", "console")
TWILIO_ACCOUNT_SID = os.environ.get("TWILIO_ACCOUNT_SID", "")
TWILIO_AUTH_TOKEN = os.environ.get("TWILIO_AUTH_TOKEN", "")
TWILIO_FROM_NUMBER = os.environ.get("TWILIO_FROM_NUMBER", "")
TWILIO_API_BASE = os.environ.get("TWILIO_API_BASE", "https://api.twilio.com")

TASKS = {
    "default": {
        "BACKEND": os.environ.get(
            "SHOWUP_TASKS_BACKEND", "django.tasks.backends.immediate.ImmediateBackend"
        ),
    }
}

RETENTION_DAYS_DEFAULT = envint("SHOWUP_RETENTION_DAYS", 30)

# Matching runs in `showup match_worker` processes that own the index (docs/operations.md);
# a web process only writes an outbox row in the report's transaction. "inline" runs the same
# worker code in the writing process right after commit: tests and one-off scripts.
SHOWUP_MATCHING = os.environ.get("SHOWUP_MATCHING", "worker")
# Agencies are spread over this many shards; each worker leases some of them.
SHOWUP_MATCH_SHARDS = envint("SHOWUP_MATCH_SHARDS", 8)
# A worker that stops renewing its leases for this long loses its shards and its outbox rows.
SHOWUP_MATCH_LEASE_SECONDS = envint("SHOWUP_MATCH_LEASE_SECONDS", 10)

# The audit chain's anchor (showup.core.audit_chain): default VAR_DIR/audit-anchor.json.
AUDIT_ANCHOR_PATH = os.environ.get("SHOWUP_AUDIT_ANCHOR") or None

# Junior badges and certificates (showup.events.printing): "letter" (Avery 5395 name badges) or
# "a4"; a print link can ask for the other with ?paper=.
EVENTS_PAPER = os.environ.get("SHOWUP_EVENTS_PAPER", "letter")

# Map tiles for every map (the report forms' pin, the board's map of open reports): a tile URL
# template and its attribution. Set SHOWUP_MAP_TILES to the agency's own tile server, or to
# an empty string to fetch nothing from outside: the board then draws its markers on a plain
# background and the report forms offer "use my location" and the typed place, no map.
SHOWUP_MAP_TILES = os.environ.get(
    "SHOWUP_MAP_TILES", "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
)
SHOWUP_MAP_ATTRIBUTION = os.environ.get(
    "SHOWUP_MAP_ATTRIBUTION",
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>'
    if SHOWUP_MAP_TILES.startswith("https://tile.openstreetmap.org/")
    else "",
)

# ---- Production security (owned by the hardening work; docs/deployment.md has the table) ----
# SHOWUP_HTTPS=1 is the one switch for a site served over HTTPS behind a reverse proxy: it turns
# on the redirect to HTTPS, HSTS (a year, subdomains, preload), secure cookies and trust in the
# proxy's X-Forwarded-Proto header. Each can still be set on its own.
HTTPS = envbool("SHOWUP_HTTPS", "False")
_https = "True" if HTTPS else "False"
SECURE_SSL_REDIRECT = envbool("SHOWUP_SSL_REDIRECT", _https)
SECURE_HSTS_SECONDS = envint("SHOWUP_HSTS_SECONDS", 31_536_000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SHOWUP_HSTS_INCLUDE_SUBDOMAINS", _https)
SECURE_HSTS_PRELOAD = envbool("SHOWUP_HSTS_PRELOAD", _https)
SESSION_COOKIE_SECURE = envbool("SHOWUP_SESSION_COOKIE_SECURE", _https)
CSRF_COOKIE_SECURE = envbool("SHOWUP_CSRF_COOKIE_SECURE", _https)
# Only behind a proxy that sets (overwrites) X-Forwarded-Proto; a client could forge it otherwise.
if envbool("SHOWUP_TRUST_X_FORWARDED_PROTO", _https):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Origins allowed to POST (scheme://host[:port], comma-separated); the site's own by default.
CSRF_TRUSTED_ORIGINS = [
    origin
    for origin in os.environ.get(
        "SHOWUP_CSRF_TRUSTED_ORIGINS", SITE_URL if SITE_URL.startswith("https://") else ""
    ).split(",")
    if origin
]


def _tiles_origin(template: str) -> str:
    """The origin of a tile URL template, for img-src: "https://{s}.tile.example/{z}/..." gives
    "https://*.tile.example"."""
    from urllib.parse import urlsplit

    parts = urlsplit(template.replace("{s}", "subdomain"))
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        return ""
    netloc = parts.netloc.replace("subdomain", "*", 1) if "{s}" in template else parts.netloc
    return f"{parts.scheme}://{netloc}"


# Content-Security-Policy (Django's own middleware): no inline script or style anywhere, so a
# name typed into a form can never run as code; JS lives in static/js/, CSS in static/css/.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    # 'wasm-unsafe-eval' lets the page compile WebAssembly (the door's QR decoder,
    # static/vendor/barcode-detector/, served from 'self'); it does not allow eval() of JS.
    "script-src": [CSP.SELF, CSP.WASM_UNSAFE_EVAL],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:", "blob:", *filter(None, [_tiles_origin(SHOWUP_MAP_TILES)])],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}
# Pages that show a child's details are never stored by browsers or proxies
# (showup.core.middleware.NoStoreMiddleware); these anonymous pages may be cached.
SHOWUP_CACHEABLE_PATHS = ["/"]
# ---- end of production security ----

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("SHOWUP_LOG_LEVEL", "WARNING")},
}

# ---- Accounts: login through allauth, MFA, lockout, idle timeout (docs/onboarding.md) ----
# Staff log in through django-allauth (username + password, signup closed: accounts come from
# the admin's invitations), then a second factor (a passkey through WebAuthn, TOTP, recovery
# codes). django-axes locks an account after AXES_FAILURE_LIMIT failed passwords; allauth's rate
# limits throttle login attempts per address. Both answer HTTP 429 with a translated page.
INSTALLED_APPS += ["allauth", "allauth.account", "allauth.mfa", "axes"]
MIDDLEWARE += [
    "allauth.account.middleware.AccountMiddleware",
    # Idle timeout before the MFA check: an expired session is logged out, not sent to setup.
    "showup.core.accounts.IdleTimeoutMiddleware",
    "showup.core.accounts.MFARequiredMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as axes asks: maps a lockout to its 429 page
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked account before any check
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
ACCOUNT_ADAPTER = "showup.core.accounts.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = False  # shared station computers: the session ends with the browser
ACCOUNT_PASSWORD_INPUT_RENDER_VALUE = False
ACCOUNT_REAUTHENTICATION_TIMEOUT = 300
# Per address: a police station shares one public IP, so the address limit is generous; the
# per-account limit is axes' lockout below. "login_failed"'s key part also bounds wrong MFA
# codes per user (allauth keys it by user), so a stolen password cannot brute-force TOTP.
ACCOUNT_RATE_LIMITS = {
    "login": os.environ.get("SHOWUP_LOGIN_RATE_IP", "60/m/ip"),
    "login_failed": os.environ.get("SHOWUP_LOGIN_FAILED_RATE", "120/h/ip,5/5m/key"),
}
MFA_ADAPTER = "showup.core.accounts.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_TOTP_ISSUER = "showup"
# WebAuthn needs HTTPS, or http://localhost (never an IP address: open the demo at
# http://localhost:8000/ to try passkeys); the tests run on http://localhost.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG or DEMO_MODE
# Roles that must have an authenticator (showup.core.accounts.MFARequiredMiddleware); any
# superuser or user with admin-site access counts as "admin".
SHOWUP_MFA_REQUIRED_ROLES = [
    role.strip()
    for role in os.environ.get("SHOWUP_MFA_REQUIRED_ROLES", "coordinator,admin").split(",")
    if role.strip()
]
# Lockout: by username only (a station's shared address must not lock everyone out).
AXES_FAILURE_LIMIT = envint("SHOWUP_LOCKOUT_FAILURES", 5)
AXES_LOCKOUT_PARAMETERS = ["username"]
# allauth's form field is "login", its credentials say "username": one normalised name for both,
# so "Cora" and "cora " count against the same account.
AXES_USERNAME_CALLABLE = "showup.core.accounts.axes_username"
AXES_RESET_ON_SUCCESS = True  # five typos over a year are not an attack
# SHOWUP_LOCKOUT_MINUTES: minutes until a locked account may try again; "none": until an
# admin lifts it ("Unlock sign-in" on the user admin).
_lockout_minutes = os.environ.get("SHOWUP_LOCKOUT_MINUTES", "30").strip().lower()
AXES_COOLOFF_TIME = None if _lockout_minutes in {"", "none", "0"} else int(_lockout_minutes) / 60
AXES_LOCKOUT_CALLABLE = "showup.core.accounts.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False
# Sessions: at most SESSION_COOKIE_AGE after login (enforced by IdleTimeoutMiddleware too, as
# the activity stamp re-saves the session), and SHOWUP_STAFF_IDLE_MINUTES without activity.
SESSION_COOKIE_AGE = envint("SHOWUP_SESSION_HOURS", 12) * 3600
SHOWUP_STAFF_IDLE_MINUTES = envint("SHOWUP_STAFF_IDLE_MINUTES", 30)
# Requests that keep a page up to date without anyone touching it: they never count as
# activity, or a board left open would keep its session alive forever.
SHOWUP_PASSIVE_URL_NAMES = ["reunite:board_live"]
# ---- end of accounts ----
# axes.W006 asks for an address in the lockout key; the address limit is allauth's
# ACCOUNT_RATE_LIMITS above (a whole station shares one address, so axes locks accounts only).
SILENCED_SYSTEM_CHECKS = [*globals().get("SILENCED_SYSTEM_CHECKS", []), "axes.W006"]
