"""API tokens: a personal bearer token of an organisation user, stored only as its SHA-256."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from ..models_base import utc_field


class ApiToken(SQLModel, table=True):
    """One token: who made it, for which organisation, until when; revoked tokens are kept."""

    __tablename__ = "api_token"
    __table_args__ = (UniqueConstraint("token_sha256", name="uq_api_token_sha256"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    name: str = Field(max_length=100)
    token_sha256: str = Field(max_length=64)  # hex digest of the secret shown once
    hint: str = Field(max_length=12)  # the first characters, so a person recognises it
    created_at: datetime = utc_field(default_now=True)
    expires_at: datetime = utc_field()
    revoked_at: datetime | None = utc_field(nullable=True)
