"""Every table, imported in one place so Alembic and the tests see the whole schema."""

from sqlmodel import SQLModel

from .accounts.models import LoginSession, Organisation, User
from .api.models import ApiToken  # noqa: F401 (Alembic sees the table)
from .audit import AuditEvent
from .awards.models import Award, Objection  # noqa: F401 (Alembic sees the tables)
from .bids.models import Bid, BidAttachment, BidVersion
from .challenges.models import (
    Amendment,
    Challenge,
    ChallengeAttachment,
    CodeCounter,
    Indicator,
    Question,
)
from .integrity.models import IntegrityRecord, IntegrityRepair  # noqa: F401 (Alembic)
from .notifications import EmailPreference, Notification, NotificationMail  # noqa: F401
from .outbox import SearchOutbox
from .page_cache import DataGeneration  # noqa: F401 (Alembic sees the table)
from .projects import ledger_models, milestone_models  # noqa: F401 (Alembic sees the tables)
from .projects.models import Project, ProjectCounter  # noqa: F401 (Alembic sees the tables)
from .review.models import ExpertField, ExpertProfile  # noqa: F401 (Alembic sees the tables)
from .review.panel_models import Defence, Draw, Opinion, Panel, PanelMember, Score  # noqa: F401
from .search.subscriptions import DigestRun, Subscription  # noqa: F401 (Alembic sees it)
from .search.thesaurus_models import ThesaurusEntry  # noqa: F401 (Alembic sees the table)
from .teams.models import Achievement, TeamProfile
from .workdays.models import HolidayEntry  # noqa: F401 (Alembic and the tests see the table)

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
