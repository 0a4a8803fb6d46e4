"""Standard codes typed by people, parsed to one exact edition (tichub.science.standard_codes)."""

from __future__ import annotations

import doctest
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tichub.science.standard_codes import (
    ADOPTION_DEGREES,
    INDUSTRY_PREFIXES,
    StandardCode,
    StandardCodeError,
    parse_standard_code,
)


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    """Shadow tests/conftest.py's Django cache reset: this module is pure Python and runs with ``-p no:django``."""
    yield


# --- the big table: input → canonical, base, year ------------------------------------------------------------

CASES: list[tuple[str, str, str, int | None]] = [
    # Chinese national: spelling variants of one code
    ("GB/T 2828.1-2012", "GB/T 2828.1-2012", "GB/T 2828.1", 2012),
    ("ＧＢ／Ｔ　２８２８．１－２０１２", "GB/T 2828.1-2012", "GB/T 2828.1", 2012),
    ("GB/T2828.1–2012", "GB/T 2828.1-2012", "GB/T 2828.1", 2012),
    ("GBT2828.1—2012", "GB/T 2828.1-2012", "GB/T 2828.1", 2012),
    ("GB/T 2828.1 - 2012", "GB/T 2828.1-2012", "GB/T 2828.1", 2012),
    ("gb/t 2828.1-2012", "GB/T 2828.1-2012", "GB/T 2828.1", 2012),
    ("GB T 2828.1-2012", "GB/T 2828.1-2012", "GB/T 2828.1", 2012),
    ("GB／T 2828.1-2012", "GB/T 2828.1-2012", "GB/T 2828.1", 2012),
    ("  GB/T   2828.1-2012  ", "GB/T 2828.1-2012", "GB/T 2828.1", 2012),
    ("GB/T 2828.1‐2012", "GB/T 2828.1-2012", "GB/T 2828.1", 2012),  # U+2010 hyphen
    ("GB/T 2828.1‒2012", "GB/T 2828.1-2012", "GB/T 2828.1", 2012),  # U+2012 figure dash
    ("GB/T 2828.1―2012", "GB/T 2828.1-2012", "GB/T 2828.1", 2012),  # U+2015 horizontal bar
    ("GB/T 2828.1−2012", "GB/T 2828.1-2012", "GB/T 2828.1", 2012),  # U+2212 minus sign
    ("GB/T 2828。1-2012", "GB/T 2828.1-2012", "GB/T 2828.1", 2012),  # ideographic full stop
    ("GB/T 2828.1:2012", "GB/T 2828.1-2012", "GB/T 2828.1", 2012),  # colon accepted, dash written
    ("GB/T 2828.1 2012", "GB/T 2828.1-2012", "GB/T 2828.1", 2012),  # space before a 4-digit year
    ("GB/T\u200b 2828.1-2012", "GB/T 2828.1-2012", "GB/T 2828.1", 2012),  # zero-width space
    ("GB/T 2828.1", "GB/T 2828.1", "GB/T 2828.1", None),
    ("GB 2763-2021", "GB 2763-2021", "GB 2763", 2021),
    ("GB2763-2021", "GB 2763-2021", "GB 2763", 2021),
    ("GB 31604.49-2023", "GB 31604.49-2023", "GB 31604.49", 2023),
    ("GB/T 31604.49-2023", "GB/T 31604.49-2023", "GB/T 31604.49", 2023),
    ("GB/Z 41275.1-2022", "GB/Z 41275.1-2022", "GB/Z 41275.1", 2022),
    ("GBZ 41275.1-2022", "GB/Z 41275.1-2022", "GB/Z 41275.1", 2022),
    # Chinese industry
    ("SN/T 1234.5-2010", "SN/T 1234.5-2010", "SN/T 1234.5", 2010),
    ("SNT 1234.5—2010", "SN/T 1234.5-2010", "SN/T 1234.5", 2010),
    ("JB/T 4730.1-2005", "JB/T 4730.1-2005", "JB/T 4730.1", 2005),
    ("HG/T 2902-1997", "HG/T 2902-1997", "HG/T 2902", 1997),
    ("QB/T 1333-2018", "QB/T 1333-2018", "QB/T 1333", 2018),
    ("YY 0505-2012", "YY 0505-2012", "YY 0505", 2012),
    ("YY/T 0287-2017", "YY/T 0287-2017", "YY/T 0287", 2017),
    ("JJG 1036-2022", "JJG 1036-2022", "JJG 1036", 2022),
    ("JJF 1059.1-2012", "JJF 1059.1-2012", "JJF 1059.1", 2012),
    ("TSG 21-2016", "TSG 21-2016", "TSG 21", 2016),
    ("TSG T7001-2009", "TSG T7001-2009", "TSG T7001", 2009),
    ("TSG T 7001-2009", "TSG T7001-2009", "TSG T7001", 2009),
    ("TSG ZF001-2006", "TSG ZF001-2006", "TSG ZF001", 2006),
    ("NB/T 47013.1-2015", "NB/T 47013.1-2015", "NB/T 47013.1", 2015),
    ("NB/SH/T 0820-2010", "NB/SH/T 0820-2010", "NB/SH/T 0820", 2010),
    ("DL/T 596-2021", "DL/T 596-2021", "DL/T 596", 2021),
    ("HJ 168-2020", "HJ 168-2020", "HJ 168", 2020),
    ("HJ/T 91-2002", "HJ/T 91-2002", "HJ/T 91", 2002),
    ("RB/T 214-2017", "RB/T 214-2017", "RB/T 214", 2017),
    ("JTG D60-2015", "JTG D60-2015", "JTG D60", 2015),
    ("JTG/T 3650-2020", "JTG/T 3650-2020", "JTG/T 3650", 2020),
    ("JGJ 33-2012", "JGJ 33-2012", "JGJ 33", 2012),
    ("JG/T 3049-1998", "JG/T 3049-1998", "JG/T 3049", 1998),
    ("GA 1800.1-2021", "GA 1800.1-2021", "GA 1800.1", 2021),
    ("WS/T 466-2014", "WS/T 466-2014", "WS/T 466", 2014),
    ("NY/T 391-2021", "NY/T 391-2021", "NY/T 391", 2021),
    ("YD/Z 1234-2020", "YD/Z 1234-2020", "YD/Z 1234", 2020),
    # Chinese local, group, enterprise
    ("DB45/T 1234-2015", "DB45/T 1234-2015", "DB45/T 1234", 2015),
    ("db45/t1234-2015", "DB45/T 1234-2015", "DB45/T 1234", 2015),
    ("DB45T 1234-2015", "DB45/T 1234-2015", "DB45/T 1234", 2015),
    ("DB 45/T 1234-2015", "DB45/T 1234-2015", "DB45/T 1234", 2015),
    ("DB45 1234-2015", "DB45 1234-2015", "DB45 1234", 2015),
    ("DB4401/T 10-2018", "DB4401/T 10-2018", "DB4401/T 10", 2018),
    ("T/CAS 115-2005", "T/CAS 115-2005", "T/CAS 115", 2005),
    ("T/CAS115-2005", "T/CAS 115-2005", "T/CAS 115", 2005),
    ("Ｔ／ＣＡＳ　１１５－２００５", "T/CAS 115-2005", "T/CAS 115", 2005),
    ("Q/GXTT 0001S-2020", "Q/GXTT 0001S-2020", "Q/GXTT 0001S", 2020),
    ("q/gxtt 0001s-2020", "Q/GXTT 0001S-2020", "Q/GXTT 0001S", 2020),
    ("Q/GXTT0001S-2020", "Q/GXTT 0001S-2020", "Q/GXTT 0001S", 2020),
    # ISO, IEC
    ("ISO 2859-1:1999", "ISO 2859-1:1999", "ISO 2859-1", 1999),
    ("ISO 2859-1-1999", "ISO 2859-1:1999", "ISO 2859-1", 1999),
    ("ISO 2859-1 : 1999", "ISO 2859-1:1999", "ISO 2859-1", 1999),
    ("iso 2859-1:1999", "ISO 2859-1:1999", "ISO 2859-1", 1999),
    ("ISO 2859-1", "ISO 2859-1", "ISO 2859-1", None),
    ("ISO 9001-2015", "ISO 9001:2015", "ISO 9001", 2015),
    ("ISO9001:2015", "ISO 9001:2015", "ISO 9001", 2015),
    ("ISO 9001 2015", "ISO 9001:2015", "ISO 9001", 2015),
    ("ISO 10303-1101", "ISO 10303-1101", "ISO 10303-1101", None),  # a part, not a year
    ("IEC 60335-2-24:2020", "IEC 60335-2-24:2020", "IEC 60335-2-24", 2020),
    ("IEC 60068-2-1-2007", "IEC 60068-2-1:2007", "IEC 60068-2-1", 2007),
    ("ISO/IEC 17025:2017", "ISO/IEC 17025:2017", "ISO/IEC 17025", 2017),
    ("ISO／IEC 17025：2017", "ISO/IEC 17025:2017", "ISO/IEC 17025", 2017),
    ("ISO IEC 17025:2017", "ISO/IEC 17025:2017", "ISO/IEC 17025", 2017),
    ("ISO/TS 16949:2009", "ISO/TS 16949:2009", "ISO/TS 16949", 2009),
    ("ISO TS 16949:2009", "ISO/TS 16949:2009", "ISO/TS 16949", 2009),
    ("ISO/TR 10013:2001", "ISO/TR 10013:2001", "ISO/TR 10013", 2001),
    ("IEC/TS 62443-1-1:2009", "IEC/TS 62443-1-1:2009", "IEC/TS 62443-1-1", 2009),
    ("ISO/IEC TS 17021-2:2016", "ISO/IEC TS 17021-2:2016", "ISO/IEC TS 17021-2", 2016),
    ("ISO/IEC Guide 98-3:2008", "ISO/IEC Guide 98-3:2008", "ISO/IEC Guide 98-3", 2008),
    ("ISO/IEC/IEEE 29119-1:2013", "ISO/IEC/IEEE 29119-1:2013", "ISO/IEC/IEEE 29119-1", 2013),
    ("ISO 2859-1:1999/Amd 1:2011", "ISO 2859-1:1999/Amd 1:2011", "ISO 2859-1", 1999),
    ("iso 2859-1:1999 / amd.1:2011", "ISO 2859-1:1999/Amd 1:2011", "ISO 2859-1", 1999),
    ("ISO 2859-1:1999/AMD1:2011", "ISO 2859-1:1999/Amd 1:2011", "ISO 2859-1", 1999),
    ("ISO 2859-1:1999/Amd 1:2011/Cor 1:2012", "ISO 2859-1:1999/Amd 1:2011/Cor 1:2012", "ISO 2859-1", 1999),
    ("IEC 60335-1:2010/AMD1:2013", "IEC 60335-1:2010/AMD1:2013", "IEC 60335-1", 2010),
    ("IEC 60335-1:2010/Amd 1:2013", "IEC 60335-1:2010/AMD1:2013", "IEC 60335-1", 2010),
    # European and national adoptions
    ("EN 71-3:2019+A1:2021", "EN 71-3:2019+A1:2021", "EN 71-3", 2019),
    ("EN 71-3:2019 + A1:2021", "EN 71-3:2019+A1:2021", "EN 71-3", 2019),
    ("EN 60335-1:2012/A11:2014/A13:2017", "EN 60335-1:2012/A11:2014/A13:2017", "EN 60335-1", 2012),
    ("EN 71-3:2019+AC:2019", "EN 71-3:2019+AC:2019", "EN 71-3", 2019),
    ("EN ISO 13485:2016/A11:2021", "EN ISO 13485:2016/A11:2021", "EN ISO 13485", 2016),
    ("BS EN 71-3:2019+A1:2021", "BS EN 71-3:2019+A1:2021", "BS EN 71-3", 2019),
    ("BS EN ISO 9001:2015", "BS EN ISO 9001:2015", "BS EN ISO 9001", 2015),
    ("BS 7671:2018+A2:2022", "BS 7671:2018+A2:2022", "BS 7671", 2018),
    ("DIN EN ISO 527-1:2019-12", "DIN EN ISO 527-1:2019-12", "DIN EN ISO 527-1", 2019),
    ("DIN 53504:2017-03", "DIN 53504:2017-03", "DIN 53504", 2017),
    ("JIS Z 2241:2011", "JIS Z 2241:2011", "JIS Z 2241", 2011),
    ("JIS Z2241:2011", "JIS Z 2241:2011", "JIS Z 2241", 2011),
    # ASTM: two-digit years
    ("ASTM D638-14", "ASTM D638-14", "ASTM D638", 2014),
    ("ASTM D 638 - 14", "ASTM D638-14", "ASTM D638", 2014),
    ("ASTM D638-2014", "ASTM D638-14", "ASTM D638", 2014),
    ("astm d638-14", "ASTM D638-14", "ASTM D638", 2014),
    ("ASTM E8/E8M-22", "ASTM E8/E8M-22", "ASTM E8/E8M", 2022),
    ("ASTM D4236-94(2021)", "ASTM D4236-94(2021)", "ASTM D4236", 1994),
    ("ASTM D4236-94 (2021)", "ASTM D4236-94(2021)", "ASTM D4236", 1994),
    ("ASTM A240/A240M-22b", "ASTM A240/A240M-22b", "ASTM A240/A240M", 2022),
    ("ASTM D1250-08(2013)ε1", "ASTM D1250-08(2013)ε1", "ASTM D1250", 2008),
    ("ASTM D1250-08(2013)e1", "ASTM D1250-08(2013)ε1", "ASTM D1250", 2008),
    ("ASTM F963-17", "ASTM F963-17", "ASTM F963", 2017),
    ("ASTM D6866", "ASTM D6866", "ASTM D6866", None),
    # ASEAN
    ("TCVN 7699-2-1:2007", "TCVN 7699-2-1:2007", "TCVN 7699-2-1", 2007),
    ("TCVN ISO/IEC 17025:2017", "TCVN ISO/IEC 17025:2017", "TCVN ISO/IEC 17025", 2017),
    ("TIS 2217-2548", "TIS 2217-2548", "TIS 2217", 2005),
    ("มอก. 2217-2548", "TIS 2217-2548", "TIS 2217", 2005),
    ("SNI 3140.3:2010", "SNI 3140.3:2010", "SNI 3140.3", 2010),
    ("SNI 3140.3-2010", "SNI 3140.3:2010", "SNI 3140.3", 2010),
    ("SNI 3140.3:2010/Amd1:2011", "SNI 3140.3:2010/Amd1:2011", "SNI 3140.3", 2010),
    ("SNI 01-3553-2006", "SNI 01-3553-2006", "SNI 01-3553", 2006),
    ("SNI ISO/IEC 17025:2017", "SNI ISO/IEC 17025:2017", "SNI ISO/IEC 17025", 2017),
    ("MS 1500:2009", "MS 1500:2009", "MS 1500", 2009),
    ("MS ISO/IEC 17025:2017", "MS ISO/IEC 17025:2017", "MS ISO/IEC 17025", 2017),
    ("PNS ISO 9001:2015", "PNS ISO 9001:2015", "PNS ISO 9001", 2015),
    ("SS 584:2013", "SS 584:2013", "SS 584", 2013),
    # trailing notes and adoptions
    ("GB/T 2828.1-2012 (ISO 2859-1:1999, IDT)", "GB/T 2828.1-2012", "GB/T 2828.1", 2012),
    ("GB/T 2828.1-2012（ISO 2859-1:1999，IDT）", "GB/T 2828.1-2012", "GB/T 2828.1", 2012),
    ("GB/T 19001-2016/ISO 9001:2015", "GB/T 19001-2016", "GB/T 19001", 2016),
    ("GB/T 2828.1-2012 (代替 GB/T 2828.1-2003)", "GB/T 2828.1-2012", "GB/T 2828.1", 2012),
]


