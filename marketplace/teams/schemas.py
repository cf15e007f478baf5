"""One validation layer for capability profiles and technology achievements.

Input arrives as strings (form fields, later JSON values); money is typed in 万元 and kept as
integer fen, an empty asking price means 面议 (negotiable). Patent numbers are checked for their
shape only (no check digit), loosely enough to take the ways people really write them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..challenges.models import Industry
from ..errors import ValidationFailed
from ..parsing import parse_id, parse_int
from ..states import LabelledEnum, labels
from ..units import MAX_BUDGET_FEN, wan_to_fen
from .models import TransferMode

MAX_MEMBERS = 50
MAX_WORKS = 50
MAX_KEYWORDS = 30
MAX_PATENTS = 30
EARLIEST_YEAR = 1950
MAX_ROW_ID = 2**31 - 1  # an id past PostgreSQL's integer (or SQLite's int64) names no row

# 技术就绪度 (GB/T 22900-2022, 9 levels), shown in the form and on the achievement page.
TRL_LEVELS = {
    1: _l("发现基本原理"),
    2: _l("形成技术概念或应用设想"),
    3: _l("关键功能通过实验室原理验证"),
    4: _l("实验室环境中完成部件或样品验证"),
    5: _l("相关环境中完成部件或样品验证"),
    6: _l("相关环境中完成原型或中试验证"),
    7: _l("实际环境中完成原型示范"),
    8: _l("产品定型，通过测试与试运行"),
    9: _l("实现规模化应用或批量生产"),
}


class WorkKind(LabelledEnum):
    """Kinds of a team's representative achievements (代表性成果)."""

    PAPER = "paper"
    PATENT = "patent"
    PROJECT = "project"
    __labels__ = labels({PAPER: _l("论文"), PATENT: _l("专利"), PROJECT: _l("项目")})


@dataclass
class MemberInput:
    name: str
    title: str = ""
    role: str = ""


@dataclass
class WorkInput:
    kind: WorkKind
    title: str
    number: str = ""
    year: int | None = None


@dataclass
class ProfileInput:
    team_name: str
    leader_name: str
    leader_title: str
    leader_field: str
    research_fields: str
    keywords: str
    equipment: str
    is_public: bool
    members: list[MemberInput] = field(default_factory=list)
    works: list[WorkInput] = field(default_factory=list)


@dataclass
class AchievementInput:
    title: str
    field: Industry
    summary: str
    trl: int
    ip_status: str
    transfer_mode: TransferMode
    asking_price_fen: int | None  # None: 面议
    is_public: bool
    team_id: int | None = None


# --- patent numbers --------------------------------------------------------------------

# Application or patent number (申请号/专利号): 12 digits since 2003 (year, type, serial),
# 8 before; then a check digit after a dot; optionally CN or ZL in front. Only the 12-digit form
# may leave out the dot: nine digits in a row ("2023-12345" without its hyphen) are not an
# 8-digit number plus a check digit, and reading them as one stored "20231234.5".
_APPLICATION = re.compile(r"^(CN|ZL)?(?:(\d{12})\.?|(\d{8})\.)([\dX])$")
# Publication or grant announcement number (公开号/公告号): CN, 7 to 9 digits, a kind letter.
_PUBLICATION = re.compile(r"^CN(\d{7,9})([ABCUSY]\d?)$")
_PATENT_TYPES = "12389"  # 发明、实用新型、外观设计、PCT 发明、PCT 实用新型


class PatentNumberError(ValueError):
    """A patent number that does not have a known shape; the message says what is wrong."""


