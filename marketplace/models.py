"""Every table, imported in one place so Alembic and the tests see the whole schema."""

from sqlmodel import SQLModel

from .accounts.models import LoginSession, Organisation, User
from .audit import AuditEvent
from .challenges.models import (
    Amendment,
    Challenge,
    ChallengeAttachment,
    CodeCounter,
    Indicator,
    Question,
)
from .notifications import Notification
from .search.outbox import SearchOutbox

metadata = SQLModel.metadata

__all__ = [
    "Amendment",
    "AuditEvent",
    "Challenge",
    "ChallengeAttachment",
    "CodeCounter",
    "Indicator",
    "LoginSession",
    "Notification",
    "Organisation",
    "Question",
    "SearchOutbox",
    "User",
    "metadata",
]
