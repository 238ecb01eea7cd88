"""Development settings: showup.settings with SHOWUP_DEV=1, so a built-in secret key is allowed.

The test suite (pytest-django) and the type checker (django-stubs) load this module; `make`'s
targets export SHOWUP_DEV=1 themselves. Production loads showup.settings, which refuses to start
without SHOWUP_SECRET_KEY. Setting the variable here also reaches every subprocess a test starts.
"""

import os

os.environ.setdefault("SHOWUP_DEV", "1")

from showup.settings import *  # noqa: F403