def normalize_patent_number(text: str, *, today: date | None = None) -> str:
    """'CN 2023 1 0123456.7' → 'CN202310123456.7'; raise PatentNumberError on anything else.

    Only spaces, letter case and full-width forms are normalized: a number in no known shape is
    refused with a message, never rewritten into one.
    """
    compact = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).upper()
    compact = compact.replace("。", ".")
    if _PUBLICATION.match(compact):
        return compact
    match = _APPLICATION.match(compact)
    if not match and re.fullmatch(r"(CN|ZL)?(\d{8}|\d{12})", compact):
        raise PatentNumberError(
            _(
                "专利号“%(number)s”缺少最后的校验位（如 ZL202310123456.7 中小数点后的 7）。",
                number=text.strip(),
            )
        )
    if not match:
        raise PatentNumberError(
            _(
                "专利号“%(number)s”格式不正确：应为申请号或专利号（如 ZL202310123456.7、"
                "CN 2023 1 0123456.7），或公开（公告）号（如 CN115123456A）。",
                number=text.strip(),
            )
        )
    prefix, digits12, digits8, check = match.groups()
    digits = digits12 or digits8
    year_today = (today or date.today()).year
    if len(digits) == 12:
        year, kind = int(digits[:4]), digits[4]
        if not 1985 <= year <= year_today:
            raise PatentNumberError(
                _(
                    "专利号“%(number)s”的申请年份 %(year)d 不合理（应在 1985 到 %(now)d 之间）。",
                    number=text.strip(),
                    year=year,
                    now=year_today,
                )
            )
    else:
        kind = digits[2]
    if kind not in _PATENT_TYPES:
        raise PatentNumberError(
            _(
                "专利号“%(number)s”中表示专利类型的数字应为 1、2、3、8 或 9"
                "（发明、实用新型、外观设计、PCT）。",
                number=text.strip(),
            )
        )
    return f"{prefix or ''}{digits}.{check}"


# "发明专利 ZL202310123456.7（已授权）": an optional short label, the number, an optional note.
_IP_ENTRY = re.compile(
    r"^(?P<label>[\u4e00-\u9fff]{1,12}[:：]?)?\s*(?P<number>[0-9A-Za-z０-９Ａ-Ｚａ-ｚ][^()（）]*?)\s*"
    r"(?:[（(](?P<note>[^()（）]{0,100})[)）])?$"
)


def parse_ip_status(text: str, err: Callable[[str, str], None]) -> str:
    """Patent numbers, one per line (or separated by 、，；), each normalized; '' when none."""
    entries = [e.strip() for e in re.split(r"[\n\r;；,，、]+", text or "") if e.strip()]
    if len(entries) > MAX_PATENTS:
        err("ip_status", _("最多填写 %(n)d 个专利号。", n=MAX_PATENTS))
        return ""
    lines = []
    for entry in entries:
        match = _IP_ENTRY.match(entry)
        if not match:
            err(
                "ip_status",
                _(
                    "无法识别“%(entry)s”：每行写一个专利号（如 ZL202310123456.7），"
                    "状态可写在括号里；没有专利请留空。",
                    entry=entry,
                ),
            )
            continue
        try:
            number = normalize_patent_number(match["number"])
        except PatentNumberError as exc:
            err("ip_status", str(exc))
            continue
        label = f"{match['label'].rstrip(':：')} " if match["label"] else ""
        note = f"（{match['note'].strip()}）" if match["note"] and match["note"].strip() else ""
        lines.append(f"{label}{number}{note}")
    return "\n".join(lines)


# --- helpers -----------------------------------------------------------------------------


def _clean(value: Any) -> str:
    """A typed value as text; NUL characters are dropped (PostgreSQL refuses them in text)."""
    return "" if value is None else str(value).replace("\x00", "").strip()


def _text(raw: Mapping[str, Any], key: str) -> str:
    return _clean(raw.get(key))


def _truthy(value: Any) -> bool:
    return str(value or "").strip().lower() in {"1", "true", "yes", "on", "y", "是", "公开"}


class _Errors:
    """Collects per-field messages; ``raise_if_any`` ends the parse with all of them."""

    def __init__(self) -> None:
        self.fields: dict[str, list[str]] = {}

    def __call__(self, name: str, message: str) -> None:
        self.fields.setdefault(name, []).append(message)

    def text(self, raw: Mapping[str, Any], name: str, limit: int, *, required: bool) -> str:
        value = _text(raw, name)
        if required and not value:
            self(name, _("此项为必填项。"))
        elif len(value) > limit:
            self(name, _("不能超过 %(n)d 个字符（现有 %(m)d 个）。", n=limit, m=len(value)))
        return value

    def raise_if_any(self) -> None:
        if self.fields:
            raise ValidationFailed(field_errors=self.fields)


