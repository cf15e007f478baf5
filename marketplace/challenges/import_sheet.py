"""The spreadsheet of the bulk import (需求征集表): its columns, the template, reading an upload.

The column headers are a file format, not interface text: they stay Chinese in every language
so that a filled sheet imports whatever language the staff member reads the site in. Only the
explanations (the 填写说明 sheet and the import page) are translated.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import PurePosixPath

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from ..accounts.models import REGISTRABLE_KINDS
from ..errors import ValidationFailed
from .models import Industry
from .schemas import MISSING_LABELS

MAX_ROWS = 2000
MAX_SCANNED = 10 * MAX_ROWS  # blank rows included: a sheet of a million formatted rows is refused
MAX_INDICATOR_COLUMNS = 5
ROW = "_row"  # the key holding a row's number in the spreadsheet (header = row 1)
EXTRA = "_extra"  # the key holding a row's columns the template has no place for: {header: text}
HEADER_SEARCH_ROWS = 10  # a published list often has a title line or two above its header
EXAMPLE_PREFIX = "【示例】"  # rows whose title starts with this are the template's example


class UnsupportedFile(ValidationFailed):
    """Not a spreadsheet we read at all (no file, wrong type): a bad request, not bad content."""

    status = 400


@dataclass(frozen=True)
class Column:
    header: str
    key: str  # the key parse_challenge reads (indicators: indicatorN_part)
    required: bool  # to publish; a draft may lack what schemas.MISSING_LABELS lists
    width: int
    note: object  # a lazy string
    example: object = ""


_INDICATOR_PARTS = (
    ("名称", "name"),
    ("目标值", "target"),
    ("单位", "unit"),
    ("验收方式", "verification"),
)
_INDICATOR_EXAMPLES = {
    1: ("首次放电比容量", "≥205", "mAh/g", "第三方检测"),
    2: ("批次一致性", "≤2", "%", "连续 10 批抽检"),
}

COLUMNS: tuple[Column, ...] = (
    Column("发榜单位统一社会信用代码", "uscc", True, 24,
           _l("18 位，须是已在平台注册并通过认证的单位。请以文本格式填写，以免变成科学计数法。"),
           "91331082MA2XXXXXXX"),
    Column("榜单名称", "title", True, 32, _l("必填，不超过 200 字。"),
           EXAMPLE_PREFIX + "高镍三元正极材料低成本连续化制备工艺"),
    Column("产业领域", "field", True, 14, _l("必填，填写以下之一：%(options)s。"), "新材料"),
    Column("技术难题", "problem", True, 40, _l("必填，要解决的关键技术问题。"),
           "现有间歇式共沉淀工艺批次一致性差，需开发连续化制备工艺。"),
    Column("背景与现状", "background", False, 30, _l("选填。"), "企业现有年产 2000 吨产线。"),
    Column("预期成果", "deliverables", True, 30, _l("必填，如样机、工艺包、专利、标准。"),
           "中试工艺包一套，发明专利 2 项。"),
    Column("榜单金额（万元）", "budget_total", True, 14,
           _l("必填，单位万元，最多两位小数；须等于企业出资与申请政府资助之和。"), 300),
    Column("企业出资（万元）", "enterprise_funds", False, 14, _l("单位万元，空白按 0 计。"), 200),
    Column("申请政府资助（万元）", "subsidy_requested", False, 16,
           _l("单位万元，空白按 0 计。"), 100),
    Column("实施周期（月）", "period_months", True, 12, _l("必填，1 到 60 的整数。"), 24),
    Column("揭榜截止时间", "deadline", True, 18,
           _l("必填，北京时间，如 2026-12-31 或 2026-12-31 17:00；只填日期按当天 17:00 计。"),
           "2026-12-31 17:00"),
    Column("可揭榜单位类型", "eligible_kinds", True, 20,
           _l("必填，可填多项，用顿号或逗号分隔：%(options)s。"), "高等院校、科研院所"),
    Column("资质要求", "qualifications", False, 24, _l("选填。"), "具有电池材料中试经验"),
    Column("允许联合揭榜", "consortium_allowed", False, 12, _l("填“是”或“否”，空白为否。"), "是"),
    Column("联合体成员上限", "consortium_max", False, 14,
           _l("允许联合揭榜时必填，2 到 10 家。"), 3),
    Column("联系人", "contact_name", True, 10, _l("必填。"), "张工"),
    Column("联系电话", "contact_phone", False, 16, _l("联系电话与联系邮箱至少填一项。"),
           "0576-85000000"),
    Column("联系邮箱", "contact_email", False, 22, _l("联系电话与联系邮箱至少填一项。"),
           "zhang@example.cn"),
    *(
        Column(
            f"指标{n}{label}",
            f"indicator{n}_{part}",
            n == 1 and part in ("name", "target"),
            14 if part in ("name", "verification") else 10,
            _l("至少填写指标1的名称和目标值；每项指标须可量化，写明验收方式。")
            if n == 1 and part == "name"
            else "",
            _INDICATOR_EXAMPLES.get(n, ("",) * 4)[i],
        )
        for n in range(1, MAX_INDICATOR_COLUMNS + 1)
        for i, (label, part) in enumerate(_INDICATOR_PARTS)
    ),
)  # fmt: skip
BY_HEADER = {c.header: c for c in COLUMNS}


def header_required(column: Column) -> bool:
    """Must a sheet have this column? Not one a draft may lack: a list without budgets imports."""
    completable = column.key in MISSING_LABELS or column.key.startswith("indicator")
    return column.required and not completable


TEXT_COLUMNS = ("uscc", "contact_phone")  # digits Excel would otherwise turn into numbers


def chinese_labels(items) -> dict[str, str]:
    """Chinese label → code, whatever language the page is shown in (the file is Chinese)."""
    with force_locale("zh"):
        return {str(item.label): item.value for item in items}


def column_help() -> list[tuple[str, bool, str]]:
    """(header, required, explanation) for the instructions sheet and the import page."""
    options = {
        "field": "、".join(chinese_labels(Industry)),
        "eligible_kinds": "、".join(chinese_labels(REGISTRABLE_KINDS)),
    }
    indicators = _(
        "指标N名称、指标N目标值、指标N单位、指标N验收方式（N 为 1 到 %(n)d）",
        n=MAX_INDICATOR_COLUMNS,
    )
    return [
        (indicators if c.key == "indicator1_name" else c.header, c.required,
         str(c.note) % {"options": options[c.key]} if c.key in options else str(c.note))
        for c in COLUMNS
        if c.note
    ]  # fmt: skip


def build_template() -> bytes:
    """The .xlsx staff hand out: header row, one example row, and a 填写说明 sheet."""
    wb = Workbook()
    sheet = wb.active
    sheet.title = "榜单"
    sheet.append([c.header for c in COLUMNS])
    example_deadline = (date.today() + timedelta(days=90)).strftime("%Y-%m-%d 17:00")
    sheet.append([example_deadline if c.key == "deadline" else c.example for c in COLUMNS])
    required_fill = PatternFill("solid", fgColor="FFF0C2")
    for index, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        cell = sheet.cell(row=1, column=index)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        if column.required:
            cell.fill = required_fill
        sheet.column_dimensions[letter].width = column.width
        if column.key in TEXT_COLUMNS:
            sheet.column_dimensions[letter].number_format = "@"
            sheet.cell(row=2, column=index).number_format = "@"
    sheet.freeze_panes = "B2"
    sheet.row_dimensions[1].height = 32

    notes = wb.create_sheet("填写说明")
    notes.append([_("列名"), _("是否必填"), _("填写说明")])
    for header, required, text in column_help():
        notes.append([header, _("必填") if required else _("选填"), text])
    for line in (
        _("每行一个榜单；最多 %(n)d 行。完全空白的行会被忽略。", n=MAX_ROWS),
        _("榜单名称以“%(p)s”开头的示例行不会被导入，可保留或删除。", p=EXAMPLE_PREFIX),
        _("也可另存为 CSV 文件（UTF-8 或 GB18030/GBK 编码）上传，列名须保持不变。"),
        _("同一行重复导入不会产生重复榜单。"),
        str(DRAFT_NOTE),
    ):
        notes.append([])
        notes.append([line])
    for cell in notes[1]:
        cell.font = Font(bold=True)
    notes.column_dimensions["A"].width = 26
    notes.column_dimensions["B"].width = 10
    notes.column_dimensions["C"].width = 80
    notes.freeze_panes = "A2"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


DRAFT_NOTE = _l(
    "作为草稿导入时，榜单金额及其构成、揭榜截止时间、预期成果、可揭榜单位类型、联系人、联系方式和关键指标"
    "可以暂缺（或填“面议”“待定”），由发榜单位补充完整后再提交审核；直接发布须全部填写。"
    "模板以外的列（如序号、项目类别、年度、来源、原文）随草稿原样保存。"
)


def cell_text(value) -> str:
    """A cell as the string parse_challenge reads."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime):
        # Excel keeps a typed date as midnight; treat it as "that day" (the 17:00 default).
        if value.time() == time(0, 0):
            return value.strftime("%Y-%m-%d")
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value).replace("\r\n", "\n").replace("\r", "\n").strip()


