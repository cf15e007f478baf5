"""The one shape of the code (issue #10): reads in queries, labels on enums, audit by object."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from marketplace import audit
from marketplace.awards.models import ObjectionAttachment
from marketplace.bids.actions import BidAction
from marketplace.bids.models import BidAttachment
from marketplace.challenges.models import ChallengeAttachment
from marketplace.models_base import StoredFileColumns
from marketplace.states import LabelledEnum

ROOT = Path(__file__).resolve().parents[1] / "marketplace"


def _views_modules() -> list[Path]:
    return sorted(p for p in ROOT.rglob("*.py") if p.stem == "views" or p.stem.endswith("_views"))


def test_no_views_module_writes_its_own_sql():
    modules = _views_modules()
    assert len(modules) >= 12  # the scan sees the app's views
    offenders = [
        f"{path.relative_to(ROOT.parent)}:{number}"
        for path in modules
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if "select(" in line
    ]
    assert not offenders, f"move these reads into the domain's queries.py: {offenders}"


def test_enum_labels_are_declared_once_not_as_a_hand_written_property():
    hand_written = []
    for path in ROOT.rglob("*.py"):
        if path.name == "states.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                for item in node.body:
                    if isinstance(item, ast.FunctionDef) and item.name == "label":
                        hand_written.append(f"{path.relative_to(ROOT.parent)}:{node.name}")
    assert not hand_written, f"make these LabelledEnum with __labels__: {hand_written}"


def test_the_enums_that_had_their_own_labels_now_label_like_the_rest():
    from marketplace.challenges.importing import RowStatus
    from marketplace.teams.models import TransferMode
    from marketplace.teams.schemas import WorkKind

    for kind in (TransferMode, WorkKind, RowStatus):
        assert issubclass(kind, LabelledEnum)
        assert all(member.label and member.label != member.value for member in kind)
    assert TransferMode.EQUITY.label == "作价入股"
    assert WorkKind.PATENT.label == "专利"
    assert RowStatus.IMPORTED.label == "已导入过"


def test_audit_record_takes_an_action_member_and_the_object_only():
    with pytest.raises(TypeError, match="AuditAction"):
        audit.record(None, actor=None, action="bid.attach", obj=(BidAttachment, 1))
    with pytest.raises(TypeError):
        audit.record(  # the old keywords are gone
            None, actor=None, action=BidAction.ATTACH, object_type="bid_attachment", object_id=1
        )


def test_the_attachment_tables_share_one_set_of_file_columns():
    shared = {"original_name", "stored_name", "size_bytes", "sha256", "uploaded_by_id"}
    for table in (ChallengeAttachment, BidAttachment, ObjectionAttachment):
        assert issubclass(table, StoredFileColumns)
        columns = table.__table__.columns
        assert shared | {"created_at"} <= set(columns.keys())
        assert columns["stored_name"].unique and not columns["created_at"].nullable
        assert {fk.target_fullname for fk in columns["uploaded_by_id"].foreign_keys} == {
            "user_account.id"
        }
