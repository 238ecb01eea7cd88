"""Settings for showup, driven by environment variables (one file, as healthchecks does).

SQLite in `var/` is the embedded default; `SHOWUP_DB=postgres` switches to PostgreSQL with the
usual libpq variables (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE).
"""

import os
from pathlib import Path

from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("SHOWUP_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def envbool(name: str, default: str = "False") -> bool:
    return os.environ.get(name, default).lower() in {"1", "true", "yes", "on"}


def envint(name: str, default: int) -> int:
    return int(os.environ.get(name, str(default)))


SECRET_KEY = os.environ.get("SHOWUP_SECRET_KEY", "dev-only-insecure-key-change-me-in-production")
DEBUG = envbool("SHOWUP_DEBUG", "False")
# Demo mode shows the demo logins on the home page; never on in production.
DEMO_MODE = envbool("SHOWUP_DEMO", "False")
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
    "django_tasks_db",
    "showup.core",
    "showup.reunite",
    "showup.visits",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
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
MAX_PHOTO_PIXELS = 40_000_000
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

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

# A serving process builds its matching index before its first request (wsgi.py starts it;
# manage.py commands and tests never do). Off: the first query builds it instead.
SHOWUP_WARM_INDEX = envbool("SHOWUP_WARM_INDEX", "True")

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

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("SHOWUP_LOG_LEVEL", "WARNING")},
}
