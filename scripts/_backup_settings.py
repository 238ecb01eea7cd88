"""Prints, as shell assignments, where showup's data lives (used by backup.sh and restore.sh).

It reads the same settings as the application (showup.settings and its environment), so a
backup takes exactly the database and private media directory the running site uses.
"""

import os
import shlex
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "showup.settings")

from django.conf import settings

db = settings.DATABASES["default"]
engine = "postgres" if "postgresql" in str(db["ENGINE"]) else "sqlite"
values = {
    "ENGINE": engine,
    "MEDIA_DIR": str(settings.PRIVATE_MEDIA_ROOT),
    "SQLITE_PATH": str(db["NAME"]) if engine == "sqlite" else "",
    "PGDATABASE": str(db.get("NAME", "")) if engine == "postgres" else "",
    "PGHOST": str(db.get("HOST", "")),
    "PGPORT": str(db.get("PORT", "")),
    "PGUSER": str(db.get("USER", "")),
}
for name, value in values.items():
    print(f"{name}={shlex.quote(value)}")
