"""Run Alembic migrations against the app's database."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

from . import ROOT


def alembic_config() -> Config:
    return Config(str(ROOT / "alembic.ini"))


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema up to ``revision`` (head by default)."""
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def downgrade(engine: Engine, revision: str) -> None:
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)
