"""Identification codes met on samples and reports: GS1 keys and element strings, and China's USCC.

* :func:`gtin_check_digit` and :func:`is_valid_gtin` — the GS1 mod-10 check digit (GS1 General Specifications
  section 7.9) of GTIN-8, GTIN-12, GTIN-13 and GTIN-14, computed with ``stdnum.ean``.
* :func:`parse_gs1` — GS1 element strings (General Specifications chapter 3 and section 7.8), in the
  human-readable form ``(01)09506000134352(17)201225(10)ABC123`` or as scanned with FNC1/GS separators, parsed
  with ``biip``; the AIs a laboratory needs are returned typed in a :class:`GS1Data`.
* :func:`validate_uscc`, :func:`is_valid_uscc` and :func:`uscc_check_character` — the unified social credit code
  (统一社会信用代码) of GB 32100-2015, with ``stdnum.cn.uscc`` computing the check character.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

import stdnum.cn.uscc
import stdnum.ean
from biip import ParseError
from biip.gs1_element_strings import GS1ElementString
from biip.gs1_messages import GS1Message
from biip.symbology import GS1Symbology, SymbologyIdentifier

# Standard codes ("GB/T 2828.1-2012") live in their own module; this is their public address.
from .standard_codes import StandardCode, StandardCodeError, parse_standard_code

__all__ = [
    "GS1Data",
    "StandardCode",
    "StandardCodeError",
    "gtin_check_digit",
    "is_valid_gtin",
    "is_valid_uscc",
    "parse_gs1",
    "parse_standard_code",
    "uscc_check_character",
    "validate_uscc",
]

__all__ = [
    "GS1Data",
    "gtin_check_digit",
    "is_valid_gtin",
    "is_valid_uscc",
    "parse_gs1",
    "uscc_check_character",
    "validate_uscc",
]

# --------------------------------------------------------------------------------------------------------------
# GTIN — GS1 General Specifications 7.9
# --------------------------------------------------------------------------------------------------------------

#: Lengths of the GTIN formats: GTIN-8, GTIN-12 (UPC-A), GTIN-13 (EAN-13) and GTIN-14.
GTIN_LENGTHS: tuple[int, ...] = (8, 12, 13, 14)


def _is_ascii_digits(text: str) -> bool:
    # str.isdigit() alone also accepts superscripts and other scripts' digits ("²", "٣"), which are not GS1 data.
    return text.isascii() and text.isdigit()


def gtin_check_digit(body: str) -> int:
    """Return the GS1 check digit for ``body``, a GS1 key without its check digit (GS1 Gen. Specs 7.9.1).

    From the right, the digits of the body are weighted 3, 1, 3, 1, …; the check digit brings the weighted sum up
    to a multiple of 10. The body is digits only, 1–17 of them (the 17-digit body of an SSCC is the longest key
    that uses this algorithm); for a GTIN it has 7, 11, 12 or 13 digits.

    >>> gtin_check_digit("629104150021")  # GS1's own example
    3
    """
    if not isinstance(body, str) or not _is_ascii_digits(body):
        raise ValueError(f"the body of a GS1 key must consist of the digits 0-9 only, got {body!r}")
    if not 1 <= len(body) <= 17:
        raise ValueError(f"the body of a GS1 key has 1 to 17 digits, got {len(body)}")
    # stdnum weights from the right exactly as 7.9.1 does, whatever the length.
    return int(stdnum.ean.calc_check_digit(body))


def is_valid_gtin(code: str) -> bool:
    """Tell whether ``code`` is a GTIN-8, -12, -13 or -14 with a correct check digit (GS1 Gen. Specs 7.9).

    Only the digits themselves are accepted: no spaces, dashes or other separators, and no other lengths.
    """
    if not isinstance(code, str) or not _is_ascii_digits(code) or len(code) not in GTIN_LENGTHS:
        return False
    return bool(stdnum.ean.is_valid(code))


# --------------------------------------------------------------------------------------------------------------
# GS1 element strings
# --------------------------------------------------------------------------------------------------------------

# AI → the GS1Data field it fills; dates come from biip already resolved (YYMMDD, century by the 7.12 window,
# day "00" = last day of the month), the net weight from AI 310n with n implied decimals.
_DATE_FIELDS: dict[str, str] = {"11": "production_date", "15": "best_before_date", "17": "expiry_date"}
_NET_WEIGHT_KG_AIS: tuple[str, ...] = tuple(f"310{n}" for n in range(6))

# Symbologies whose data are GS1 element strings. EAN-13, EAN-8 and ITF-14 carry a bare GTIN instead.
_ELEMENT_STRING_SYMBOLOGIES: frozenset[GS1Symbology] = frozenset(
    {
        GS1Symbology.GS1_128,
        GS1Symbology.GS1_DATABAR,
        GS1Symbology.GS1_COMPOSITE_WITH_SEPARATOR_CHAR,
        GS1Symbology.GS1_COMPOSITE_WITH_ESCAPE_CHAR,
        GS1Symbology.GS1_DATAMATRIX,
        GS1Symbology.GS1_QR_CODE,
        GS1Symbology.GS1_DOTCODE,
    }
)

_GROUP_SEPARATOR = "\x1d"  # what scanners transmit for FNC1 used as a field separator (GS1 Gen. Specs 7.8.6)


@dataclass(frozen=True, slots=True)
class GS1Data:
    """The AIs of a GS1 element string that matter for samples, typed; every AI is also in ``elements``.

    ``gtin`` is the 14-digit value of AI (01) exactly as encoded (a GTIN-13 appears with a leading zero).
    ``elements`` maps each AI (e.g. ``"01"``, ``"3103"``) to its data as a string.
    """

    gtin: str
    batch: str | None = None
    production_date: dt.date | None = None
    expiry_date: dt.date | None = None
    best_before_date: dt.date | None = None
    serial: str | None = None
    net_weight_kg: Decimal | None = None
    elements: dict[str, str] = field(default_factory=dict, hash=False)


def _strip_symbology_identifier(data: str) -> str:
    # A scanner may prefix the data with its symbology identifier (ISO/IEC 15424), e.g. "]C1" for GS1-128.
    if not data.startswith("]"):
        return data
    try:
        identifier = SymbologyIdentifier.extract(data)
    except ParseError as exc:
        raise ValueError(f"invalid GS1 element string: {exc}") from exc
    if identifier.gs1_symbology not in _ELEMENT_STRING_SYMBOLOGIES:
        raise ValueError(f"symbology identifier {identifier.value!r} does not announce GS1 element strings")
    return data[len(identifier.value) :]


def _parse_message(element_string: str) -> list[GS1ElementString]:
    text = element_string.strip()
    if not text:
        raise ValueError("empty GS1 element string")
    try:
        if text.startswith("("):
            message = GS1Message.parse_hri(text)
        else:
            # A leading FNC1 (transmitted as GS) only marks the data as GS1; it is not a separator.
            raw = _strip_symbology_identifier(text).lstrip(_GROUP_SEPARATOR)
            if not raw:
                raise ValueError("GS1 element string holds no data after its symbology identifier")
            message = GS1Message.parse(raw)
    except ParseError as exc:
        # biip's messages name the AI and the offending data (unknown AI, pattern or date that does not parse).
        raise ValueError(f"invalid GS1 element string: {exc}") from exc
    return list(message.element_strings)


def parse_gs1(element_string: str) -> GS1Data:
    """Parse a GS1 element string (GS1 General Specifications ch. 3 and 7.8) into :class:`GS1Data`.

    Both forms are accepted: the human-readable interpretation with AIs in brackets,
    ``"(01)09506000134352(17)201225(10)ABC123"``, and the data as transmitted by a scanner, where variable-length
    fields are ended by FNC1 sent as GS (``"\\x1d"``), optionally prefixed by a GS1 symbology identifier such as
    ``"]C1"`` or ``"]d2"``. Typed fields: (01) GTIN, (10) batch/lot, (11) production date, (15) best before date,
    (17) expiry date, (21) serial number and (310n) net weight in kg with n decimals. All AIs known to GS1 are
    accepted and kept in ``elements``.

    Dates are YYMMDD; the century follows the sliding window of Gen. Specs 7.12 and a day of ``00`` means the last
    day of the month. Raises ValueError naming the reason when the string cannot be parsed (unknown AI, data not
    matching the AI's format, impossible date, wrong GTIN check digit), when (01) is missing, or when an AI is
    repeated with different data.

    >>> data = parse_gs1("(01)09506000134352(17)201225(10)ABC123")
    >>> data.gtin, data.expiry_date, data.batch
    ('09506000134352', datetime.date(2020, 12, 25), 'ABC123')
    """
    if not isinstance(element_string, str):
        raise TypeError(f"a GS1 element string must be a str, got {type(element_string).__name__}")

    elements: dict[str, str] = {}
    dates: dict[str, dt.date] = {}
    net_weight: Decimal | None = None
    for element in _parse_message(element_string):
        ai, value = element.ai.ai, element.value
        # 4.14 of the Gen. Specs: the same AI twice with different data makes the string ambiguous.
        if ai in elements and elements[ai] != value:
            raise ValueError(f"AI ({ai}) appears twice with different data: {elements[ai]!r} and {value!r}")
        elements[ai] = value
        if ai == "01" and element.gtin_error:
            # biip keeps going on a bad GTIN and only records the error; for a sample label that is fatal.
            raise ValueError(f"AI (01) {value}: {element.gtin_error}")
        if ai in _DATE_FIELDS and element.date is not None:
            dates[_DATE_FIELDS[ai]] = element.date
        if ai in _NET_WEIGHT_KG_AIS:
            if net_weight is not None and net_weight != element.decimal:
                raise ValueError("more than one net weight (310n) with different values")
            if net_weight is None:
                net_weight = element.decimal

    if "01" not in elements:
        raise ValueError("the GS1 element string has no AI (01) GTIN")
    return GS1Data(
        gtin=elements["01"],
        batch=elements.get("10"),
        production_date=dates.get("production_date"),
        expiry_date=dates.get("expiry_date"),
        best_before_date=dates.get("best_before_date"),
        serial=elements.get("21"),
        net_weight_kg=net_weight,
        elements=elements,
    )


# --------------------------------------------------------------------------------------------------------------
# Unified social credit code — GB 32100-2015
# --------------------------------------------------------------------------------------------------------------

# The code character set of GB 32100-2015: digits and upper-case Latin letters without I, O, Z, S and V (too easily
# confused with 1, 0, 2, 5 and U), in the order of their values 0-30 for the check character. It is the same
# string stdnum.cn.uscc computes with (a test pins that).
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_EXCLUDED = "IOZSV"


def _check_uscc_characters(text: str, positions: range) -> None:
    for offset, char in enumerate(text):
        if char not in _USCC_ALPHABET:
            why = " (I, O, Z, S and V are not used)" if char in _USCC_EXCLUDED else ""
            raise ValueError(f"invalid character {char!r} at position {positions[offset]}{why}")


def uscc_check_character(body17: str) -> str:
    """Return the check character (position 18) for the first 17 characters of a USCC (GB 32100-2015, 5.2).

    Each character takes its value in the code character set (0–9 → 0–9, A → 10, … Y → 30), weighted by
    3^(i-1) mod 31; the check character is the one whose value is 31 − (sum mod 31), with 31 written as 0.
    Lower-case letters are accepted.

    >>> uscc_check_character("91110000600037341")
    'L'
    """
    if not isinstance(body17, str):
        raise TypeError(f"a USCC body must be a str, got {type(body17).__name__}")
    body = body17.strip().upper()
    if len(body) != 17:
        raise ValueError(f"the body of a unified social credit code has 17 characters, got {len(body)}")
    _check_uscc_characters(body, range(1, 18))
    return str(stdnum.cn.uscc.calc_check_digit(body))


def validate_uscc(code: str) -> str:
    """Check a unified social credit code (GB 32100-2015) and return it compact and upper-case.

    Spaces and dashes are removed and letters upper-cased (``stdnum.cn.uscc.compact``). Then, with a precise
    ValueError for the first problem found: the length must be 18; every character must be in the code character
    set (digits and capital letters except I, O, Z, S, V); positions 3–8, the administrative division code of the
    registering authority (GB/T 2260), must be digits; position 18 must be the check character of 5.2.

    Positions 1 and 2 (registration authority and entity type) may be letters: GB 32100 assigns letters such as
    ``Y`` ("other authorities") there, whereas ``stdnum.cn.uscc.validate`` wants digits in positions 1–8.

    >>> validate_uscc("91110000 600037341l")
    '91110000600037341L'
    """
    if not isinstance(code, str):
        raise TypeError(f"a unified social credit code must be a str, got {type(code).__name__}")
    compact = str(stdnum.cn.uscc.compact(code))
    if len(compact) != 18:
        raise ValueError(f"a unified social credit code has 18 characters, got {len(compact)}")
    _check_uscc_characters(compact, range(1, 19))
    for position in range(3, 9):
        if not compact[position - 1].isdigit():
            raise ValueError(
                f"positions 3-8 (administrative division code) must be digits, "
                f"got {compact[position - 1]!r} at position {position}"
            )
    expected = str(stdnum.cn.uscc.calc_check_digit(compact[:17]))
    if compact[17] != expected:
        raise ValueError(f"wrong check character: expected {expected!r}, got {compact[17]!r}")
    return compact


def is_valid_uscc(code: str) -> bool:
    """Tell whether ``code`` is a valid unified social credit code (GB 32100-2015); see :func:`validate_uscc`."""
    try:
        validate_uscc(code)
    except (TypeError, ValueError):
        return False
    return True
