"""A throwaway nginx serving a media folder and writing the ``podcaster_stats`` access log, stopped by PID."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

from podcaster.content.analytics.logs import LOG_FORMAT

from .live import free_port

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def available() -> str | None:
    """Why nginx tests cannot run here, or None when they can."""
    return None if Path(NGINX).exists() else f"no nginx at {NGINX} (apt-get install nginx)"


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
        root = self.folder
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
events {{ worker_connections 64; }}
http {{
    {LOG_FORMAT}
    access_log off;
    client_body_temp_path {root}/body;
    proxy_temp_path {root}/proxy;
    fastcgi_temp_path {root}/fastcgi;
    uwsgi_temp_path {root}/uwsgi;
    scgi_temp_path {root}/scgi;
    types {{ audio/mpeg mp3; }}
    server {{
        listen 127.0.0.1:{self.port};
        location /media/ {{
            alias {self.media_root}/;
            access_log {self.access_log} podcaster_stats;
        }}
    }}
}}
""")
        self.process = subprocess.Popen([NGINX, "-c", str(conf), "-p", str(root), "-e", str(root / "startup.log")],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nginx exited: {(root / 'nginx-error.log').read_text(errors='replace')}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("nginx did not listen within 20 s")

    def stop(self) -> None:
        """Stop nginx (SIGQUIT: it finishes writing its log first)."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(3)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