def test_the_table_is_big() -> None:
    assert len(CASES) >= 60
    assert len({text for text, *_ in CASES}) == len(CASES)


@pytest.mark.parametrize(("text", "canonical", "base", "year"), CASES)
def test_parse(text: str, canonical: str, base: str, year: int | None) -> None:
    code = parse_standard_code(text)
    assert (code.canonical, code.base, code.year) == (canonical, base, year)
    assert code.edition_key == canonical.casefold()
    assert code.base_key == base.casefold()
    assert code.canonical.startswith(code.base)
    assert code.base == f"{code.prefix} {code.number}"
    assert str(code) == canonical
    assert code.dated is (year is not None)
    assert parse_standard_code(canonical) == code


# --- attributes ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "prefix", "number", "family", "mandatory"),
    [
        ("GB 2763-2021", "GB", "2763", "GB", True),
        ("GB/T 2828.1-2012", "GB/T", "2828.1", "GB", False),
        ("GB/Z 41275.1-2022", "GB/Z", "41275.1", "GB", False),
        ("SN/T 1234.5-2010", "SN/T", "1234.5", "industry", False),
        ("YY 0505-2012", "YY", "0505", "industry", True),
        ("YY/Z 0505-2012", "YY/Z", "0505", "industry", False),
        ("JJG 1036-2022", "JJG", "1036", "industry", True),
        ("JJF 1059.1-2012", "JJF", "1059.1", "industry", False),  # technical specification, documented exception
        ("TSG T7001-2009", "TSG", "T7001", "industry", True),
        ("NB/SH/T 0820-2010", "NB/SH/T", "0820", "industry", False),
        ("DB45/T 1234-2015", "DB45/T", "1234", "local", False),
        ("DB45 1234-2015", "DB45", "1234", "local", True),
        ("T/CAS 115-2005", "T/CAS", "115", "group", False),
        ("Q/GXTT 0001S-2020", "Q/GXTT", "0001S", "enterprise", False),
        ("ISO 2859-1:1999", "ISO", "2859-1", "international", False),
        ("ISO/IEC 17025:2017", "ISO/IEC", "17025", "international", False),
        ("IEC 60335-2-24:2020", "IEC", "60335-2-24", "international", False),
        ("EN 71-3:2019+A1:2021", "EN", "71-3", "regional", False),
        ("EN ISO 13485:2016", "EN ISO", "13485", "regional", False),
        ("BS EN ISO 9001:2015", "BS EN ISO", "9001", "foreign_national", False),
        ("ASTM E8/E8M-22", "ASTM", "E8/E8M", "foreign_national", False),
        ("JIS Z 2241:2011", "JIS", "Z 2241", "foreign_national", False),
        ("TIS 2217-2548", "TIS", "2217", "asean", False),
        ("SNI 3140.3:2010", "SNI", "3140.3", "asean", False),
        ("SNI ISO/IEC 17025:2017", "SNI ISO/IEC", "17025", "asean", False),
        ("TCVN 7699-2-1:2007", "TCVN", "7699-2-1", "asean", False),
    ],
)
def test_prefix_number_family_mandatory(text: str, prefix: str, number: str, family: str, mandatory: bool) -> None:
    code = parse_standard_code(text)
    assert (code.prefix, code.number, code.family, code.mandatory) == (prefix, number, family, mandatory)


