"""Column helpers shared by every domain's models."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import Column
from sqlalchemy import Enum as SAEnum
from sqlmodel import Field, SQLModel

from .db import UTCDateTime, utcnow


def enum_field(enum_cls: type[enum.Enum], *, default: Any = None, index: bool = False) -> Any:
    """A state column stored as its string value, with a CHECK constraint listing the states."""
    return Field(
        default=default,
        sa_column=Column(
            SAEnum(
                enum_cls,
                native_enum=False,
                create_constraint=True,
                length=32,
                values_callable=lambda e: [m.value for m in e],
                validate_strings=True,
                name=f"ck_{enum_cls.__name__.lower()}",
            ),
            nullable=False,
            index=index,
        ),
    )


def sql(*states: enum.Enum) -> str:
    """States as SQL literals for CHECK constraints and partial indexes: 'a' or ('a', 'b')."""
    quoted = [f"'{s.value}'" for s in states]
    return quoted[0] if len(quoted) == 1 else "(" + ", ".join(quoted) + ")"


def utc_field(*, nullable: bool = False, default_now: bool = False, index: bool = False) -> Any:
    """A UTC timestamp column; ``default_now`` fills it with the current time."""
    kwargs: dict[str, Any] = {}
    if default_now:
        kwargs["default_factory"] = utcnow
    else:
        kwargs["default"] = None
    return Field(sa_column=Column(UTCDateTime(), nullable=nullable, index=index), **kwargs)


class StoredFileColumns(SQLModel):
    """The columns of an uploaded file kept beside the row it belongs to (a challenge's, a
    bid's, an objection's attachment): its name as uploaded, where it lies, its size and
    digest, who uploaded it and when. Not a table: an attachment table inherits it and adds its
    ``id`` and the key of what the file is attached to."""

    original_name: str = Field(max_length=200)
    stored_name: str = Field(max_length=80, unique=True)
    size_bytes: int
    sha256: str = Field(max_length=64)
    uploaded_by_id: int = Field(foreign_key="user_account.id")
    # sa_type, not utc_field's sa_column: one Column object cannot serve several tables.
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime(), nullable=False)


__all__ = ["StoredFileColumns", "datetime", "enum_field", "sql", "utc_field"]
