"""The database itself keeps the integrity list honest, on both backends."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import select

from marketplace import db
from marketplace.integrity import services
from marketplace.integrity.models import IntegrityRecord, IntegrityRepair
from marketplace.uploads import StoredFile


def _stored(n: int) -> StoredFile:
    return StoredFile("整改报告.pdf", f"{n:032x}.pdf", 100, "0" * 64)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE integrity_record SET ends_on = NULL, measure = 'warning'",
        "UPDATE integrity_record SET finding = '已撤销'",
        "DELETE FROM integrity_record",
    ],
)
def test_the_database_refuses_to_rewrite_a_record(people, record, statement):
    record(user_id=people["team"].id)
    before = db.session().exec(select(IntegrityRecord)).one().model_dump()
    with pytest.raises(DBAPIError, match="append-only"), db.engine().begin() as conn:
        conn.execute(text(statement))
    db.refresh_read_session()
    assert db.session().exec(select(IntegrityRecord)).one().model_dump() == before


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE integrity_repair SET status = 'refused'",
        "UPDATE integrity_repair SET lifted_on = NULL",
        "DELETE FROM integrity_repair",
    ],
)
def test_a_decided_repair_cannot_be_changed_or_removed(people, record, statement):
    made = record(
        years=1, starts_on=services.today() - timedelta(days=200), user_id=people["team"].id
    )
    repair = services.apply_for_repair(
        actor=people["team"], record_id=made.id, statement="已整改", evidence=_stored(1)
    )
    services.decide_repair(actor=people["staff"], repair_id=repair.id, approve=True, reason="好")
    with pytest.raises(DBAPIError, match="append-only"), db.engine().begin() as conn:
        conn.execute(text(statement))
    db.refresh_read_session()
    assert db.session().get(IntegrityRepair, repair.id).lifted_on == services.today()


def test_a_pending_repair_cannot_be_deleted_and_only_one_is_open(people, record):
    made = record(
        years=1, starts_on=services.today() - timedelta(days=200), user_id=people["team"].id
    )
    services.apply_for_repair(
        actor=people["team"], record_id=made.id, statement="已整改", evidence=_stored(2)
    )
    with pytest.raises(DBAPIError, match="append-only"), db.engine().begin() as conn:
        conn.execute(text("DELETE FROM integrity_repair"))
    # The partial unique index is the backstop behind the service's own check.
    with pytest.raises(DBAPIError), db.engine().begin() as conn:
        conn.execute(
            text(
                "INSERT INTO integrity_repair (record_id, applicant_id, statement, evidence_name,"
                " evidence_stored_name, evidence_size_bytes, evidence_sha256, status, applied_at,"
                " decision_reason) VALUES (:r, :a, 's', 'e.pdf', 'x.pdf', 1, 'h', 'pending',"
                " CURRENT_TIMESTAMP, '')"
            ),
            {"r": made.id, "a": people["team"].id},
        )
