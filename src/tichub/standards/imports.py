"""Reading catalogue files (CSV or XLSX) into rows of typed cells. No database: services.catalogue_import checks
the rows against the catalogue and writes them.

Headers may be Chinese or English (HEADERS); an unknown header refuses the whole file naming it. Each data row
keeps its line number (the header is line 1) and the problems found while reading its cells, so that the service
reports every bad row at once.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from django.utils.translation import gettext as _

from tichub.core.errors import ServiceError

from .choices import AdoptionRelation, StandardStatus

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 50_000
YEAR_MIN, YEAR_MAX = 1900, 2100

# field → accepted headers (compared after NFKC, case folding and removing spaces). The first is shown in messages.
HEADERS: dict[str, tuple[str, ...]] = {
    "code": ("标准号", "标准编号", "code"),
    "title_zh": ("中文名称", "中文标准名称", "标准名称", "title_zh"),
    "title_en": ("英文名称", "英文标准名称", "title_en"),
    "ics": ("ICS", "ICS分类号", "ICS号", "ics"),
    "status": ("状态", "标准状态", "status"),
    "published_on": ("发布日期", "published_on"),
    "effective_on": ("实施日期", "effective_on"),
    "withdrawn_on": ("废止日期", "作废日期", "withdrawn_on"),
    "replaces": ("代替标准", "replaces"),
    "replaced_by": ("被代替为", "被代替标准", "replaced_by"),
    "adopts": ("采用国际标准", "采标情况", "adopts"),
}
REQUIRED = ("code", "title_zh")
DATE_FIELDS = ("published_on", "effective_on", "withdrawn_on")

STATUS_WORDS: dict[str, str] = {
    "现行": StandardStatus.CURRENT,
    "现行有效": StandardStatus.CURRENT,
    "有效": StandardStatus.CURRENT,
    "即将实施": StandardStatus.UPCOMING,
    "待实施": StandardStatus.UPCOMING,
    "即将废止": StandardStatus.TO_BE_WITHDRAWN,
    "废止": StandardStatus.WITHDRAWN,
    "作废": StandardStatus.WITHDRAWN,
    "已废止": StandardStatus.WITHDRAWN,
    "已作废": StandardStatus.WITHDRAWN,
    "被代替": StandardStatus.WITHDRAWN,
    **{value: value for value in StandardStatus.values},
    "current": StandardStatus.CURRENT,
    "valid": StandardStatus.CURRENT,
    "upcoming": StandardStatus.UPCOMING,
    "tobewithdrawn": StandardStatus.TO_BE_WITHDRAWN,
    "withdrawn": StandardStatus.WITHDRAWN,
    "replaced": StandardStatus.WITHDRAWN,
}
STATUS_ACCEPTED = "现行、即将实施、即将废止、废止、current、upcoming、to_be_withdrawn、withdrawn"
RELATION_WORDS: dict[str, str] = {
    "IDT": AdoptionRelation.IDENTICAL,
    "等同": AdoptionRelation.IDENTICAL,
    "等同采用": AdoptionRelation.IDENTICAL,
    "MOD": AdoptionRelation.MODIFIED,
    "EQV": AdoptionRelation.MODIFIED,  # GB/T 1.1-1993's "equivalent" became MOD in GB/T 20000.2-2001
    "修改": AdoptionRelation.MODIFIED,
    "修改采用": AdoptionRelation.MODIFIED,
    "NEQ": AdoptionRelation.EQUIVALENT,
    "非等效": AdoptionRelation.EQUIVALENT,
    "非等效采用": AdoptionRelation.EQUIVALENT,
}
_RELATION = re.compile(
    r"(?<![A-Za-z])(IDT|MOD|NEQ|EQV)(?![A-Za-z])|(等同采用|修改采用|非等效采用|非等效|等同|修改)", re.I
)
_LIST_SEPARATORS = re.compile(r"[;；,，、\n]+")
_ADOPTION_SEPARATORS = re.compile(r"[;；\n]+")
_ICS = re.compile(r"\d{2}(?:\.\d{3}(?:\.\d{2})?)?")


Cell = str | dt.date | None


@dataclass
class RawRow:
    """One data row: its line number, the cells it has (field → text or date), and the problems of its cells."""

    line: int
    cells: dict[str, Cell]
    problems: list[tuple[str, str]] = field(default_factory=list)  # (field, message)


@dataclass
class CatalogueFile:
    rows: list[RawRow]
    columns: dict[str, str]  # field → the header as the file writes it

    def label(self, name: str) -> str:
        return self.columns.get(name) or HEADERS[name][0]


def header_key(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).casefold().split()).replace("（", "(").replace("）", ")")


_HEADER_INDEX = {header_key(alias): name for name, aliases in HEADERS.items() for alias in aliases}


def accepted_headers() -> str:
    return "、".join(" / ".join(aliases[:1] + aliases[-1:]) for aliases in HEADERS.values())


def read_catalogue(filename: str, content: bytes) -> CatalogueFile:
    """The rows of a CSV or XLSX catalogue file. File-level faults (type, size, encoding, headers) raise
    ServiceError naming field "file"; cell-level faults are kept on each row."""
    if not content:
        raise ServiceError.field("file", _("文件为空。"), code="empty")
    if len(content) > MAX_BYTES:
        raise ServiceError.field("file", _("文件过大（上限 20 MB）。"), code="too_large")
    suffix = PurePath(filename or "").suffix.lower()
    if suffix in (".xlsx", ".xlsm") or content[:2] == b"PK":
        table = _xlsx_rows(content)
    elif suffix in (".csv", ".txt", ".tsv", ""):
        table = _csv_rows(content)
    else:
        raise ServiceError.field(
            "file", _("不支持的文件类型“%(suffix)s”：请上传 CSV 或 XLSX。") % {"suffix": suffix}, code="file_type"
        )
    try:
        header_line, header = next(table)
    except StopIteration:
        raise ServiceError.field("file", _("文件中没有表头。"), code="empty") from None
    columns, index = _columns(header)
    rows: list[RawRow] = []
    for line, values in table:
        if not any(_blank(v) is not None for v in values):
            continue  # blank lines are skipped; their numbers still count
        if len(rows) >= MAX_ROWS:
            raise ServiceError.field(
                "file", _("行数过多（上限 %(max)d 行），请分批导入。") % {"max": MAX_ROWS}, code="too_many_rows"
            )
        rows.append(_row(line, values, index, header_line))
    if not rows:
        raise ServiceError.field("file", _("文件中没有数据行。"), code="empty")
    return CatalogueFile(rows=rows, columns=columns)


def _columns(header: list[Any]) -> tuple[dict[str, str], dict[int, str]]:
    columns: dict[str, str] = {}
    index: dict[int, str] = {}
    unknown: list[str] = []
    for position, cell in enumerate(header):
        text = "" if cell is None else str(cell).strip().lstrip("\ufeff")
        if not text:
            index[position] = ""  # a column without a header: it must stay empty
            continue
        name = _HEADER_INDEX.get(header_key(text))
        if name is None:
            unknown.append(text)
            continue
        if name in columns:
            raise ServiceError.field(
                "file",
                _("表头“%(a)s”和“%(b)s”指同一列，请只保留一个。") % {"a": columns[name], "b": text},
                code="duplicate_header",
            )
        columns[name] = text
        index[position] = name
    if unknown:
        raise ServiceError.field(
            "file",
            _("无法识别的表头：%(unknown)s。可用的表头：%(accepted)s。")
            % {"unknown": "、".join(f"“{u}”" for u in unknown), "accepted": accepted_headers()},
            code="unknown_header",
        )
    missing = [HEADERS[name][0] for name in REQUIRED if name not in columns]
    if missing:
        raise ServiceError.field(
            "file", _("缺少必需的列：%(missing)s。") % {"missing": "、".join(missing)}, code="missing_header"
        )
    return columns, index


def _row(line: int, values: list[Any], index: dict[int, str], header_line: int) -> RawRow:
    row = RawRow(line=line, cells={})
    for position, value in enumerate(values):
        name = index.get(position)
        cleaned = _blank(value)
        if name is None or name == "":
            if cleaned is not None:
                row.problems.append(("", _("第 %(col)d 列没有表头，却有内容。") % {"col": position + 1}))
            continue
        if name in DATE_FIELDS:
            try:
                row.cells[name] = parse_date(cleaned)
            except ValueError as exc:
                row.problems.append((name, str(exc)))
                row.cells[name] = None
        elif name == "ics" and isinstance(value, float):
            row.cells[name] = f"{value:.3f}" if value < 100 else str(value)  # 67.05 typed as a number was 67.050
        else:
            row.cells[name] = None if cleaned is None else str(cleaned)
    for name in set(index.values()) - {""} - set(row.cells):
        row.cells[name] = None  # short rows: missing trailing cells are empty
    return row


def _blank(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, str):
        text = " ".join(unicodedata.normalize("NFKC", value).split())
        return text or None
    return value


# --- cell values ------------------------------------------------------------------------------------------------

_DATE_TEXT = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]00:00(?::00)?)?")
_DATE_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")


def parse_date(value: Any) -> dt.date | None:
    """A date from a spreadsheet cell or text (2017-10-06, 2017/10/6, 2017.10.06, 20171006, 2017年10月6日)."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        day = value.date()
    elif isinstance(value, dt.date):
        day = value
    else:
        text = str(value).strip()
        if isinstance(value, int | float) and float(value).is_integer():
            text = str(int(value))
        m = _DATE_TEXT.fullmatch(text) or _DATE_COMPACT.fullmatch(text)
        if m is None:
            raise ValueError(_("“%(text)s”不是日期（应写作 2017-10-06）。") % {"text": text})
        try:
            day = dt.date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            raise ValueError(_("“%(text)s”不是有效日期。") % {"text": text}) from None
    if not YEAR_MIN <= day.year <= YEAR_MAX:
        raise ValueError(
            _("日期 %(date)s 超出范围（%(min)d–%(max)d 年）。")
            % {"date": day.isoformat(), "min": YEAR_MIN, "max": YEAR_MAX}
        )
    return day


