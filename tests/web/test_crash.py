"""A server killed in the middle of an upload leaves the database and the media folder consistent."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from ..helpers.live import HttpSession, make_show
from ..helpers.media import DATA, files_under
from ..helpers.web import ADMIN_EMAIL, ADMIN_PASSWORD


def _pids_with(text: str) -> list[int]:
    """Processes whose command line contains ``text`` (read from /proc: no procps needed)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if text.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def test_killed_mid_upload_leaves_no_row_and_no_visible_file(tmp_path):
    from ..helpers.live import LiveSite

    site = LiveSite(tmp_path, workers=1).start()
    try:
        site.command("create-admin", ADMIN_EMAIL, "--password-stdin", input=ADMIN_PASSWORD + "\n")
        show_id = make_show(site)
        browser = HttpSession(site.port)
        browser.login()
        form_path = f"/admin/shows/{show_id}/episodes/new"
        token = browser.token(form_path)

        boundary = "crashtestboundary"
        head = (
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{token}\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nHalf an episode\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"audio\"; filename=\"big.mp3\"\r\n"
            "Content-Type: audio/mpeg\r\n\r\n"
        ).encode()
        audio = (DATA / "cbr.mp3").read_bytes()
        declared = len(head) + 40 * 1024 * 1024
        upload = socket.create_connection(("127.0.0.1", site.port), timeout=30)
        cookie = "; ".join(f"{k}={v}" for k, v in browser.cookies.items())
        upload.sendall(
            (f"POST {form_path} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookie}\r\n"
             f"Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {declared}\r\n\r\n"
             ).encode() + head)
        sent = 0
        deadline = time.monotonic() + 20
        partial_seen = False
        while time.monotonic() < deadline and sent < 8 * 1024 * 1024:
            upload.sendall(audio)
            sent += len(audio)
            partial_seen = any(".upload-" in name for name in files_under(site.media_root))
            if partial_seen and sent > 2 * 1024 * 1024:
                break
        assert partial_seen, "the upload was being written into the media folder"

        # Kill the whole server (master and worker) with no chance to clean up.
        os.kill(site.process.pid, signal.SIGKILL)
        for pid in _pids_with(f"127.0.0.1:{site.port}"):  # the workers
            os.kill(pid, signal.SIGKILL)
        site.process.wait(timeout=10)
        upload.close()

        leftovers = files_under(site.media_root)
        assert leftovers and all(Path(name).name.startswith(".upload-") for name in leftovers), leftovers
        report = subprocess.run([sys.executable, "-m", "podcaster", "doctor"], env=site.env,
                                capture_output=True, text=True, timeout=120)
        assert report.returncode == 0, report.stdout + report.stderr
        count = subprocess.run(
            [sys.executable, "-c",
             "from podcaster import create_app\nfrom podcaster.extensions import db\n"
             "from podcaster.models import Episode, MediaFile\napp = create_app()\n"
             "with app.app_context():\n"
             "    print(db.session.query(Episode).count(), db.session.query(MediaFile).count())"],
            env=site.env, capture_output=True, text=True, check=True, timeout=60)
        assert count.stdout.split() == ["0", "0"]

        # Once old enough to belong to no running request, the partial upload is cleaned away.
        old = time.time() - 7 * 3600
        for name in leftovers:
            os.utime(site.media_root / name, (old, old))
        fixed = subprocess.run([sys.executable, "-m", "podcaster", "doctor", "--fix"], env=site.env,
                               capture_output=True, text=True, timeout=120)
        assert fixed.returncode == 0 and "stale-upload" in fixed.stdout
        assert files_under(site.media_root) == []
    finally:
        site.stop()

