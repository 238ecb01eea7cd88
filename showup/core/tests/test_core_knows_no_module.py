"""core offers registries and imports no feature app: reunite, visits and whatever comes next
plug themselves in. Every module of core is parsed and its imports read (at any depth, inside
functions too). core's tests are left out: they run with every app installed and may check
how core serves them (the admin listing visits' shifts, say)."""

from __future__ import annotations

import ast
from pathlib import Path

import showup

CORE = Path(showup.__file__).parent / "core"
# Every package under showup/ that is not core is a feature app (or the project's wiring).
FEATURE_APPS = sorted(
    p.name
    for p in Path(showup.__file__).parent.iterdir()
    if p.is_dir() and (p / "__init__.py").exists() and p.name != "core"
)


def imported_modules(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
            # `from showup import reunite` names the app in the imported names.
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", "")) == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.append((node.lineno, node.args[0].value))
    return found


def forbidden(module: str) -> bool:
    return any(
        module == f"showup.{app}" or module.startswith(f"showup.{app}.") for app in FEATURE_APPS
    )


def test_the_feature_apps_are_known() -> None:
    # If this list were empty the test below would pass for nothing.
    assert {"reunite", "visits", "e2e"} <= set(FEATURE_APPS)


def test_core_imports_no_feature_app() -> None:
    files = sorted(
        p
        for p in CORE.rglob("*.py")
        if not {"migrations", "tests"} & set(p.relative_to(CORE).parts)
    )
    assert len(files) > 10
    offenders = [
        f"{path.relative_to(CORE.parent)}:{line} imports {module}"
        for path in files
        for line, module in imported_modules(path)
        if forbidden(module)
    ]
    assert offenders == []


def test_the_check_catches_each_form_of_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import showup.visits.models\n"
        "from showup.reunite.models import Report\n"
        "from showup import reunite\n"
        "def f():\n"
        "    from showup.visits import services\n"
        "    importlib.import_module('showup.reunite.notify')\n"
        "from showup.core.models import User\n"
    )
    hits = [line for line, module in imported_modules(sample) if forbidden(module)]
    assert sorted(set(hits)) == [1, 2, 3, 5, 6]
