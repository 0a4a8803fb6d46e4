"""Standard codes (标准编号) as people type them, parsed to one exact edition.

A TIC registry must know exactly which edition of a standard a laboratory is accredited for, and people write the
same code in many ways: ``ＧＢ／Ｔ　２８２８．１－２０１２``, ``GBT2828.1—2012``, ``gb/t 2828.1 - 2012`` are all
``GB/T 2828.1-2012``. :func:`parse_standard_code` turns any of them into a :class:`StandardCode` with the canonical
form, the standard without its year (``base``) and lower-case keys for a database; what it cannot read raises
:class:`StandardCodeError` with the precise reason and, where one can be worked out, a ``suggestion``.

Bodies and their conventions:

* China (GB/T 1.1-2020, the Standardization Law): national ``GB`` (mandatory), ``GB/T``, ``GB/Z``; industry
  (``SN/T``, ``JJG``, ``TSG`` …, see :data:`INDUSTRY_PREFIXES`); local ``DB45/T``; group ``T/CAS``; enterprise
  ``Q/GXTT``. Parts with ``.``, the year after ``-``: ``GB/T 2828.1-2012``.
* ISO, IEC and those who number like them (EN, BS, DIN, NF, JIS, TCVN, MS, PNS, SS): parts with ``-``, the year
  after ``:``, amendments after ``/`` or ``+``: ``ISO 2859-1:1999/Amd 1:2011``, ``EN 71-3:2019+A1:2021``.
* SNI (Indonesia): parts with ``.``, the year after ``:``: ``SNI 3140.3:2010``.
* ASTM: a two-digit year after ``-``: ``ASTM D638-14``, ``ASTM E8/E8M-22``, ``ASTM D4236-94(2021)``.
* TIS (Thailand): Buddhist-era year after ``-``: ``TIS 2217-2548`` is the 2005 edition.

The decisions (what is accepted, what is refused and why) are documented in ``docs/science/standard_codes.md``.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from typing import Final, Literal

__all__ = [
    "ADOPTION_DEGREES",
    "INDUSTRY_PREFIXES",
    "Family",
    "StandardCode",
    "StandardCodeError",
    "parse_standard_code",
]

#: Who publishes the standard. For a stacked prefix (``BS EN ISO``) it is the publisher of the document, the first
#: body named: ``EN ISO`` is "regional", ``BS EN ISO`` "foreign_national", ``SNI ISO/IEC`` "asean".
Family = Literal[
    "GB", "industry", "local", "enterprise", "group", "international", "regional", "foreign_national", "asean"
]

#: Degrees of correspondence of an adoption (GB/T 20000.2-2009): identical, modified, not equivalent.
ADOPTION_DEGREES: Final = ("IDT", "MOD", "NEQ")

#: Chinese industry-standard prefixes (行业标准代号). Each takes ``/T`` (recommended) and ``/Z`` (guidance) except
#: TSG, whose numbers may start with a letter (``TSG T7001-2009``). ``NB/SH`` is the energy-petrochemical prefix.
INDUSTRY_PREFIXES: Final = frozenset(
    {
        "AQ", "BB", "CB", "CH", "CJ", "CJJ", "CY", "DA", "DL", "DZ", "EJ", "FZ", "GA", "GH", "GM", "GY", "HB",
        "HG", "HJ", "HS", "HY", "JB", "JC", "JG", "JGJ", "JJF", "JJG", "JR", "JT", "JTG", "JY", "LB", "LD", "LS",
        "LY", "MH", "MT", "MZ", "NB", "NB/SH", "NY", "QB", "QC", "QJ", "RB", "SB", "SC", "SH", "SJ", "SL", "SN",
        "SY", "TB", "TD", "TSG", "TY", "WB", "WH", "WJ", "WM", "WS", "WW", "XB", "YB", "YC", "YD", "YS", "YY",
        "YZ",
    }
)  # fmt: skip

YEAR_MIN: Final = 1900
YEAR_MAX: Final = 2100
#: A last dash group of an ISO-style number is read as the year only from this year on (ISO was founded in 1947).
DASH_YEAR_MIN: Final = 1946
#: Two-digit years: ≥ 50 → 19xx, < 50 → 20xx (ASTM; and the suggestion offered for a two-digit Chinese year).
TWO_DIGIT_PIVOT: Final = 50
#: Thai Buddhist era: BE = CE + 543.
BUDDHIST_ERA_OFFSET: Final = 543

# Industry prefixes whose numbers may start with letters; a bare T/Z after them belongs to the number.
_CHINESE: Final = frozenset({"GB", "industry", "local", "group", "enterprise"})
_LETTERED: Final = frozenset({"TSG", "JTG"})
# Industry prefixes without /T and /Z variants.
_NO_VARIANTS: Final = frozenset({"TSG", "JJG", "JJF"})
# JJF (国家计量技术规范) are technical specifications, not compulsory, although they carry no /T.
_NOT_MANDATORY: Final = frozenset({"JJF"})
# Province-level administrative division codes (GB/T 2260) used after DB.
_PROVINCES: Final = frozenset(
    {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54,
     61, 62, 63, 64, 65, 71, 81, 82}
)  # fmt: skip


# --------------------------------------------------------------------------------------------------------------
# Public types
# --------------------------------------------------------------------------------------------------------------


class StandardCodeError(ValueError):
    """A text that is not a standard code: ``reason`` says why, ``suggestion`` (or ``None``) is a corrected code."""

    def __init__(self, text: str, reason: str, suggestion: str | None = None) -> None:
        self.text = text
        self.reason = reason
        self.suggestion = suggestion
        message = f"{text!r} is not a valid standard code: {reason}"
        if suggestion is not None:
            message += f" (did you mean {suggestion!r}?)"
        super().__init__(message)


@dataclass(frozen=True)
class StandardCode:
    """One standard, dated or not, as parsed by :func:`parse_standard_code`.

    ``canonical`` is ``base`` followed by the edition (year, and for some bodies month, revision, reapproval,
    editorial change, amendments); ``edition_key`` and ``base_key`` are their case-folded forms, so ``base_key`` is
    always a prefix of ``edition_key``. ``note`` and ``adoption`` describe the text around the code and do not
    take part in equality: two texts naming the same edition compare equal.
    """

    prefix: str
    number: str
    year: int | None
    canonical: str
    base: str
    family: Family
    mandatory: bool
    edition_key: str
    base_key: str
    #: The year as written in ``canonical``: "2012"; "14" for ASTM; "2548" (Buddhist era) for TIS.
    written_year: str | None = None
    #: Amendments and corrigenda after the dated edition, without the first joiner: "Amd 1:2011", "A1:2021".
    amendment: str | None = None
    #: True when the amendment is joined with "+" (a consolidated text, EN 71-3:2019+A1:2021), False for "/".
    consolidated: bool = False
    #: DIN's edition month (DIN 53504:2017-03).
    month: int | None = None
    #: ASTM's letter for a further revision in the same year (ASTM A240/A240M-22b → "b").
    revision: str | None = None
    #: ASTM's year of reapproval (ASTM D4236-94(2021) → 2021).
    reapproved: int | None = None
    #: ASTM's editorial change number (ASTM D1250-08(2013)ε1 → 1).
    editorial: int | None = None
    #: The text of a trailing parenthesis, e.g. "ISO 2859-1:1999, IDT".
    note: str | None = field(default=None, compare=False)
    #: The adopted standard and the degree ("IDT", "MOD", "NEQ"), from the note or from dual numbering.
    adoption: tuple[StandardCode, str] | None = field(default=None, compare=False)

    @property
    def dated(self) -> bool:
        """Whether the code names one edition (it has a year)."""
        return self.year is not None

    def __str__(self) -> str:
        return self.canonical


def parse_standard_code(text: str) -> StandardCode:
    """Parse a standard code typed by a person and return it in canonical form.

    >>> code = parse_standard_code("ＧＢ／Ｔ　２８２８．１－２０１２")
    >>> code.canonical, code.base, code.year, code.mandatory
    ('GB/T 2828.1-2012', 'GB/T 2828.1', 2012, False)

    Raises :class:`StandardCodeError` (a ``ValueError``) with ``reason`` and ``suggestion`` when ``text`` is not a
    standard code, :class:`TypeError` when it is not a ``str``.
    """
    if not isinstance(text, str):
        raise TypeError(f"a standard code is a str, got {type(text).__name__}")
    try:
        return _parse(text)
    except _Fail as fail:
        # A suggestion is offered only if it is itself a valid code.
        suggestion = fail.suggestion if fail.suggestion and _parses(fail.suggestion) else None
        raise StandardCodeError(text, fail.reason, suggestion) from None


def _parses(text: str) -> bool:
    try:
        _parse(text)
    except _Fail:
        return False
    return True


# --------------------------------------------------------------------------------------------------------------
# Normalisation
# --------------------------------------------------------------------------------------------------------------


class _Fail(Exception):
    def __init__(self, reason: str, suggestion: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.suggestion = suggestion


# Dashes NFKC leaves alone: hyphen, non-breaking hyphen, figure dash, en dash, em dash, horizontal bar, hyphen
# bullet, minus sign; and the ideographic / halfwidth ideographic full stops. Zero-width characters are dropped.
_TRANSLATION: Final = str.maketrans(
    {
        **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2043\u2212", "-"),
        "\u3002": ".",
        **dict.fromkeys("\u200b\u200c\u200d\u2060\ufeff\u00ad"),
    }
)
_NOTE: Final = re.compile(r"(?P<code>(?:[^()]|\(\d{4}\))*?) ?\((?P<note>[^()]*)\)")
_AROUND_SEPARATORS: Final = re.compile(r" ?([/:.+\-]) ?")
_THAI: Final = re.compile(r"^มอก\.? ?")
_ADOPT_AFTER: Final = re.compile(r"(?P<code>.+?) ?[,;]? ?(?P<degree>IDT|MOD|NEQ|EQV)", re.IGNORECASE)
_ADOPT_BEFORE: Final = re.compile(r"(?P<degree>IDT|MOD|NEQ|EQV)[ ,;]+(?P<code>.+)", re.IGNORECASE)


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(_TRANSLATION)
    return " ".join(text.split())


def _is_punctuation(char: str) -> bool:
    return unicodedata.category(char)[0] in "PS"


def _parse(text: str) -> StandardCode:
    s = _normalise(text)
    if not s:
        raise _Fail("empty standard code")
    note: str | None = None
    m = _NOTE.fullmatch(s)
    if m is not None and not re.fullmatch(r" ?\d{4} ?", m["note"]):
        s, note = m["code"].strip(), m["note"].strip()
        if not s:
            raise _Fail("leading punctuation '('", _try_canonical(note))
        if not note:
            raise _Fail("empty parentheses after the code", _try_canonical(s))
    s = _THAI.sub("TIS ", _AROUND_SEPARATORS.sub(r"\1", s))
    if _is_punctuation(s[0]):
        raise _Fail(f"leading punctuation {s[0]!r}", _try_canonical(_strip_punctuation(s)))
    if _is_punctuation(s[-1]) and not re.search(r"\(\d{4}\)$", s):
        raise _Fail(f"trailing punctuation {s[-1]!r}", _try_canonical(_strip_punctuation(s)))
    code = _parse_code(s.upper())
    if note is not None:
        code = replace(code, note=note, adoption=code.adoption or _adoption_from_note(note))
    return code


def _strip_punctuation(s: str) -> str:
    start, end = 0, len(s)
    while start < end and _is_punctuation(s[start]):
        start += 1
    while end > start and _is_punctuation(s[end - 1]):
        end -= 1
    return s[start:end]


_SUGGESTION_DEPTH: Final[ContextVar[int]] = ContextVar("standard_code_suggestion_depth", default=0)


def _try_canonical(text: str) -> str | None:
    """The canonical form of a corrected text, or the suggestion its own failure offers.

    Each correction removes one fault, but a corrected text may have another; after a few rounds, give up.
    """
    depth = _SUGGESTION_DEPTH.get()
    if not text or depth >= 4:
        return None
    token = _SUGGESTION_DEPTH.set(depth + 1)
    try:
        return _parse(text).canonical
    except _Fail as fail:
        return fail.suggestion
    finally:
        _SUGGESTION_DEPTH.reset(token)


def _adoption_from_note(note: str) -> tuple[StandardCode, str] | None:
    m = _ADOPT_AFTER.fullmatch(note) or _ADOPT_BEFORE.fullmatch(note)
    if m is None:
        return None
    try:
        adopted = _parse(m["code"])
    except _Fail:
        return None
    degree = m["degree"].upper()
    # "eqv" (GB/T 1.1-1993) became MOD in GB/T 20000.2-2001.
    return adopted, "MOD" if degree == "EQV" else degree


# --------------------------------------------------------------------------------------------------------------
# Bodies and prefixes
# --------------------------------------------------------------------------------------------------------------

_CN_NUMBER: Final = re.compile(r"\d+(?:\.\d+)*")
_LETTERED_NUMBER: Final = re.compile(r"(?:[A-Z]{1,2} ?)?\d+(?:\.\d+)*")
_ALNUM_NUMBER: Final = re.compile(r"[A-Z0-9]*\d[A-Z0-9]*(?:\.[A-Z0-9]+)*")
_ISO_NUMBER: Final = re.compile(r"\d+(?:-\d+)*")
_DOTTED_NUMBER: Final = re.compile(r"\d+(?:[.\-]\d+)*")
_JIS_NUMBER: Final = re.compile(r"[A-Z] ?\d+(?:-\d+)*")
_TIS_NUMBER: Final = re.compile(r"\d+")
_ASTM_NUMBER: Final = re.compile(r"([A-Z]) ?(\d+)(M?)(?:/([A-Z]) ?(\d+)(M?))?")

_Style = Literal["cn", "iso", "tis", "astm"]
_AmendmentStyle = Literal["iso", "iec", "en", "sni"]


@dataclass(frozen=True)
class _Body:
    prefix: str
    family: Family
    style: _Style
    mandatory: bool = False
    number: re.Pattern[str] = _CN_NUMBER
    squeeze: bool = False  # drop spaces inside the number (TSG "T 7001" → "T7001")
    jis: bool = False  # JIS: division letter, space, number ("Z 2241")
    dotted: bool = False  # SNI: parts with dots
    month: bool = False  # DIN: year-month editions
    amendments: _AmendmentStyle = "en"
    dual: bool = False  # Chinese: "/ISO …" after the code is an identical adoption


_ISO_FAMILY: Final[dict[tuple[str, ...], str]] = {
    ("ISO",): "ISO",
    ("IEC",): "IEC",
    ("ISO", "IEC"): "ISO/IEC",
    ("ISO", "TS"): "ISO/TS",
    ("ISO", "TR"): "ISO/TR",
    ("ISO", "PAS"): "ISO/PAS",
    ("IEC", "TS"): "IEC/TS",
    ("IEC", "TR"): "IEC/TR",
    ("IEC", "PAS"): "IEC/PAS",
    ("ISO", "IEC", "TS"): "ISO/IEC TS",
    ("ISO", "IEC", "TR"): "ISO/IEC TR",
    ("ISO", "GUIDE"): "ISO Guide",
    ("IEC", "GUIDE"): "IEC Guide",
    ("ISO", "IEC", "GUIDE"): "ISO/IEC Guide",
    ("ISO", "IEC", "IEEE"): "ISO/IEC/IEEE",
    ("ISO", "ASTM"): "ISO/ASTM",
}
_ADOPTERS: Final[dict[tuple[str, ...], tuple[str, Family]]] = {
    ("EN",): ("EN", "regional"),
    ("BS",): ("BS", "foreign_national"),
    ("BS", "EN"): ("BS EN", "foreign_national"),
    ("DIN",): ("DIN", "foreign_national"),
    ("DIN", "EN"): ("DIN EN", "foreign_national"),
    ("NF",): ("NF", "foreign_national"),
    ("NF", "EN"): ("NF EN", "foreign_national"),
    ("TCVN",): ("TCVN", "asean"),
    ("SNI",): ("SNI", "asean"),
    ("MS",): ("MS", "asean"),
    ("PNS",): ("PNS", "asean"),
    ("SS",): ("SS", "asean"),
}


def _word_bodies() -> dict[tuple[str, ...], _Body]:
    table: dict[tuple[str, ...], _Body] = {}
    for words, prefix in _ISO_FAMILY.items():
        iec_only = words[0] == "IEC"
        table[words] = _Body(
            prefix, "international", "iso", number=_ISO_NUMBER, amendments="iec" if iec_only else "iso"
        )
    for adopter, (adopter_prefix, family) in _ADOPTERS.items():
        en = "EN" in adopter
        din = adopter[0] == "DIN"
        sni = adopter == ("SNI",)
        table[adopter] = _Body(
            adopter_prefix, family, "iso", number=_DOTTED_NUMBER if sni else _ISO_NUMBER, dotted=sni, month=din,
            amendments="sni" if sni else "en",
        )  # fmt: skip
        for words, prefix in _ISO_FAMILY.items():
            own: _AmendmentStyle = table[words].amendments
            table[adopter + words] = _Body(
                f"{adopter_prefix} {prefix}", family, "iso", number=_ISO_NUMBER, month=din,
                amendments="en" if en else own,
            )  # fmt: skip
    table[("ASTM",)] = _Body("ASTM", "foreign_national", "astm", number=_ASTM_NUMBER)
    table[("JIS",)] = _Body("JIS", "foreign_national", "iso", number=_JIS_NUMBER, jis=True)
    table[("TIS",)] = _Body("TIS", "asean", "tis", number=_TIS_NUMBER)
    return table


_WORD_BODIES: Final = _word_bodies()

_CN_PREFIX: Final = re.compile(
    r"(?P<p>NB ?/ ?SH|GB|"
    + "|".join(sorted((p for p in INDUSTRY_PREFIXES if "/" not in p), key=lambda p: (-len(p), p)))
    + r")(?=[ /\d:\-TZ]|$)"
)
_CN_SUFFIX: Final = re.compile(r" ?/ ?(?P<slash>[TZ])(?![A-Z])| ?(?P<bare>[TZ])(?=[ \d:\-]|$)")
_GROUP: Final = re.compile(r"T/(?P<org>[A-Z]{2,})(?=[ \d\-:]|$)")
_ENTERPRISE: Final = re.compile(r"Q/(?:(?P<letters>[A-Z]+)(?=\d)|(?=[A-Z0-9]*[A-Z])(?P<org>[A-Z0-9]+)(?=[ \-:]|$))")
_NO_ORGANISATION: Final = re.compile(r"T/(?![A-Z]{2})|Q/(?![A-Z0-9]*[A-Z])")
_LOCAL: Final = re.compile(r"DB ?(?P<area>\d*)")
_WORD: Final = re.compile(r"[A-Z]+")


def _all_prefixes() -> tuple[str, ...]:
    names = ["GB", "GB/T", "GB/Z"]
    for p in sorted(INDUSTRY_PREFIXES):
        names.append(p)
        if p not in _NO_VARIANTS:
            names += [f"{p}/T", f"{p}/Z"]
    names += [body.prefix for body in _WORD_BODIES.values()]
    return tuple(names)


_ALL_PREFIXES: Final = _all_prefixes()
_BY_UPPER: Final = {p.upper(): p for p in _ALL_PREFIXES}


def _cn_body(prefix: str, family: Family, mandatory: bool, number: re.Pattern[str] = _CN_NUMBER) -> _Body:
    return _Body(
        prefix, family, "cn", mandatory=mandatory, number=number, squeeze=number is _LETTERED_NUMBER,
        dual=family in ("GB", "industry"),
    )  # fmt: skip


def _match_prefix(u: str) -> tuple[_Body, str] | None:
    """The body whose prefix ``u`` starts with and the rest of ``u``; None when no prefix is known."""
    if m := _GROUP.match(u):
        return _cn_body(f"T/{m['org']}", "group", False, _ALNUM_NUMBER), u[m.end() :]
    if m := _ENTERPRISE.match(u):
        return _cn_body(f"Q/{m['org'] or m['letters']}", "enterprise", False, _ALNUM_NUMBER), u[m.end() :]
    if _NO_ORGANISATION.match(u):
        if u[0] == "T":
            raise _Fail("a group standard code needs the organisation's code after 'T/', e.g. 'T/CAS 115-2005'")
        raise _Fail("an enterprise standard code needs the enterprise's code after 'Q/', e.g. 'Q/GXTT 0001S-2020'")
    if (m := _LOCAL.match(u)) and (m["area"] or not u[m.end() : m.end() + 1].isalpha()):
        return _match_local(u, m)
    if m := _CN_PREFIX.match(u):
        return _match_chinese(u, m)
    return _match_words(u)


def _match_local(u: str, m: re.Match[str]) -> tuple[_Body, str]:
    area = m["area"]
    if not area:
        raise _Fail("a local standard code needs the area code after 'DB' (DB45/T 1234-2015)")
    if len(area) not in (2, 4):
        raise _Fail(f"area code {area!r} after 'DB' must have 2 (province) or 4 (city) digits")
    if int(area[:2]) not in _PROVINCES:
        raise _Fail(f"{area[:2]!r} is not a province code (GB/T 2260)")
    rest = u[m.end() :]
    suffix = _CN_SUFFIX.match(rest)
    variant = (suffix["slash"] or suffix["bare"]) if suffix else None
    if suffix:
        rest = rest[suffix.end() :]
    elif rest and rest[0] not in " -:":
        raise _Fail(f"unexpected {rest!r} after 'DB{area}'")
    prefix = f"DB{area}/{variant}" if variant else f"DB{area}"
    return _cn_body(prefix, "local", variant is None), rest


def _match_chinese(u: str, m: re.Match[str]) -> tuple[_Body, str] | None:
    base = m["p"].replace(" ", "")
    rest = u[m.end() :]
    suffix = _CN_SUFFIX.match(rest)
    variant: str | None = None
    if suffix is not None and suffix["slash"]:
        if base in _NO_VARIANTS:
            if base in _LETTERED:
                fixed = f"{base} {suffix['slash']}{rest[suffix.end() :].lstrip()}"
                raise _Fail(f"{base} has no /T or /Z variant; the letter is part of the number", _try_canonical(fixed))
            raise _Fail(f"{base} has no /T or /Z variant", _try_canonical(f"{base} {rest[suffix.end() :]}"))
        variant = suffix["slash"]
    elif suffix is not None and base not in _LETTERED:
        if base in _NO_VARIANTS:
            return None  # "JJGT": not a known prefix
        variant = suffix["bare"]
    if variant is not None:
        rest = rest[suffix.end() :] if suffix else rest
    elif rest[:1].isalpha() and base not in _LETTERED:
        return None
    prefix = f"{base}/{variant}" if variant else base
    number = _LETTERED_NUMBER if base in _LETTERED else _CN_NUMBER
    if base == "GB":
        return _cn_body(prefix, "GB", variant is None), rest
    return _cn_body(prefix, "industry", variant is None and base not in _NOT_MANDATORY, number), rest


def _match_words(u: str) -> tuple[_Body, str] | None:
    words: list[str] = []
    ends: list[int] = []
    pos = 0
    while (m := _WORD.match(u, pos)) is not None:
        words.append(m.group())
        ends.append(m.end())
        if u[m.end() : m.end() + 1] in (" ", "/") and u[m.end() + 1 : m.end() + 2].isalpha():
            pos = m.end() + 1
            continue
        break
    for k in range(len(words), 0, -1):
        body = _WORD_BODIES.get(tuple(words[:k]))
        if body is not None:
            return body, u[ends[k - 1] :]
    return None


# Digits typed (or recognised by OCR) for the letters they look like: G8/T, 1SO, 150 (ISO), 5N/T.
_LOOKALIKES: Final = str.maketrans("018526", "OIBSZG")


def _closest_prefix(candidate: str) -> str | None:
    """The known prefix closest to ``candidate`` (difflib ratio ≥ 0.6), or None.

    Look-alike digits are tried first; ties go to the longer common beginning, then to the earlier prefix in
    :data:`_ALL_PREFIXES` (national before industry before foreign).
    """
    lookalike = candidate.translate(_LOOKALIKES)
    if lookalike in _BY_UPPER:
        return _BY_UPPER[lookalike]
    matcher = difflib.SequenceMatcher(b=candidate, autojunk=False)
    scored = []
    for index, known in enumerate(_BY_UPPER):
        matcher.set_seq1(known)
        common = next((i for i, (a, b) in enumerate(zip(candidate, known, strict=False)) if a != b), len(known))
        scored.append((matcher.ratio(), common, -index, known))
    ratio, _, _, known = max(scored)
    return _BY_UPPER[known] if ratio >= 0.6 else None


def _unknown_prefix(u: str) -> _Fail:
    split = re.search(r" (?=[A-Z]?\d)", u)
    if split is not None:
        candidate, rest = u[: split.start()], u[split.end() :]
    else:
        digit = re.search(r"\d", u)
        candidate, rest = (u[: digit.start()], u[digit.start() :]) if digit else (u, "")
    candidate = candidate.strip()
    if u[0].isdigit() and candidate.translate(_LOOKALIKES) not in _BY_UPPER:
        return _Fail("missing prefix: a standard code starts with its body's prefix, e.g. 'GB/T 2828.1-2012'")
    best = _closest_prefix(candidate)
    if best is None or best.upper() == candidate:
        return _Fail(f"unknown prefix {candidate!r}")
    suggestion = _try_canonical(f"{best} {rest}") if rest else None
    return _Fail(f"unknown prefix {candidate!r} (closest known prefix: {best!r})", suggestion)


def _parse_code(u: str) -> StandardCode:
    matched = _match_prefix(u)
    if matched is None:
        raise _unknown_prefix(u)
    body, rest = matched
    return _PARSERS[body.style](body, rest)


# --------------------------------------------------------------------------------------------------------------
# Numbers, years and editions
# --------------------------------------------------------------------------------------------------------------


def _number_start(body: _Body, rest: str) -> str:
    r = rest[1:] if rest.startswith(" ") else rest
    if not r or r[0] in "-:/+":
        raise _Fail(f"missing number after {body.prefix!r}")
    return r


def _invalid_number(body: _Body, r: str) -> _Fail:
    return _Fail(f"invalid number {r.split(' ')[0]!r} after {body.prefix!r}")


def _full_year(two_digits: str) -> int:
    yy = int(two_digits)
    return 1900 + yy if yy >= TWO_DIGIT_PIVOT else 2000 + yy


def _check_year(token: str, fix: Callable[[str], str]) -> int:
    """A 4-digit year within range; ``fix(year)`` rewrites the text with a corrected year for the suggestion."""
    if len(token) == 2:
        raise _Fail(f"two-digit year {token!r} is ambiguous", _try_canonical(fix(str(_full_year(token)))))
    if len(token) != 4:
        raise _Fail(f"year {token!r} must have 4 digits")
    year = int(token)
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise _Fail(f"year {year} is out of range")
    return year


def _code(
    body: _Body,
    number: str,
    *,
    year: int | None = None,
    written_year: str | None = None,
    separator: str = "-",
    month: int | None = None,
    revision: str | None = None,
    reapproved: int | None = None,
    editorial: int | None = None,
    amendment: str | None = None,
    consolidated: bool = False,
) -> StandardCode:
    base = f"{body.prefix} {number}"
    canonical = base
    if written_year is not None:
        canonical += separator + written_year
        if month is not None:
            canonical += f"-{month:02d}"
        if revision is not None:
            canonical += revision
        if reapproved is not None:
            canonical += f"({reapproved})"
        if editorial is not None:
            canonical += f"ε{editorial}"
        if amendment is not None:
            canonical += ("+" if consolidated else "/") + amendment
    return StandardCode(
        prefix=body.prefix, number=number, year=year, canonical=canonical, base=base, family=body.family,
        mandatory=body.mandatory, edition_key=canonical.casefold(), base_key=base.casefold(),
        written_year=written_year, amendment=amendment, consolidated=consolidated, month=month, revision=revision,
        reapproved=reapproved, editorial=editorial,
    )  # fmt: skip


def _finish(code: StandardCode, tail: str) -> StandardCode:
    if not tail:
        return code
    if tail.startswith(" "):
        raise _Fail(f"unexpected text after the code: {tail[1:]!r}", code.canonical)
    raise _Fail(f"unexpected {tail!r} after {code.canonical!r}")


_YEAR_TOKEN: Final = re.compile(r"[-:](\d+)| (\d{4})(?!\d)")
_ISO_YEAR_TOKEN: Final = re.compile(r":(\d+)| (\d{4})(?!\d)")
_CN_DASH_PARTS: Final = re.compile(r"(?P<parts>(?:-\d{1,3}(?!\d))+)(?:[-: ](?P<year>\d{4})(?!\d))?")


def _parse_cn(body: _Body, rest: str) -> StandardCode:
    r = _number_start(body, rest)
    m = body.number.match(r)
    if m is None:
        raise _invalid_number(body, r)
    number = m.group().replace(" ", "") if body.squeeze else m.group()
    pos = m.end()
    dashed = _CN_DASH_PARTS.match(r, pos)
    if dashed is not None:
        parts = dashed["parts"][1:].split("-")
        if dashed["year"] or len(parts) > 1 or len(parts[0]) == 1:
            fixed = f"{body.prefix} {number}.{'.'.join(parts)}"
            fixed += f"-{dashed['year']}" if dashed["year"] else ""
            raise _Fail(f"{body.prefix} parts are separated by '.', not '-'", _try_canonical(fixed + r[dashed.end() :]))
    year_match = _YEAR_TOKEN.match(r, pos)
    code = _code(body, number)
    if year_match is not None:
        token = year_match[1] or year_match[2]
        after = r[year_match.end() :]
        year = _check_year(token, lambda y: f"{body.prefix} {number}-{y}{after}")
        code = _code(body, number, year=year, written_year=str(year))
        pos = year_match.end()
    tail = r[pos:]
    if tail.startswith("/") and body.dual:
        try:
            adopted = _parse(tail[1:])
        except _Fail as fail:
            suggestion = f"{code.canonical}/{fail.suggestion}" if fail.suggestion else None
            raise _Fail(f"{tail[1:]!r} after '/' is not a standard code: {fail.reason}", suggestion) from None
        if adopted.family in _CHINESE:
            raise _Fail(f"dual numbering names an international or foreign standard, not {adopted.canonical!r}")
        return replace(code, adoption=(adopted, "IDT"))
    return _finish(code, tail)


_AMENDMENT: Final = re.compile(
    r"(?P<joiner>[/+])(?P<kind>AMENDMENT|AMD|ADD|CORRIGENDUM|CORR|COR|AC|A)(?![A-Z])\.? ?(?P<n>\d+)?(?::(?P<year>\d+))?"
)
_AMENDMENT_KIND: Final = {
    "AMENDMENT": "amd", "AMD": "amd", "A": "amd", "ADD": "add",
    "CORRIGENDUM": "cor", "CORR": "cor", "COR": "cor", "AC": "cor",
}  # fmt: skip
_AMENDMENT_FORMAT: Final[dict[_AmendmentStyle, dict[str, str]]] = {
    "iso": {"amd": "Amd {n}", "cor": "Cor {n}", "add": "Add {n}"},
    "iec": {"amd": "AMD{n}", "cor": "COR{n}", "add": "ADD{n}"},
    "en": {"amd": "A{n}", "cor": "AC{n}", "add": "A{n}"},
    "sni": {"amd": "Amd{n}", "cor": "Cor{n}", "add": "Add{n}"},
}


def _parse_iso(body: _Body, rest: str) -> StandardCode:
    r = _number_start(body, rest)
    m = body.number.match(r)
    if m is None:
        raise _invalid_number(body, r)
    raw = m.group()
    pos = m.end()
    if not body.dotted and (dots := re.match(r"(?:[.\-]\d+)+", r[pos:])) and "." in dots.group():
        fixed = f"{body.prefix} {raw}{dots.group().replace('.', '-')}{r[pos + dots.end() :]}"
        raise _Fail(f"{body.prefix} parts are separated by '-', not '.'", _try_canonical(fixed))
    token: str | None = None
    # A dash after the number cannot start the year: the number pattern has taken every "-digits" group.
    if year_match := _ISO_YEAR_TOKEN.match(r, pos):
        token = year_match[1] or year_match[2]
        pos = year_match.end()
    elif "-" in raw:
        head, _, last = raw.rpartition("-")
        if len(last) == 4 and DASH_YEAR_MIN <= int(last) <= YEAR_MAX:
            raw, token = head, last
    number = f"{raw[0]} {raw[1:].lstrip()}" if body.jis else raw
    separator = "-" if body.dotted and "-" in number else ":"
    if token is None:
        if _AMENDMENT.match(r, pos):
            raise _Fail("an amendment needs the dated edition it amends, e.g. 'ISO 2859-1:1999/Amd 1:2011'")
        return _finish(_code(body, number), r[pos:])
    after_year = r[pos:]
    year = _check_year(token, lambda y: f"{body.prefix} {number}:{y}{after_year}")
    month: int | None = None
    if body.month and (month_match := re.match(r"-(\d{2})(?!\d)", after_year)):
        month = int(month_match[1])
        if not 1 <= month <= 12:
            raise _Fail(f"month {month_match[1]!r} is out of range")
        pos += month_match.end()
    amendments: list[str] = []
    consolidated = False
    while amendment := _AMENDMENT.match(r, pos):
        first = not amendments
        amendments.append(_amendment(body, amendment, year, r, first))
        consolidated = consolidated or (first and amendment["joiner"] == "+")
        pos = amendment.end()
    text = "".join(amendments) or None
    code = _code(
        body, number, year=year, written_year=str(year), separator=separator, month=month, amendment=text,
        consolidated=consolidated,
    )  # fmt: skip
    return _finish(code, r[pos:])


def _amendment(body: _Body, m: re.Match[str], edition_year: int, r: str, first: bool) -> str:
    kind = _AMENDMENT_KIND[m["kind"]]
    text = _AMENDMENT_FORMAT[body.amendments][kind].format(n=m["n"] or "").rstrip()
    if m["year"] is not None:
        before, after = r[: m.start("year")], r[m.end("year") :]
        year = _check_year(m["year"], lambda y: f"{body.prefix} {before}{y}{after}")
        if year < edition_year:
            raise _Fail(f"amendment year {year} is before the edition year {edition_year}")
        text += f":{year}"
    return text if first else m["joiner"] + text


_TIS_YEAR: Final = re.compile(r"[-: ](\d+)")


def _parse_tis(body: _Body, rest: str) -> StandardCode:
    r = _number_start(body, rest)
    m = body.number.match(r)
    if m is None:
        raise _invalid_number(body, r)
    number = m.group()
    year_match = _TIS_YEAR.match(r, m.end())
    if year_match is None:
        return _finish(_code(body, number), r[m.end() :])
    token = year_match[1]
    after = r[year_match.end() :]
    if len(token) == 2:
        fixed = f"{body.prefix} {number}-25{token}{after}"
        raise _Fail(f"two-digit year {token!r} is ambiguous", _try_canonical(fixed))
    if len(token) != 4:
        raise _Fail(f"year {token!r} must have 4 digits")
    written = int(token)
    if YEAR_MIN <= written <= YEAR_MAX:
        fixed = f"{body.prefix} {number}-{written + BUDDHIST_ERA_OFFSET}{after}"
        raise _Fail(
            f"TIS years are written in the Buddhist era: {written} CE is {written + BUDDHIST_ERA_OFFSET} BE",
            _try_canonical(fixed),
        )
    year = written - BUDDHIST_ERA_OFFSET
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise _Fail(f"year {written} BE ({year} CE) is out of range")
    return _finish(_code(body, number, year=year, written_year=token), after)


_ASTM_EDITION: Final = re.compile(
    r"(?:[-:]| (?=\d{4}(?!\d)))(?P<year>\d+)(?P<revision>[A-Z](?!\d))?"
    r"(?: ?\((?P<reapproved>\d+)\))?(?:[EΕƐ](?P<editorial>\d+))?"
)


def _parse_astm(body: _Body, rest: str) -> StandardCode:
    r = _number_start(body, rest)
    m = body.number.match(r)
    if m is None:
        raise _invalid_number(body, r)
    number = f"{m[1]}{m[2]}{m[3]}" + (f"/{m[4]}{m[5]}{m[6]}" if m[4] else "")
    edition = _ASTM_EDITION.match(r, m.end())
    if edition is None:
        return _finish(_code(body, number), r[m.end() :])
    token = edition["year"]
    if len(token) == 2:
        year = _full_year(token)
    elif len(token) == 4:
        year = int(token)
        if not YEAR_MIN <= year <= YEAR_MAX:
            raise _Fail(f"year {year} is out of range")
        if _full_year(token[2:]) != year:
            raise _Fail(f"ASTM year {year} cannot be written with two digits (1950-2049)")
    else:
        raise _Fail(f"ASTM year {token!r} must have 2 digits")
    reapproved: int | None = None
    if edition["reapproved"] is not None:
        reapproved = _check_year(edition["reapproved"], lambda y: f"ASTM {number}-{token}({y})")
        if reapproved < year:
            raise _Fail(f"reapproval year {reapproved} is before the edition year {year}")
    code = _code(
        body, number, year=year, written_year=f"{year % 100:02d}", revision=(edition["revision"] or "").lower() or None,
        reapproved=reapproved, editorial=int(edition["editorial"]) if edition["editorial"] else None,
    )  # fmt: skip
    return _finish(code, r[edition.end() :])


_PARSERS: Final[dict[_Style, Callable[[_Body, str], StandardCode]]] = {
    "cn": _parse_cn,
    "iso": _parse_iso,
    "tis": _parse_tis,
    "astm": _parse_astm,
}
