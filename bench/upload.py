"""Upload a large file through gunicorn with the streaming upload path, against `cp` of the same file.

    /tmp/venv/bin/python bench/upload.py [--mib 300] [--repeat 3] [--no-tag] [--form-only] [--profile]

Also posts an MP3 of the same size through the real episode form
(/admin/shows/<id>/episodes/new: login, CSRF, probe with frame counting, ID3
tagging (the default; ``--no-tag`` switches the show's tagging off), fsync,
rename, rows), to show what the whole pipeline costs. ``--form-only`` skips the
two bench-only endpoints (the `cp` references still run). ``--profile`` runs the
real form's requests under cProfile (Werkzeug's ProfilerMiddleware; the request
thread only, not the helper thread that hashes and writes) and prints where the
largest upload's time went; its timings then include the profiler's overhead.

Starts gunicorn (one sync worker) on 127.0.0.1 with a bench-only app whose
endpoint uses podcaster.web.uploads exactly as an upload view does
(@streams_uploads, receive_upload, commit_upload; the file is fsynced before the
rename). For contrast it also posts to an endpoint using Werkzeug's default
path (spool to a temp file, then FileStorage.save). References, measured in
the same run on the same disk: `cp`, and `cp` followed by fsync.
Peak worker RSS growth comes from /proc (VmHWM reset before each upload).
"""
from __future__ import annotations

import argparse
import http.client
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _server import children, memory_kib, reset_peak, start_gunicorn, stop

BOUNDARY = "----podcasterbenchboundary"


def make_app():
    """The bench app (gunicorn factory): the real app plus two throwaway upload endpoints."""
    from flask import Blueprint, jsonify, request

    from podcaster import create_app
    from podcaster.extensions import csrf
    from podcaster.web import media_store
    from podcaster.web.uploads import commit_upload, receive_upload, streams_uploads

    root = Path(os.environ["BENCH_ROOT"])
    app = create_app({"SECRET_KEY": "bench", "DATABASE_URL": f"sqlite:///{root / 'bench.sqlite'}",
                      "MEDIA_ROOT": str(root / "media"), "MAX_UPLOAD_BYTES": 2 * 1024 ** 3})
    bp = Blueprint("bench_upload", __name__)

    @bp.post("/bench/streamed")
    @streams_uploads
    def streamed():
        store = media_store()
        received = receive_upload(request.files["audio"], store)
        stored = commit_upload(store, received, store.unique_path("audio", "bench.mp3"))
        return jsonify(path=stored.path, size=stored.size)

    @bp.post("/bench/receive-only")
    def receive_only():
        # The ceiling of any upload path: gunicorn's body reader drained in 1 MiB reads, nothing parsed,
        # hashed or written (the time the bytes take to come through the loopback socket and the server).
        body = request.environ["wsgi.input"]
        size = 0
        while chunk := body.read(1024 * 1024):
            size += len(chunk)
        return jsonify(size=size)

    @bp.post("/bench/werkzeug-default")
    def werkzeug_default():
        store = media_store()
        relative = store.unique_path("audio", "bench.mp3")
        temp = store.temp_path_for(relative)
        request.files["audio"].save(temp)
        with open(temp, "rb") as handle:
            os.fsync(handle.fileno())
        stored = store.commit_temp(temp, relative)
        return jsonify(path=stored.path, size=stored.size)

    csrf.exempt(bp)
    app.register_blueprint(bp)
    # Only a logged-in author may stream files into the media folder (anonymous bodies are capped at
    # 1 MiB): in this bench app every request is the one bench author's.
    from podcaster.cli import upgrade_schema
    from podcaster.extensions import db, login_manager
    from podcaster.models import User

    with app.app_context():
        upgrade_schema()
        if db.session.get(User, 1) is None:
            author = User(id=1, email="bench@example.com")
            author.set_password("bench password 123")
            db.session.add(author)
            db.session.commit()
    login_manager.request_loader(lambda request: db.session.get(User, 1))
    return app