def _normal_header(text: str) -> str:
    text = re.sub(r"\s+", "", text).replace("(", "（").replace(")", "）")
    return text.strip("*＊")


def read_rows(filename: str, data: bytes) -> list[dict]:
    """The data rows of an uploaded .xlsx or .csv, as {column key: text, ROW: number}."""
    suffix = PurePosixPath((filename or "").replace("\\", "/").lower()).suffix
    if suffix == ".xlsx":
        table = _xlsx_table(data)
    elif suffix == ".csv":
        table = _csv_table(data)
    elif suffix == ".xls":
        raise UnsupportedFile(_("不支持旧版 .xls 文件，请在 Excel 中另存为 .xlsx 后上传。"))
    else:
        raise UnsupportedFile(_("请上传 .xlsx 或 .csv 文件（可先下载导入模板）。"))
    try:
        return _rows_from(table)
    finally:
        table.close()


def _xlsx_table(data: bytes):
    unreadable = _("无法读取该 Excel 文件，文件可能已损坏或不是 .xlsx 格式。")
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # a damaged or renamed file: openpyxl raises many kinds
        raise ValidationFailed(unreadable) from exc
    try:
        sheet = wb["榜单"] if "榜单" in wb.sheetnames else wb.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        while True:
            try:
                values = next(rows, None)
            except Exception as exc:  # a damaged sheet inside a valid archive
                raise ValidationFailed(unreadable) from exc
            if values is None:
                return
            yield [cell_text(v) for v in values]
    finally:
        wb.close()


