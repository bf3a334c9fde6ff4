"""A non-editable install (the wheel) serves every page: templates, static files and migrations ship in it."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]

#: What a wheel is built from: the tracked tree, without this checkout's state.
_NOT_SOURCE = shutil.ignore_patterns(".git", ".venv", "venv", "build", "dist", "*.egg-info", "instance", "media",
                                     "__pycache__", ".pytest_cache", "test-artifacts", "tests", "bench")

_SERVE = r"""
import json, sys
from pathlib import Path
from flask_migrate import upgrade

import podcaster
from podcaster import create_app

target, state = Path(sys.argv[1]), Path(sys.argv[2])
assert Path(podcaster.__file__).resolve().is_relative_to(target), podcaster.__file__
app = create_app({"SECRET_KEY": "k", "DATABASE_URL": f"sqlite:///{state / 'db.sqlite'}",
                  "MEDIA_ROOT": str(state / "media"), "INSTANCE_PATH": str(state / "instance")})
with app.app_context():
    upgrade()  # the migrations ship too
client = app.test_client()
urls = ["/", "/login", "/blog", "/books", "/podcasts/", "/static/css/site.css", "/no-such-page"]
print(json.dumps({url: client.get(url).status_code for url in urls}))
"""


def test_the_installed_wheel_serves_every_page(tmp_path):
    source = tmp_path / "source"
    shutil.copytree(PROJECT, source, ignore=_NOT_SOURCE)
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w",
         str(tmp_path / "dist"), str(source)], capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stderr
    (wheel,) = (tmp_path / "dist").glob("podcaster-*.whl")
    target = tmp_path / "installed"
    install = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target),
                              str(wheel)], capture_output=True, text=True, timeout=300)
    assert install.returncode == 0, install.stderr

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    # -S: no site-packages .pth files, so the editable install's link to this checkout is not followed; the
    # current environment's dependencies come in by PYTHONPATH, after the installed wheel.
    path = [str(target), sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]]
    served = subprocess.run(
        [sys.executable, "-S", "-c", _SERVE, str(target), str(tmp_path)], cwd=elsewhere,
        env={"PYTHONPATH": ":".join(path), "PATH": "/usr/bin:/bin"}, capture_output=True, text=True, timeout=300)
    assert served.returncode == 0, served.stderr
    statuses = json.loads(served.stdout.strip().splitlines()[-1])
    assert statuses == {"/": 200, "/login": 200, "/blog": 200, "/books": 200, "/podcasts/": 200,
                        "/static/css/site.css": 200, "/no-such-page": 404}