def test_gb_and_gbt_are_different_standards() -> None:
    mandatory = parse_standard_code("GB 31604.49-2023")
    recommended = parse_standard_code("GB/T 31604.49-2023")
    assert mandatory != recommended
    assert mandatory.edition_key == "gb 31604.49-2023"
    assert recommended.edition_key == "gb/t 31604.49-2023"
    assert mandatory.base_key != recommended.base_key


def test_keys() -> None:
    code = parse_standard_code("GBT2828.1—2012")
    assert (code.edition_key, code.base_key) == ("gb/t 2828.1-2012", "gb/t 2828.1")
    undated = parse_standard_code("GB/T 2828.1")
    assert undated.edition_key == undated.base_key == code.base_key


def test_editions_of_one_standard_share_the_base_key() -> None:
    editions = [parse_standard_code(t) for t in ("GB/T 2828.1-2003", "GB/T 2828.1-2012", "GB/T 2828.1")]
    assert len({e.base_key for e in editions}) == 1
    assert len({e.edition_key for e in editions}) == 3


def test_amendments() -> None:
    iso = parse_standard_code("ISO 2859-1:1999/Amd 1:2011")
    assert (iso.amendment, iso.consolidated) == ("Amd 1:2011", False)
    assert iso != parse_standard_code("ISO 2859-1:1999")
    assert iso.base_key == parse_standard_code("ISO 2859-1:1999").base_key
    en = parse_standard_code("EN 71-3:2019+A1:2021")
    assert (en.amendment, en.consolidated, en.year) == ("A1:2021", True, 2019)
    several = parse_standard_code("EN 60335-1:2012/A11:2014/A13:2017")
    assert (several.amendment, several.consolidated) == ("A11:2014/A13:2017", False)
    assert parse_standard_code("ISO 2859-1:1999").amendment is None


