"""Shared bench helpers: free ports, starting and stopping a gunicorn server, reading a worker's memory."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen | None = None, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if (process is not None and process.poll() is not None) or time.monotonic() > deadline:
                raise SystemExit(f"server on port {port} did not start")
            time.sleep(0.1)


def start_gunicorn(app_spec: str, env: dict[str, str], log: Path, workers: int = 1) -> tuple[subprocess.Popen, int]:
    """Start gunicorn (sync workers) on a free 127.0.0.1 port; ``app_spec`` is importable from bench/."""
    port = free_port()
    with open(log, "wb") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
             "--timeout", "120", "--pythonpath", f"{PROJECT}/bench,{PROJECT}", app_spec],
            cwd=PROJECT, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=log_file,
        )
    wait_for_port(port, process)
    return process, port


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


def children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry))
    return found


def memory_kib(pid: int, field: str) -> int:
    """A /proc/<pid>/status figure in KiB (VmRSS, VmHWM)."""
    with open(f"/proc/{pid}/status") as handle:
        for line in handle:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


def reset_peak(pid: int) -> bool:
    """Reset the peak RSS (VmHWM) of a process; False when the kernel refuses."""
    try:
        with open(f"/proc/{pid}/clear_refs", "w") as handle:
            handle.write("5")
        return True
    except OSError:
        return False


def start_nginx(root: Path, port: int, types: str, locations: str) -> subprocess.Popen:
    """Start nginx (one worker, sendfile) on 127.0.0.1:``port`` with its files under ``root``.

    Args:
        root: a scratch folder for the config, pid, logs and temp paths.
        port: the port to listen on.
        types: the body of the ``types`` block (e.g. ``audio/mpeg mp3;``).
        locations: the ``location`` blocks of the server.
    """
    conf = root / "nginx.conf"
    conf.write_text(f"""
worker_processes 1;
daemon off;
pid {root}/nginx.pid;
error_log {root}/nginx-error.log;
events {{ worker_connections 256; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    client_body_temp_path {root}/nginx-body;
    proxy_temp_path {root}/nginx-proxy;
    fastcgi_temp_path {root}/nginx-fastcgi;
    uwsgi_temp_path {root}/nginx-uwsgi;
    scgi_temp_path {root}/nginx-scgi;
    types {{ {types} }}
    server {{
        listen 127.0.0.1:{port};
        {locations}
    }}
}}
""")
    process = subprocess.Popen(["nginx", "-c", str(conf), "-p", str(root)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    wait_for_port(port, process)
    return process
