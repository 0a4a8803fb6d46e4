"""Accreditation marks on a report (CNAS-R01, RB/T 214 / CMA mark rules): a mark is printed only for an
accreditation that is valid on the day of issue and whose active scope holds at least one item of the report,
and the report then names every item of its own that lies outside that scope. Subcontracted items are never
under the issuing laboratory's marks: they are marked with their provider instead.

Pure: the caller loads the accreditations and, for each item, the accreditations whose active scope rows hold it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

#: The bodies whose marks a Chinese test report carries, in the order they are printed.
MARKED_BODIES = ("CMA", "CNAS")


@dataclass(frozen=True)
class Accreditation:
    id: int
    body: str
    number: str


@dataclass(frozen=True)
class Item:
    key: str  # the test's keyword: unique within the report
    parameter: str
    parameter_en: str
    subcontracted: bool
    accreditation_ids: frozenset[int]  # valid accreditations whose active scope holds this item


@dataclass(frozen=True)
class Mark:
    body: str
    number: str
    covered: tuple[str, ...]  # item keys
    not_covered: tuple[str, ...]  # the laboratory's own items outside this accreditation's scope


def report_marks(accreditations: Sequence[Accreditation], items: Sequence[Item]) -> list[Mark]:
    """The marks to print, one per body (the first valid accreditation of a body holding any item)."""
    own = [item for item in items if not item.subcontracted]
    marks: list[Mark] = []
    for body in MARKED_BODIES:
        for accreditation in (a for a in accreditations if a.body == body):
            covered = tuple(item.key for item in own if accreditation.id in item.accreditation_ids)
            if covered:
                not_covered = tuple(item.key for item in own if item.key not in covered)
                marks.append(Mark(body, accreditation.number, covered, not_covered))
                break
    return marks


def outside_marks(marks: Sequence[Mark]) -> Mapping[str, tuple[str, ...]]:
    """Item key → the bodies of the printed marks whose scope does not hold it (what the results table flags)."""
    outside: dict[str, list[str]] = {}
    for mark in marks:
        for key in mark.not_covered:
            outside.setdefault(key, []).append(mark.body)
    return {key: tuple(bodies) for key, bodies in outside.items()}
