"""Upload a large file through gunicorn with the streaming upload path, against `cp` of the same file.

    /tmp/venv/bin/python bench/upload.py [--mib 300] [--repeat 3]

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
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _server import children, memory_kib, reset_peak, start_gunicorn, stop  # noqa: E402

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
    @streams_uploads("audio")
    def streamed():
        store = media_store()
        received = receive_upload(request.files["audio"], store, "audio")
        stored = commit_upload(store, received, store.unique_path("audio", "bench.mp3"))
        return jsonify(path=stored.path, size=stored.size)

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
    return app


def post_file(port: int, path: str, source: Path) -> float:
    prefix = (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"audio\"; filename=\"big.mp3\"\r\n"
              f"Content-Type: audio/mpeg\r\n\r\n").encode()
    suffix = f"\r\n--{BOUNDARY}--\r\n".encode()
    length = len(prefix) + source.stat().st_size + len(suffix)
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    connection.putrequest("POST", path)
    connection.putheader("Content-Type", f"multipart/form-data; boundary={BOUNDARY}")
    connection.putheader("Content-Length", str(length))
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
    if response.status != 200:
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
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(dir="/tmp") as tmp:
        root = Path(tmp)
        (root / "media" / "audio").mkdir(parents=True)
        source = root / "big.bin"
        with open(source, "wb") as handle:
            for _ in range(args.mib):
                handle.write(os.urandom(1024 * 1024))
        process, port = start_gunicorn("upload:make_app()", {"BENCH_ROOT": tmp}, root / "gunicorn.log")
        try:
            workers = children(process.pid)
            worker = workers[0]
            small = root / "small.bin"
            small.write_bytes(os.urandom(4 * 1024 * 1024))
            for path in ("/bench/streamed", "/bench/werkzeug-default"):
                post_file(port, path, small)  # warm up: imports, first request
            idle_rss = memory_kib(worker, "VmRSS")
            results: dict[str, list[float]] = {"cp": [], "cp + fsync": [], "streamed": [], "werkzeug-default": []}
            peaks: dict[str, int] = {}
            for _ in range(args.repeat):
                results["cp"].append(timed_cp(source, root / "media" / "audio" / "copy.bin", fsync=False))
                results["cp + fsync"].append(timed_cp(source, root / "media" / "audio" / "copy.bin", fsync=True))
                for name in ("streamed", "werkzeug-default"):
                    can_reset = reset_peak(worker)
                    before = memory_kib(worker, "VmRSS" if can_reset else "VmHWM")
                    results[name].append(post_file(port, f"/bench/{name}", source))
                    peaks[name] = max(peaks.get(name, 0), memory_kib(worker, "VmHWM") - before)
                for stored in (root / "media" / "audio").glob("bench*"):
                    stored.unlink()
            leftovers = list((root / "media").rglob(".upload-*"))
        finally:
            stop(process)

    best = {name: min(times) for name, times in results.items()}
    mib = args.mib
    print(f"upload of {mib} MiB through gunicorn (1 sync worker), best of {args.repeat}")
    print(f"worker idle RSS {idle_rss / 1024:.1f} MiB")
    for name, seconds in best.items():
        line = f"  {name:18} {seconds:7.3f} s  {mib / seconds:7.1f} MiB/s"
        if name in peaks:
            line += (f"  ratio vs cp {seconds / best['cp']:.2f}x, vs cp+fsync {seconds / best['cp + fsync']:.2f}x"
                     f"  peak RSS growth {peaks[name] / 1024:.1f} MiB")
        print(line)
    print(f"  leftover temporary files: {len(leftovers)}")
    print(f"target: streamed <= 3x cp -> {'met' if best['streamed'] <= 3 * best['cp'] else 'NOT met'}; "
          f"RSS growth <= 16 MB -> {'met' if peaks['streamed'] <= 16 * 1000 else 'NOT met'}")


if __name__ == "__main__":
    main()
