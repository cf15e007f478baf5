"""Every table, imported in one place so Alembic and the tests see the whole schema."""

from sqlmodel import SQLModel

from .accounts.models import LoginSession, Organisation, User
from .audit import AuditEvent

metadata = SQLModel.metadata

__all__ = ["AuditEvent", "LoginSession", "Organisation", "User", "metadata"]
