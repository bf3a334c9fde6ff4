"""A throwaway S3-compatible server for the tests: OpenStack Swift with its s3api middleware.

The recipe is /work/shared/S3-TEST-SERVER.md (Debian's swift packages): a one-replica Swift whose only
device is a folder in a temporary directory, five processes (memcached, account, container, object,
proxy) on 127.0.0.1, each on a free port chosen at run time, stopped by PID.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

SWIFT_PYTHON = "/usr/bin/python3"  # the swift module lives only in Debian's Python
PROGRAMS = ("memcached", "swift-account-server", "swift-container-server", "swift-object-server",
            "swift-proxy-server")
ACCESS_KEY_ID = "test:tester"  # tempauth account:user
SECRET_ACCESS_KEY = "testing"
REGION = "us-east-1"  # must equal the s3api ``location``
READY_SECONDS = 60

_SERVER_CONF = """[DEFAULT]
bind_ip = 127.0.0.1
bind_port = {port}
workers = 0
{user_line}
swift_dir = {base}/etc
devices = {base}/srv/node
mount_check = false
recon_cache_path = {base}/cache
log_name = {name}
log_level = WARNING
log_udp_host = 127.0.0.1
log_udp_port = {syslog_port}

"""

_STORAGE_PIPELINE = """[pipeline:main]
pipeline = healthcheck {name}-server

[app:{name}-server]
use = egg:swift#{name}

