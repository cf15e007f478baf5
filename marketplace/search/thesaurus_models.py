"""Thesaurus lines added by staff on the settings page (the shipped ones are thesaurus.txt)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from ..models_base import utc_field


class ThesaurusEntry(SQLModel, table=True):
    """One group of terms that mean the same thing, stored as typed: "光伏 = 太阳能电池"."""

    __tablename__ = "search_thesaurus_entry"

    id: int | None = Field(default=None, primary_key=True)
    terms: str = Field(max_length=400)  # " = "-separated, each term already validated
    created_by_id: int = Field(foreign_key="user_account.id")
    created_at: datetime = utc_field(default_now=True)

    @property
    def term_list(self) -> list[str]:
        return [t for t in self.terms.split(" = ") if t]

    def audit_fields(self) -> dict:
        return {"terms": self.terms}
