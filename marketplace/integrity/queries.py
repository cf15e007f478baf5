"""Read-only views of the integrity list: the public's, the subject's and staff's."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import or_
from sqlmodel import Session, select

from ..accounts.access import member_org_id
from ..accounts.models import Organisation, User
from .models import IntegrityRecord, IntegrityRepair, RepairStatus
from .services import in_force_conditions, today


@dataclass
class RecordRow:
    record: IntegrityRecord
    subject: str  # the organisation's or the person's name
    in_force: bool
    repairs: list[IntegrityRepair] = field(default_factory=list)

    @property
    def lifted_on(self) -> date | None:
        """The early end an approved 信用修复 gave (the original end stays on the record)."""
        approved = [r.lifted_on for r in self.repairs if r.status is RepairStatus.APPROVED]
        return min(approved) if approved else None

    @property
    def open_repair(self) -> IntegrityRepair | None:
        return next((r for r in self.repairs if r.status is RepairStatus.PENDING), None)


def _subject_rows(s: Session, *conditions) -> list[tuple]:
    query = (
        select(IntegrityRecord, Organisation.name, User.name)
        .outerjoin(Organisation, Organisation.id == IntegrityRecord.organisation_id)
        .outerjoin(User, User.id == IntegrityRecord.user_id)
        .where(*conditions)
    )
    return list(s.exec(query.order_by(IntegrityRecord.id.desc())).all())


def _rows(s: Session, *conditions) -> list[RecordRow]:
    found = _subject_rows(s, *conditions)
    ids = [r.id for r, _o, _u in found]
    if not ids:
        return []
    in_force = set(s.exec(select(IntegrityRecord.id).where(
        IntegrityRecord.id.in_(ids), *in_force_conditions(today())
    )).all())  # fmt: skip
    repairs: dict[int, list[IntegrityRepair]] = defaultdict(list)
    for repair in s.exec(
        select(IntegrityRepair)
        .where(IntegrityRepair.record_id.in_(ids))
        .order_by(IntegrityRepair.id)
    ).all():
        repairs[repair.record_id].append(repair)
    return [
        RecordRow(r, org or person or "—", r.id in in_force, repairs[r.id])
        for r, org, person in found
    ]


def public_restrictions(s: Session) -> list[tuple[IntegrityRecord, str]]:
    """Restrictions in force today, with the subject's name and nothing else about them."""
    return [
        (r, org or person or "—")
        for r, org, person in _subject_rows(s, *in_force_conditions(today()))
    ]


def records_of(s: Session, user: User) -> list[RecordRow]:
    """The records about the user, or about the organisation they are an approved member of."""
    conditions = [IntegrityRecord.user_id == user.id]
    if (org_id := member_org_id(user)) is not None:
        conditions.append(IntegrityRecord.organisation_id == org_id)
    return _rows(s, or_(*conditions))


def all_records(s: Session) -> list[RecordRow]:
    return _rows(s)


def pending_repairs(s: Session) -> list[tuple[IntegrityRepair, IntegrityRecord]]:
    return list(
        s.exec(
            select(IntegrityRepair, IntegrityRecord)
            .join(IntegrityRecord, IntegrityRecord.id == IntegrityRepair.record_id)
            .where(IntegrityRepair.status == RepairStatus.PENDING)
            .order_by(IntegrityRepair.applied_at)
        ).all()
    )


def record_row(s: Session, record_id: int) -> RecordRow | None:
    rows = _rows(s, IntegrityRecord.id == record_id)
    return rows[0] if rows else None