def test_thai_buddhist_era() -> None:
    code = parse_standard_code("TIS 2217-2548")
    assert (code.year, code.written_year, code.canonical) == (2005, "2548", "TIS 2217-2548")


def test_written_year() -> None:
    assert parse_standard_code("GB/T 2828.1-2012").written_year == "2012"
    assert parse_standard_code("ASTM D638-14").written_year == "14"
    assert parse_standard_code("ISO 2859-1").written_year is None


@pytest.mark.parametrize(
    ("text", "year"),
    [("ASTM D638-14", 2014), ("ASTM D638-49", 2049), ("ASTM D638-50", 1950), ("ASTM D5-99", 1999)],
)
def test_astm_two_digit_year_window(text: str, year: int) -> None:
    assert parse_standard_code(text).year == year


def test_astm_extras() -> None:
    code = parse_standard_code("ASTM D1250-08(2013)ε1")
    assert (code.year, code.reapproved, code.editorial, code.revision) == (2008, 2013, 1, None)
    revised = parse_standard_code("ASTM A240/A240M-22B")
    assert (revised.revision, revised.canonical) == ("b", "ASTM A240/A240M-22b")
    assert revised != parse_standard_code("ASTM A240/A240M-22")


def test_din_month() -> None:
    code = parse_standard_code("DIN EN ISO 527-1:2019-12")
    assert (code.year, code.month, code.prefix, code.number) == (2019, 12, "DIN EN ISO", "527-1")


