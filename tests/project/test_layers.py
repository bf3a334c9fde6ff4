"""The layers, enforced: every import in the source (inside functions too) is read with ``ast``.

- ``podcaster/content/`` is the domain: it takes values, a session, a store and the time. It imports
  no Flask (``flask``, ``flask_*``, ``wtforms``, ``jinja2``, ``podcaster.extensions``, the app factory)
  and none of ``podcaster.web``, ``podcaster.cli``, ``podcaster.demo``. Of Werkzeug it may use the
  request-free helpers only: ``werkzeug.utils`` (safe_join, secure_filename) and
  ``werkzeug.datastructures`` (plain containers such as FileStorage, a stream with a name).
- ``podcaster/cli/`` and ``podcaster/demo/`` import nothing from ``podcaster.web``: no view module,
  and no exception. What a command needs of the web layer (checking one of our feeds as served, which
  takes the URL map) the web layer registers on the app (``app.extensions``).
- ``podcaster/demo/`` is demo content loaded through the domain: no Flask either.
- ``podcaster/models/`` import no web, cli, demo or jobs; ``podcaster/web/`` imports no cli or demo.
- ``podcaster/jobs/`` (Huey tasks) imports content, models, extensions and Flask, never web, cli or demo:
  the URL makers a job needs the web layer registers on the app (``app.extensions``), as for check-feed.
  ``content/`` and ``demo/`` import no jobs: the queue is the app's business, not the domain's.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "podcaster"

FLASK_ROOTS = ("flask", "wtforms", "jinja2")
WERKZEUG_ALLOWED = ("werkzeug.utils", "werkzeug.datastructures")


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(source: str, module: str, is_package: bool) -> list[tuple[int, str]]:
    """Every module ``source`` imports, absolute, with its line; ``from a import b`` gives ``a`` and ``a.b``.

    Args:
        source: the module's text.
        module: its dotted name (relative imports are resolved against it).
        is_package: whether it is a package's ``__init__`` (relative imports start there, not at its parent).
    """
    package = module.split(".") if is_package else module.split(".")[:-1]
    found = []
    for node in ast.walk(ast.parse(source)):  # walk: imports inside functions and TYPE_CHECKING blocks too
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module
            found.append((node.lineno, target))
            found += [(node.lineno, f"{target}.{alias.name}") for alias in node.names if alias.name != "*"]
    return found


def source_files(folder: str) -> list[Path]:
    return sorted((PACKAGE / folder).rglob("*.py")) if folder else sorted(PACKAGE.rglob("*.py"))


def is_under(name: str, *roots: str) -> bool:
    return any(name == root or name.startswith(root + ".") for root in roots)


def is_flask(name: str) -> bool:
    top = name.split(".")[0]
    if top in FLASK_ROOTS or top.startswith("flask_"):
        return True
    if top == "werkzeug":
        return name != "werkzeug" and not is_under(name, *WERKZEUG_ALLOWED)
    # The Flask extensions module, and the app factory (``from podcaster import create_app``).
    return is_under(name, "podcaster.extensions") or name in ("podcaster.create_app", "podcaster.init_app")


def content_breaks(name: str) -> bool:
    return is_flask(name) or is_under(name, "podcaster.web", "podcaster.cli", "podcaster.demo", "podcaster.jobs")


def cli_breaks(name: str) -> bool:
    return is_under(name, "podcaster.web")


def demo_breaks(name: str) -> bool:
    return is_flask(name) or is_under(name, "podcaster.web", "podcaster.cli", "podcaster.jobs")


def models_break(name: str) -> bool:
    return is_under(name, "podcaster.web", "podcaster.cli", "podcaster.demo", "podcaster.jobs")


def web_breaks(name: str) -> bool:
    return is_under(name, "podcaster.cli", "podcaster.demo")


def jobs_break(name: str) -> bool:
    return is_under(name, "podcaster.web", "podcaster.cli", "podcaster.demo")


RULES = [
    ("content", content_breaks),
    ("cli", cli_breaks),
    ("demo", demo_breaks),
    ("models", models_break),
    ("web", web_breaks),
    ("jobs", jobs_break),
]


def violations(folder: str, breaks) -> list[str]:
    found = []
    for path in source_files(folder):
        names = imports_of(path.read_text(encoding="utf-8"), module_name(path), path.name == "__init__.py")
        found += [f"{path.relative_to(PACKAGE.parent)}:{line}: imports {name}"
                  for line, name in names if breaks(name)]
    return found


@pytest.mark.parametrize("folder, breaks", RULES, ids=[folder for folder, _ in RULES])
def test_layer_imports(folder, breaks):
    assert source_files(folder), f"podcaster/{folder}/ has no source: the rule would pass vacuously"
    assert violations(folder, breaks) == []


def test_the_reader_sees_imports_inside_functions_and_resolves_relative_ones():
    source = (
        "from ..storage import MediaStore\n"
        "def view():\n"
        "    if True:\n"
        "        from ...web.admin import shows\n"
        "    import flask_login\n"
        "from . import parsing\n"
    )
    names = {name for _, name in imports_of(source, "podcaster.content.feeds.importer", is_package=False)}
    assert names == {
        "podcaster.content.storage", "podcaster.content.storage.MediaStore", "podcaster.web.admin",
        "podcaster.web.admin.shows", "flask_login", "podcaster.content.feeds", "podcaster.content.feeds.parsing",
    }
    assert {name for name in names if content_breaks(name)} == {
        "podcaster.web.admin", "podcaster.web.admin.shows", "flask_login"}
    package = [name for _, name in imports_of("from .common import x\n", "podcaster.cli", is_package=True)]
    assert package == ["podcaster.cli.common", "podcaster.cli.common.x"]


@pytest.mark.parametrize("name, flask_bound", [
    ("flask", True), ("flask.cli", True), ("flask_wtf", True), ("wtforms", True), ("werkzeug.exceptions", True),
    ("werkzeug.wrappers", True), ("podcaster.extensions", True), ("podcaster.create_app", True),
    ("werkzeug.utils", False), ("werkzeug.datastructures", False), ("sqlalchemy.orm", False),
    ("podcaster.models", False), ("flaskless", False),
])
def test_what_counts_as_flask(name, flask_bound):
    assert is_flask(name) is flask_bound


def test_the_web_layer_and_the_commands_get_their_stores_from_one_place():
    from podcaster import stores
    from podcaster.cli import common
    import podcaster.web as web

    for name in ("media_store", "remote_media_store", "fetch_policy"):
        assert getattr(web, name) is getattr(common, name) is getattr(stores, name), name
