"""Every table, imported in one place so Alembic and the tests see the whole schema."""

from sqlmodel import SQLModel

from .accounts.models import LoginSession, Organisation, User
from .audit import AuditEvent
from .bids.models import Bid, BidAttachment, BidVersion, IntegrityRecord
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
from .search.subscriptions import Subscription
from .teams.models import Achievement, TeamProfile

metadata = SQLModel.metadata

__all__ = [
    "Achievement",
    "Amendment",
    "AuditEvent",
    "Bid",
    "BidAttachment",
    "BidVersion",
    "Challenge",
    "ChallengeAttachment",
    "CodeCounter",
    "Indicator",
    "IntegrityRecord",
    "LoginSession",
    "Notification",
    "Organisation",
    "Question",
    "SearchOutbox",
    "Subscription",
    "TeamProfile",
    "User",
    "metadata",
]