[filter:healthcheck]
use = egg:swift#healthcheck
"""

# s3api before tempauth, cache before tempauth, slo after them (S3 multipart is built on SLO).
_PROXY_PIPELINE = """[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats bulk s3api tempauth copy slo dlo proxy-logging proxy-server

[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true

[filter:s3api]
use = egg:swift#s3api
location = us-east-1

[filter:tempauth]
use = egg:swift#tempauth
user_test_tester = testing .admin

[filter:cache]
use = egg:swift#memcache
memcache_servers = 127.0.0.1:{memcached_port}

[filter:catch_errors]
use = egg:swift#catch_errors
[filter:gatekeeper]
use = egg:swift#gatekeeper
[filter:healthcheck]
use = egg:swift#healthcheck
[filter:proxy-logging]
use = egg:swift#proxy_logging
[filter:listing_formats]
use = egg:swift#listing_formats
[filter:bulk]
use = egg:swift#bulk
[filter:copy]
use = egg:swift#copy
[filter:slo]
use = egg:swift#slo
[filter:dlo]
use = egg:swift#dlo
"""

_RINGS = """
import sys
from swift.common.ring import RingBuilder
for name, port in zip(("account", "container", "object"), sys.argv[2:]):
    builder = RingBuilder(6, 1, 1)
    builder.add_dev({"region": 1, "zone": 1, "ip": "127.0.0.1", "port": int(port), "device": "d1", "weight": 1})
    builder.rebalance()
    builder.get_ring().save("%s/%s.ring.gz" % (sys.argv[1], name))
"""


def available() -> str | None:
    """None when the server can be started here, else the reason it cannot."""
    for program in PROGRAMS:
        if shutil.which(program) is None:
            return f"{program} not found (apt-get install swift swift-proxy swift-account swift-container " \
                   "swift-object memcached)"
    if not Path("/etc/swift/swift.conf").exists():  # read by every Swift server whatever swift_dir says
        return "/etc/swift/swift.conf is missing (it comes with the swift package)"
    return None


def _free_ports(count: int) -> list[int]:
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket()
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


class SwiftS3:
    """One Swift + s3api server in a temporary folder."""

    def __init__(self) -> None:
        # tmpfs when there is one: Swift keeps object metadata in xattrs, which tmpfs holds without ext4's limit.
        shm = Path("/dev/shm")
        self.base = Path(tempfile.mkdtemp(prefix="podcaster-s3-", dir=shm if shm.is_dir() else None))
        self.proxy_port, account, container, obj, self.memcached_port, syslog = _free_ports(6)
        self.ports = {"account": account, "container": container, "object": obj}
        self.processes: list[subprocess.Popen] = []

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.proxy_port}"

    def settings(self, bucket: str) -> dict:
        """The app settings that point the S3 backend at this server."""
        return {"S3_BUCKET": bucket, "S3_ENDPOINT_URL": self.endpoint_url, "S3_REGION": REGION,
                "S3_ACCESS_KEY_ID": ACCESS_KEY_ID, "S3_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY}

    def _write_configs(self) -> None:
        etc = self.base / "etc"
        for folder in (etc, self.base / "srv/node/d1", self.base / "log", self.base / "cache"):
            folder.mkdir(parents=True, exist_ok=True)
        user_line = "user = root" if os.geteuid() == 0 else ""
        common = {"base": self.base, "user_line": user_line, "syslog_port": _free_ports(1)[0]}
        for name, port in self.ports.items():
            (etc / f"{name}-server.conf").write_text(
                _SERVER_CONF.format(port=port, name=name, **common) + _STORAGE_PIPELINE.format(name=name))
        (etc / "proxy-server.conf").write_text(
            _SERVER_CONF.format(port=self.proxy_port, name="proxy", **common)
            + _PROXY_PIPELINE.format(memcached_port=self.memcached_port))
        subprocess.run([SWIFT_PYTHON, "-c", _RINGS, str(etc), *(str(port) for port in self.ports.values())],
                       check=True, capture_output=True, timeout=120)

    def _spawn(self, name: str, command: list[str]) -> None:
        env = {**os.environ, "EVENTLET_NO_GREENDNS": "yes"}
        with open(self.base / "log" / f"{name}.log", "wb") as log:
            self.processes.append(subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env,
                                                   stdin=subprocess.DEVNULL))

    def start(self) -> SwiftS3:
        """Start every process and wait until all answer; on failure stop them and raise with the logs."""
        try:
            self._write_configs()
            memcached = ["memcached", "-l", "127.0.0.1", "-p", str(self.memcached_port), "-U", "0", "-m", "64"]
            self._spawn("memcached", memcached + (["-u", "root"] if os.geteuid() == 0 else []))
            for name in (*self.ports, "proxy"):
                self._spawn(name, [f"swift-{name}-server", str(self.base / "etc" / f"{name}-server.conf"), "-v"])
            self._wait_ready()
        except BaseException:
            logs = self.logs()
            self.stop()
            raise RuntimeError(f"the Swift S3 server did not start:\n{logs}") from None
        return self

    def _wait_ready(self) -> None:
        pending = [*self.ports.values(), self.proxy_port]
        deadline = time.monotonic() + READY_SECONDS
        memcached_up = False
        while pending or not memcached_up:
            if time.monotonic() > deadline:
                raise TimeoutError("not ready in time")
            for process in self.processes:
                if process.poll() is not None:
                    raise RuntimeError(f"{process.args[0]} exited with {process.returncode}")
            if not memcached_up:
                with socket.socket() as sock:
                    memcached_up = sock.connect_ex(("127.0.0.1", self.memcached_port)) == 0
            for port in list(pending):
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthcheck", timeout=2) as answer:
                        if answer.status == 200:
                            pending.remove(port)
                except OSError:
                    pass
            if pending or not memcached_up:
                time.sleep(0.1)

    def logs(self) -> str:
        folder = self.base / "log"
        if not folder.is_dir():
            return ""
        return "\n".join(f"== {log.name}\n{log.read_text(errors='replace')[-2000:]}" for log in sorted(folder.iterdir()))

    def stop(self) -> None:
        """Stop every process this object started (by PID), then remove the folder."""
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        self.processes.clear()
        shutil.rmtree(self.base, ignore_errors=True)


_bucket_numbers = iter(range(1, 1_000_000))


def new_bucket_settings(server: SwiftS3) -> dict:
    """App settings for a new empty bucket on ``server`` (one per test: no test sees another's objects)."""
    from podcaster.content.storage_s3 import S3MediaStore, S3Settings

    settings = server.settings(f"test-{os.getpid()}-{next(_bucket_numbers)}")
    S3MediaStore(tempfile.gettempdir(), S3Settings.from_config(settings)).ensure_bucket()
    return settings


def s3_store(root, settings: dict, **overrides):
    """An ``S3MediaStore`` staging in ``root`` on the bucket of ``settings`` (see ``new_bucket_settings``)."""
    from podcaster.content.storage_s3 import S3MediaStore, S3Settings

    return S3MediaStore(root, S3Settings.from_config({**settings, **overrides}))
