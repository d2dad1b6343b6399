"""Schema management: every domain's tables in one metadata, and Alembic driven from code.

Lives at the top of the package (like `app.py`) because it must know every domain's models,
which `storage` may not import.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, MetaData

import leadwerk.auth.models
import leadwerk.capture.forms.models
import leadwerk.capture.hooks.models
import leadwerk.capture.imports.models
import leadwerk.capture.models
import leadwerk.capture.spam.models
import leadwerk.capture.tracking.models
import leadwerk.consent.models
import leadwerk.delivery.models
import leadwerk.identity.models
import leadwerk.leads.models  # noqa: F401 - registers the tables on Base.metadata
from leadwerk.errors import DatabaseBehindHead
from leadwerk.storage.base import Base

MIGRATIONS_DIR = Path(__file__).parent / "storage" / "migrations"


def metadata() -> MetaData:
    return Base.metadata


def _config() -> Config:
    cfg = Config(stdout=io.StringIO())  # Alembic's own chatter; we report what matters
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["target_metadata"] = Base.metadata
    return cfg


@lru_cache(maxsize=1)
def head_revision() -> str:
    script = ScriptDirectory(str(MIGRATIONS_DIR))
    head = script.get_current_head()
    assert head is not None, "no migrations found"
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    with _migrating(engine) as conn:
        cfg = _config()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def downgrade(engine: Engine, revision: str) -> None:
    with _migrating(engine) as conn:
        cfg = _config()
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)


@contextlib.contextmanager
def _migrating(engine: Engine) -> Iterator[Connection]:
    """A connection for migrations. On SQLite with foreign keys off while they run, as
    SQLite's procedure for rebuilding a table requires (dropping the old copy of a table
    others refer to would otherwise delete their rows through ON DELETE CASCADE); the
    references are checked before the work commits, and a dangling one fails the migration."""
    with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:  # a pragma outside any transaction: inside one SQLite ignores it
            conn.connection.dbapi_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
        try:
            with conn.begin():
                yield conn
                if sqlite:
                    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").first()
                    if broken is not None:
                        raise RuntimeError(f"a migration left a dangling reference: {broken}")
        finally:
            if sqlite:
                conn.connection.dbapi_connection.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]


def make_revision(engine: Engine, message: str) -> list[str]:
    """Write a new migration from the differences between the models and this database
    (which must be at head); returns the paths written."""
    require_head(engine)
    cfg = _config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        head = head_revision()
        rev_id = f"{int(head) + 1:04d}" if head.isdigit() else None
        with contextlib.redirect_stdout(io.StringIO()):  # "Generating …": we say it ourselves
            scripts = command.revision(cfg, message=message, autogenerate=True, rev_id=rev_id)
    items = scripts if isinstance(scripts, list) else [scripts]
    return [s.path for s in items if s is not None]


@dataclass(frozen=True)
class SchemaStatus:
    current: str | None
    head: str

    @property
    def at_head(self) -> bool:
        return self.current == self.head


def status(engine: Engine) -> SchemaStatus:
    return SchemaStatus(current=current_revision(engine), head=head_revision())


def require_head(engine: Engine) -> None:
    st = status(engine)
    if not st.at_head:
        raise DatabaseBehindHead(
            f"The database is at migration {st.current or 'none'}, this Leadwerk needs {st.head}. "
            "Back it up, then run `leadwerk db upgrade`."
        )


def differences(engine: Engine) -> list[object]:
    """What `alembic check` would report: differences between the models and the database."""
    with engine.connect() as conn:
        ctx = MigrationContext.configure(
            conn, opts={"compare_type": True, "target_metadata": Base.metadata}
        )
        return list(compare_metadata(ctx, Base.metadata))
