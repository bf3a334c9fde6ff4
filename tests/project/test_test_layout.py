"""The test suite's own rule: shared code lives in tests/helpers/, never in another test module or conftest."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

TESTS = Path(__file__).parent.parent  # tests/


def imported_modules(source: str, package: tuple[str, ...]) -> list[tuple[int, str]]:
    """The modules of the tests package that ``source`` imports, by line, as dotted names inside it.

    Args:
        source: Python source of a module in the tests package.
        package: the folders from tests/ down to that module (``()`` for tests/ itself).
    """
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package[: len(package) - (node.level - 1)]
            names = ([".".join((*base, node.module))] if node.module
                     else [".".join((*base, alias.name)) for alias in node.names])
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "tests":
            names = [node.module.removeprefix("tests.")]
            names += [f"{names[0]}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            names = [alias.name.removeprefix("tests.") for alias in node.names
                     if alias.name.split(".")[0] == "tests"]
        else:
            continue
        found += [(node.lineno, name) for name in names]
    return found


def is_test_module_or_conftest(dotted: str) -> bool:
    return any(part == "conftest" or part.startswith("test_") for part in dotted.split("."))


def test_no_module_imports_a_test_module_or_conftest():
    offences = [
        f"{path.relative_to(TESTS)}:{line} imports {name}"
        for path in sorted(TESTS.rglob("*.py"))
        for line, name in imported_modules(path.read_text(), path.parent.relative_to(TESTS).parts)
        if is_test_module_or_conftest(name)
    ]
    assert offences == [], "put shared code in tests/helpers/ instead:\n" + "\n".join(offences)


@pytest.mark.parametrize("source, package", [
    ("from .test_feed import FEED\n", ()), ("from .conftest import post_form\n", ()),
    ("from . import conftest\n", ()), ("from . import test_feed\n", ()),
    ("import tests.test_feed\n", ()), ("from tests.conftest import csrf_token\n", ()),
    ("from tests import test_feed\n", ()), ("from ..test_feed import FEED\n", ("helpers",)),
    ("def later():\n    from .test_feed import FEED\n", ()),
])
def test_the_rule_sees_every_spelling_of_such_an_import(source, package):
    assert any(is_test_module_or_conftest(name) for _, name in imported_modules(source, package))


@pytest.mark.parametrize("source, package", [
    ("from .helpers.web import post_form\n", ()), ("from .web import post_form\n", ("helpers",)),
    ("from podcaster.content import test_data\n", ()), ("import pytest\n", ()),
])
def test_the_rule_allows_helpers_and_other_packages(source, package):
    assert not any(is_test_module_or_conftest(name) for _, name in imported_modules(source, package))


#: The kinds of test, one folder each: run one kind with ``pytest tests/<kind>``.
KINDS = {
    "unit": "domain modules called directly, no app",
    "web": "the app through its test client (and gunicorn for uploads and crashes)",
    "cli": "the podcaster commands",
    "browser": "Chromium driving the site served by gunicorn",
    "project": "the repository itself: layers, layout, CI rules, the built wheel",
    "integration": "several real processes together: app servers, a worker, PostgreSQL, Redis, S3",
}


def test_every_test_module_is_filed_under_its_kind():
    misplaced = [str(path.relative_to(TESTS)) for path in sorted(TESTS.rglob("test_*.py"))
                 if path.parent.parent != TESTS or path.parent.name not in KINDS]
    assert misplaced == [], f"file each test module under one of tests/{{{','.join(KINDS)}}}/: {misplaced}"
