"""The CLI a newcomer runs, and the migrations that build the schema on both databases."""

from __future__ import annotations

import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, make_url, text
from sqlmodel import func, select

from marketplace import db
from marketplace.accounts.models import Organisation, OrgStatus, Role, User
from marketplace.db import make_engine
from marketplace.migrate import downgrade, upgrade
from marketplace.models import metadata

from .conftest import BACKENDS, POSTGRES_ADMIN_URL


def test_there_is_no_default_account(app):
    assert db.session().exec(select(func.count()).select_from(User)).one() == 0


def test_create_admin_makes_the_first_admin(app, client, login):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "marketplace",
            "create-admin",
            "--email",
            "Root@KJJ.example.cn",
            "--name",
            "管理员",
            "--password",
            "First-Admin-Pass-1",
        ]
    )
    assert result.exit_code == 0, result.output
    admin = db.session().exec(select(User)).one()
    assert admin.role is Role.ADMIN and admin.email == "root@kjj.example.cn"
    login(client, admin, password="First-Admin-Pass-1")
    assert client.get("/admin/users").status_code == 200


def test_create_admin_refuses_a_weak_password(app):
    result = app.test_cli_runner().invoke(
        args=[
            "marketplace",
            "create-admin",
            "--email",
            "a@b.cn",
            "--name",
            "x",
            "--password",
            "123456",
        ]
    )
    assert result.exit_code != 0
    assert "密码" in result.output
    assert db.session().exec(select(func.count()).select_from(User)).one() == 0


def test_init_loads_the_demo_once_and_its_logins_work(app, client, login):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["marketplace", "init"])
    assert first.exit_code == 0, first.output
    assert "staff1@kjj.linhai.example.cn" in first.output
    users = db.session().exec(select(func.count()).select_from(User)).one()
    second = runner.invoke(args=["marketplace", "init"])
    assert second.exit_code == 0
    db.refresh_read_session()
    assert db.session().exec(select(func.count()).select_from(User)).one() == users

    from marketplace.demo import DEMO_PASSWORD

    staff = db.session().exec(select(User).where(User.role == Role.STAFF)).first()
    login(client, staff, password=DEMO_PASSWORD)
    industries = (
        db.session()
        .exec(select(func.count()).where(Organisation.status == OrgStatus.VERIFIED))
        .one()
    )
    assert industries >= 12
    assert "待认证" in client.get("/").get_data(as_text=True)


@pytest.fixture(params=BACKENDS)
def empty_database_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    admin = create_engine(make_url(POSTGRES_ADMIN_URL), isolation_level="AUTOCOMMIT")
    name = f"mp_migrate_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_migrations_build_the_models_schema_and_go_down_and_up_again(empty_database_url):
    engine = make_engine(empty_database_url)
    try:
        upgrade(engine)
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), metadata)
        assert diff == [], f"models and migrations differ: {diff}"
        downgrade(engine, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        upgrade(engine)
        assert "audit_event" in inspect(engine).get_table_names()
    finally:
        engine.dispose()