def _filled(rows: Any) -> list[Mapping[str, Any]]:
    return [r for r in rows or [] if any(_clean(v) for v in r.values())]


def normalize_keywords(text: str) -> list[str]:
    """Keywords split on commas, 、, semicolons or spaces, without repeats, in typed order."""
    seen: dict[str, None] = {}
    for word in re.split(r"[,，;；、\s]+", text or ""):
        if word:
            seen.setdefault(word, None)
    return list(seen)


# --- capability profile ------------------------------------------------------------------


def parse_profile(raw: Mapping[str, Any], *, today: date | None = None) -> ProfileInput:
    """Check every rule and return clean input, or raise ValidationFailed with per-field errors."""
    err = _Errors()
    team_name = err.text(raw, "team_name", 200, required=True)
    leader_name = err.text(raw, "leader_name", 100, required=False)
    if not leader_name:
        err("leader_name", _("请填写挂帅人（团队负责人）姓名。"))
    leader_title = err.text(raw, "leader_title", 100, required=False)
    leader_field = err.text(raw, "leader_field", 200, required=False)
    research_fields = err.text(raw, "research_fields", 1000, required=True)
    equipment = err.text(raw, "equipment", 10000, required=False)

    words = normalize_keywords(_text(raw, "keywords"))
    keywords = "、".join(words)
    if len(words) > MAX_KEYWORDS:
        err("keywords", _("关键词最多 %(n)d 个（现有 %(m)d 个）。", n=MAX_KEYWORDS, m=len(words)))
    elif len(keywords) > 1000:
        err("keywords", _("不能超过 %(n)d 个字符（现有 %(m)d 个）。", n=1000, m=len(keywords)))

    members = _parse_members(raw.get("members"), err)
    works = _parse_works(raw.get("works"), err, today=today or date.today())
    err.raise_if_any()
    return ProfileInput(
        team_name=team_name,
        leader_name=leader_name,
        leader_title=leader_title,
        leader_field=leader_field,
        research_fields=research_fields,
        keywords=keywords,
        equipment=equipment,
        is_public=_truthy(raw.get("is_public")),
        members=members,
        works=works,
    )


def _parse_members(rows: Any, err: _Errors) -> list[MemberInput]:
    filled = _filled(rows)
    if len(filled) > MAX_MEMBERS:
        err("members", _("团队成员最多 %(n)d 位。", n=MAX_MEMBERS))
    result = []
    for number, row in enumerate(filled, start=1):
        member = MemberInput(
            name=_clean(row.get("name")),
            title=_clean(row.get("title")),
            role=_clean(row.get("role")),
        )
        if not member.name:
            err("members", _("第 %(n)d 位成员缺少姓名。", n=number))
        if len(member.name) > 100 or len(member.title) > 100 or len(member.role) > 200:
            err("members", _("第 %(n)d 位成员的内容过长。", n=number))
        result.append(member)
    return result


