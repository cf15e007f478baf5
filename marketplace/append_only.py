"""Database triggers that make a table append-only (audit trail, ledger).

Used by migrations; the database itself refuses UPDATE and DELETE, whoever asks.
"""

from __future__ import annotations


def create_statements(dialect: str, table: str) -> list[str]:
    """SQL that installs the append-only guard on ``table``."""
    if dialect == "sqlite":
        return [
            f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END",
            f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END",
        ]
    if dialect == "postgresql":
        return [
            "CREATE OR REPLACE FUNCTION refuse_append_only_change() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME "
            "USING ERRCODE = 'insufficient_privilege'; END $$",
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION refuse_append_only_change()",
        ]
    raise ValueError(f"no append-only triggers for dialect {dialect}")


def drop_statements(dialect: str, table: str) -> list[str]:
    if dialect == "sqlite":
        return [
            f"DROP TRIGGER IF EXISTS {table}_no_update",
            f"DROP TRIGGER IF EXISTS {table}_no_delete",
        ]
    return [f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}"]
