"""Read-side queries for the account pages: organisations, their people, the user list."""

from __future__ import annotations

from sqlmodel import Session, func, select

from .models import Membership, Organisation, OrgStatus, Role, User


def organisations_page(
    s: Session, *, status: OrgStatus | None, q: str, page: int, per_page: int
) -> tuple[list[Organisation], int]:
    """A page of organisations (in ``status``, matching ``q`` by name or USCC), newest first,
    and the total."""
    stmt = select(Organisation)
    if status is not None:
        stmt = stmt.where(Organisation.status == status)
    if q:
        stmt = stmt.where(Organisation.name.contains(q) | (Organisation.uscc == q.upper()))
    total = s.exec(select(func.count()).select_from(stmt.subquery())).one()
    rows = s.exec(
        stmt.order_by(Organisation.created_at.desc(), Organisation.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    return list(rows), total


def users_page(s: Session, *, q: str, page: int, per_page: int) -> tuple[list[User], int]:
    """A page of every account (matching ``q`` by e-mail or name), oldest first, and the total."""
    stmt = select(User)
    if q:
        stmt = stmt.where(User.email.contains(q.lower()) | User.name.contains(q))
    total = s.exec(select(func.count()).select_from(stmt.subquery())).one()
    rows = s.exec(stmt.order_by(User.id).offset((page - 1) * per_page).limit(per_page)).all()
    return list(rows), total


def people_of(s: Session, organisation_id: int, *, by_membership: bool = False) -> list[User]:
    """Everyone attached to an organisation, whatever their membership; in order of joining,
    or grouped by membership state first (the member admin's page)."""
    order = (User.membership, User.id) if by_membership else (User.id,)
    return list(
        s.exec(select(User).where(User.organisation_id == organisation_id).order_by(*order)).all()
    )


def approved_researchers(s: Session, organisation_id: int) -> list[User]:
    """The organisation's approved researchers by name (who may lead its bid)."""
    return list(
        s.exec(
            select(User)
            .where(
                User.organisation_id == organisation_id,
                User.membership == Membership.APPROVED,
                User.role == Role.RESEARCHER,
            )
            .order_by(User.name)
        ).all()
    )


def researchers_and_experts(s: Session) -> list[User]:
    """Every researcher and expert account by name (whom an integrity record may name)."""
    return list(
        s.exec(
            select(User).where(User.role.in_([Role.RESEARCHER, Role.EXPERT])).order_by(User.name)
        ).all()
    )


def all_organisations(s: Session) -> list[Organisation]:
    """Every organisation by name."""
    return list(s.exec(select(Organisation).order_by(Organisation.name)).all())


def users_by_id(s: Session, ids) -> list[User]:
    """The accounts with these ids (in no particular order)."""
    ids = list(ids)
    return list(s.exec(select(User).where(User.id.in_(ids)))) if ids else []


def organisations_by_id(s: Session, ids) -> dict[int, Organisation]:
    """The organisations with these ids, by id."""
    ids = list(ids)
    if not ids:
        return {}
    return {o.id: o for o in s.exec(select(Organisation).where(Organisation.id.in_(ids)))}


def count_organisations(s: Session, status: OrgStatus) -> int:
    """How many organisations are in ``status`` (waiting for verification, verified)."""
    return s.exec(select(func.count()).where(Organisation.status == status)).one()


def count_pending_members(s: Session, organisation_id: int) -> int:
    """How many people wait for the organisation's admin to approve them."""
    return s.exec(
        select(func.count()).where(
            User.organisation_id == organisation_id, User.membership == Membership.PENDING
        )
    ).one()
