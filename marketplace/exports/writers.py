"""Rows to files with bounded memory: CSV (UTF-8 with BOM) streamed as it is written, and .xlsx
written by openpyxl's write-only workbook into an anonymous temporary file, then streamed.

A sheet is a tuple of ``Column``s; rows are tuples of plain values in the same order: text,
integers, money in integer fen (``WAN``: shown in 万元 with two decimals), UTC datetimes
(``DATETIME``: shown in Asia/Shanghai) and dates.
"""

from __future__ import annotations

import csv
import enum
import io
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import quote

from flask import Response, stream_with_context
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from ..units import FEN_PER_WAN, SHANGHAI

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"
BOM = "\ufeff"  # Excel on Chinese Windows reads a CSV as GBK unless it starts with one
CSV_BATCH = 500  # rows per chunk sent to the client
CHUNK_BYTES = 64 * 1024
WAN_FORMAT = "#,##0.00"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
DATE_FORMAT = "yyyy-mm-dd"
CENT = Decimal("0.01")
# A cell starting with one of these is a formula to Excel (CSV injection): kept as text.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class Kind(enum.Enum):
    TEXT = "text"
    INT = "int"
    NUMBER = "number"  # a decimal number as is (a score)
    WAN = "wan"  # integer fen, shown in 万元
    DATETIME = "datetime"  # aware UTC, shown in Asia/Shanghai
    DATE = "date"


@dataclass(frozen=True)
class Column:
    header: object  # a lazy gettext string: translated when the file is written
    kind: Kind = Kind.TEXT
    width: int = 14


def wan(fen: int | None) -> Decimal | None:
    """Integer fen as 万元, exactly, rounded to the fen's two decimals of 万元 (half up)."""
    if fen is None:
        return None
    return (Decimal(int(fen)) / FEN_PER_WAN).quantize(CENT, ROUND_HALF_UP)


def local(value: datetime | None) -> datetime | None:
    """A UTC datetime as the wall-clock time in Asia/Shanghai, without a zone (Excel has none)."""
    if value is None:
        return None
    return value.astimezone(SHANGHAI).replace(tzinfo=None, microsecond=0)


def headers(columns: tuple[Column, ...]) -> list[str]:
    return [str(c.header) for c in columns]


# --- CSV ----------------------------------------------------------------------------------------


def _csv_cell(kind: Kind, value) -> str:
    if value is None:
        return ""
    if kind is Kind.WAN:
        return f"{wan(value):.2f}"
    if kind is Kind.DATETIME:
        return local(value).strftime("%Y-%m-%d %H:%M")
    if kind is Kind.DATE:
        return value.isoformat()
    text = str(value)
    if kind is Kind.TEXT and text.startswith(FORMULA_START):
        return "'" + text
    return text


def csv_chunks(columns: tuple[Column, ...], rows: Iterable[tuple]) -> Iterator[bytes]:
    """The CSV file in chunks of ``CSV_BATCH`` rows: BOM and header first, CRLF line ends."""
    kinds = [c.kind for c in columns]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write(BOM)
    writer.writerow(headers(columns))
    pending = 0
    for row in rows:
        writer.writerow([_csv_cell(k, v) for k, v in zip(kinds, row, strict=True)])
        pending += 1
        if pending == CSV_BATCH:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    yield buffer.getvalue().encode("utf-8")


# --- xlsx ---------------------------------------------------------------------------------------


def _xlsx_cell(ws, kind: Kind, value):
    if value is None:
        return None
    if kind is Kind.WAN:
        cell = WriteOnlyCell(ws, value=wan(value))
        cell.number_format = WAN_FORMAT
        return cell
    if kind is Kind.DATETIME:
        cell = WriteOnlyCell(ws, value=local(value))
        cell.number_format = DATETIME_FORMAT
        return cell
    if kind is Kind.DATE:
        cell = WriteOnlyCell(ws, value=value)
        cell.number_format = DATE_FORMAT
        return cell
    if kind is Kind.TEXT:
        text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
        if text.startswith("="):
            # openpyxl would store it as a formula: people's text is never one.
            cell = WriteOnlyCell(ws, value=text)
            cell.data_type = "s"
            return cell
        return text
    return value


def xlsx_file(columns: tuple[Column, ...], rows: Iterable[tuple], *, title: str):
    """The workbook written into an anonymous temporary file, positioned at its start.

    The write-only workbook keeps no rows in memory (openpyxl spools them to disk), so the
    memory used does not grow with the number of rows.
    """
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=title[:31])
    for i, column in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = column.width
    ws.freeze_panes = "A2"
    bold = Font(bold=True)
    header_cells = []
    for text in headers(columns):
        cell = WriteOnlyCell(ws, value=text)
        cell.font = bold
        header_cells.append(cell)
    ws.append(header_cells)
    kinds = [c.kind for c in columns]
    for row in rows:
        ws.append([_xlsx_cell(ws, k, v) for k, v in zip(kinds, row, strict=True)])
    # No name on disk, nothing left behind; FileChunks closes it once sent.
    fh = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115
    try:
        wb.save(fh)
        fh.seek(0)
    except BaseException:
        fh.close()
        raise
    return fh


# --- responses ----------------------------------------------------------------------------------


class FileChunks:
    """A file sent in chunks and closed when sent, or when the server closes the response
    (a client that went away): the temporary file never outlives the request."""

    def __init__(self, fh):
        self.fh = fh

    def __iter__(self):
        try:
            while chunk := self.fh.read(CHUNK_BYTES):
                yield chunk
        finally:
            self.fh.close()

    def close(self) -> None:
        self.fh.close()


def content_disposition(filename: str, fallback: str) -> str:
    """``attachment`` with an ASCII ``filename`` and the real one as RFC 5987 ``filename*``."""
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def today_local() -> date:
    from ..db import utcnow

    return utcnow().astimezone(SHANGHAI).date()


def download(
    columns: tuple[Column, ...],
    rows: Iterable[tuple],
    fmt: str,
    *,
    title: str,
    slug: str,
) -> Response:
    """The rows as a file download: ``<title>-<date>.<fmt>``, the date in Asia/Shanghai."""
    day = today_local().isoformat()
    name, fallback = f"{title}-{day}.{fmt}", f"{slug}-{day}.{fmt}"
    if fmt == "xlsx":
        fh = xlsx_file(columns, rows, title=title)
        size = fh.seek(0, io.SEEK_END)
        fh.seek(0)
        resp = Response(FileChunks(fh), mimetype=XLSX, direct_passthrough=True)
        resp.content_length = size
    else:
        resp = Response(stream_with_context(csv_chunks(columns, rows)), content_type=CSV)
    resp.headers["Content-Disposition"] = content_disposition(name, fallback)
    return resp
