"""Migration 9d3f4a5b6c72 keeps the records made before it, as bars, and can go back."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import DBAPIError

from marketplace import create_app, db
from marketplace.accounts.models import Role
from marketplace.db import UTCDateTime, make_engine
from marketplace.integrity import services
from marketplace.integrity.models import IntegrityRecord, Measure
from marketplace.migrate import downgrade, upgrade

from ..conftest import BACKENDS, POSTGRES_ADMIN_URL, base_config
from ..factories import Factory

BEFORE = "8c2e3f4a5b61"
LEGACY = sa.table(
    "integrity_record",
    sa.column("id", sa.Integer()),
    sa.column("organisation_id", sa.Integer()),
    sa.column("user_id", sa.Integer()),
    sa.column("reason", sa.Text()),
    sa.column("restricted_until", sa.Date()),
    sa.column("created_by_id", sa.Integer()),
    sa.column("created_at", UTCDateTime()),
)


@pytest.fixture(params=BACKENDS)
def fresh_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'legacy.sqlite3'}"
        return
    admin = create_engine(make_url(POSTGRES_ADMIN_URL), isolation_level="AUTOCOMMIT")
    name = f"mp_integrity_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_records_made_before_the_domain_survive_as_bars(fresh_url, tmp_path):
    engine = make_engine(fresh_url)
    upgrade(engine, BEFORE)
    app = create_app(base_config(tmp_path, fresh_url))
    try:
        with app.app_context():
            factory = Factory(app)
            staff, team = factory.staff(), factory.org_user(Role.RESEARCHER)
            recorded = datetime(2026, 11, 30, 18, 30, tzinfo=UTC)  # 12-01 02:30 in Beijing
            rows = [
                {"user_id": team.id, "restricted_until": date(2099, 6, 30)},
                {"organisation_id": team.organisation_id, "restricted_until": date(2026, 12, 5)},
            ]
            with engine.begin() as conn:
                for n, row in enumerate(rows, start=1):
                    conn.execute(
                        LEGACY.insert().values(
                            id=n, reason=f"旧记录{n}", created_by_id=staff.id,
                            created_at=recorded, **row,
                        )
                    )  # fmt: skip
            upgrade(engine)
            db.refresh_read_session()
            s = db.session()
            first, second = s.get(IntegrityRecord, 1), s.get(IntegrityRecord, 2)
            assert (first.finding, first.measure, first.ends_on) == (
                "旧记录1",
                Measure.BAR,
                date(2099, 6, 30),
            )
            assert first.starts_on == date(2026, 12, 1) and first.user_id == team.id
            assert (second.organisation_id, second.ends_on) == (
                team.organisation_id,
                date(2026, 12, 5),
            )
            assert first.project_id is None and first.legal_basis == ""
            found = services.active_restriction(s, user_id=team.id, on=date(2027, 1, 1))
            assert found.id == 1
            with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
                conn.execute(text("UPDATE integrity_record SET finding = 'x'"))
            # Back again: only bars, no repairs, so nothing is lost. (The read session lets go
            # of its locks first, or PostgreSQL's DROP TRIGGER waits for it.)
            db.session().close()
            downgrade(engine, BEFORE)
            with engine.connect() as conn:
                back = conn.execute(sa.select(LEGACY.c.reason, LEGACY.c.restricted_until)).all()
            assert sorted(back) == [("旧记录1", date(2099, 6, 30)), ("旧记录2", date(2026, 12, 5))]
            with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
                conn.execute(text("DELETE FROM integrity_record"))
    finally:
        app.extensions["db_engine"].dispose()
        engine.dispose()
