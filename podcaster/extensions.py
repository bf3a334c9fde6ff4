"""Flask extensions, created unbound and initialised in ``create_app``."""
from __future__ import annotations

import time

from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.pool import Pool
from sqlalchemy.orm import DeclarativeBase

# Named constraints keep Alembic migrations portable (SQLite batch mode needs names).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
csrf = CSRFProtect()
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Please log in to see that page."


@event.listens_for(Engine, "connect")
def _sqlite_enforces_foreign_keys(dbapi_connection, connection_record) -> None:
    """SQLite ignores ON DELETE CASCADE / SET NULL unless asked, per connection; PostgreSQL always applies them."""
    import sqlite3

    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


#: A pooled connection unused for longer than this is pinged before it is handed out again.
IDLE_PING_SECONDS = 10.0
_RETURNED_AT = "podcaster.returned_at"


@event.listens_for(Pool, "checkin")
def _note_when_returned(dbapi_connection, connection_record) -> None:
    if dbapi_connection is not None:
        connection_record.info[_RETURNED_AT] = time.monotonic()


@event.listens_for(Pool, "checkout")
def _ping_after_idle(dbapi_connection, connection_record, connection_proxy) -> None:
    """Ping a connection only when it has been idle for a while (SQLAlchemy's pessimistic recipe, narrowed).

    ``pool_pre_ping`` pings on every checkout, doubling the round trips of a lean-path request. A
    connection in steady use needs no ping: if the database restarted meanwhile, the statement fails
    with a disconnect error, SQLAlchemy invalidates the whole pool (its optimistic handling), that
    request answers 503 or is retried (web/fast.py), and the next one connects afresh. The ping
    covers the quiet case, a restart during the night, whose first request would otherwise fail.
    Raising ``DisconnectionError`` here makes the pool replace the connection (SQLAlchemy's pool events).
    """
    returned = connection_record.info.get(_RETURNED_AT)
    if returned is None or time.monotonic() - returned < IDLE_PING_SECONDS:
        return
    try:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("SELECT 1")
        finally:
            cursor.close()
    except Exception as error:  # noqa: BLE001 - any DBAPI error means this connection is gone
        raise DisconnectionError(f"a pooled connection idle since {returned:.0f} is gone: {error}") from error
