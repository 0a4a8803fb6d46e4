"""Sampling by attributes, ISO 2859-1:1999 (identical to GB/T 2828.1-2012).

What is here:

* :func:`code_letter` — Table 1, sample size code letters, for the special levels S-1 … S-4 and the general
  levels I, II and III.
* :func:`single_sampling_plan` — the single sampling plans of the three master tables: Table 2-A (normal),
  Table 2-B (tightened) and Table 2-C (reduced inspection), for the 26 AQLs 0.010 … 1000, with the arrows followed
  and the 100 % inspection rule of the tables' footnote applied.
* :class:`Switching` — the switching rules of clause 9.3 and the discontinuation rule of 9.4 as a small state
  machine, including the switching score of 9.3.3.2.

The master tables are stored below as text grids, one row per code letter and one column per AQL, with the
arrows kept, so that each row can be read against the printed table. The 1999 edition's reduced table (2-C) is
used: its rejection number is always Ac + 1 (the 1989 edition's reduced plans had a gap between Ac and Re and a
special rule for lots that fell into it; that rule no longer exists).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from tichub.science.rounding import DecimalLike, to_decimal

__all__ = [
    "AQL_VALUES",
    "INSPECTIONS",
    "INSPECTION_LEVELS",
    "LotRecord",
    "Plan",
    "Switching",
    "SwitchingState",
    "code_letter",
    "master_table_entry",
    "plan_for_code_letter",
    "single_sampling_plan",
]

# --------------------------------------------------------------------------------------------------------------
# Table 1 — sample size code letters
# --------------------------------------------------------------------------------------------------------------

#: Inspection levels of Table 1, in the standard's column order.
INSPECTION_LEVELS: tuple[str, ...] = ("S-1", "S-2", "S-3", "S-4", "I", "II", "III")

# Upper bound of each lot-size band of Table 1 (2–8, 9–15, …, 150001–500000); the last band, "500 001 and over",
# has no upper bound. Lot sizes below 2 are outside the table.
_LOT_BAND_UPPER: tuple[int, ...] = (8, 15, 25, 50, 90, 150, 280, 500, 1200, 3200, 10000, 35000, 150000, 500000)

# One string per level, one letter per lot-size band (15 bands). Kept as columns of the printed table so that a
# reviewer can compare them column by column.
_TABLE_1: dict[str, str] = {
    "S-1": "AAAABBBBCCCCDDD",
    "S-2": "AAABBBCCCDDDEEE",
    "S-3": "AABBCCDDEEFFGGH",
    "S-4": "AABCCDEEFGGHJJK",
    "I": "AABCCDEFGHJKLMN",
    "II": "ABCDEFGHJKLMNPQ",
    "III": "BCDEFGHJKLMNPQR",
}


def _normalise_level(level: str) -> str:
    if not isinstance(level, str):
        raise TypeError(f"inspection level must be a string such as 'II', got {type(level).__name__}")
    key = level.strip().upper()
    if key not in _TABLE_1:
        raise ValueError(f"unknown inspection level {level!r}; allowed: {', '.join(INSPECTION_LEVELS)}")
    return key


def _check_lot_size(lot_size: int) -> None:
    # bool is an int subclass; True as a lot size is always a mistake.
    if isinstance(lot_size, bool) or not isinstance(lot_size, int):
        raise TypeError(f"lot size must be an int, got {type(lot_size).__name__}")
    if lot_size < 2:
        raise ValueError(f"lot size must be at least 2 (Table 1 starts at the band 2–8), got {lot_size}")


def code_letter(lot_size: int, level: str) -> str:
    """Return the sample size code letter for a lot size and inspection level (ISO 2859-1:1999, Table 1).

    ``level`` is one of ``"S-1"``, ``"S-2"``, ``"S-3"``, ``"S-4"``, ``"I"``, ``"II"``, ``"III"``
    (case-insensitive). ``lot_size`` must be an int of at least 2, since Table 1 starts at the band 2–8.

    >>> code_letter(1000, "II")
    'J'
    >>> code_letter(10000, "S-1")
    'C'
    """
    _check_lot_size(lot_size)
    letters = _TABLE_1[_normalise_level(level)]
    for band, upper in enumerate(_LOT_BAND_UPPER):
        if lot_size <= upper:
            return letters[band]
    return letters[-1]  # "500 001 and over"


# --------------------------------------------------------------------------------------------------------------
# AQLs and inspection severities
# --------------------------------------------------------------------------------------------------------------

#: The 26 preferred AQLs of the master tables, in column order (percent nonconforming up to 10, nonconformities
#: per 100 items for all of them; see ISO 2859-1:1999 clause 5.2).
# fmt: off
AQL_VALUES: tuple[Decimal, ...] = tuple(Decimal(text) for text in (
    "0.010", "0.015", "0.025", "0.040", "0.065", "0.10", "0.15", "0.25", "0.40", "0.65", "1.0", "1.5", "2.5",
    "4.0", "6.5", "10", "15", "25", "40", "65", "100", "150", "250", "400", "650", "1000",
))
# fmt: on

# Decimal("1") == Decimal("1.0") and both hash alike, so this dict matches an AQL regardless of trailing zeros.
_AQL_COLUMN: dict[Decimal, int] = {aql: column for column, aql in enumerate(AQL_VALUES)}

#: Inspection severities (clause 9), each with its own master table.
INSPECTIONS: tuple[str, ...] = ("normal", "tightened", "reduced")

_TABLE_NAME: dict[str, str] = {"normal": "2-A", "tightened": "2-B", "reduced": "2-C"}


def _aql_column(aql: DecimalLike) -> int:
    allowed = ", ".join(str(a) for a in AQL_VALUES)
    # The package's one strict parser: floats are refused (0.1 is not exactly one tenth, and the tables are indexed
    # by exact decimal values), as are NaN, infinities and malformed text.
    try:
        value = to_decimal(aql)
    except TypeError as exc:
        raise TypeError(f"AQL must be given as a Decimal or a string such as '0.65': {exc}") from exc
    except ValueError as exc:
        raise ValueError(
            f"AQL {aql!r} is not one of the preferred AQLs of ISO 2859-1 Table 2 ({exc}): {allowed}"
        ) from exc
    if value not in _AQL_COLUMN:
        raise ValueError(f"AQL {aql!r} is not one of the preferred AQLs of ISO 2859-1 Table 2: {allowed}")
    return _AQL_COLUMN[value]


def _normalise_inspection(inspection: str) -> str:
    if not isinstance(inspection, str):
        raise TypeError(f"inspection must be one of {', '.join(INSPECTIONS)}, got {type(inspection).__name__}")
    key = inspection.strip().lower()
    if key == "discontinued":
        raise ValueError("inspection is discontinued (ISO 2859-1 9.4): no sampling plan applies until it resumes")
    if key not in _TABLE_NAME:
        raise ValueError(f"unknown inspection {inspection!r}; allowed: {', '.join(INSPECTIONS)}")
    return key


# --------------------------------------------------------------------------------------------------------------
# Tables 2-A, 2-B and 2-C — single sampling plans (master tables)
# --------------------------------------------------------------------------------------------------------------
#
# Grid notation, one token per AQL column (0.010 … 1000, in the order of AQL_VALUES):
#   an integer  the acceptance number Ac of the plan in that cell; the rejection number is Re = Ac + 1
#   v           ↓ in the printed table: use the first sampling plan below the arrow
#   ^           ↑ in the printed table: use the first sampling plan above the arrow
#   .           no entry (only in row S of Table 2-B, which exists for a single plan)
# The sample size of a plan is the one of the row (code letter) where the plan is printed, not of the row where
# the arrow starts; see clause 10.2 ("the sample size to be used is given by the new code letter").

_NORMAL_SAMPLE_SIZES: dict[str, int] = dict(
    zip("ABCDEFGHJKLMNPQR", (2, 3, 5, 8, 13, 20, 32, 50, 80, 125, 200, 315, 500, 800, 1250, 2000), strict=True)
)

# Table 2-A, single sampling plans for normal inspection.
# AQL columns: .010 .015 .025 .040 .065 .10 .15 .25 .40 .65 1.0 1.5 2.5 4.0 6.5 10 15 25 40 65 100 ... 1000
_TABLE_2A_GRID: dict[str, str] = {
    "A": " v  v  v  v  v  v  v  v  v  v  v  v  v  v  0  v  v  1  2  3  5  7 10 14 21 30",
    "B": " v  v  v  v  v  v  v  v  v  v  v  v  v  0  ^  v  1  2  3  5  7 10 14 21 30 44",
    "C": " v  v  v  v  v  v  v  v  v  v  v  v  0  ^  v  1  2  3  5  7 10 14 21 30 44  ^",
    "D": " v  v  v  v  v  v  v  v  v  v  v  0  ^  v  1  2  3  5  7 10 14 21 30 44  ^  ^",
    "E": " v  v  v  v  v  v  v  v  v  v  0  ^  v  1  2  3  5  7 10 14 21 30 44  ^  ^  ^",
    "F": " v  v  v  v  v  v  v  v  v  0  ^  v  1  2  3  5  7 10 14 21  ^  ^  ^  ^  ^  ^",
    "G": " v  v  v  v  v  v  v  v  0  ^  v  1  2  3  5  7 10 14 21  ^  ^  ^  ^  ^  ^  ^",
    "H": " v  v  v  v  v  v  v  0  ^  v  1  2  3  5  7 10 14 21  ^  ^  ^  ^  ^  ^  ^  ^",
    "J": " v  v  v  v  v  v  0  ^  v  1  2  3  5  7 10 14 21  ^  ^  ^  ^  ^  ^  ^  ^  ^",
    "K": " v  v  v  v  v  0  ^  v  1  2  3  5  7 10 14 21  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^",
    "L": " v  v  v  v  0  ^  v  1  2  3  5  7 10 14 21  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^",
    "M": " v  v  v  0  ^  v  1  2  3  5  7 10 14 21  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^",
    "N": " v  v  0  ^  v  1  2  3  5  7 10 14 21  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^",
    "P": " v  0  ^  v  1  2  3  5  7 10 14 21  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^",
    "Q": " 0  ^  v  1  2  3  5  7 10 14 21  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^",
    "R": " ^  ^  1  2  3  5  7 10 14 21  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^",
}

# Table 2-B, single sampling plans for tightened inspection. Row S (n = 3150) only holds the plan reached by the
# arrows of Q and R at AQL 0.025; it cannot be reached from Table 1.
# AQL columns: .010 .015 .025 .040 .065 .10 .15 .25 .40 .65 1.0 1.5 2.5 4.0 6.5 10 15 25 40 65 100 ... 1000
_TABLE_2B_GRID: dict[str, str] = {
    "A": " v  v  v  v  v  v  v  v  v  v  v  v  v  v  v  0  v  v  1  2  3  5  8 12 18 27",
    "B": " v  v  v  v  v  v  v  v  v  v  v  v  v  v  0  v  v  1  2  3  5  8 12 18 27 41",
    "C": " v  v  v  v  v  v  v  v  v  v  v  v  v  0  v  v  1  2  3  5  8 12 18 27 41  ^",
    "D": " v  v  v  v  v  v  v  v  v  v  v  v  0  v  v  1  2  3  5  8 12 18 27 41  ^  ^",
    "E": " v  v  v  v  v  v  v  v  v  v  v  0  v  v  1  2  3  5  8 12 18 27 41  ^  ^  ^",
    "F": " v  v  v  v  v  v  v  v  v  v  0  v  v  1  2  3  5  8 12 18  ^  ^  ^  ^  ^  ^",
    "G": " v  v  v  v  v  v  v  v  v  0  v  v  1  2  3  5  8 12 18  ^  ^  ^  ^  ^  ^  ^",
    "H": " v  v  v  v  v  v  v  v  0  v  v  1  2  3  5  8 12 18  ^  ^  ^  ^  ^  ^  ^  ^",
    "J": " v  v  v  v  v  v  v  0  v  v  1  2  3  5  8 12 18  ^  ^  ^  ^  ^  ^  ^  ^  ^",
    "K": " v  v  v  v  v  v  0  v  v  1  2  3  5  8 12 18  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^",
    "L": " v  v  v  v  v  0  v  v  1  2  3  5  8 12 18  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^",
    "M": " v  v  v  v  0  v  v  1  2  3  5  8 12 18  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^",
    "N": " v  v  v  0  v  v  1  2  3  5  8 12 18  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^",
    "P": " v  v  0  v  v  1  2  3  5  8 12 18  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^",
    "Q": " v  0  v  v  1  2  3  5  8 12 18  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^",
    "R": " 0  ^  v  1  2  3  5  8 12 18  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^",
    "S": " .  .  1  .  .  .  .  .  .  .  .  .  .  .  .  .  .  .  .  .  .  .  .  .  .  .",
}

# Table 2-C, single sampling plans for reduced inspection (1999 edition: Re = Ac + 1). Its sample sizes differ from
# Tables 2-A/2-B for the same letter (e.g. K is 50, not 125), so it has its own size column.
_REDUCED_SAMPLE_SIZES: dict[str, int] = dict(
    zip("ABCDEFGHJKLMNPQR", (2, 2, 2, 3, 5, 8, 13, 20, 32, 50, 80, 125, 200, 315, 500, 800), strict=True)
)

# AQL columns: .010 .015 .025 .040 .065 .10 .15 .25 .40 .65 1.0 1.5 2.5 4.0 6.5 10 15 25 40 65 100 ... 1000
_TABLE_2C_GRID: dict[str, str] = {
    "A": " v  v  v  v  v  v  v  v  v  v  v  v  v  v  0  v  v  v  1  2  3  5  6  8 10 14",
    "B": " v  v  v  v  v  v  v  v  v  v  v  v  v  0  ^  v  v  1  2  3  5  6  8 10 14 21",
    "C": " v  v  v  v  v  v  v  v  v  v  v  v  0  ^  v  v  1  2  3  5  6  8 10 14 21  ^",
    "D": " v  v  v  v  v  v  v  v  v  v  v  0  ^  v  v  1  2  3  5  6  8 10 14 21  ^  ^",
    "E": " v  v  v  v  v  v  v  v  v  v  0  ^  v  v  1  2  3  5  6  8 10 14 21  ^  ^  ^",
    "F": " v  v  v  v  v  v  v  v  v  0  ^  v  v  1  2  3  5  6  8 10  ^  ^  ^  ^  ^  ^",
    "G": " v  v  v  v  v  v  v  v  0  ^  v  v  1  2  3  5  6  8 10  ^  ^  ^  ^  ^  ^  ^",
    "H": " v  v  v  v  v  v  v  0  ^  v  v  1  2  3  5  6  8 10  ^  ^  ^  ^  ^  ^  ^  ^",
    "J": " v  v  v  v  v  v  0  ^  v  v  1  2  3  5  6  8 10  ^  ^  ^  ^  ^  ^  ^  ^  ^",
    "K": " v  v  v  v  v  0  ^  v  v  1  2  3  5  6  8 10  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^",
    "L": " v  v  v  v  0  ^  v  v  1  2  3  5  6  8 10  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^",
    "M": " v  v  v  0  ^  v  v  1  2  3  5  6  8 10  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^",
    "N": " v  v  0  ^  v  v  1  2  3  5  6  8 10  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^",
    "P": " v  0  ^  v  v  1  2  3  5  6  8 10  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^",
    "Q": " 0  ^  ^  v  1  2  3  5  6  8 10  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^",
    "R": " ^  ^  ^  1  2  3  5  6  8 10  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^",
}

_DOWN = "↓"
_UP = "↑"
_Cell = int | str | None  # Ac, an arrow (_DOWN/_UP), or None for an empty cell


@dataclass(frozen=True, slots=True)
class _MasterTable:
    name: str
    letters: tuple[str, ...]
    sample_sizes: dict[str, int]
    cells: dict[str, tuple[_Cell, ...]]


def _parse_grid(name: str, grid: dict[str, str], sample_sizes: dict[str, int]) -> _MasterTable:
    tokens = {"v": _DOWN, "^": _UP, ".": None}
    cells: dict[str, tuple[_Cell, ...]] = {}
    for letter, row in grid.items():
        parts = row.split()
        # A misaligned row would silently shift every plan by one AQL: fail at import instead.
        if len(parts) != len(AQL_VALUES):
            raise AssertionError(f"Table {name} row {letter} has {len(parts)} cells, expected {len(AQL_VALUES)}")
        cells[letter] = tuple(tokens[p] if p in tokens else int(p) for p in parts)
    return _MasterTable(name=name, letters=tuple(grid), sample_sizes=sample_sizes, cells=cells)


_MASTER_TABLES: dict[str, _MasterTable] = {
    "normal": _parse_grid("2-A", _TABLE_2A_GRID, _NORMAL_SAMPLE_SIZES),
    "tightened": _parse_grid("2-B", _TABLE_2B_GRID, {**_NORMAL_SAMPLE_SIZES, "S": 3150}),
    "reduced": _parse_grid("2-C", _TABLE_2C_GRID, _REDUCED_SAMPLE_SIZES),
}


@dataclass(frozen=True, slots=True)
class Plan:
    """A single sampling plan: draw ``sample_size`` items, accept the lot if at most ``accept`` are nonconforming.

    ``code_letter`` is the letter of the plan actually used, after following the arrows of the master table, and
    ``table_code_letter`` the letter that Table 1 gave for the lot (the row where the look-up started). They differ
    whenever the cell of Table 1's letter holds an arrow (clause 10.2). ``table_sample_size`` is the sample size
    printed in the master table; ``sample_size`` equals it unless it reached the lot size, in which case every item
    is inspected (``full_inspection`` is true, ``sample_size`` is the lot size, and Ac/Re are kept).
    """

    code_letter: str
    sample_size: int
    accept: int
    reject: int
    table_code_letter: str = ""
    inspection: str = "normal"
    aql: Decimal | None = None
    table_sample_size: int = 0
    full_inspection: bool = False

    def __post_init__(self) -> None:
        # Defaults that depend on other fields: a hand-made Plan("J", 80, 2, 3) is its own table plan.
        if not self.table_code_letter:
            object.__setattr__(self, "table_code_letter", self.code_letter)
        if not self.table_sample_size:
            object.__setattr__(self, "table_sample_size", self.sample_size)
        if self.inspection not in _TABLE_NAME:
            raise ValueError(f"inspection must be one of {', '.join(INSPECTIONS)}, got {self.inspection!r}")
        if self.sample_size < 1:
            raise ValueError(f"sample size must be at least 1, got {self.sample_size}")
        if self.accept < 0 or self.reject <= self.accept:
            raise ValueError(f"need 0 <= Ac < Re, got Ac={self.accept}, Re={self.reject}")

    @property
    def table(self) -> str:
        """Name of the master table the plan comes from: ``"2-A"``, ``"2-B"`` or ``"2-C"``."""
        return _TABLE_NAME[self.inspection]

    def accepts(self, nonconforming: int) -> bool:
        """Decide on a lot from the count in the sample (clause 11.1.1: accept if the count is at most Ac)."""
        if nonconforming < 0:
            raise ValueError(f"the number of nonconforming items cannot be negative, got {nonconforming}")
        return nonconforming <= self.accept


def master_table_entry(inspection: str, letter: str, aql: DecimalLike) -> int | str | None:
    """Return a cell of master Table 2-A, 2-B or 2-C exactly as printed, without following arrows.

    The result is the acceptance number (an int; Re is Ac + 1), ``"↓"`` or ``"↑"`` for an arrow, or ``None`` for
    an empty cell (row S of Table 2-B). ``inspection`` selects the table: ``"normal"`` (2-A), ``"tightened"``
    (2-B) or ``"reduced"`` (2-C).
    """
    table = _MASTER_TABLES[_normalise_inspection(inspection)]
    key = letter.strip().upper() if isinstance(letter, str) else letter
    if key not in table.cells:
        raise ValueError(f"code letter {letter!r} is not in Table {table.name}; allowed: {', '.join(table.letters)}")
    return table.cells[key][_aql_column(aql)]


def _resolve(table: _MasterTable, letter: str, column: int) -> tuple[str, int]:
    """Follow the arrow (if any) from ``letter`` in ``column`` to the first plan in its direction (clause 10.2)."""
    index = table.letters.index(letter)
    cell = table.cells[letter][column]
    if isinstance(cell, int):
        return letter, cell
    if cell == _DOWN:
        candidates = table.letters[index + 1 :]
    elif cell == _UP:
        candidates = table.letters[:index][::-1]
    else:
        raise ValueError(
            f"Table {table.name} has no sampling plan for code letter {letter} at AQL {AQL_VALUES[column]}"
        )
    # "The first sampling plan below/above the arrow": arrows and empty cells on the way are skipped.
    for candidate in candidates:
        target = table.cells[candidate][column]
        if isinstance(target, int):
            return candidate, target
    raise AssertionError(f"arrow in Table {table.name}, row {letter}, column {AQL_VALUES[column]} leads nowhere")


def plan_for_code_letter(letter: str, aql: DecimalLike, inspection: str = "normal") -> Plan:
    """Return the plan of master Table 2-A/2-B/2-C for a code letter and AQL, arrows followed (clause 10.2).

    Unlike :func:`single_sampling_plan` this does not know the lot, so the 100 % inspection rule is not applied.
    """
    key = _normalise_inspection(inspection)
    table = _MASTER_TABLES[key]
    column = _aql_column(aql)
    start = letter.strip().upper() if isinstance(letter, str) else letter
    if start not in table.cells:
        raise ValueError(f"code letter {letter!r} is not in Table {table.name}; allowed: {', '.join(table.letters)}")
    used, accept = _resolve(table, start, column)
    size = table.sample_sizes[used]
    return Plan(
        code_letter=used,
        sample_size=size,
        accept=accept,
        reject=accept + 1,  # single sampling in the 1999 tables: Re = Ac + 1 everywhere, 2-C included
        table_code_letter=start,
        inspection=key,
        aql=AQL_VALUES[column],
        table_sample_size=size,
    )


def single_sampling_plan(
    lot_size: int,
    aql: DecimalLike,
    level: str = "II",
    inspection: str = "normal",
) -> Plan:
    """Return the single sampling plan for a lot (ISO 2859-1:1999 Table 1 with Table 2-A, 2-B or 2-C).

    The code letter comes from Table 1 for ``lot_size`` and ``level``; the plan from the master table of the
    ``inspection`` severity (``"normal"`` → 2-A, ``"tightened"`` → 2-B, ``"reduced"`` → 2-C) at ``aql``. Where the
    cell is an arrow the first plan below (↓) or above (↑) it is used together with *its* sample size
    (clause 10.2), so ``Plan.code_letter`` may differ from ``Plan.table_code_letter``. If the sample size equals or
    exceeds the lot size every item is inspected (footnote to Tables 2-A/2-B/2-C): ``sample_size`` becomes
    ``lot_size`` and Ac/Re are kept.

    ``aql`` is a Decimal, an int or a string such as ``"0.65"``; ``"1"`` and ``"1.0"`` are the same AQL.

    >>> plan = single_sampling_plan(1000, "1.0")
    >>> plan.code_letter, plan.sample_size, plan.accept, plan.reject
    ('J', 80, 2, 3)
    >>> plan = single_sampling_plan(1000, "0.10")  # J's cell is ↓: the plan of K is used
    >>> plan.table_code_letter, plan.code_letter, plan.sample_size, plan.accept
    ('J', 'K', 125, 0)
    """
    letter = code_letter(lot_size, level)
    plan = plan_for_code_letter(letter, aql, inspection)
    if plan.sample_size >= lot_size:
        return Plan(
            code_letter=plan.code_letter,
            sample_size=lot_size,
            accept=plan.accept,
            reject=plan.reject,
            table_code_letter=plan.table_code_letter,
            inspection=plan.inspection,
            aql=plan.aql,
            table_sample_size=plan.table_sample_size,
            full_inspection=True,
        )
    return plan


# --------------------------------------------------------------------------------------------------------------
# Switching rules (clause 9.3) and discontinuation (clause 9.4)
# --------------------------------------------------------------------------------------------------------------

# Acceptance numbers of Table 2-A along its diagonals. Moving one AQL column to the left (one step tighter) at the
# same code letter always moves one step back in this sequence, which is what 9.3.3.2 a) 1) needs.
_NORMAL_ACCEPT_SEQUENCE: tuple[int, ...] = (0, 1, 2, 3, 5, 7, 10, 14, 21, 30, 44)


class SwitchingState(StrEnum):
    """Inspection severity of a switching scheme (clause 9), plus the discontinued state of 9.4.

    The values double as the ``inspection`` argument of :func:`single_sampling_plan` (except ``DISCONTINUED``).
    """

    NORMAL = "normal"
    TIGHTENED = "tightened"
    REDUCED = "reduced"
    DISCONTINUED = "discontinued"


@dataclass(frozen=True, slots=True)
class LotRecord:
    """One lot recorded by :class:`Switching`: the state before and after, and why it changed (a clause)."""

    index: int
    state_before: SwitchingState
    accepted: bool
    nonconforming: int | None
    state_after: SwitchingState
    switching_score: int
    clause: str | None


class Switching:
    """The switching rules of ISO 2859-1:1999 clause 9.3 and the discontinuation rule of 9.4.

    Feed it the result of each lot on *original* inspection, in production order (resubmitted lots do not count,
    9.3.1). Transitions:

    * normal → tightened (9.3.1): 2 lots out of 5 or fewer consecutive lots not accepted;
    * tightened → normal (9.3.2): 5 consecutive lots accepted;
    * tightened → discontinued (9.4): the cumulative number of lots not accepted while on tightened inspection
      reaches 5; :meth:`resume` returns to tightened inspection once the supplier's corrective action is accepted;
    * normal → reduced (9.3.3.1): the switching score (9.3.3.2) is at least 30 *and* production is at a steady rate
      *and* the responsible authority approves reduced inspection;
    * reduced → normal (9.3.4): a lot is not accepted, or production becomes irregular or delayed, or the
      responsible authority withdraws reduced inspection (``approved_by_authority=False``).

    The switching score (9.3.3.2, single sampling) starts at 0 at the start of normal inspection and is updated
    after each lot on normal inspection: with Ac ≥ 2, add 3 if the lot would have been accepted at the AQL one step
    tighter, otherwise reset it to 0; with Ac 0 or 1, add 2 if the lot is accepted, otherwise reset it to 0.
    """

    def __init__(self, initial: SwitchingState | str = SwitchingState.NORMAL) -> None:
        state = SwitchingState(initial.strip().lower() if isinstance(initial, str) else initial)
        if state is SwitchingState.DISCONTINUED:
            raise ValueError("a switching scheme cannot start discontinued; start on normal inspection (9.2)")
        self._state: SwitchingState = state
        self._score = 0
        self._normal_window: deque[bool] = deque(maxlen=5)  # results of the last ≤ 5 lots on normal inspection
        self._tightened_run = 0  # consecutive lots accepted on tightened inspection
        self._tightened_rejections = 0  # cumulative lots not accepted since tightened inspection began
        self._history: list[LotRecord] = []

    @property
    def state(self) -> SwitchingState:
        """The severity that applies to the *next* lot."""
        return self._state

    @property
    def switching_score(self) -> int:
        """The switching score of 9.3.3.2 (meaningful on normal inspection; 0 elsewhere)."""
        return self._score

    @property
    def history(self) -> tuple[LotRecord, ...]:
        """Every lot recorded so far, oldest first."""
        return tuple(self._history)

    def plan(self, lot_size: int, aql: DecimalLike, level: str = "II") -> Plan:
        """Return the single sampling plan for the next lot under the current severity."""
        return single_sampling_plan(lot_size, aql, level, inspection=self._state)

    def resume(self) -> SwitchingState:
        """Resume after discontinuation (9.4): tightened inspection, as if 9.3.1 had just been invoked.

        Call it only once the supplier has acted to improve quality and the responsible authority agrees that the
        action is likely to be effective.
        """
        if self._state is not SwitchingState.DISCONTINUED:
            raise ValueError(f"inspection is {self._state}, not discontinued; nothing to resume")
        self._enter(SwitchingState.TIGHTENED)
        return self._state

    def record(
        self,
        accepted: bool,
        *,
        nonconforming: int | None = None,
        plan: Plan | None = None,
        production_steady: bool = True,
        approved_by_authority: bool = True,
    ) -> SwitchingState:
        """Record one lot's result on original inspection and return the state for the next lot (clause 9.3).

        On normal inspection ``plan`` (the plan used for the lot) is required, and so is ``nonconforming`` (the
        number of nonconforming items, or nonconformities, found in the sample) when ``plan.accept`` is 2 or more,
        because the switching score depends on them (9.3.3.2). When both are given they must agree with
        ``accepted``. ``production_steady`` and ``approved_by_authority`` are the conditions b) and c) of 9.3.3.1
        and a)–c) of 9.3.4.
        """
        state = self._state
        if state is SwitchingState.DISCONTINUED:
            raise ValueError("inspection is discontinued (9.4); call resume() once corrective action is accepted")
        if nonconforming is not None and nonconforming < 0:
            raise ValueError(f"the number of nonconforming items cannot be negative, got {nonconforming}")
        if plan is not None:
            if plan.inspection != state:
                raise ValueError(f"the plan is for {plan.inspection} inspection but the scheme is on {state}")
            if nonconforming is not None and plan.accepts(nonconforming) != accepted:
                raise ValueError(
                    f"{nonconforming} nonconforming with Ac={plan.accept} means the lot was "
                    f"{'accepted' if plan.accepts(nonconforming) else 'not accepted'}, but accepted={accepted}"
                )

        # Every check comes before any counter moves, so a refused call leaves the scheme exactly as it was.
        if state is SwitchingState.NORMAL:
            if plan is None:
                raise ValueError("on normal inspection the switching score needs the plan used for the lot (9.3.3.2)")
            if plan.accept >= 2 and nonconforming is None:
                raise ValueError(
                    "with Ac >= 2 the switching score needs the number of nonconforming items (9.3.3.2 a) 1))"
                )

        clause: str | None = None
        if state is SwitchingState.NORMAL and plan is not None:
            # 9.3.3.2 a) 1) compares the count with the Ac of the AQL one step tighter; None means the 0/1 rule.
            passes_tighter = (
                nonconforming <= _one_step_tighter_accept(plan)
                if plan.accept >= 2 and nonconforming is not None
                else None
            )
            clause = self._record_normal(accepted, passes_tighter, production_steady, approved_by_authority)
        elif state is SwitchingState.TIGHTENED:
            clause = self._record_tightened(accepted)
        else:
            clause = self._record_reduced(accepted, production_steady, approved_by_authority)

        self._history.append(
            LotRecord(
                index=len(self._history) + 1,
                state_before=state,
                accepted=accepted,
                nonconforming=nonconforming,
                state_after=self._state,
                switching_score=self._score,
                clause=clause,
            )
        )
        return self._state

    def _enter(self, state: SwitchingState) -> None:
        # Every counter belongs to one severity; entering a severity starts its counters afresh. In particular the
        # switching score is "set at zero at the start" of normal inspection (9.3.3.2).
        self._state = state
        self._score = 0
        self._normal_window.clear()
        self._tightened_run = 0
        self._tightened_rejections = 0

    def _record_normal(
        self,
        accepted: bool,
        passes_tighter: bool | None,
        production_steady: bool,
        approved_by_authority: bool,
    ) -> str | None:
        self._normal_window.append(accepted)
        # 9.3.1: two lots not accepted within five or fewer consecutive lots. Checking after every lot, the first
        # such pair always ends at the current lot, so the last five results are enough.
        if list(self._normal_window).count(False) >= 2:
            self._enter(SwitchingState.TIGHTENED)
            return "9.3.1"

        if passes_tighter is not None:
            # Ac >= 2: "add 3 if the lot would have been accepted if the AQL had been one step tighter; otherwise
            # reset the switching score to zero".
            self._score = self._score + 3 if passes_tighter else 0
        else:
            # Ac 0 or 1: "add 2 if the lot is accepted; otherwise reset the switching score to zero".
            self._score = self._score + 2 if accepted else 0

        if self._score >= 30 and production_steady and approved_by_authority:
            self._enter(SwitchingState.REDUCED)
            return "9.3.3.1"
        return None

    def _record_tightened(self, accepted: bool) -> str | None:
        if accepted:
            self._tightened_run += 1
            if self._tightened_run >= 5:
                self._enter(SwitchingState.NORMAL)
                return "9.3.2"
            return None
        self._tightened_run = 0
        self._tightened_rejections += 1
        if self._tightened_rejections >= 5:
            self._enter(SwitchingState.DISCONTINUED)
            return "9.4"
        return None

    def _record_reduced(self, accepted: bool, production_steady: bool, approved_by_authority: bool) -> str | None:
        # 9.3.4 a) lot not accepted, b) production irregular or delayed, c) other conditions (the authority).
        if not accepted or not production_steady or not approved_by_authority:
            self._enter(SwitchingState.NORMAL)
            return "9.3.4"
        return None


def _one_step_tighter_accept(plan: Plan) -> int:
    """Ac of the normal plan one AQL step tighter, at the same sample size (for 9.3.3.2 a) 1))."""
    column = _AQL_COLUMN.get(plan.aql) if isinstance(plan.aql, Decimal) else None
    if column and plan.code_letter in _MASTER_TABLES["normal"].cells:  # column 0 (AQL 0.010) never has Ac >= 2
        cell = _MASTER_TABLES["normal"].cells[plan.code_letter][column - 1]
        # Next to any printed plan with Ac >= 2 the tighter column holds a plan on the same row (same n).
        if isinstance(cell, int):
            return cell
    # Hand-made plans without an AQL: the tables' diagonal structure gives the same answer from Ac alone.
    if plan.accept not in _NORMAL_ACCEPT_SEQUENCE:
        raise ValueError(f"Ac={plan.accept} is not an acceptance number of Table 2-A; cannot score the lot")
    return _NORMAL_ACCEPT_SEQUENCE[_NORMAL_ACCEPT_SEQUENCE.index(plan.accept) - 1]