def test_adoption_from_note() -> None:
    code = parse_standard_code("GB/T 2828.1-2012 (ISO 2859-1:1999, IDT)")
    assert code.note == "ISO 2859-1:1999, IDT"
    assert code.adoption is not None
    adopted, degree = code.adoption
    assert (adopted.canonical, degree) == ("ISO 2859-1:1999", "IDT")
    # The note describes the text; it does not make another edition.
    assert code == parse_standard_code("GB/T 2828.1-2012")


@pytest.mark.parametrize(
    ("text", "adopted", "degree"),
    [
        ("GB/T 2828.1-2012 (ISO 2859-1:1999,MOD)", "ISO 2859-1:1999", "MOD"),
        ("GB/T 2828.1-2012（ISO 2859-1:1999，NEQ）", "ISO 2859-1:1999", "NEQ"),
        ("GB/T 2828.1-2012 (idt ISO 2859-1:1999)", "ISO 2859-1:1999", "IDT"),
        ("GB/T 19001-1994 (eqv ISO 9001:1994)", "ISO 9001:1994", "MOD"),
        ("GB/T 19001-2016/ISO 9001:2015", "ISO 9001:2015", "IDT"),
        ("GB/T 27025-2019 / ISO/IEC 17025:2017", "ISO/IEC 17025:2017", "IDT"),
    ],
)
def test_adoption_degrees(text: str, adopted: str, degree: str) -> None:
    code = parse_standard_code(text)
    assert code.adoption is not None
    assert (code.adoption[0].canonical, code.adoption[1]) == (adopted, degree)
    assert code.adoption[1] in ADOPTION_DEGREES


def test_note_without_adoption() -> None:
    code = parse_standard_code("GB/T 2828.1-2012 (代替 GB/T 2828.1-2003)")
    assert (code.note, code.adoption) == ("代替 GB/T 2828.1-2003", None)
    assert parse_standard_code("GB/T 2828.1-2012").note is None


def test_industry_prefix_table() -> None:
    assert len(INDUSTRY_PREFIXES) >= 40
    for prefix in sorted(INDUSTRY_PREFIXES):
        number = "T7001" if prefix == "TSG" else "1234.5"
        code = parse_standard_code(f"{prefix} {number}-2010")
        assert (code.prefix, code.family, code.canonical) == (prefix, "industry", f"{prefix} {number}-2010")
        if prefix not in {"TSG", "JJG", "JJF"}:
            for variant in "TZ":
                # After JTG a bare letter belongs to the number (JTG D60-2015): the slash is needed.
                joiner = "/" if prefix == "JTG" else ""
                code = parse_standard_code(f"{prefix.lower()}{joiner}{variant.lower()}1234.5-2010")
                assert (code.prefix, code.mandatory) == (f"{prefix}/{variant}", False)


