"""Alembic environment. The caller (`leadwerk.schema`) passes the connection and the metadata in
`config.attributes`, so storage never imports a domain to learn the tables."""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext

from leadwerk.storage.base import EnumValue, UTCDateTime

config = context.config
connection = config.attributes["connection"]
target_metadata = config.attributes["target_metadata"]


def render_item(kind: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Write our column types as plain SQLAlchemy types, so migrations never import models."""
    if kind == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    if kind == "type" and isinstance(obj, EnumValue):
        return f"sa.String(length={obj.impl.length})"
    return False


context.configure(
    connection=connection,
    target_metadata=target_metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    transaction_per_migration=True,
    render_item=render_item,
)
with context.begin_transaction():
    context.run_migrations()
