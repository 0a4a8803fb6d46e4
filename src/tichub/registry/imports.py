"""Reading a scope table (CNAS / CMA scope annex layout, XLSX or CSV, Chinese or English headers) into records.

Pure parsing and validation of what a row says by itself: no database. `parse_scope_table(filename, content)`
returns the records of the good rows and, per line number, the reasons of the bad ones; what needs the
institution's data (sites, accreditations, aliases, duplicates after aliasing, the diff) is import_services' job.

Line numbers are the ones people see: the row number in Excel, the line number of the CSV file (the first line of a
record when a quoted cell spans lines).
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from django.utils.translation import gettext as _

from tichub.science.standard_codes import (
    INDUSTRY_PREFIXES,
    StandardCode,
    StandardCodeError,
    parse_standard_code,
)

from .choices import AccreditationBody, ScopeStatus

MAX_BYTES: Final = 20 * 1024 * 1024
MAX_ROWS: Final = 50_000
HEADER_SEARCH_ROWS: Final = 30  # title rows above the header
MAX_TURNAROUND: Final = 365

# Limits of the columns the rows go to (models.ScopeRow, Term).
NAME_MAX: Final = 200
CLAUSE_MAX: Final = 60
LIMITATION_MAX: Final = 300
PRICE_MAX: Final = Decimal("9999999999.99")

# --------------------------------------------------------------------------------------------------------------
# Headers
# --------------------------------------------------------------------------------------------------------------

#: Field → the headers that name it. The first two are shown in messages (Chinese, English).
HEADERS: Final[dict[str, tuple[str, ...]]] = {
    "seq": ("序号", "No", "No.", "编号", "Item No"),
    "object": (
        "检测对象", "Object/Product", "检测对象/产品/类别", "检测对象/产品", "产品/类别", "检验对象", "检验检测对象",
        "产品", "类别", "产品类别", "产品名称", "检测产品", "检测对象名称", "Object", "Product",
        "Object/Product/Category", "Test object", "Category",
    ),
    "object_en": (
        "检测对象（英文）", "Object (EN)", "检测对象英文名", "对象英文名", "产品（英文）", "检测对象名称（英文）",
        "Product (EN)", "Object/Product (EN)", "Object in English",
    ),
    "parameter": (
        "项目/参数", "Parameter", "项目/参数 名称", "项目/参数名称", "检测项目/参数", "检测项目", "检验项目", "项目",
        "参数", "参数名称", "项目名称", "Item/Parameter", "Test item", "Item", "Parameter name",
    ),
    "parameter_seq": ("项目/参数 序号", "参数序号", "项目序号", "Parameter No", "Parameter No."),
    "parameter_en": (
        "参数英文名", "Parameter (EN)", "项目/参数 英文名称", "项目/参数（英文）", "参数（英文）", "项目/参数 英文",
        "参数英文名称", "Item/Parameter (EN)", "Parameter in English",
    ),
    "standard": (
        "检测标准（方法）名称及编号（含年号）", "Standard (method)", "依据的标准（方法）名称及编号（含年号）",
        "标准（方法）名称及编号（含年号）", "检测标准（方法）", "依据的标准（方法）", "检测标准", "检测方法",
        "依据标准", "检测依据", "标准", "方法", "Standard", "Method", "Method standard", "Test method",
        "Standard (method) name and number", "Standard (method) title and number",
    ),
    "clause": ("条款", "Clause", "方法条款", "标准条款", "Clause No"),
    "limitation": ("限制范围", "Limitation", "限制", "Limitations", "Limitation of scope"),
    "remarks": ("说明", "Remarks", "备注", "Remark", "Note", "Notes"),
    "site": ("场所", "Site", "检测场所", "检测地点", "地点", "实验室场所", "Test site", "Location"),
    "accreditation": (
        "认可/资质", "Accreditation", "认可", "资质", "认可资质", "认可/资质认定", "Accreditations", "Recognition",
    ),
    "status": ("状态", "Status"),
    "turnaround": (
        "周期（工作日）", "Turnaround (days)", "检测周期（工作日）", "周期", "检测周期", "典型周期（工作日）",
        "Turnaround", "Turnaround (working days)", "Turnaround days",
    ),
    "price": (
        "参考价格（元）", "Price (CNY)", "参考价格", "价格", "价格（元）", "收费标准（元）", "Price", "List price",
        "Price (RMB)",
    ),
}  # fmt: skip
IGNORED: Final = frozenset({"seq", "parameter_seq", "remarks"})
REQUIRED: Final = ("object", "parameter", "standard")
# The second header row of a CNAS annex under "项目/参数": 序号 | 名称.
SUB_HEADERS: Final = frozenset(
    {"序号", "名称", "no", "no.", "name", "中文", "英文", "中文名称", "英文名称", "zh", "en"}
)


def header_key(text: str) -> str:
    """A header as compared: NFKC (full-width → half-width), lower case, no spaces, no required-marks."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    return re.sub(r"[\s*:]", "", text)