# --- errors ---------------------------------------------------------------------------------------------------

ERRORS: list[tuple[str, str, str | None]] = [
    ("", "empty standard code", None),
    ("  \u3000 ", "empty standard code", None),
    ("hello", "unknown prefix 'HELLO'", None),
    ("GBT2828.1-12", "two-digit year '12' is ambiguous", "GB/T 2828.1-2012"),
    ("GB 2828-87", "two-digit year '87' is ambiguous", "GB 2828-1987"),
    ("ISO 9001:15", "two-digit year '15' is ambiguous", "ISO 9001:2015"),
    ("ISO 9001:2015/Amd 1:24", "two-digit year '24' is ambiguous", "ISO 9001:2015/Amd 1:2024"),
    ("G8/T 2828", "unknown prefix 'G8/T' (closest known prefix: 'GB/T')", "GB/T 2828"),
    ("1SO 9001:2015", "unknown prefix '1SO' (closest known prefix: 'ISO')", "ISO 9001:2015"),
    ("ISOO 9001", "unknown prefix 'ISOO' (closest known prefix: 'ISO')", "ISO 9001"),
    ("AST D638-14", "unknown prefix 'AST' (closest known prefix: 'ASTM')", "ASTM D638-14"),
    ("G B/T 2828.1", "unknown prefix 'G B/T' (closest known prefix: 'GB/T')", "GB/T 2828.1"),
    ("GB/T 2150-2150", "year 2150 is out of range", None),
    ("ISO 9001:1899", "year 1899 is out of range", None),
    ("GB/T 2828.1-201", "year '201' must have 4 digits", None),
    ("GB/T -2012", "missing number after 'GB/T'", None),
    ("GB/T", "missing number after 'GB/T'", None),
    ("ISO:2015", "missing number after 'ISO'", None),
    ("GB/T ABC-2012", "invalid number 'ABC-2012' after 'GB/T'", None),
    ("2828.1-2012", "missing prefix: a standard code starts with its body's prefix, e.g. 'GB/T 2828.1-2012'", None),
    ("GB/T 2828.1-2012.", "trailing punctuation '.'", "GB/T 2828.1-2012"),
    ("-GB/T 2828.1-2012", "leading punctuation '-'", "GB/T 2828.1-2012"),
    ("《GB/T 2828.1-2012》", "leading punctuation '《'", "GB/T 2828.1-2012"),
    ("“ISO 9001:2015”", "leading punctuation '“'", "ISO 9001:2015"),
    ("(GB/T 2828.1-2012)", "leading punctuation '('", "GB/T 2828.1-2012"),
    ("GB/T 2828.1-2012 ()", "empty parentheses after the code", "GB/T 2828.1-2012"),
    ("GB/T 2828.1-2012 计数抽样检验程序", "unexpected text after the code: '计数抽样检验程序'", "GB/T 2828.1-2012"),
    ("ISO 9001:2015X", "unexpected 'X' after 'ISO 9001:2015'", None),
    ("ISO 2859.1", "ISO parts are separated by '-', not '.'", "ISO 2859-1"),
    ("ISO 2859.1:1999", "ISO parts are separated by '-', not '.'", "ISO 2859-1:1999"),
    ("IEC 60335.2.24:2020", "IEC parts are separated by '-', not '.'", "IEC 60335-2-24:2020"),
    ("GB/T 2828-1-2012", "GB/T parts are separated by '.', not '-'", "GB/T 2828.1-2012"),
    ("GB/T 2828-1", "GB/T parts are separated by '.', not '-'", "GB/T 2828.1"),
    (
        "ISO 2859-1/Amd 1:2011",
        "an amendment needs the dated edition it amends, e.g. 'ISO 2859-1:1999/Amd 1:2011'",
        None,
    ),
    ("ISO 2859-1:1999/Amd 1:1998", "amendment year 1998 is before the edition year 1999", None),
    ("TIS 2217-2005", "TIS years are written in the Buddhist era: 2005 CE is 2548 BE", "TIS 2217-2548"),
    ("TIS 2217-48", "two-digit year '48' is ambiguous", "TIS 2217-2548"),
    ("TIS 2217-2700", "year 2700 BE (2157 CE) is out of range", None),
    ("ASTM D638-1914", "ASTM year 1914 cannot be written with two digits (1950-2049)", None),
    ("ASTM D638-140", "ASTM year '140' must have 2 digits", None),
    ("ASTM D4236-94(1990)", "reapproval year 1990 is before the edition year 1994", None),
    ("ASTM 638-14", "invalid number '638-14' after 'ASTM'", None),
    ("TSG/T 7001-2009", "TSG has no /T or /Z variant; the letter is part of the number", "TSG T7001-2009"),
    ("JJG/T 1036-2022", "JJG has no /T or /Z variant", "JJG 1036-2022"),
    ("DB 1234-2015", "missing number after 'DB1234'", None),  # read as the city code 1234
    ("DB99/T 1-2015", "'99' is not a province code (GB/T 2260)", None),
    ("DB451234-2015", "area code '451234' after 'DB' must have 2 (province) or 4 (city) digits", None),
    ("DB/T 12-2010", "a local standard code needs the area code after 'DB' (DB45/T 1234-2015)", None),
    ("T/ 115-2005", "a group standard code needs the organisation's code after 'T/', e.g. 'T/CAS 115-2005'", None),
    ("Q/ 1", "an enterprise standard code needs the enterprise's code after 'Q/', e.g. 'Q/GXTT 0001S-2020'", None),
    ("DIN 53504:2017-13", "month '13' is out of range", None),
    (
        "GB/T 19001-2016/ISO 9001:15",
        "'ISO 9001:15' after '/' is not a standard code: two-digit year '15' is ambiguous",
        "GB/T 19001-2016/ISO 9001:2015",
    ),
    ("GB/T 19001-2016/GB 1-2020", "dual numbering names an international or foreign standard, not 'GB 1-2020'", None),
]