def _csv_table(data: bytes):
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ValidationFailed(
            _("无法识别文件编码，请将 CSV 文件保存为 UTF-8 或 GB18030（GBK）编码。")
        )
    if "\x00" in text:
        raise ValidationFailed(_("该文件不是文本格式的 CSV 文件，请检查后重新上传。"))
    try:
        for values in csv.reader(io.StringIO(text, newline="")):
            yield [cell_text(v) for v in values]
    except csv.Error as exc:
        raise ValidationFailed(_("CSV 文件格式有误：%(e)s", e=str(exc))) from exc


def _header_map(header: list[str]) -> tuple[dict[int, str], dict[int, str]]:
    """(position → key, position → header of a column the template has no place for).

    Refuses repeated template columns and missing columns a sheet must have; other columns
    (序号, 项目类别, 年度, 来源, 原文…) are kept with each row's draft.
    """
    positions: dict[int, str] = {}
    extras: dict[int, str] = {}
    repeated = []
    for index, raw in enumerate(header):
        name = _normal_header(raw)
        if not name:
            continue
        column = BY_HEADER.get(name)
        if column is None:
            label = raw.strip()
            while label in extras.values():  # two 备注 columns: keep both
                label += "'"
            extras[index] = label
        elif column.key in positions.values():
            repeated.append(raw)
        else:
            positions[index] = column.key
    missing = [c.header for c in COLUMNS if header_required(c) and c.key not in positions.values()]
    problems = []
    if missing and extras:
        # The likely cause is a renamed column: name the ones we did not recognise.
        problems.append(_("无法识别的列：%(cols)s。", cols="、".join(extras.values())))
    if repeated:
        problems.append(_("重复的列：%(cols)s。", cols="、".join(repeated)))
    if missing:
        problems.append(_("缺少必填列：%(cols)s。", cols="、".join(missing)))
    if problems:
        problems.append(_("请使用导入模板，不要修改第一行的列名。"))
        raise ValidationFailed(" ".join(problems))
    return positions, extras


def _is_header(values: list[str]) -> bool:
    return sum(_normal_header(v) in BY_HEADER for v in values if v) >= 2


def _rows_from(table) -> list[dict]:
    too_many = _("文件超过 %(n)d 行数据，请拆分成多个文件分批导入。", n=MAX_ROWS)
    header = extras = None
    above: list[list[str]] = []  # title lines above the header, or the header itself
    rows: list[dict] = []
    for number, values in enumerate(table, start=1):
        if number > MAX_SCANNED:
            raise ValidationFailed(
                _("文件超过 %(n)d 行（含空行），请删除多余的空行或拆分文件。", n=MAX_SCANNED)
            )
        if header is None:
            if not any(values):
                continue
            above.append(values)
            if _is_header(values):
                header, extras = _header_map(values)
            elif len(above) == HEADER_SEARCH_ROWS:
                header, extras = _header_map(above[0])  # says which columns are wrong
            continue
        if not any(values):
            continue
        row = {key: values[i] if i < len(values) else "" for i, key in header.items()}
        row[EXTRA] = {
            label: values[i] for i, label in extras.items() if i < len(values) and values[i]
        }
        if row.get("title", "").startswith(EXAMPLE_PREFIX):
            continue
        if len(rows) == MAX_ROWS:
            raise ValidationFailed(too_many)
        row[ROW] = number
        rows.append(row)
    if header is None and above:
        header, extras = _header_map(above[0])
    if header is None:
        raise ValidationFailed(_("文件是空的，请使用导入模板填写后上传。"))
    if not rows:
        raise ValidationFailed(_("文件中没有可导入的数据行（示例行不计）。"))
    return rows
