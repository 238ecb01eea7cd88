"""The `showup` console script.

`showup match ...` is the framework-free matching command of the contract (it never loads
Django, so it starts fast); every other sub-command is a Django management command
(`showup migrate`, `showup runserver`, `showup purge_expired`, ...).
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "match":
        from matching.cli import main as match_main

        return match_main(args[1:])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "showup.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["showup", *args])
    return 0


if __name__ == "__main__":
    sys.exit(main())
