"""``flask --app wsgi marketplace …`` commands."""

from __future__ import annotations

import getpass
import logging
from contextlib import contextmanager
from pathlib import Path

import click
from flask import Flask, current_app
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
    # Hundreds of seeded rows: the audit trail keeps them, the terminal need not print each.
    audit_log = logging.getLogger("marketplace.audit")
    previous = audit_log.level
    audit_log.setLevel(logging.WARNING)
    try:
        accounts = load_demo()
    finally:
        audit_log.setLevel(previous)
    click.echo(f"\nDemo accounts (password for all: {DEMO_PASSWORD}):")
    for role, email, name in accounts:
        click.echo(f"  {role:<11} {email:<42} {name}")


@marketplace.command("init")
def init_cmd() -> None:
    """Migrate, load demo data on an empty database, build the index (what `make run` does)."""
    ctx = click.get_current_context()
    ctx.invoke(migrate_cmd)
    ctx.invoke(demo_cmd, if_empty=True)
    ctx.invoke(index_rebuild_cmd)
    ctx.invoke(holidays_seed_cmd, year=None)


@marketplace.command("tick")
def tick_cmd() -> None:
    """Materialise deadline transitions (run from cron; safe to run any number of times)."""
    from .challenges.services import close_expired
    from .search import service as search

    closed = close_expired()
    click.echo(f"closed {len(closed)} challenge(s) past their deadline")
    applied = search.catch_up()
    click.echo(f"applied {applied} search outbox row(s)")
    from .search.subscriptions import send_digests

    click.echo(f"sent {send_digests()} subscription digest(s)")
    from .review.panels import send_reminders

    click.echo(f"sent {send_reminders()} review reminder(s)")
    from .projects.milestone_schedule import send_due_reminders

    click.echo(f"sent {send_due_reminders()} milestone due-date reminder(s)")
    from .inbox.delivery import send_pending_mail

    click.echo(f"sent {send_pending_mail()} notification e-mail(s)")
    db.optimize(db.engine())


@marketplace.group("index")
def index_group() -> None:
    """The full-text search index (derived from the database)."""


@index_group.command("rebuild")
def index_rebuild_cmd() -> None:
    """Rebuild the search index from the database."""
    from sqlmodel import func, select

    from .challenges.models import Challenge
    from .search import service as search
    from .teams.models import Achievement, TeamProfile

    s = db.session()
    total = sum(
        s.exec(select(func.count()).select_from(model)).one()
        for model in (Challenge, TeamProfile, Achievement)
    )
    with (
        _kept_files(Path(current_app.config["SEARCH_INDEX_DIR"])),
        click.progressbar(length=total, label="indexing", show_pos=True) as bar,
    ):
        count = search.rebuild(progress=bar.update)
    click.echo(f"index rebuilt: {count} documents")


# The checkout tracks these in search_index/ (see .gitignore); a rebuild swaps the folder.
KEPT_IN_INDEX_DIR = ("README.md", ".gitkeep")


@contextmanager
def _kept_files(folder: Path):
    """Put back the files a rebuild's folder swap would delete (``make run`` rebuilds)."""
    kept = {
        name: (folder / name).read_bytes()
        for name in KEPT_IN_INDEX_DIR
        if (folder / name).is_file()
    }
    try:
        yield
    finally:
        for name, data in kept.items():
            if folder.is_dir() and not (folder / name).exists():
                (folder / name).write_bytes(data)


@index_group.command("verify")
def index_verify_cmd() -> None:
    """Report documents missing from the index, stale, or there but not allowed."""
    from .search import service as search

    drift = search.verify()
    for label, keys in (("missing", drift.missing), ("stale", drift.stale),
                        ("extra", drift.extra)):  # fmt: skip
        for key in keys:
            click.echo(f"{label}: {key}")
    pending = search.pending()
    click.echo(f"pending outbox rows: {pending}")
    if drift.outdated:
        raise click.ClickException(
            "the index was built by an older version of the text pipeline "
            "(run `marketplace index rebuild`)"
        )
    if not drift.clean:
        raise click.ClickException(
            f"index drift: {len(drift.missing)} missing, {len(drift.stale)} stale, "
            f"{len(drift.extra)} extra (run `marketplace index rebuild`)"
        )
    click.echo("index matches the database")


@marketplace.group("holidays")
def holidays_group() -> None:
    """The holiday table (节假日设置) the 公示 window is counted with."""


@holidays_group.command("seed")
@click.option("--year", type=int, default=None, help="One year (default: last year onwards).")
def holidays_seed_cmd(year: int | None) -> None:
    """Copy chinese-calendar's arrangement into the holiday table (idempotent, audited)."""
    from .workdays import seeding
    from .workdays.calendar import library_years

    if year is not None and year not in library_years():
        known = sorted(library_years())
        raise click.ClickException(
            f"chinese-calendar does not know {year} (it knows {known[0]}–{known[-1]}); "
            "enter that year's notice on the holiday settings page"
        )
    years = [year] if year is not None else seeding.default_years()
    for y in years:
        click.echo(f"holidays {y}: {seeding.seed_year(year=y)} entry(ies) added from the library")


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
