"""The README's nginx configuration is docs/nginx.conf (the file the bench runs), and nginx accepts it."""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def test_the_readme_shows_docs_nginx_conf():
    blocks = re.findall(r"```nginx\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    assert (ROOT / "docs" / "nginx.conf").read_text() in blocks


def test_nginx_accepts_the_configuration(tmp_path):
    if not Path(NGINX).exists():
        pytest.skip("needs nginx (apt-get install nginx)")
    server = (ROOT / "docs" / "nginx.conf").read_text().replace("/srv/podcaster", str(tmp_path))
    server = server.replace("listen 443 ssl;", "listen 127.0.0.1:1;")
    conf = tmp_path / "nginx.conf"
    conf.write_text(f"pid {tmp_path}/nginx.pid; error_log {tmp_path}/error.log;\n"
                    f"events {{}}\nhttp {{ access_log off; client_body_temp_path {tmp_path}/body;\n"
                    f"proxy_temp_path {tmp_path}/proxy; {server} }}\n")
    checked = subprocess.run([NGINX, "-t", "-c", str(conf), "-p", str(tmp_path)], capture_output=True,
                             text=True, timeout=30)
    assert checked.returncode == 0, checked.stderr
