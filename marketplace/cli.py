"""``flask --app wsgi marketplace …`` commands."""

from __future__ import annotations

import getpass

import click
from flask import Flask
from sqlmodel import func, select

from . import db


def register_cli(app: Flask) -> None:
    app.cli.add_command(marketplace)


@click.group()
def marketplace() -> None:
    """Manage the 揭榜挂帅 marketplace."""


@marketplace.command("migrate")
def migrate_cmd() -> None:
    """Upgrade the database schema to the newest migration."""
    from .migrate import upgrade

    upgrade(db.engine())
    db.optimize(db.engine())
    click.echo("database is at the newest schema")


@marketplace.command("demo")
@click.option("--if-empty", is_flag=True, help="Load only when the database has no users.")
def demo_cmd(if_empty: bool) -> None:
    """Load the demo data set and print the demo logins."""
    from .accounts.models import User
    from .demo import DEMO_PASSWORD, load_demo

    if if_empty and db.session().exec(select(func.count()).select_from(User)).one() > 0:
        click.echo("database already has data; demo not loaded")
        return
    accounts = load_demo()
    click.echo(f"\nDemo accounts (password for all: {DEMO_PASSWORD}):")
    for role, email, name in accounts:
        click.echo(f"  {role:<11} {email:<42} {name}")


@marketplace.command("init")
def init_cmd() -> None:
    """Migrate, then load demo data on an empty database (what `make run` does)."""
    ctx = click.get_current_context()
    ctx.invoke(migrate_cmd)
    ctx.invoke(demo_cmd, if_empty=True)


@marketplace.command("tick")
def tick_cmd() -> None:
    """Materialise deadline transitions (run from cron; safe to run any number of times)."""
    from .challenges.services import close_expired

    closed = close_expired()
    click.echo(f"closed {len(closed)} challenge(s) past their deadline")
    db.optimize(db.engine())


@marketplace.command("create-admin")
@click.option("--email", prompt=True)
@click.option("--name", prompt=True)
@click.option("--password", default=None, help="Read from a prompt when not given.")
def create_admin_cmd(email: str, name: str, password: str | None) -> None:
    """Create a platform administrator (there is no default account)."""
    from .accounts.models import Role
    from .accounts.services import create_user
    from .errors import ValidationFailed

    if password is None:
        password = getpass.getpass("Password: ")
        if getpass.getpass("Repeat: ") != password:
            raise click.ClickException("passwords differ")
    try:
        user = create_user(actor=None, email=email, name=name, password=password, role=Role.ADMIN)
    except ValidationFailed as exc:
        problems = "; ".join(m for msgs in exc.field_errors.values() for m in msgs)
        raise click.ClickException(problems or exc.message) from exc
    click.echo(f"admin {user.email} created")