def _parse_works(rows: Any, err: _Errors, *, today: date) -> list[WorkInput]:
    filled = _filled(rows)
    if len(filled) > MAX_WORKS:
        err("works", _("代表性成果最多 %(n)d 项。", n=MAX_WORKS))
    result = []
    for n, row in enumerate(filled, start=1):
        kind_text = _clean(row.get("kind"))
        title = _clean(row.get("title"))
        number = _clean(row.get("number"))
        year_text = _clean(row.get("year"))
        kind = WorkKind(kind_text) if kind_text in WorkKind._value2member_map_ else None
        if kind is None:
            err("works", _("第 %(n)d 项代表性成果请选择类型（论文、专利或项目）。", n=n))
        if not title:
            err("works", _("第 %(n)d 项代表性成果缺少名称。", n=n))
        if len(title) > 300 or len(number) > 100:
            err("works", _("第 %(n)d 项代表性成果的内容过长。", n=n))
        if kind is WorkKind.PATENT:
            if not number:
                err("works", _("第 %(n)d 项代表性成果是专利，请填写专利号。", n=n))
            else:
                try:
                    number = normalize_patent_number(number, today=today)
                except PatentNumberError as exc:
                    err("works", _("第 %(n)d 项代表性成果：%(message)s", n=n, message=str(exc)))
        year = None
        if year_text:
            year = parse_int(year_text)
            if year is None or not EARLIEST_YEAR <= year <= today.year:
                err(
                    "works",
                    _(
                        "第 %(n)d 项代表性成果的年份应在 %(low)d 到 %(high)d 之间。",
                        n=n,
                        low=EARLIEST_YEAR,
                        high=today.year,
                    ),
                )
        result.append(WorkInput(kind=kind, title=title, number=number, year=year))
    return result


# --- technology achievement ----------------------------------------------------------------


def parse_achievement(raw: Mapping[str, Any]) -> AchievementInput:
    """Check every rule and return clean input, or raise ValidationFailed with per-field errors."""
    err = _Errors()
    title = err.text(raw, "title", 200, required=True)
    summary = err.text(raw, "summary", 20000, required=True)

    industry = None
    if _text(raw, "field") in Industry._value2member_map_:
        industry = Industry(_text(raw, "field"))
    else:
        err("field", _("请选择所属产业领域。"))

    mode = None
    if _text(raw, "transfer_mode") in TransferMode._value2member_map_:
        mode = TransferMode(_text(raw, "transfer_mode"))
    else:
        err("transfer_mode", _("请选择转化方式（转让、许可、作价入股或合作开发）。"))

    trl = 0
    trl_text = _text(raw, "trl")
    if not trl_text:
        err("trl", _("请选择技术成熟度（1–9 级）。"))
    else:
        trl = parse_int(trl_text) or 0
        if not 1 <= trl <= 9:
            err("trl", _("技术成熟度应为 1 到 9 之间的整数（现为“%(v)s”）。", v=trl_text))

    price = _parse_price(_text(raw, "asking_price"), err)
    # Length first: the per-line patterns are not meant for megabytes of text.
    ip_status = err.text(raw, "ip_status", 1000, required=False)
    if not err.fields.get("ip_status"):
        ip_status = parse_ip_status(ip_status, err)
        if len(ip_status) > 1000:  # normalizing can add a space after each label
            err(
                "ip_status", _("不能超过 %(n)d 个字符（现有 %(m)d 个）。", n=1000, m=len(ip_status))
            )

    team_id = None
    if _text(raw, "team_id"):
        team_id = parse_id(_text(raw, "team_id"))
        if team_id is None or team_id > MAX_ROW_ID:
            team_id = None
            err("team_id", _("请选择本单位的团队。"))
    err.raise_if_any()
    return AchievementInput(
        title=title,
        field=industry,
        summary=summary,
        trl=trl,
        ip_status=ip_status,
        transfer_mode=mode,
        asking_price_fen=price,
        is_public=_truthy(raw.get("is_public")),
        team_id=team_id,
    )


def _parse_price(text: str, err: _Errors) -> int | None:
    """万元 → fen; empty is 面议 (None)."""
    if not text or text in {"面议", "negotiable"}:
        return None
    try:
        fen = wan_to_fen(text)
    except ValueError:
        err("asking_price", _("请填写报价（万元），最多两位小数，例如 150 或 87.5；面议请留空。"))
        return None
    if fen < 0:
        err("asking_price", _("报价不能为负数；面议请留空。"))
    elif fen == 0:
        err("asking_price", _("报价应大于 0；面议请留空。"))
    elif fen > MAX_BUDGET_FEN:
        err("asking_price", _("报价超过上限 10 亿元（100000 万元），请核对单位是否为万元。"))
    return fen