def parse_status(text: str | None) -> str:
    """现行 / 即将实施 / 即将废止 / 废止 or the English values; empty means current. ValueError otherwise."""
    if not text:
        return StandardStatus.CURRENT
    key = header_key(text).replace("_", "").replace("-", "")
    status = STATUS_WORDS.get(key) or STATUS_WORDS.get(header_key(text))
    if status is None:
        raise ValueError(
            _("未知的状态“%(text)s”（可用：%(accepted)s）。")
            % {
                "text": text,
                "accepted": "现行、即将实施、即将废止、废止、current、upcoming、to_be_withdrawn、withdrawn",
            }
        )
    return status


def split_codes(text: str | None) -> list[str]:
    """Codes listed in one cell ("GB/T 317-2006; GB 13104-2005"), without a leading 代替/replaces."""
    if not text:
        return []
    text = re.sub(r"^(代替|替代|replaces?)\s*[:：]?\s*", "", text.strip(), flags=re.I)
    return [part.strip() for part in _LIST_SEPARATORS.split(text) if part.strip()]


def split_adoptions(text: str | None) -> list[tuple[str, str | None]]:
    """("ISO 2859-1:1999", "IDT") pairs from "ISO 2859-1:1999, IDT; IEC 60068-2-1:2007 MOD". The relation is
    None when the item does not say it."""
    if not text:
        return []
    items = []
    for part in _ADOPTION_SEPARATORS.split(unicodedata.normalize("NFKC", text)):
        part = part.strip()
        if not part:
            continue
        m = _RELATION.search(part)
        relation = None
        if m is not None:
            word = m.group(0)
            relation = RELATION_WORDS.get(word.upper()) or RELATION_WORDS.get(word)
            part = part[: m.start()] + " " + part[m.end() :]
        code = part.strip().strip(",，()（）[]").strip()
        code = re.sub(r"\(\s*\)$", "", code).strip().rstrip(",，").strip()
        items.append((code, relation))
    return items