@pytest.mark.parametrize(("text", "reason", "suggestion"), ERRORS)
def test_errors(text: str, reason: str, suggestion: str | None) -> None:
    with pytest.raises(StandardCodeError) as caught:
        parse_standard_code(text)
    error = caught.value
    assert (error.reason, error.suggestion) == (reason, suggestion)
    assert error.text == text
    assert isinstance(error, ValueError)
    assert reason in str(error)
    if suggestion is not None:
        assert repr(suggestion) in str(error)
        parse_standard_code(suggestion)  # a suggestion is always a valid code


@pytest.mark.parametrize("value", [None, 2012, b"GB/T 2828.1-2012"])
def test_not_a_string(value: object) -> None:
    with pytest.raises(TypeError):
        parse_standard_code(value)  # type: ignore[arg-type]


def test_standard_code_is_frozen_and_hashable() -> None:
    code = parse_standard_code("GB/T 2828.1-2012")
    with pytest.raises(AttributeError):
        code.year = 2013  # type: ignore[misc]
    assert len({code, parse_standard_code("GBT2828.1—2012"), parse_standard_code("GB/T 2828.1-2012 (x)")}) == 1


# --- properties -----------------------------------------------------------------------------------------------

_years = st.integers(min_value=1900, max_value=2100)
_digits = st.text(alphabet="0123456789", min_size=1, max_size=5)
_cn_numbers = st.builds(
    lambda head, parts: ".".join([head, *parts]),
    _digits,
    st.lists(st.integers(min_value=1, max_value=999).map(str), max_size=2),
)
_iso_numbers = st.builds(
    lambda head, parts: "-".join([head, *parts]),
    st.integers(min_value=1, max_value=99999).map(str),
    st.lists(st.integers(min_value=1, max_value=999).map(str), max_size=2),
)
_dated = st.one_of(st.none(), _years)


def _cn(prefix: str, number: str, year: int | None) -> str:
    return f"{prefix} {number}" + (f"-{year}" if year else "")


def _iso(prefix: str, number: str, year: int | None) -> str:
    return f"{prefix} {number}" + (f":{year}" if year else "")


_industry_prefixes = st.sampled_from(sorted(INDUSTRY_PREFIXES - {"TSG", "JJG", "JJF"})).flatmap(
    lambda p: st.sampled_from([p, f"{p}/T", f"{p}/Z"])
)
_upper = st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ", min_size=2, max_size=6)
_tsg_numbers = st.builds(str.__add__, st.sampled_from(["", "T", "Z", "ZF", "R"]), _digits)
_areas = st.sampled_from(["DB11", "DB32", "DB45", "DB4401", "DB65"])
_local_prefixes = st.builds(str.__add__, _areas, st.sampled_from(["", "/T"]))
_enterprise_numbers = st.builds(str.__add__, _digits, st.sampled_from(["", "S", "A"]))
_chinese = st.one_of(
    st.builds(_cn, st.sampled_from(["GB", "GB/T", "GB/Z"]), _cn_numbers, _dated),
    st.builds(_cn, _industry_prefixes | st.sampled_from(["JJG", "JJF"]), _cn_numbers, _dated),
    st.builds(_cn, st.just("TSG"), _tsg_numbers, _dated),
    st.builds(_cn, _local_prefixes, _cn_numbers, _dated),
    st.builds(_cn, _upper.map("T/".__add__), _cn_numbers, _dated),
    st.builds(_cn, _upper.map("Q/".__add__), _enterprise_numbers, _dated),
)
_international = st.one_of(
    st.builds(
        _iso,
        st.sampled_from(
            ["ISO", "IEC", "ISO/IEC", "ISO/TS", "IEC/TR", "ISO/IEC Guide", "EN", "EN ISO", "BS EN", "BS EN ISO", "TCVN",
             "MS", "SS", "PNS ISO", "SNI ISO/IEC", "DIN EN ISO"]
        ),
        _iso_numbers,
        _dated,
    ),
    st.builds(
        lambda n, y, a, ay: f"ISO {n}:{y}/Amd {a}:{y + ay}",
        _iso_numbers, st.integers(1946, 2080), st.integers(1, 5), st.integers(0, 20),
    ),
    st.builds(
        lambda n, y, a, ay: f"EN {n}:{y}+A{a}:{y + ay}",
        _iso_numbers, st.integers(1946, 2080), st.integers(1, 15), st.integers(0, 20),
    ),
    st.builds(_iso, st.just("SNI"), _cn_numbers, _dated),
    st.builds(lambda d, n, y: _iso(f"JIS {d}", n, y), st.sampled_from("ABCKZ"), _iso_numbers, _dated),
    st.builds(
        lambda n, y, m: f"DIN {n}:{y}-{m:02d}", _iso_numbers, _years, st.integers(1, 12),
    ),
    st.builds(
        lambda letter, n, m, y, rev: f"ASTM {letter}{n}{m}-{y % 100:02d}{rev}",
        st.sampled_from("ABCDEFG"), st.integers(1, 9999), st.sampled_from(["", "M"]), st.integers(1950, 2049),
        st.sampled_from(["", "a", "b"]),
    ),
    st.builds(lambda n, y: f"TIS {n}-{y + 543}", st.integers(1, 9999), _years),
)  # fmt: skip
canonical_codes = st.one_of(_chinese, _international)