_BY_HEADER: Final = {header_key(name): name_field for name_field, names in HEADERS.items() for name in names}


def accepted_headers() -> str:
    """The headers people may use, for messages: 'Chinese / English' per column."""
    return "; ".join(f"{names[0]} / {names[1]}" for names in HEADERS.values())


# --------------------------------------------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------------------------------------------


@dataclass
class ScopeRecord:
    """One good row as the file states it (names still as written; keys are for the services)."""

    line: int
    object_zh: str
    object_en: str
    parameter_zh: str
    parameter_en: str
    standard: StandardCode
    standard_title: str
    clause: str
    limitation: str
    site: str | None  # None: the file has no site column (or the cell is blank): the default site
    accreditations: list[str]  # tokens as written, upper-cased ("CNAS", "CMA", a certificate number)
    status: str
    turnaround_days: int | None
    list_price: Decimal | None


@dataclass
class ParsedTable:
    records: list[ScopeRecord] = field(default_factory=list)
    errors: dict[int, list[str]] = field(default_factory=dict)
    columns: dict[str, int] = field(default_factory=dict)
    header_line: int = 0
    cells: dict[str, StandardCell | str] = field(default_factory=dict)  # standard cell text → parsed or error

    def error(self, line: int, message: str) -> None:
        self.errors.setdefault(line, []).append(message)

    @property
    def has_site(self) -> bool:
        return "site" in self.columns

    @property
    def has_accreditation(self) -> bool:
        return "accreditation" in self.columns


