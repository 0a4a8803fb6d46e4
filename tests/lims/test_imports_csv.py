"""Reading instruments' CSV exports (lims.csvfile): encodings, delimiters, line numbers, mapping, limits."""

import datetime as dt

import pytest

from tichub.lims import csvfile
from tichub.lims.csvfile import CsvRefused, CsvRow, Problem, clean_mapping, parse_date, read_headers, read_table

MAPPING = {"sample": "样品编号", "keyword": "元素", "value": "浓度", "unit": "单位"}
TEXT = "样品编号,元素,浓度,单位\r\nS1,Pb,0.12,mg/kg\r\nS1,Cd,3.5,µg/kg\r\n"


@pytest.mark.parametrize(
    ("content", "encoding"),
    [
        (TEXT.encode(), "utf-8"),
        (b"\xef\xbb\xbf" + TEXT.encode(), "utf-8-sig"),
        (TEXT.encode("gb18030"), "gb18030"),
        (TEXT.encode("utf-16"), "utf-16"),
    ],
)
def test_encodings(content, encoding):
    table = read_table(content, MAPPING)
    assert (table.encoding, table.delimiter, table.headers) == (encoding, ",", ["样品编号", "元素", "浓度", "单位"])
    assert table.rows == [
        CsvRow(2, "S1", "Pb", "0.12", "mg/kg", "", ""),
        CsvRow(3, "S1", "Cd", "3.5", "µg/kg", "", ""),
    ]
    assert table.problems == []


@pytest.mark.parametrize("delimiter", [";", "\t", ","])
def test_the_delimiter_is_sniffed_on_the_header_row_or_taken_as_given(delimiter):
    content = TEXT.replace(",", delimiter).encode()
    assert read_table(content, MAPPING).delimiter == delimiter
    assert read_headers(content) == (["样品编号", "元素", "浓度", "单位"], delimiter, "utf-8")
    # A quoted header with commas in it does not fool the sniffing.
    quoted = f'"Sample, ID"{delimiter}元素{delimiter}浓度\nS1{delimiter}Pb{delimiter}1\n'.encode()
    assert read_table(quoted, {"sample": "Sample, ID", "keyword": "元素", "value": "浓度"}).rows[0].sample == "S1"
    with pytest.raises(CsvRefused) as wrong:
        read_table(b"a|b|c\n1|2|3\n", MAPPING)
    assert wrong.value.field == "delimiter"


def test_line_numbers_count_blank_lines_and_cells_spanning_lines():
    content = b'Sample,Analyte,Value,Note\nS1,pb,1,\n\nS2,pb,2,"two\nlines"\nS3,pb,,x\nS4,pb\n S5 , CD , 3 ,\n'
    table = read_table(content, {"sample": "Sample", "keyword": "Analyte", "value": "Value"})
    assert [(r.line, r.sample, r.keyword, r.value) for r in table.rows] == [
        (2, "S1", "pb", "1"),
        (4, "S2", "pb", "2"),
        (8, "S5", "CD", "3"),
    ]
    assert table.problems == [
        Problem(6, "value", "请填写结果。"),
        Problem(7, "value", "本行只有 2 列，缺少结果（表头有 4 列）。"),
    ]


def test_headers_match_ignoring_case_and_blanks_and_problems_are_on_the_header_line():
    content = b"SAMPLE ID , analyte,conc,conc\nS1,pb,1,2\n"
    table = read_table(content, {"sample": "Sample ID", "keyword": "Analyte", "value": "Conc"})
    assert table.rows == []
    assert table.problems == [
        Problem(1, "value", "表头（第 1 行）中有 2 列都叫“Conc”，无法确定结果在哪一列。"),
    ]
    table = read_table(b"\n\nA,B,C\n1,2,3\n", {"sample": "A", "keyword": "B", "value": "X"})
    assert (table.header_line, table.problems) == (
        3,
        [Problem(3, "value", "表头（第 3 行）中没有“X”列（映射为结果）。文件的列：“A”、“B”、“C”。")],
    )
    table = read_table(b"A,B,C\n1,2,3\n", {"sample": "A"})
    assert [p.column for p in table.problems] == ["keyword", "value"]
    assert table.problems[0].message == "未指定检测项目（代码或名称）所在的列。文件的列：“A”、“B”、“C”。"


def test_limits_and_empty_files(monkeypatch):
    with pytest.raises(CsvRefused) as empty:
        read_table(b"  \n", MAPPING)
    assert empty.value.message == "文件为空。"
    monkeypatch.setattr(csvfile, "MAX_BYTES", 20)
    with pytest.raises(CsvRefused) as large:
        read_table(TEXT.encode(), MAPPING)
    assert large.value.message == "文件过大（0.0 MB）：上限为 0 MB，请分成多个文件导入。"
    monkeypatch.setattr(csvfile, "MAX_BYTES", 1000)
    monkeypatch.setattr(csvfile, "MAX_ROWS", 1)
    with pytest.raises(CsvRefused) as rows:
        read_table(TEXT.encode(), MAPPING)
    assert rows.value.message == "文件的数据超过 1 行：请分成多个文件导入。"


def test_mapping_cleaning():
    assert clean_mapping({"sample": " ID ", "keyword": "Analyte", "value": "Conc", "unit": ""}) == (
        {"sample": "ID", "keyword": "Analyte", "value": "Conc"},
        {},
    )
    assert clean_mapping(["sample"])[1] == {
        "columns": ['列映射须为“逻辑列 → 表头”的对照，如 {"sample": "Sample ID"}。']
    }
    assert clean_mapping({"sample": "ID"}, complete=False) == ({"sample": "ID"}, {})
    assert clean_mapping({"sample": "x" * 201, "keyword": "K", "value": "V"})[1] == {
        "columns.sample": ["表头名称最多 200 个字符。"]
    }


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2026-03-01", dt.date(2026, 3, 1)),
        ("20260301", dt.date(2026, 3, 1)),
        ("2026-03-01T23:30:00+08:00", dt.date(2026, 3, 1)),
        ("2026-03-01 08:15", dt.date(2026, 3, 1)),
    ],
)
def test_dates_are_iso_or_the_date_of_an_iso_datetime(text, day):
    assert parse_date(text) == day


def test_other_dates_are_refused():
    with pytest.raises(ValueError, match="不是 ISO 日期"):
        parse_date("01/03/2026")
