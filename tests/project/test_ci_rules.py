"""Under CI=true nothing may be skipped and no database may be left out."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent.parent  # tests/


def _run_pytest(folder: Path, *args: str, ci: bool) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key not in ("CI", "PODCASTER_TEST_DB")}
    if ci:
        env["CI"] = "true"
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
                          cwd=folder, env=env, capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture
def suite(tmp_path):
    """A tiny suite that uses this suite's conftest and skips one module as a whole."""
    tests = tmp_path / "tests"
    tests.mkdir()
    (tests / "__init__.py").write_text("")
    shutil.copy(HERE / "conftest.py", tests / "conftest.py")
    shutil.copytree(HERE / "helpers", tests / "helpers", ignore=shutil.ignore_patterns("__pycache__"))
    (tests / "test_plain.py").write_text("def test_plain():\n    assert True\n")
    return tmp_path


def test_a_module_level_skip_fails_under_ci(suite):
    (suite / "tests" / "test_skipped.py").write_text(
        "import pytest\npytest.skip('needs a part', allow_module_level=True)\n")
    outside = _run_pytest(suite, "tests", ci=False)
    assert outside.returncode == 0, outside.stdout
    inside = _run_pytest(suite, "tests", ci=True)
    assert inside.returncode == pytest.ExitCode.INTERRUPTED, inside.stdout  # a collection error stops the run
    assert "skipped under CI=true, which is not allowed" in inside.stdout


def test_leaving_out_a_database_fails_under_ci(suite):
    assert _run_pytest(suite, "tests", "--db", "sqlite", ci=False).returncode == 0
    inside = _run_pytest(suite, "tests", "--db", "sqlite", ci=True)
    assert inside.returncode == pytest.ExitCode.USAGE_ERROR
    assert "under CI=true the tests run on every database" in inside.stderr
