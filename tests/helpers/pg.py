"""A throwaway PostgreSQL cluster for the tests, started from the machine's own binaries."""
from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import sqlalchemy as sa

PG_BIN = Path(os.environ.get("PODCASTER_PG_BIN", "/usr/lib/postgresql/15/bin"))


def available() -> str | None:
    """None when a cluster can be started here, else the reason it cannot."""
    if not (PG_BIN / "initdb").exists():
        return f"PostgreSQL binaries not found in {PG_BIN}"
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "running as root without runuser, so initdb cannot run"
    return None


class Cluster:
    """A PostgreSQL cluster in a temporary folder, reachable only through a unix socket there."""

    def __init__(self) -> None:
        self.base = Path(tempfile.mkdtemp(prefix="podcaster-pg-"))
        self.data = self.base / "data"
        self.user = "postgres" if os.geteuid() == 0 else None

    def _run(self, *args: str) -> None:
        command = [str(arg) for arg in args]
        if self.user:  # initdb and postgres refuse to run as root
            command = ["runuser", "-u", self.user, "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def start(self) -> str:
        """Create and start the cluster.

        Returns:
            The SQLAlchemy URL of its ``postgres`` database.
        """
        if self.user:
            shutil.chown(self.base, self.user)
        self._run(PG_BIN / "initdb", "-D", self.data, "-U", "postgres", "--auth=trust",
                  "--encoding=UTF8", "--locale=C")
        self.resume()
        return f"postgresql+psycopg://postgres@/postgres?host={self.base}"

    def resume(self) -> None:
        """Start the server of the created cluster (again, after ``pause``)."""
        options = (f"-c listen_addresses='' -c unix_socket_directories={self.base} "
                   "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        self._run(PG_BIN / "pg_ctl", "-D", self.data, "-o", options, "-w", "-t", "60",
                  "-l", self.base / "server.log", "start")

    def pause(self) -> None:
        """Stop the server as an operator's restart does (``-m fast``: sessions cut), keeping the data."""
        self._run(PG_BIN / "pg_ctl", "-D", self.data, "-m", "fast", "-w", "-t", "60", "stop")

    def stop(self) -> None:
        try:
            self._run(PG_BIN / "pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.base, ignore_errors=True)


_database_names = itertools.count(1)


def fresh_database(request, kind: str, folder: Path):
    """Yield the URL of a new empty database of ``kind``, dropped afterwards.

    Args:
        request: the asking fixture's request (a PostgreSQL database lives in the ``postgres_server`` cluster).
        kind: ``sqlite`` (a file in ``folder``) or ``postgresql``.
        folder: where a SQLite file goes.
    """
    if kind == "sqlite":
        yield f"sqlite:///{folder / f'test-{next(_database_names)}.sqlite'}"
        return
    server_url = request.getfixturevalue("postgres_server")
    name = f"test_{os.getpid()}_{next(_database_names)}"
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield sa.make_url(server_url).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
