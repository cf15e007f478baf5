"""PostgreSQL shows a row when its transaction commits, not when its id was taken: a change
whose transaction commits after a newer one was applied must still reach the index."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import create_engine, insert, text

from marketplace import db, page_cache
from marketplace.accounts.models import Role
from marketplace.outbox import DocType, OutboxOp, SearchOutbox
from marketplace.search import service

from ..factories import Factory
from .test_search import found


@pytest.fixture
def second_connection(app):
    if db.engine().dialect.name == "sqlite":
        pytest.skip("SQLite has one writer at a time: a lower id cannot commit later")
    engine = create_engine(app.config["DATABASE_URL"])
    conn = engine.connect()
    yield conn
    conn.close()
    engine.dispose()


def _open_change(conn, challenge_id: int, title: str):
    """A transaction on its own connection that edits a title and writes its outbox row, then
    stays open: its outbox id is taken now, its commit comes later."""
    transaction = conn.begin()
    conn.execute(
        text("UPDATE challenge SET title = :t WHERE id = :i"), {"t": title, "i": challenge_id}
    )
    outbox = SearchOutbox.__table__
    row_id = conn.execute(
        insert(outbox)
        .values(doc_type=DocType.CHALLENGE, doc_id=challenge_id, op=OutboxOp.UPSERT,
                created_at=db.utcnow())
        .returning(outbox.c.id)
    ).scalar_one()  # fmt: skip
    return transaction, row_id


def test_a_transaction_committing_after_the_settle_time_is_still_applied(
    app, client, factory: Factory, second_connection
):
    app.config["SEARCH_OUTBOX_SETTLE_MS"] = 50  # as in production, only shorter
    late = factory.challenge(factory.org_user(Role.ENTERPRISE), title="镁合金压铸件表面缺陷控制")
    service.catch_up()
    transaction, late_id = _open_change(second_connection, late.id, "迟到提交的钛合金榜单")
    newer = factory.challenge(factory.org_user(Role.ENTERPRISE), title="随后发布的碳纤维榜单")
    time.sleep(0.2)  # past the settle time; the first transaction is still open
    assert found(client, "碳纤维") == ["随后发布的碳纤维榜单"]
    assert service.current().last_applied() > late_id
    assert late_id in service.current().gaps()
    assert found(client, "钛合金") == []  # not committed: nobody may see it yet

    transaction.commit()
    # The app's own commits count themselves for the kept pages (page_cache.py); this
    # stand-in for another worker's transaction does it by hand.
    page_cache.bump(db.engine())
    time.sleep(0.2)
    assert found(client, "钛合金") == ["迟到提交的钛合金榜单"]
    assert service.current().gaps() == {}
    assert service.verify().clean
    assert newer.code


def test_an_id_whose_transaction_rolled_back_is_given_up_after_a_while(
    app, factory: Factory, second_connection
):
    challenge = factory.challenge(factory.org_user(Role.ENTERPRISE), title="储能电池热失控预警")
    service.catch_up()
    transaction, lost_id = _open_change(second_connection, challenge.id, "不会提交的标题")
    transaction.rollback()
    factory.challenge(factory.org_user(Role.ENTERPRISE), title="之后的榜单")
    service.catch_up()
    assert lost_id in service.current().gaps()
    assert service.catch_up() == 0  # still waited for, nothing to apply
    later = db.utcnow() + timedelta(seconds=service.GAP_SECONDS + 60)
    with time_machine.travel(later, tick=False):
        service.catch_up()
    assert service.current().gaps() == {}
    assert service.verify().clean