def make_real_app():
    """The app as deployed (gunicorn factory), on the bench database prepared by ``prepare_real_form``."""
    from podcaster import create_app

    root = Path(os.environ["BENCH_ROOT"])
    app = create_app({"SECRET_KEY": "bench", "DATABASE_URL": f"sqlite:///{root / 'real.sqlite'}",
                      "MEDIA_ROOT": str(root / "media"), "MAX_UPLOAD_BYTES": 2 * 1024 ** 3})
    if os.environ.get("BENCH_PROFILE"):
        from werkzeug.middleware.profiler import ProfilerMiddleware

        app.wsgi_app = ProfilerMiddleware(app.wsgi_app, stream=None, profile_dir=os.environ["BENCH_PROFILE"])
    return app


def prepare_real_form(root: Path, tag_mp3: bool) -> int:
    """Create the schema, an admin and a show (ID3 tagging on or off); return the show's id."""
    os.environ["BENCH_ROOT"] = str(root)
    from podcaster.cli import upgrade_schema
    from podcaster.extensions import db
    from podcaster.models import Show, User

    app = make_real_app()
    with app.app_context():
        upgrade_schema()
        user = User(email="bench@example.com")
        user.set_password("bench password 123")
        show = Show(title="Bench show", slug="bench", tag_mp3=tag_mp3)
        db.session.add_all([user, show])
        db.session.commit()
        return show.id


class Browser:
    """Just enough of a browser for the admin form: one session cookie, CSRF tokens from pages."""

    TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookie = ""

    def request(self, method: str, path: str, body=None, headers=None) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)
        connection.request(method, path, body=body, headers={**(headers or {}), "Cookie": self.cookie})
        response = connection.getresponse()
        data = response.read()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie" and value.startswith("session="):
                self.cookie = value.split(";", 1)[0]
        connection.close()
        return response.status, data

    def token(self, path: str) -> str:
        status, page = self.request("GET", path)
        match = self.TOKEN.search(page.decode())
        if not match:
            raise SystemExit(f"no CSRF token on {path} (status {status})")
        return match.group(1)

    def login(self) -> None:
        token = self.token("/login")
        status, _ = self.request("POST", "/login", body=urlencode(
            {"email": "bench@example.com", "password": "bench password 123", "csrf_token": token}),
            headers={"Content-Type": "application/x-www-form-urlencoded"})
        if status != 302:
            raise SystemExit(f"login failed: {status}")


def post_episode(browser: Browser, show_id: int, source: Path, title: str) -> float:
    path = f"/admin/shows/{show_id}/episodes/new"
    fields = {"csrf_token": browser.token(path), "title": title, "episode_type": "full", "explicit": "",
              "status": "draft"}
    head = "".join(f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
                   for name, value in fields.items()).encode()
    return post_file(browser.port, path, source, head=head, cookie=browser.cookie, expect=302)


