"""The search outbox: rows written in the same transaction as the change they describe.

The index is derived data; it is brought up to date from these rows, in id order, so a lost or
broken index never loses a change. Every domain with searchable documents writes here, so it is
a core module; ``search/`` only reads it.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlmodel import Field, Session, SQLModel

from .models_base import enum_field, utc_field


class DocType(enum.StrEnum):
    CHALLENGE = "challenge"
    PROFILE = "profile"
    ACHIEVEMENT = "achievement"


class OutboxOp(enum.StrEnum):
    UPSERT = "upsert"
    DELETE = "delete"


class SearchOutbox(SQLModel, table=True):
    __tablename__ = "search_outbox"

    id: int | None = Field(default=None, primary_key=True)
    doc_type: DocType = enum_field(DocType)
    doc_id: int
    op: OutboxOp = enum_field(OutboxOp)
    created_at: datetime = utc_field(default_now=True)


def enqueue(s: Session, *, doc_type: DocType, doc_id: int, op: OutboxOp) -> None:
    """Record that a searchable document changed (call inside the business transaction)."""
    s.add(SearchOutbox(doc_type=doc_type, doc_id=doc_id, op=op))
