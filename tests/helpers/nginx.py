"""Throwaway nginx servers on 127.0.0.1, stopped by PID: ``start_nginx`` (the one starter, which the benches
use too: bench/_server.py imports it) and ``StatsNginx`` (a media folder and the ``podcaster_stats`` log)."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterable
from pathlib import Path

from podcaster.content.analytics.logs import LOG_FORMAT

from .live import free_port

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def available() -> str | None:
    """Why nginx tests cannot run here, or None when they can."""
    return None if Path(NGINX).exists() else f"no nginx at {NGINX} (apt-get install nginx)"


def start_nginx(root: Path, port: int, http: str, *, more_ports: Iterable[int] = (),
                worker_connections: int = 64, seconds: float = 20) -> subprocess.Popen:
    """Start nginx (one worker, in the foreground of its own process) with its files under ``root``.

    Args:
        root: a scratch folder for the config, pid, logs and temp paths.
        port: a port one of its servers listens on, waited for.
        http: what goes inside the ``http`` block: ``server`` blocks, ``types``, logs, ``sendfile``...
        more_ports: other ports its servers listen on, waited for as well.
        worker_connections: connections its worker accepts at once.
        seconds: how long to wait for each port.

    Returns:
        The nginx process (stop it by its PID).

    Raises:
        RuntimeError: nginx exited (its error log is in the message) or did not listen in time.
    """
    conf = root / "nginx.conf"
    # Run as root (CI's containers), nginx's workers would drop to "nobody", who cannot read pytest's
    # private temporary folders: they stay root.
    user = "user root;" if os.geteuid() == 0 else ""
    conf.write_text(f"""
{user}
worker_processes 1;
daemon off;
pid {root}/nginx.pid;
error_log {root}/nginx-error.log;
events {{ worker_connections {worker_connections}; }}
http {{
    client_body_temp_path {root}/body;
    proxy_temp_path {root}/proxy;
    fastcgi_temp_path {root}/fastcgi;
    uwsgi_temp_path {root}/uwsgi;
    scgi_temp_path {root}/scgi;
    {http}
}}
""")
    process = subprocess.Popen([NGINX, "-c", str(conf), "-p", str(root), "-e", str(root / "startup.log")],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for each in (port, *more_ports):
        deadline = time.monotonic() + seconds
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"nginx exited: {(root / 'nginx-error.log').read_text(errors='replace')}")
            try:
                socket.create_connection(("127.0.0.1", each), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    process.kill()
                    process.wait(timeout=10)
                    raise RuntimeError(f"nginx did not listen on port {each} within {seconds} s") from None
                time.sleep(0.05)
    return process


class StatsNginx:
    """nginx on a free 127.0.0.1 port answering ``/media/...`` from ``media_root`` (ranges and all) and
    logging each request in the documented format to ``access_log``."""

    def __init__(self, folder: Path, media_root: Path) -> None:
        self.folder = folder
        self.media_root = media_root
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.access_log = folder / "media-access.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> StatsNginx:
        self.process = start_nginx(self.folder, self.port, f"""
    {LOG_FORMAT}
    access_log off;
    types {{ audio/mpeg mp3; }}
    server {{
        listen 127.0.0.1:{self.port};
        location /media/ {{
            alias {self.media_root}/;
            access_log {self.access_log} podcaster_stats;
        }}
    }}""")
        return self

    def stop(self) -> None:
        """Stop nginx (SIGQUIT: it finishes writing its log first)."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(3)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