def clean_ics(text: str | None) -> str:
    """One or more ICS codes ("67.050", "13.220.50;91.100.01"); ValueError for anything else."""
    if not text:
        return ""
    parts = [p.strip() for p in re.split(r"[;；,，、\s]+", text) if p.strip()]
    bad = [p for p in parts if not _ICS.fullmatch(p)]
    if bad:
        raise ValueError(_("ICS 分类号“%(text)s”格式不对（应如 67.050 或 13.220.50）。") % {"text": bad[0]})
    joined = ";".join(parts)
    if len(joined) > 20:
        raise ValueError(_("ICS 分类号过长（最多 20 个字符）。"))
    return joined


# --- file formats -----------------------------------------------------------------------------------------------


def _decode(content: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ServiceError.field("file", _("无法识别文件编码：请保存为 UTF-8 或 GB18030 编码的 CSV。"), code="encoding")


def _csv_rows(content: bytes) -> Iterator[tuple[int, list[Any]]]:
    text = _decode(content)
    first = text.split("\n", 1)[0]
    delimiter = max(",\t;", key=first.count) if any(d in first for d in ",\t;") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    line = 1
    try:
        for values in reader:
            yield line, values
            line = reader.line_num + 1
    except csv.Error as exc:
        raise ServiceError.field(
            "file", _("CSV 第 %(line)d 行格式错误：%(error)s") % {"line": line, "error": exc}, code="csv"
        ) from exc


def _xlsx_rows(content: bytes) -> Iterator[tuple[int, list[Any]]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ServiceError.field("file", _("无法读取该 XLSX 文件。"), code="xlsx") from exc
    try:
        sheet = workbook.worksheets[0]
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, list(values)
    finally:
        workbook.close()
