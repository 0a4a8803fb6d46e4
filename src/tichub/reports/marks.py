"""Accreditation marks on a report (CNAS-R01, RB/T 214 / CMA mark rules): a mark is printed only for an
accreditation that is valid on the day of issue and whose active scope holds at least one item of the report,
and the report then names every item of its own that lies outside that scope. Subcontracted items are never
under the issuing laboratory's marks: they are marked with their provider instead.

Pure: the caller loads the accreditations and, for each item, the scope rows that hold it (with their status and
the accreditations they belong to); this module decides. No database, no Django.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

#: The bodies whose marks a Chinese test report carries, in the order they are printed.
MARKED_BODIES = ("CMA", "CNAS")

#: The symbol that flags, in the results table, an item outside the scope of a printed mark.
SYMBOLS: Mapping[str, str] = {"CNAS": "*", "CMA": "△"}

#: The symbols of subcontracted items, one per provider in order of first appearance.
SUBCONTRACT_SYMBOLS = ("†", "‡", "§", "¶")

#: A scope row's status that puts its items under its accreditations (registry ScopeStatus.ACTIVE).
ACTIVE = "active"


@dataclass(frozen=True)
class Accreditation:
    id: int
    body: str
    number: str
    valid_from: dt.date | None = None  # None: no bound (the caller has already filtered)
    valid_until: dt.date | None = None

    def valid_on(self, day: dt.date | None) -> bool:
        if day is None:
            return True
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_until is None or day <= self.valid_until
        )


@dataclass(frozen=True)
class ScopeHold:
    """One scope row holding an item: its status and the accreditations it is listed under."""

    status: str
    accreditation_ids: frozenset[int]


@dataclass(frozen=True)
class Item:
    key: str  # the test's keyword: unique within the report
    parameter: str
    parameter_en: str
    subcontracted: bool
    accreditation_ids: frozenset[int]  # accreditations whose ACTIVE scope holds this item (see `held`)


@dataclass(frozen=True)
class Mark:
    body: str
    number: str
    covered: tuple[str, ...]  # item keys
    not_covered: tuple[str, ...]  # the laboratory's own items outside this accreditation's scope

    @property
    def symbol(self) -> str:
        return SYMBOLS.get(self.body, "*")


def held(rows: Iterable[ScopeHold]) -> frozenset[int]:
    """The accreditations under which an item is held: those of its active scope rows only (a suspended or
    withdrawn row holds nothing)."""
    ids: set[int] = set()
    for row in rows:
        if row.status == ACTIVE:
            ids.update(row.accreditation_ids)
    return frozenset(ids)


def report_marks(
    accreditations: Sequence[Accreditation], items: Sequence[Item], *, on: dt.date | None = None
) -> list[Mark]:
    """The marks to print, at most one per body, in MARKED_BODIES order. For each body, the accreditation valid
    on `on` whose active scope holds the most of the laboratory's own items (the first given on a tie); none when
    no valid accreditation of the body holds any own item. Subcontracted items are neither covered nor listed
    as outside."""
    own = [item for item in items if not item.subcontracted]
    marks: list[Mark] = []
    for body in MARKED_BODIES:
        best: tuple[Accreditation, tuple[str, ...]] | None = None
        for accreditation in accreditations:
            if accreditation.body != body or not accreditation.valid_on(on):
                continue
            covered = tuple(item.key for item in own if accreditation.id in item.accreditation_ids)
            if covered and (best is None or len(covered) > len(best[1])):
                best = (accreditation, covered)
        if best is not None:
            accreditation, covered = best
            not_covered = tuple(item.key for item in own if item.key not in covered)
            marks.append(Mark(body, accreditation.number, covered, not_covered))
    return marks


def outside_marks(marks: Sequence[Mark]) -> Mapping[str, tuple[str, ...]]:
    """Item key → the bodies of the printed marks whose scope does not hold it (what the results table flags)."""
    outside: dict[str, list[str]] = {}
    for mark in marks:
        for key in mark.not_covered:
            outside.setdefault(key, []).append(mark.body)
    return {key: tuple(bodies) for key, bodies in outside.items()}


def subcontract_symbols(providers: Iterable[int | None]) -> Mapping[int, str]:
    """Provider id → its symbol, in order of first appearance (None: the laboratory's own item, skipped). Past
    the fourth provider the symbols repeat the dagger with a number (†5, †6, ...)."""
    symbols: dict[int, str] = {}
    for provider in providers:
        if provider is not None and provider not in symbols:
            n = len(symbols)
            symbols[provider] = SUBCONTRACT_SYMBOLS[n] if n < len(SUBCONTRACT_SYMBOLS) else f"†{n + 1}"
    return symbols
