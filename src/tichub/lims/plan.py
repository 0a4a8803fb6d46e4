"""Which tests a received sample gets: one per item of its order that the contract review admitted.

The method's settings are copied into each test (ISO/IEC 17025 7.2: the method as it was when the work was
done), converted to the reporting unit: the specification's unit when the item has one, else the method's. An
item whose parameter and edition match no method of the laboratory still becomes a test, with the item's unit and
no LOD/LOQ or uncertainty, so that the work is never silently dropped; the method list shows what to set up.
Builds unsaved rows only: the receipt service saves them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from typing import Any

from tichub.marketplace.choices import ReviewVerdict
from tichub.marketplace.models import NeedItem, Order, ReviewItem
from tichub.science.units import convert, decimal_shift, parse_unit

from .models import LabSample, Test, TestMethod

#: Review verdicts that make a test (a NOT_COVERED item cannot be in an accepted order's work).
TESTED_VERDICTS = frozenset({ReviewVerdict.ACCREDITED, ReviewVerdict.NOT_ACCREDITED, ReviewVerdict.SUBCONTRACTED})
MethodKey = tuple[int, str]  # (standard edition id, registry parameter key)


def _same_unit(a: str, b: str) -> bool:
    try:
        return parse_unit(a) == parse_unit(b)
    except ValueError:
        return a == b


def _in_unit(text: str, source: str, target: str) -> str:
    """A method's decimal text moved to the reporting unit ("" stays "")."""
    if not text or _same_unit(source, target):
        return text
    return str(convert(text, source, target))


def _places_in_unit(places: int | None, source: str, target: str) -> int | None:
    """The method's decimals moved with the unit: 2 decimals in µg/kg are 5 in mg/kg."""
    if places is None or _same_unit(source, target):
        return places
    return places - decimal_shift(source, target)


def _ranges_in_unit(rows: Sequence[Mapping[str, Any]], source: str, target: str) -> list[dict[str, Any]]:
    if _same_unit(source, target):
        return [dict(row) for row in rows]
    return [
        {
            "from": _in_unit(str(row["from"]), source, target),
            "to": _in_unit(str(row["to"]), source, target),
            "value": str(row["value"]) if row.get("relative") else _in_unit(str(row["value"]), source, target),
            "relative": bool(row.get("relative")),
        }
        for row in rows
    ]


def reporting_unit(item: NeedItem, method: TestMethod | None) -> str:
    """The specification's unit when the item sets a limit in one; else the method's; else the item's."""
    has_limit = bool(item.lower_limit or item.upper_limit)
    if item.unit and (has_limit or method is None):
        return item.unit
    return method.unit if method else ""


def _fallback_keyword(item: NeedItem) -> str:
    ascii_name = re.sub(r"[^a-z0-9]+", "-", item.parameter.lower()).strip("-")
    return (ascii_name or f"item{item.position}")[:40]


def _unique(keyword: str, taken: set[str]) -> str:
    candidate, n = keyword, 2
    while candidate in taken:
        candidate = f"{keyword[:36]}-{n}"
        n += 1
    taken.add(candidate)
    return candidate


def plan_tests(
    *,
    order: Order,
    sample: LabSample,
    review_items: Sequence[ReviewItem],
    methods: Mapping[MethodKey, TestMethod],
    parameter_keys: Mapping[int, str],
    due_date: dt.date | None,
) -> list[Test]:
    """Unsaved tests for `sample`, one per admitted review item, in item order.

    `review_items` come with their `item` loaded; `parameter_keys` maps need item id → registry parameter key;
    `methods` maps (edition id, parameter key) → the laboratory's active method.
    """
    tests: list[Test] = []
    taken: set[str] = set()
    for review_item in sorted(review_items, key=lambda ri: ri.item.position):
        if review_item.verdict not in TESTED_VERDICTS:
            continue
        item = review_item.item
        method = methods.get((item.standard_id, parameter_keys[item.pk]))
        unit = reporting_unit(item, method)
        copied: dict[str, Any] = {}
        if method is not None:
            copied = {
                "places": _places_in_unit(method.places, method.unit, unit),
                "round_to_uncertainty": method.round_to_uncertainty,
                "lod": _in_unit(method.lod, method.unit, unit),
                "loq": _in_unit(method.loq, method.unit, unit),
                "uncertainty_kind": method.uncertainty_kind,
                "uncertainty_value": method.uncertainty_value
                if method.uncertainty_kind == "relative"
                else _in_unit(method.uncertainty_value, method.unit, unit),
                "uncertainty_ranges": _ranges_in_unit(method.uncertainty_ranges, method.unit, unit),
                "coverage_factor": method.coverage_factor,
                "formula": method.formula,
                "non_negative": method.non_negative,
            }
        tests.append(
            Test(
                institution_id=order.institution_id,
                sample=sample,
                order=order,
                need_item=item,
                method=method,
                keyword=_unique(method.keyword if method else _fallback_keyword(item), taken),
                parameter=item.parameter,
                parameter_en=method.parameter_en if method else "",
                standard_id=item.standard_id,
                clause=item.clause or (method.clause if method else ""),
                accredited=review_item.verdict == ReviewVerdict.ACCREDITED,
                subcontractor_id=review_item.subcontractor_id
                if review_item.verdict == ReviewVerdict.SUBCONTRACTED
                else None,
                specification=item.specification,
                lower_limit=item.lower_limit,
                upper_limit=item.upper_limit,
                decision_rule=order.decision_rule,
                unit=unit,
                due_date=due_date,
                **copied,
            )
        )
    return tests
