"""Reading an instrument's CSV export into result rows (ISO/IEC 17025 7.5: the instrument's own data, unretyped).

Pure parsing, no database: the services check what the rows name (samples, tests, units, instruments).

* Encoding: UTF-8 with or without BOM, UTF-16 with BOM, else GB18030 (many Chinese instruments write it).
* Delimiter: the one given (the instrument's saved mapping), else sniffed among comma, semicolon and tab on the
  header row. A header row is required: the first non-blank line, line 1 in an ordinary export. Every problem
  carries the line number people see in a text editor (the first line of a record when a quoted cell spans lines).
* The mapping names, for each logical column, the header of the file that holds it: `sample` (laboratory sample
  number), `keyword` (the test's keyword, or the analyte's name as the test names its parameter), `value`, and
  optionally `unit`, `measured_on` (an ISO date, or an ISO date-time whose date is taken as written) and
  `uncertainty`. Headers match exactly, else ignoring case and surrounding blanks.
* A file that cannot be read as a whole (too large, too many rows, unknown encoding, no header, no data) raises
  `CsvRefused`; problems of the mapping or of single rows are collected as `Problem`s, all of them.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final, NamedTuple

from django.utils.translation import gettext as _

MAX_BYTES: Final = 20 * 1024 * 1024
MAX_ROWS: Final = 200_000
HEADER_MAX: Final = 200  # characters of a header name kept in a mapping
DELIMITERS: Final = (",", ";", "\t")
COLUMNS: Final = ("sample", "keyword", "value", "unit", "measured_on", "uncertainty")
REQUIRED: Final = ("sample", "keyword", "value")


def column_labels() -> dict[str, str]:
    """The logical columns as people read them (the mapping form, messages)."""
    return {
        "sample": _("样品编号"),
        "keyword": _("检测项目（代码或名称）"),
        "value": _("结果"),
        "unit": _("单位"),
        "measured_on": _("测定日期"),
        "uncertainty": _("不确定度"),
    }


def delimiter_label(delimiter: str) -> str:
    return {",": _("逗号"), ";": _("分号"), "\t": _("制表符"), "": _("自动识别")}.get(delimiter, delimiter)


class CsvRefused(ValueError):
    """The file as a whole cannot be read; `field` is the input at fault ("file" or "delimiter")."""

    def __init__(self, message: str, field: str = "file") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class Problem:
    line: int
    column: str  # a logical column ("sample", "value", ...), or "" for the whole line
    message: str

    def as_json(self) -> dict[str, Any]:
        return {"line": self.line, "column": self.column, "message": self.message}


class CsvRow(NamedTuple):
    """One data row, cells stripped; "" where the column is not mapped or the cell is blank."""

    line: int
    sample: str
    keyword: str
    value: str
    unit: str
    measured_on: str
    uncertainty: str


@dataclass
class CsvTable:
    encoding: str
    delimiter: str
    headers: list[str]
    header_line: int = 1
    rows: list[CsvRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


# --------------------------------------------------------------------------------------------------------------
# The file
# --------------------------------------------------------------------------------------------------------------


def decode(content: bytes) -> tuple[str, str]:
    """The text and the encoding it was read with."""
    if content.startswith(codecs.BOM_UTF8):
        return content[len(codecs.BOM_UTF8) :].decode("utf-8", errors="strict"), "utf-8-sig"
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return content.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            pass
    try:
        return content.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as exc:
        raise CsvRefused(_("无法识别文件编码：请将 CSV 保存为 UTF-8 或 GB18030 编码。")) from exc


def _check_size(content: bytes) -> None:
    if len(content) > MAX_BYTES:
        raise CsvRefused(
            _("文件过大（%(size).1f MB）：上限为 %(max)d MB，请分成多个文件导入。")
            % {"size": len(content) / 1024 / 1024, "max": MAX_BYTES // (1024 * 1024)}
        )
    if not content.strip():
        raise CsvRefused(_("文件为空。"))


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line
    return ""


def sniff_delimiter(text: str) -> str:
    """The delimiter of the header row: the most frequent of comma, semicolon and tab outside quotes."""
    header = _first_line(text)
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for character in header:
        if character == '"':
            quoted = not quoted
        elif not quoted and character in counts:
            counts[character] += 1
    best = max(DELIMITERS, key=lambda d: counts[d])
    if not counts[best]:
        raise CsvRefused(
            _("无法识别分隔符：表头行（第 1 行）中没有逗号、分号或制表符。请确认文件是 CSV，并且第 1 行是表头。"),
            field="delimiter",
        )
    return best


def clean_delimiter(delimiter: str) -> str:
    if delimiter not in ("", *DELIMITERS):
        raise CsvRefused(
            _("分隔符“%(delimiter)s”无效：应为逗号、分号、制表符，或留空自动识别。") % {"delimiter": delimiter},
            field="delimiter",
        )
    return delimiter


def _reader(text: str, delimiter: str) -> Any:
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)


def read_headers(content: bytes, delimiter: str = "") -> tuple[list[str], str, str]:
    """The header row's cells, the delimiter and the encoding (for the mapping form's choices)."""
    _check_size(content)
    text, encoding = decode(content)
    delimiter = clean_delimiter(delimiter) or sniff_delimiter(text)
    for record in _reader(text[: 64 * 1024], delimiter):
        if any(cell.strip() for cell in record):
            return [cell.strip() for cell in record], delimiter, encoding
    raise CsvRefused(_("文件中没有表头行。"))


# --------------------------------------------------------------------------------------------------------------
# The mapping
# --------------------------------------------------------------------------------------------------------------


def clean_mapping(columns: object, *, complete: bool = True) -> tuple[dict[str, str], dict[str, list[str]]]:
    """The mapping with blank entries dropped, and its faults as {"columns.<name>": [messages]}.

    `complete`: the required columns must be named (a mapping to save); a preview reports them on the header line
    instead, beside the headers the file has, so that people can pick them.
    """
    labels = column_labels()
    errors: dict[str, list[str]] = {}
    if not isinstance(columns, Mapping):
        return {}, {"columns": [_('列映射须为“逻辑列 → 表头”的对照，如 {"sample": "Sample ID"}。')]}
    cleaned: dict[str, str] = {}
    unknown = sorted(str(name) for name in columns if name not in COLUMNS)
    if unknown:
        errors["columns"] = [
            _("未知的列：%(names)s。可用的列：%(known)s。") % {"names": "、".join(unknown), "known": ", ".join(COLUMNS)}
        ]
    for name in COLUMNS:
        header = columns.get(name)
        if header is not None and not isinstance(header, str):
            errors.setdefault(f"columns.{name}", []).append(
                _("“%(column)s”须为表头名称（文本）。") % {"column": labels[name]}
            )
            continue
        header = (header or "").strip()
        if len(header) > HEADER_MAX:
            errors.setdefault(f"columns.{name}", []).append(_("表头名称最多 %(max)d 个字符。") % {"max": HEADER_MAX})
        elif header:
            cleaned[name] = header
        elif complete and name in REQUIRED:
            errors.setdefault(f"columns.{name}", []).append(
                _("请指定“%(column)s”所在的列。") % {"column": labels[name]}
            )
    taken: dict[str, str] = {}
    for name, header in cleaned.items():
        key = header.casefold()
        if key in taken:
            errors.setdefault(f"columns.{name}", []).append(
                _("“%(a)s”与“%(b)s”不能是同一列（%(header)s）。")
                % {"a": labels[taken[key]], "b": labels[name], "header": header}
            )
        else:
            taken[key] = name
    return cleaned, errors


def _locate(headers: list[str], mapping: Mapping[str, str], line: int) -> tuple[dict[str, int], list[Problem]]:
    """Column index of each mapped logical column; problems on the header line for required columns not mapped
    and for headers that are absent or doubled."""
    labels = column_labels()
    exact: dict[str, list[int]] = {}
    folded: dict[str, list[int]] = {}
    for index, header in enumerate(headers):
        if header:
            exact.setdefault(header, []).append(index)
            folded.setdefault(header.casefold(), []).append(index)
    found: dict[str, int] = {}
    problems: list[Problem] = []
    listed = "、".join(f"“{h}”" for h in headers if h) or _("（无）")
    for name in REQUIRED:
        if not mapping.get(name):
            problems.append(
                Problem(
                    line,
                    name,
                    _("未指定%(column)s所在的列。文件的列：%(headers)s。")
                    % {"column": labels[name], "headers": listed},
                )
            )
    for name, header in mapping.items():
        if name not in COLUMNS or not header:
            continue
        indexes = exact.get(header) or folded.get(header.casefold()) or []
        if not indexes:
            problems.append(
                Problem(
                    line,
                    name,
                    _("表头（第 %(line)d 行）中没有“%(header)s”列（映射为%(column)s）。文件的列：%(headers)s。")
                    % {"line": line, "header": header, "column": labels[name], "headers": listed},
                )
            )
        elif len(indexes) > 1:
            problems.append(
                Problem(
                    line,
                    name,
                    _("表头（第 %(line)d 行）中有 %(n)d 列都叫“%(header)s”，无法确定%(column)s在哪一列。")
                    % {"line": line, "n": len(indexes), "header": header, "column": labels[name]},
                )
            )
        else:
            found[name] = indexes[0]
    return found, problems


# --------------------------------------------------------------------------------------------------------------
# Rows
# --------------------------------------------------------------------------------------------------------------


def read_table(content: bytes, columns: Mapping[str, str], delimiter: str = "") -> CsvTable:
    """Every data row of the file under `columns` (a cleaned mapping), with every problem found in the file itself.

    Rows with a problem are left out of `rows`; blank lines are skipped. Raises CsvRefused for the file as a whole.
    """
    _check_size(content)
    text, encoding = decode(content)
    delimiter = clean_delimiter(delimiter) or sniff_delimiter(text)
    reader = _reader(text, delimiter)
    labels = column_labels()
    previous = 0
    headers: list[str] | None = None
    table = CsvTable(encoding=encoding, delimiter=delimiter, headers=[])
    index: dict[str, int] = {}
    required: list[tuple[str, int]] = []
    wanted: list[int] = []
    width = 0
    count = 0
    try:
        for record in reader:
            line = previous + 1
            previous = reader.line_num
            if headers is None:
                if not any(cell.strip() for cell in record):
                    continue
                headers = [cell.strip() for cell in record]
                table.headers, table.header_line = headers, line
                index, problems = _locate(headers, columns, line)
                if problems:
                    table.problems.extend(problems)
                    return table
                required = [(name, index[name]) for name in REQUIRED]
                # Cell positions in CsvRow order; -1: the column is not mapped.
                wanted = [index.get(name, -1) for name in COLUMNS]
                width = max(index.values()) + 1
                continue
            if not record or not any(cell.strip() for cell in record):
                continue
            count += 1
            if count > MAX_ROWS:
                raise CsvRefused(_("文件的数据超过 %(max)s 行：请分成多个文件导入。") % {"max": f"{MAX_ROWS:,}"})
            if len(record) < width:
                missing = [name for name, position in index.items() if position >= len(record)]
                table.problems.append(
                    Problem(
                        line,
                        missing[0],
                        _("本行只有 %(n)d 列，缺少%(columns)s（表头有 %(width)d 列）。")
                        % {"n": len(record), "columns": "、".join(labels[m] for m in missing), "width": len(headers)},
                    )
                )
                continue
            cells = [record[position].strip() if position >= 0 else "" for position in wanted]
            blank = [name for name, position in required if not record[position].strip()]
            if blank:
                for name in blank:
                    table.problems.append(Problem(line, name, _("请填写%(column)s。") % {"column": labels[name]}))
                continue
            table.rows.append(CsvRow(line, *cells))
    except csv.Error as exc:
        raise CsvRefused(_("CSV 第 %(line)d 行格式有误：%(reason)s") % {"line": previous + 1, "reason": exc}) from exc
    if headers is None:
        raise CsvRefused(_("文件中没有表头行。"))
    if not table.rows and not table.problems:
        raise CsvRefused(_("文件只有表头（第 1 行），没有数据行。"))
    return table


def parse_date(text: str) -> dt.date:
    """An ISO date ("2026-03-01"), or the date of an ISO date-time as written ("2026-03-01T14:30:00+08:00")."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        pass
    try:
        return dt.datetime.fromisoformat(text).date()
    except ValueError:
        raise ValueError(
            _("“%(text)s”不是 ISO 日期：请写成 2026-03-01 或 2026-03-01T14:30:00。") % {"text": text}
        ) from None
