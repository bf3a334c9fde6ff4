"""Shared bench helpers: free ports, the gunicorn starter, nginx (the tests' starter), the wrk runner, a
worker's memory."""
from __future__ import annotations

import hashlib
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
if str(PROJECT) not in sys.path:  # the benches share the tests' nginx starter (tests/helpers/nginx.py)
    sys.path.insert(0, str(PROJECT))


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


def start_nginx(root: Path, port: int, types: str, locations: str, *, servers: str = "",
                more_ports: tuple[int, ...] = ()) -> subprocess.Popen:
    """Start nginx (one worker, sendfile) on 127.0.0.1:``port`` with its files under ``root``, through the
    tests' one nginx starter (``tests/helpers/nginx.start_nginx``).

    Args:
        root: a scratch folder for the config, pid, logs and temp paths.
        port: the port to listen on.
        types: the body of the ``types`` block (e.g. ``audio/mpeg mp3;``).
        locations: the directives of that server (``location`` blocks, ``root``...).
        servers: further whole ``server`` blocks (e.g. the README's configuration).
        more_ports: the ports those servers listen on, waited for as well.
    """
    from tests.helpers.nginx import start_nginx as start

    return start(root, port, f"""
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    types {{ {types} }}
    {servers}
    server {{
        listen 127.0.0.1:{port};
        {locations}
    }}""", more_ports=more_ports, worker_connections=256)


_UNITS = {"B": 1, "KB": 1024, "MB": 1024 ** 2, "GB": 1024 ** 3}


def wrk(url: str, headers: dict[str, str], seconds: float, connections: int = 8) -> tuple[float, float]:
    """Load ``url`` with ``wrk -t1`` over keep-alive connections for whole ``seconds``.

    Args:
        url: the full address.
        headers: request headers sent with every request.
        seconds: how long (rounded to whole seconds, at least 1: wrk's unit).
        connections: open connections.

    Returns:
        (requests per second, MiB per second).

    Raises:
        SystemExit: when any answer was not 2xx or 3xx (a bench of errors measures nothing).
    """
    args = ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "30s"]
    for name, value in headers.items():
        args += ["-H", f"{name}: {value}"]
    output = subprocess.run(args + [url], capture_output=True, text=True, timeout=seconds + 60,
                            check=True).stdout
    if "Non-2xx or 3xx" in output:
        raise SystemExit(f"errors while loading {url}:\n{output}")
    requests = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    amount, unit = re.search(r"Transfer/sec:\s+([\d.]+)([KMG]?B)", output).groups()
    return requests, float(amount) * _UNITS[unit] / 1024 ** 2


def write_random_file(path: Path, mib: int) -> str:
    """Write ``mib`` MiB of random bytes to ``path`` (its folders made); return their SHA-256 hex digest."""
    path.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    with open(path, "wb") as handle:
        for _ in range(mib):
            block = os.urandom(1024 * 1024)
            digest.update(block)
            handle.write(block)
    return digest.hexdigest()