def io_counters(pid: int) -> dict[str, int]:
    """/proc/<pid>/io: bytes passed to write()/read() (wchar, rchar) and the fsync-like calls do not show."""
    with open(f"/proc/{pid}/io") as handle:
        return {name: int(value) for name, value in (line.split(": ") for line in handle)}


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, all its threads (/proc/<pid>/stat): less moved by load than wall time."""
    with open(f"/proc/{pid}/stat") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def make_mp3(target: Path, mib: int) -> None:
    """A long MP3 made by repeating a fixture's frames (no tags, so the frames simply follow each other)."""
    frames = (Path(__file__).resolve().parent.parent / "tests" / "data" / "vbr_no_xing.mp3").read_bytes()
    with open(target, "wb") as handle:
        handle.writelines(frames for _ in range(mib * 1024 * 1024 // len(frames)))


def post_file(port: int, path: str, source: Path, head: bytes = b"", cookie: str = "", expect: int = 200) -> float:
    prefix = head + (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"audio\"; filename=\"big.mp3\"\r\n"
                     f"Content-Type: audio/mpeg\r\n\r\n").encode()
    suffix = f"\r\n--{BOUNDARY}--\r\n".encode()
    length = len(prefix) + source.stat().st_size + len(suffix)
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    connection.putrequest("POST", path)
    connection.putheader("Content-Type", f"multipart/form-data; boundary={BOUNDARY}")
    connection.putheader("Content-Length", str(length))
    if cookie:
        connection.putheader("Cookie", cookie)
    connection.endheaders()
    connection.send(prefix)
    with open(source, "rb") as handle:
        while chunk := handle.read(1024 * 1024):
            connection.send(chunk)
    connection.send(suffix)
    response = connection.getresponse()
    body = response.read()
    elapsed = time.perf_counter() - started
    connection.close()
    if response.status != expect:
        raise SystemExit(f"upload failed: {response.status} {body[:300]!r}")
    return elapsed


def timed_cp(source: Path, target: Path, fsync: bool) -> float:
    started = time.perf_counter()
    subprocess.run(["cp", str(source), str(target)], check=True)
    if fsync:
        with open(target, "rb") as handle:
            os.fsync(handle.fileno())
    elapsed = time.perf_counter() - started
    target.unlink()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-tag", dest="tag", action="store_false",
                        help="switch the show's ID3 tagging off for the real episode form")
    parser.add_argument("--form-only", action="store_true",
                        help="skip the bench-only endpoints (streamed, werkzeug-default)")
    parser.add_argument("--profile", action="store_true",
                        help="profile the real form's requests (cProfile) and print the largest one's top calls")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(dir="/tmp") as tmp:
        root = Path(tmp)
        (root / "media" / "audio").mkdir(parents=True)
        source = root / "big.bin"
        with open(source, "wb") as handle:
            handle.writelines(os.urandom(1024 * 1024) for _ in range(args.mib))
        process, port = start_gunicorn("upload:make_app()", {"BENCH_ROOT": tmp}, root / "gunicorn.log")
        try:
            workers = children(process.pid)
            worker = workers[0]
            small = root / "small.bin"
            small.write_bytes(os.urandom(4 * 1024 * 1024))
            for path in () if args.form_only else ("/bench/receive-only", "/bench/streamed", "/bench/werkzeug-default"):
                post_file(port, path, small)  # warm up: imports, first request
            idle_rss = memory_kib(worker, "VmRSS")
            results: dict[str, list[float]] = {"cp": [], "cp + fsync": []}
            if not args.form_only:
                results.update({"receive-only": [], "streamed": [], "werkzeug-default": []})
            peaks: dict[str, int] = {}
            for _ in range(args.repeat):
                results["cp"].append(timed_cp(source, root / "media" / "audio" / "copy.bin", fsync=False))
                results["cp + fsync"].append(timed_cp(source, root / "media" / "audio" / "copy.bin", fsync=True))
                for name in () if args.form_only else ("receive-only", "streamed", "werkzeug-default"):
                    can_reset = reset_peak(worker)
                    before = memory_kib(worker, "VmRSS" if can_reset else "VmHWM")
                    results[name].append(post_file(port, f"/bench/{name}", source))
                    peaks[name] = max(peaks.get(name, 0), memory_kib(worker, "VmHWM") - before)
                for stored in (root / "media" / "audio").glob("bench*"):
                    stored.unlink()
            leftovers = list((root / "media").rglob(".upload-*"))
        finally:
            stop(process)

        # The real episode form, same size, an actual MP3.
        mp3 = root / "big.mp3"
        make_mp3(mp3, args.mib)
        source.unlink()
        show_id = prepare_real_form(root, args.tag)
        profiles = root / "profiles"
        real_env = {"BENCH_ROOT": tmp}
        if args.profile:
            profiles.mkdir()
            real_env["BENCH_PROFILE"] = str(profiles)
        process, port = start_gunicorn("upload:make_real_app()", real_env, root / "gunicorn-real.log")
        try:
            browser = Browser(port)
            browser.login()
            small_mp3 = root / "small.mp3"
            make_mp3(small_mp3, 2)
            post_episode(browser, show_id, small_mp3, "Warm-up")
            results["real episode form"] = []
            cpu: list[float] = []
            growths: list[float] = []
            for index in range(args.repeat):
                can_reset = reset_peak(children(process.pid)[0])
                worker = children(process.pid)[0]
                before = memory_kib(worker, "VmRSS" if can_reset else "VmHWM")
                io_before = io_counters(worker)
                cpu_before = cpu_seconds(worker)
                results["real episode form"].append(post_episode(browser, show_id, mp3, f"Episode {index}"))
                cpu.append(cpu_seconds(worker) - cpu_before)
                io_after = io_counters(worker)
                # wchar counts every byte the worker wrote to a file or socket: the stored upload once is
                # the upload's size (the page sent back is a few KiB).
                written = (io_after["wchar"] - io_before["wchar"]) / 1024 / 1024
                # rchar: the request body, plus every read of the file (frame counting, hashing, copies).
                read = (io_after["rchar"] - io_before["rchar"]) / 1024 / 1024
                growths.append(memory_kib(worker, "VmHWM") - before)
                peaks["real episode form"] = max(peaks.get("real episode form", 0), growths[-1])
            # Tags add a few hundred bytes at the start; untagged files keep their size.
            full_size = [path for path in (root / "media").rglob("*.mp3")
                         if 0 <= path.stat().st_size - mp3.stat().st_size < 1024 * 1024]
            if len(full_size) != args.repeat:
                raise SystemExit("the episode form did not store the files")
            leftovers += list((root / "media").rglob(".upload-*"))
        finally:
            stop(process)
        if args.profile:
            import pstats

            # The slowest request is a large upload (ProfilerMiddleware names files "...<elapsed>ms.<time>.prof").
            slowest = max(profiles.glob("POST.*.prof"),
                          key=lambda path: int(re.search(r"\.(\d+)ms\.", path.name).group(1)))
            print(f"profile of {slowest.name} (request thread):")
            pstats.Stats(str(slowest)).sort_stats("tottime").print_stats(15)
            pstats.Stats(str(slowest)).sort_stats("cumulative").print_stats(25)
            # The steps after the body is in (probe, tag, hash and fsync) and the waits for helper threads.
            pstats.Stats(str(slowest)).sort_stats("cumulative").print_stats(
                r"_hash_and_sync|tag_in_place|attach_audio|probe|_settle|join|_free_block|commit_temp")

    best = {name: min(times) for name, times in results.items()}
    mib = args.mib
    print(f"upload of {mib} MiB through gunicorn (1 sync worker), best of {args.repeat}, "
          f"ID3 tagging {'on' if args.tag else 'off'}")
    print(f"worker idle RSS {idle_rss / 1024:.1f} MiB")
    for name, seconds in best.items():
        line = f"  {name:18} {seconds:7.3f} s  {mib / seconds:7.1f} MiB/s"
        if name in peaks:
            line += (f"  ratio vs cp {seconds / best['cp']:.2f}x, vs cp+fsync {seconds / best['cp + fsync']:.2f}x"
                     f"  peak RSS growth {peaks[name] / 1024:.1f} MiB")
        print(line)
    print(f"  real episode form: the worker wrote {written:.0f} MiB (wchar) and read {read:.0f} MiB (rchar, "
          f"the body included) for the {mib} MiB upload")
    print(f"  real episode form: worker CPU (user + system, all threads) per upload: "
          f"{', '.join(f'{seconds:.2f} s' for seconds in cpu)}")
    print(f"  real episode form: worker peak RSS growth per upload: "
          f"{', '.join(f'{kib / 1024:.1f} MiB' for kib in growths)} (target 16 MB = 15.6 MiB)")
    print(f"  leftover temporary files: {len(leftovers)}")
    if "streamed" in peaks:
        print(f"target: streamed <= 3x cp -> {'met' if best['streamed'] <= 3 * best['cp'] else 'NOT met'}; "
              f"RSS growth <= 16 MB -> {'met' if peaks['streamed'] <= 16 * 1000 else 'NOT met'}")


if __name__ == "__main__":
    main()