@given(canonical_codes)
def test_canonical_codes_parse_to_themselves(text: str) -> None:
    code = parse_standard_code(text)
    assert code.canonical == text
    assert parse_standard_code(code.canonical) == code


_FULL_WIDTH = {chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)} | {" ": "\u3000"}


@given(canonical_codes)
def test_full_width_variant_parses_the_same(text: str) -> None:
    assert parse_standard_code("".join(_FULL_WIDTH.get(c, c) for c in text)) == parse_standard_code(text)


_DASHES = ["-", "‐", "‑", "‒", "–", "—", "―", "−", "－"]


@given(canonical_codes, st.data())
def test_spacing_case_and_dash_variants_parse_the_same(text: str, data: st.DataObject) -> None:
    variant = []
    for char in text:
        if char == "-":
            char = data.draw(st.sampled_from(_DASHES))
        if char in "-‐‑‒–—―−－/:.+":
            left, right = data.draw(st.sampled_from(["", " ", "  "])), data.draw(st.sampled_from(["", " ", "\u3000"]))
            char = left + char + right
        elif char == " ":
            char = data.draw(st.sampled_from([" ", "  ", "\u3000", "\t"]))
        variant.append(char)
    spaced = "".join(variant)
    if data.draw(st.booleans()):
        spaced = spaced.lower()
    spaced = data.draw(st.sampled_from(["", " ", "\u3000"])) + spaced + data.draw(st.sampled_from(["", " ", "\n"]))
    assert parse_standard_code(spaced) == parse_standard_code(text)


@given(canonical_codes)
def test_missing_space_between_prefix_and_number(text: str) -> None:
    code = parse_standard_code(text)
    if code.prefix[-1].isalpha() and code.number[0].isdigit():
        assert parse_standard_code(f"{code.prefix}{text[len(code.prefix) + 1 :]}") == code


_NOISE = "GBTZ/ISOECNAMDJQSHXYPd0123456789.-:+ ()，（）—ε《》"


@settings(max_examples=300)
@given(st.one_of(canonical_codes, st.text(alphabet=_NOISE, max_size=30), st.text(max_size=25)))
def test_any_text_is_a_code_or_a_standard_code_error(text: str) -> None:
    try:
        code = parse_standard_code(text)
    except StandardCodeError as error:
        assert error.reason
        if error.suggestion is not None:
            parse_standard_code(error.suggestion)
        return
    again = parse_standard_code(code.canonical)
    assert again == code  # idempotent
    assert again.canonical == code.canonical
    assert code.edition_key.startswith(code.base_key)
    assert code.edition_key == code.canonical.casefold()


@given(canonical_codes)
def test_base_key_is_a_prefix_of_edition_key(text: str) -> None:
    code = parse_standard_code(text)
    assert code.edition_key.startswith(code.base_key)
    undated = parse_standard_code(code.base) if code.year is None else None
    assert undated is None or undated == code


@given(st.builds(_cn, st.just("GB/T"), _cn_numbers, _years), st.integers(0, 99))
def test_two_digit_years_are_refused_with_a_suggestion(text: str, yy: int) -> None:
    code = parse_standard_code(text)
    with pytest.raises(StandardCodeError) as caught:
        parse_standard_code(f"{code.base}-{yy:02d}")
    assert caught.value.reason == f"two-digit year '{yy:02d}' is ambiguous"
    expected = 1900 + yy if yy >= 50 else 2000 + yy
    assert caught.value.suggestion == f"{code.base}-{expected}"


def test_standard_code_type() -> None:
    assert isinstance(parse_standard_code("GB/T 2828.1-2012"), StandardCode)


# --- documentation --------------------------------------------------------------------------------------------

DOCS = Path(__file__).resolve().parents[2] / "docs" / "science" / "standard_codes.md"


def test_documentation_examples_run() -> None:
    failures, attempted = doctest.testfile(str(DOCS), module_relative=False, optionflags=doctest.ELLIPSIS)
    assert attempted > 0
    assert failures == 0