class TableError(ValueError):
    """The file as a whole cannot be read (format, encoding, size, no header row)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --------------------------------------------------------------------------------------------------------------
# Reading files
# --------------------------------------------------------------------------------------------------------------

Row = tuple[int, list[str]]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if hasattr(value, "isoformat"):
        text = value.isoformat()
        return text.removesuffix("T00:00:00")
    return " ".join(str(value).split())


def _decode(content: bytes) -> str:
    if content.startswith(b"\xef\xbb\xbf"):
        return content[3:].decode("utf-8", errors="strict")
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        return content.decode("utf-16")
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise TableError(_("无法识别文件编码：请保存为 UTF-8 或 GB18030 编码的 CSV。")) from exc


def _delimiter(text: str) -> str:
    head = "\n".join(text.splitlines()[:10])
    counts = {d: head.count(d) for d in (",", "\t", ";")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _csv_rows(content: bytes) -> Iterator[Row]:
    text = _decode(content)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    previous = 0
    try:
        for record in reader:
            line = previous + 1
            previous = reader.line_num
            yield line, [_cell(value) for value in record]
    except csv.Error as exc:
        raise TableError(_("CSV 第 %(line)d 行格式有误：%(reason)s") % {"line": previous + 1, "reason": exc}) from exc


def _xlsx_rows(content: bytes) -> Iterator[Row]:
    import zipfile

    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise TableError(_("无法读取 XLSX 文件：文件已损坏或不是 Excel 工作簿。")) from exc
    try:
        if not workbook.worksheets:
            raise TableError(_("XLSX 文件中没有工作表。"))
        sheet = workbook.worksheets[0]
        for row in sheet.iter_rows():
            line = next((cell.row for cell in row if getattr(cell, "row", None)), None)
            values = [_cell(getattr(cell, "value", None)) for cell in row]
            if line is None or not any(values):
                continue
            yield line, values
    finally:
        workbook.close()


def read_rows(filename: str, content: bytes) -> Iterator[Row]:
    """The non-empty rows of the first sheet (XLSX) or of the file (CSV), each with its line number."""
    if len(content) > MAX_BYTES:
        raise TableError(_("文件过大：上限为 %(mb)d MB。") % {"mb": MAX_BYTES // (1024 * 1024)})
    if not content.strip():
        raise TableError(_("文件为空。"))
    name = filename.lower()
    if content.startswith(b"\xd0\xcf\x11\xe0") or name.endswith(".xls"):
        raise TableError(_("不支持旧版 Excel（.xls）文件：请另存为 XLSX 或 CSV。"))
    if content.startswith(b"PK\x03\x04") or name.endswith((".xlsx", ".xlsm")):
        return _xlsx_rows(content)
    if not name.endswith((".csv", ".txt", ".tsv")) and name:
        raise TableError(_("不支持的文件类型“%(name)s”：请上传 XLSX 或 CSV 文件。") % {"name": filename})
    return (row for row in _csv_rows(content) if any(row[1]))


# --------------------------------------------------------------------------------------------------------------
# Header row
# --------------------------------------------------------------------------------------------------------------


def _find_header(rows: Iterator[Row], table: ParsedTable) -> tuple[list[str], Row | None]:
    """The header cells (merged with a CNAS second header row when there is one) and the first data row."""
    seen: list[Row] = []
    for line, cells in rows:
        fields = {_BY_HEADER.get(header_key(c)) for c in cells}
        if "object" in fields and "parameter" in fields:
            table.header_line = line
            nxt = next(rows, None)
            if nxt is not None and _is_sub_header(nxt[1]):
                return _merge_headers(cells, nxt[1]), next(rows, None)
            return cells, nxt
        seen.append((line, cells))
        if len(seen) >= HEADER_SEARCH_ROWS:
            break
    first = seen[0] if seen else None
    unknown = [c for c in first[1] if c and header_key(c) not in _BY_HEADER] if first else []
    message = _("未找到表头行：前 %(n)d 行中没有同时含有“检测对象”和“项目/参数”列的行。") % {"n": HEADER_SEARCH_ROWS}
    if unknown:
        message += " " + _("无法识别的表头：%(names)s。") % {"names": "、".join(f"“{u}”" for u in unknown)}
    raise TableError(message + " " + _("可用的表头：%(headers)s") % {"headers": accepted_headers()})


def _is_sub_header(cells: list[str]) -> bool:
    """A second header row: only labels like 序号 / 名称, one of them a name."""
    labels = {header_key(c) for c in cells if c}
    return bool(labels) and labels <= SUB_HEADERS and bool(labels & {"名称", "name", "中文名称", "中文"})


def _merge_headers(top: list[str], sub: list[str]) -> list[str]:
    merged: list[str] = []
    parent = ""
    for i in range(max(len(top), len(sub))):
        upper = top[i] if i < len(top) else ""
        lower = sub[i] if i < len(sub) else ""
        parent = upper or parent
        if lower:
            merged.append(f"{parent} {lower}" if parent else lower)
        else:
            merged.append(upper)
    return merged


def _columns(cells: list[str], table: ParsedTable) -> None:
    unknown: list[str] = []
    for index, cell in enumerate(cells):
        if not cell:
            continue
        name = _BY_HEADER.get(header_key(cell))
        if name is None:
            unknown.append(cell)
        elif name in table.columns and name not in IGNORED:
            other = cells[table.columns[name]]
            table.error(
                table.header_line,
                _("表头“%(a)s”与“%(b)s”指同一列，只能保留一个。") % {"a": other, "b": cell},
            )
        else:
            table.columns.setdefault(name, index)
    if unknown:
        table.error(
            table.header_line,
            _("无法识别的表头：%(names)s。可用的表头：%(headers)s")
            % {"names": "、".join(f"“{u}”" for u in unknown), "headers": accepted_headers()},
        )
    for name in REQUIRED:
        if name not in table.columns:
            table.error(
                table.header_line,
                _("缺少必需的列“%(name)s”（%(en)s）。") % {"name": HEADERS[name][0], "en": HEADERS[name][1]},
            )


# --------------------------------------------------------------------------------------------------------------
# Cells
# --------------------------------------------------------------------------------------------------------------

_CJK: Final = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_TRAILING_EN: Final = re.compile(r"^(?P<zh>.*?)\s*[(（](?P<en>[^()（）]*)[)）]\s*$")


def split_bilingual(text: str) -> tuple[str, str]:
    """'白砂糖 (White granulated sugar)' → ('白砂糖', 'White granulated sugar'); other text unchanged."""
    m = _TRAILING_EN.match(text)
    if m and _CJK.search(m["zh"]) and not _CJK.search(m["en"]) and re.search(r"[A-Za-z]", m["en"]):
        return m["zh"].strip(), " ".join(m["en"].split())
    return text, ""


_STATUS: Final = {
    "": ScopeStatus.ACTIVE.value,
    "有效": ScopeStatus.ACTIVE.value,
    "active": ScopeStatus.ACTIVE.value,
    "暂停": ScopeStatus.SUSPENDED.value,
    "suspended": ScopeStatus.SUSPENDED.value,
    "撤销": ScopeStatus.WITHDRAWN.value,
    "withdrawn": ScopeStatus.WITHDRAWN.value,
}


def parse_status(text: str) -> str:
    status = _STATUS.get(text)
    if status is not None:
        return status
    status = _STATUS.get(header_key(text))
    if status is None:
        raise ValueError(
            _("状态“%(value)s”无效：应为 有效/暂停/撤销（active/suspended/withdrawn），留空为有效。") % {"value": text}
        )
    return status


def parse_turnaround(text: str) -> int | None:
    raw = unicodedata.normalize("NFKC", text).strip()
    if not raw:
        return None
    m = re.fullmatch(r"(\d+)(?:\.0+)?\s*(?:个)?\s*(?:工作日|天|日|d|days?|working days?)?", raw, re.IGNORECASE)
    if m is None:
        raise ValueError(
            _("周期“%(value)s”无效：应为 1 至 %(max)d 之间的整数（工作日）。") % {"value": text, "max": MAX_TURNAROUND}
        )
    days = int(m[1])
    if not 1 <= days <= MAX_TURNAROUND:
        raise ValueError(
            _("周期 %(value)d 超出范围：应为 1 至 %(max)d 个工作日。") % {"value": days, "max": MAX_TURNAROUND}
        )
    return days


def parse_price(text: str) -> Decimal | None:
    raw = unicodedata.normalize("NFKC", text).strip()
    if not raw:
        return None
    cleaned = re.sub(r"^(?:¥|￥|RMB|CNY)\s*|\s*(?:元|RMB|CNY)$", "", raw, flags=re.IGNORECASE).replace(",", "")
    if not re.fullmatch(r"-?\d+(?:\.\d+)?", cleaned):
        raise ValueError(
            _("价格“%(value)s”无效：应为不小于 0 的金额（元），最多两位小数，如 1200.00。") % {"value": text}
        )
    try:
        price = Decimal(cleaned)
    except InvalidOperation as exc:  # pragma: no cover - the pattern above admits only decimals
        raise ValueError(_("价格“%(value)s”无效。") % {"value": text}) from exc
    if price < 0:
        raise ValueError(_("价格 %(value)s 不能为负数。") % {"value": text})
    if price != price.quantize(Decimal("0.01")):
        raise ValueError(_("价格 %(value)s 最多两位小数。") % {"value": text})
    if price > PRICE_MAX:
        raise ValueError(_("价格 %(value)s 过大。") % {"value": text})
    return price.quantize(Decimal("0.01"))


_NONE_TOKENS: Final = frozenset({"", "无", "-", "—", "/", "none", "n/a", "na", "否"})


def parse_accreditations(text: str) -> list[str]:
    """'CNAS,CMA', 'CNAS、CMA', 'CNAS/CMA', '无' → body codes or certificate numbers, upper-cased, in order."""
    raw = unicodedata.normalize("NFKC", text).strip()
    if raw.lower() in _NONE_TOKENS:
        return []
    tokens: list[str] = []
    for part in re.split(r"[,;、/\s]+|(?<=[A-Za-z])\+(?=[A-Za-z])", raw):
        word = part.strip().upper()
        if word.lower() in _NONE_TOKENS:
            continue
        if "CNAS" in word and not re.search(r"\d", word):
            word = AccreditationBody.CNAS.value
        elif ("CMA" in word or "资质认定" in word) and not re.search(r"\d", word):
            word = AccreditationBody.CMA.value
        elif word == "认可":
            word = AccreditationBody.CNAS.value
        if word not in tokens:
            tokens.append(word)
    return tokens


# --------------------------------------------------------------------------------------------------------------
# Standard cells: "食品安全国家标准 食品中铅的测定 GB 5009.12-2017 第一法"
# --------------------------------------------------------------------------------------------------------------

_WORD_PREFIXES: Final = (
    "ISO", "IEC", "EN", "BS", "DIN", "NF", "JIS", "TIS", "ASTM", "SNI", "TCVN", "MS", "PNS", "SS",
)  # fmt: skip
_CODE_START: Final = re.compile(
    r"(?<![A-Za-z0-9/])(?:T/[A-Z]{2,}|Q/[A-Z0-9]+|DB ?\d{2,4}|NB ?/ ?SH|GB|"
    + "|".join(sorted((p for p in INDUSTRY_PREFIXES | set(_WORD_PREFIXES) if "/" not in p), key=lambda p: (-len(p), p)))
    + r")(?=[ /\d:\-.TZ]|$)"
)
# A code stops at CJK text and CJK punctuation.
_CODE_STOP: Final = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff《》「」『』【】]")
_CODE_TOKEN: Final = re.compile(r"^(?:[A-Z/]{1,12}|[A-Za-z0-9./:\-+()ε]*\d[A-Za-z0-9./:\-+()ε]*)$")
_CN_NUMERALS: Final = "一二三四五六七八九十百零〇"
_CLAUSES: Final = (
    re.compile(rf"第\s*[{_CN_NUMERALS}\d.]+\s*(?:法|章|节|条|款|篇|部分)"),
    re.compile(rf"方法\s*[{_CN_NUMERALS}\d]+"),
    re.compile(r"(?:clause|cl\.|条款|method)\s*:?\s*(?P<n>\d+(?:\.\d+)*[a-z]?)", re.IGNORECASE),
    re.compile(r"^[\s,;(]*(?P<n>\d+(?:\.\d+)*[a-z]?)(?=[\s,;)]|$)"),
)


_DASHES: Final = {ord(c): "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"}


@dataclass(frozen=True)
class StandardCell:
    code: StandardCode
    title: str
    clause: str


def _normalise_cell(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    return " ".join(text.translate(_DASHES).split())


def _code_like(segment: str) -> list[str]:
    tokens: list[str] = []
    for token in segment.split(" "):
        if not token or not _CODE_TOKEN.match(token):
            break
        tokens.append(token)
    return tokens


def _trim_code(text: str) -> str:
    """A candidate without the punctuation that follows a code in a sentence: "(GB 5009.12-2017)," → the code."""
    text = text.rstrip(",;.")
    while text.endswith(")") and text.count(")") > text.count("("):
        text = text[:-1].rstrip(",;.")
    return text


def _try_parse(text: str) -> tuple[StandardCode | None, StandardCodeError | None]:
    try:
        return parse_standard_code(text), None
    except StandardCodeError as exc:
        return None, exc


def parse_standard_cell(text: str) -> StandardCell:
    """The standard code, its title and the clause in a scope table's standard cell.

    Raises ValueError with a message for people (naming the suggested code when one can be worked out).
    """
    s = _normalise_cell(text)
    if not s:
        raise ValueError(_("标准（方法）为空。"))
    first_error: StandardCodeError | None = None
    passes = [s] if s.upper() == s or len(s.upper()) != len(s) else [s, s.upper()]
    for pass_text in passes:  # prefixes are capitals; a second pass reads "gb/t 5009.12-2017" too
        for start in _CODE_START.finditer(pass_text):
            stop = _CODE_STOP.search(pass_text, start.start())
            segment = pass_text[start.start() : stop.start() if stop else len(pass_text)].strip()
            tokens = _code_like(segment)
            for n in range(len(tokens), 0, -1):
                joined = " ".join(tokens[:n])
                code, error = _try_parse(_trim_code(joined))
                if code is not None:
                    return _finish_cell(s, code, start.start(), start.start() + len(joined))
                if n == len(tokens) and first_error is None:
                    first_error = error
        if first_error is not None:
            break
    if first_error is not None:
        message = _("标准编号“%(code)s”无效（%(reason)s）。") % {"code": first_error.text, "reason": first_error.reason}
        if first_error.suggestion:
            message += " " + _("是否应为“%(suggestion)s”？") % {"suggestion": first_error.suggestion}
        raise ValueError(message)
    raise ValueError(_("“%(text)s”中未找到标准编号（如 GB 5009.12-2017）。") % {"text": text})


def _finish_cell(s: str, code: StandardCode, start: int, end: int) -> StandardCell:
    if code.year is None:
        raise ValueError(
            _("标准编号“%(code)s”缺少年号：能力范围须写明标准版本（如 GB 5009.12-2017）。") % {"code": code.canonical}
        )
    before, after = s[:start], s[end:]
    clauses: list[str] = []
    for pattern in _CLAUSES:
        while (m := pattern.search(after)) is not None:
            clauses.append(m.groupdict().get("n") or m.group().replace(" ", ""))
            after = after[: m.start()] + " " + after[m.end() :]
    for m in _CODE_START.finditer(after):
        segment = after[m.start() :]
        stop = _CODE_STOP.search(segment)
        tokens = _code_like(segment[: stop.start() if stop else len(segment)].strip())
        if tokens and _try_parse(_trim_code(" ".join(tokens)))[0] is not None:
            raise ValueError(_("一个单元格中只能填写一个标准，请分行填写（发现多个标准编号）。"))
    title = " ".join(f"{before} {after}".split()).strip(" ,;:-()《》")
    return StandardCell(code=code, title=title, clause=" ".join(clauses))


# --------------------------------------------------------------------------------------------------------------
# The table
# --------------------------------------------------------------------------------------------------------------


def _get(cells: list[str], table: ParsedTable, name: str) -> str:
    index = table.columns.get(name)
    if index is None or index >= len(cells):
        return ""
    return cells[index]


def parse_scope_table(filename: str, content: bytes) -> ParsedTable:
    """Every row of the table read and checked on its own. Raises TableError when the file cannot be read."""
    table = ParsedTable()
    rows = iter(read_rows(filename, content))
    header, first = _find_header(rows, table)
    _columns(header, table)
    header_keys = [header_key(c) for c in header]
    previous_object: tuple[str, str] | None = None

    def data() -> Iterator[Row]:
        if first is not None:
            yield first
        yield from rows

    count = 0
    parameter_column = table.columns.get("parameter", 0)
    for line, cells in data():
        if not any(cells) or (
            parameter_column < len(cells)
            and header_key(cells[parameter_column]) == header_keys[parameter_column]
            and [header_key(c) for c in cells[: len(header_keys)]] == header_keys
        ):
            continue  # blank, or the header repeated on every page of a converted PDF
        count += 1
        if count > MAX_ROWS:
            raise TableError(_("行数过多：一次最多导入 %(max)d 行。") % {"max": MAX_ROWS})
        record, previous_object = _record(line, cells, table, previous_object)
        if record is not None:
            table.records.append(record)
    if count == 0:
        table.error(table.header_line, _("表头下没有数据行。"))
    return table


def _record(
    line: int, cells: list[str], table: ParsedTable, previous_object: tuple[str, str] | None
) -> tuple[ScopeRecord | None, tuple[str, str] | None]:
    """The row's record (None when it is bad: its reasons are in table.errors) and the object for the next row."""
    errors: list[str] = []
    object_cell = _get(cells, table, "object")
    if object_cell:
        object_zh, object_en = split_bilingual(object_cell)
    elif previous_object is not None:  # merged cells: the object spans the rows below it
        object_zh, object_en = previous_object
    else:
        object_zh = object_en = ""
        errors.append(_("检测对象为空。"))
    current_object = (object_zh, object_en) if object_zh else previous_object
    object_en = _get(cells, table, "object_en") or object_en

    parameter_zh, parameter_en = split_bilingual(_get(cells, table, "parameter"))
    parameter_en = _get(cells, table, "parameter_en") or parameter_en
    if not parameter_zh:
        errors.append(_("项目/参数为空。"))
    if max(len(object_zh), len(object_en), len(parameter_zh), len(parameter_en)) > NAME_MAX:
        for value, what in ((object_zh, _("检测对象")), (object_en, _("检测对象英文名")),
                            (parameter_zh, _("项目/参数")), (parameter_en, _("参数英文名"))):  # fmt: skip
            if len(value) > NAME_MAX:
                errors.append(_("%(what)s过长（最多 %(max)d 字）。") % {"what": what, "max": NAME_MAX})

    cell: StandardCell | None = None
    standard_text = _get(cells, table, "standard")
    if not standard_text:
        errors.append(_("标准（方法）为空。"))
    else:
        parsed = table.cells.get(standard_text)
        if parsed is None:  # scopes repeat a few hundred standards over thousands of rows: parse each once
            try:
                parsed = parse_standard_cell(standard_text)
            except ValueError as exc:
                parsed = str(exc)
            table.cells[standard_text] = parsed
        if isinstance(parsed, str):
            errors.append(parsed)
        else:
            cell = parsed
    clause = _normalise_cell(_get(cells, table, "clause")) or (cell.clause if cell else "")
    if len(clause) > CLAUSE_MAX:
        errors.append(_("条款过长（最多 %(max)d 字）。") % {"max": CLAUSE_MAX})
    limitation = _get(cells, table, "limitation")
    if len(limitation) > LIMITATION_MAX:
        errors.append(_("限制范围过长（最多 %(max)d 字）。") % {"max": LIMITATION_MAX})

    status = turnaround = price = None
    try:
        status = parse_status(_get(cells, table, "status"))
    except ValueError as exc:
        errors.append(str(exc))
    try:
        turnaround = parse_turnaround(_get(cells, table, "turnaround"))
    except ValueError as exc:
        errors.append(str(exc))
    try:
        price = parse_price(_get(cells, table, "price"))
    except ValueError as exc:
        errors.append(str(exc))

    if errors or cell is None or status is None:
        for message in errors:
            table.error(line, message)
        return None, current_object
    record = ScopeRecord(
        line=line, object_zh=object_zh, object_en=object_en, parameter_zh=parameter_zh, parameter_en=parameter_en,
        standard=cell.code, standard_title=cell.title, clause=clause, limitation=limitation,
        site=_get(cells, table, "site") or None,
        accreditations=parse_accreditations(_get(cells, table, "accreditation")), status=status,
        turnaround_days=turnaround, list_price=price,
    )  # fmt: skip
    return record, current_object
