"""From a typed value to a reported result: conversion, checks, uncertainty, rounding, display, decision.

No database here: `Rules` is what a test copied from its method and specification, `evaluate` turns one entry
into an `Evaluated` result or raises `ResultRefused` naming the field and the rule. Result entry, the API, the
CSV import and calculated results all go through `evaluate`, so a value is judged the same way whatever its path.

* the value is decimal text (tichub.science.rounding.to_decimal); a unit other than the test's is converted with
  tichub.science.units (exact factors), an unknown unit or one of another dimension is refused;
* a negative result is refused where the method says results cannot be negative (concentrations);
* the expanded uncertainty U is absolute, relative (% of the value) or taken from the method's range table;
* below the LOD the display is "未检出 (<LOD)", below the LOQ "<LOQ"; otherwise the value is rounded once by
  GB/T 8170 to the method's decimals, or with its uncertainty (GUM 7.2.6, U to two significant digits);
* the conformity decision (ILAC-G8, tichub.science.decision) is made on the unrounded value (GB/T 8170 4.3.3:
  the full-value comparison applies unless the standard says otherwise) with w = U under the guarded and
  non-binary rules, which therefore need an uncertainty; no limit, or the rule "none", gives no statement.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from tichub.science import decision as science_decision
from tichub.science.rounding import (
    format_result,
    round_gbt8170,
    round_significant,
    round_with_uncertainty,
    to_decimal,
)
from tichub.science.units import IncompatibleUnits, UnknownUnit, converter, parse_unit

from .choices import ResultDecision, UncertaintyKind

UNCERTAINTY_DIGITS = 2
RULES = {
    "simple": science_decision.DecisionRule.simple_acceptance(),
    "guarded": science_decision.DecisionRule.guarded_acceptance(1),
    "non_binary": science_decision.DecisionRule.non_binary(1),
}


class ResultRefused(ValueError):
    """An entry that cannot become a result; `field` is the input at fault, `message` says why for people."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Range:
    """A line of a method's uncertainty table: from ≤ value < to (the last line includes its upper end)."""

    low: Decimal
    high: Decimal
    value: Decimal
    relative: bool


@dataclass(frozen=True)
class Rules:
    unit: str
    places: int | None = None
    round_to_uncertainty: bool = False
    lod: Decimal | None = None
    loq: Decimal | None = None
    uncertainty_kind: str = UncertaintyKind.NONE
    uncertainty_value: Decimal | None = None
    uncertainty_ranges: tuple[Range, ...] = ()
    non_negative: bool = True
    lower: Decimal | None = None
    upper: Decimal | None = None
    decision_rule: str = "none"

    @classmethod
    def of(cls, test: Any) -> Rules:
        """The rules a Test (or any object with its fields) carries; its decimal texts are trusted (validated
        when the method and the order were written)."""
        return cls(
            unit=test.unit,
            places=test.places,
            round_to_uncertainty=test.round_to_uncertainty,
            lod=_optional(test.lod),
            loq=_optional(test.loq),
            uncertainty_kind=test.uncertainty_kind,
            uncertainty_value=_optional(test.uncertainty_value),
            uncertainty_ranges=ranges_of(test.uncertainty_ranges),
            non_negative=test.non_negative,
            lower=_optional(test.lower_limit),
            upper=_optional(test.upper_limit),
            decision_rule=test.decision_rule,
        )


@dataclass(frozen=True)
class Evaluated:
    raw_value: str
    raw_unit: str
    value: Decimal  # in the rules' unit, unrounded
    reported: Decimal | None  # rounded; None when below the LOD or the LOQ
    uncertainty: Decimal | None  # expanded, rounded for the report
    text_zh: str
    text_en: str
    decision: str  # a ResultDecision value

    @property
    def below_lod(self) -> bool:
        return self.text_en.startswith("not detected")


def _optional(text: str) -> Decimal | None:
    return to_decimal(text) if text not in ("", None) else None


def ranges_of(rows: Sequence[Mapping[str, Any]]) -> tuple[Range, ...]:
    return tuple(
        Range(to_decimal(row["from"]), to_decimal(row["to"]), to_decimal(row["value"]), bool(row.get("relative")))
        for row in rows
    )


def parse_value(raw: object, field: str = "value") -> Decimal:
    """Decimal text as typed, or ResultRefused naming the field."""
    if not isinstance(raw, str):
        raise ResultRefused(field, _('结果须以文本形式的数字提交，如 "12.5"。'))
    try:
        return to_decimal(raw)
    except ValueError:
        text = raw.strip()
        if not text:
            raise ResultRefused(field, _("请填写结果。")) from None
        if "," in text:
            raise ResultRefused(
                field, _("“%(raw)s”不是数值：小数点请用“.”，不要用逗号或千位分隔符。") % {"raw": raw}
            ) from None
        raise ResultRefused(
            field,
            _("“%(raw)s”不是数值：请输入数字，可带正负号、小数点和指数（如 12.25、-0.036、1.2E-3）。") % {"raw": raw},
        ) from None


def unit_converter(raw_unit: str, unit: str, field: str = "unit") -> Callable[[Decimal], Decimal] | None:
    """The conversion from the entered unit to the test's (None when they are the same unit)."""
    if not raw_unit.strip():
        return None
    try:
        if parse_unit(raw_unit) == parse_unit(unit):
            return None
        return converter(raw_unit, unit)
    except UnknownUnit:
        raise ResultRefused(field, _("未知单位“%(unit)s”。") % {"unit": raw_unit}) from None
    except IncompatibleUnits:
        raise ResultRefused(
            field,
            _("单位“%(unit)s”与本项目的单位“%(expected)s”量纲不同，不能换算。") % {"unit": raw_unit, "expected": unit},
        ) from None


def expanded_uncertainty(value: Decimal, rules: Rules) -> Decimal | None:
    """U for this value by the method's setting, unrounded; None when the method reports none."""
    kind = rules.uncertainty_kind
    if kind == UncertaintyKind.ABSOLUTE and rules.uncertainty_value is not None:
        return rules.uncertainty_value
    if kind == UncertaintyKind.RELATIVE and rules.uncertainty_value is not None:
        return abs(value) * rules.uncertainty_value / 100
    if kind == UncertaintyKind.RANGES:
        for index, line in enumerate(rules.uncertainty_ranges):
            last = index == len(rules.uncertainty_ranges) - 1
            if line.low <= value < line.high or (last and value == line.high):
                return abs(value) * line.value / 100 if line.relative else line.value
        return None
    return None


def _decision(value: Decimal, uncertainty: Decimal | None, rules: Rules) -> str:
    if rules.decision_rule == "none" or (rules.lower is None and rules.upper is None):
        return ResultDecision.NO_STATEMENT
    rule = RULES[rules.decision_rule]
    if rule.kind != "simple" and not uncertainty:
        raise ResultRefused(
            "uncertainty",
            _("约定的判定规则（%(rule)s）需要测量不确定度：请在方法设置中给出本项目的扩展不确定度。")
            % {"rule": rule.describe("zh-hans")},
        )
    outcome = science_decision.decide(
        value, lower=rules.lower, upper=rules.upper, uncertainty=uncertainty or Decimal(0), rule=rule
    )
    return ResultDecision(outcome.value).value


def evaluate(
    raw_value: object, raw_unit: str, rules: Rules, *, convert: Callable[[Decimal], Decimal] | None = None
) -> Evaluated:
    """Judge one entry under `rules` (see the module docstring). `convert` skips the unit lookup when the caller
    converts many values of one unit (the CSV import)."""
    number = parse_value(raw_value)
    raw_unit = (raw_unit or "").strip()
    if convert is None:
        convert = unit_converter(raw_unit, rules.unit)
    value = convert(number) if convert else number
    if rules.non_negative and value < 0:
        raise ResultRefused(
            "value", _("结果 %(value)s 为负值：本项目（浓度、含量等）的结果不能小于零。") % {"value": raw_value}
        )
    uncertainty = expanded_uncertainty(value, rules)
    decision = _decision(value, uncertainty, rules)
    below = (rules.lod is not None and value < rules.lod) or (rules.loq is not None and value < rules.loq)
    reported: Decimal | None
    if below:
        reported = None
        u_reported = round_significant(uncertainty, UNCERTAINTY_DIGITS) if uncertainty else None
    elif rules.round_to_uncertainty and uncertainty:
        reported, u_reported = round_with_uncertainty(value, uncertainty, UNCERTAINTY_DIGITS)
    else:
        reported = round_gbt8170(value, rules.places) if rules.places is not None else value
        u_reported = round_significant(uncertainty, UNCERTAINTY_DIGITS) if uncertainty else None
    # Below a limit the display compares the unrounded value (GB/T 8170 4.3.1); above, it is the rounded value.
    if reported is None:
        texts = {lang: format_result(value, lod=rules.lod, loq=rules.loq, lang=lang) for lang in ("zh-hans", "en")}
    else:
        texts = dict.fromkeys(("zh-hans", "en"), format_result(reported))
    return Evaluated(
        raw_value=str(raw_value).strip(),
        raw_unit=raw_unit or rules.unit,
        value=value,
        reported=reported,
        uncertainty=u_reported,
        text_zh=texts["zh-hans"],
        text_en=texts["en"],
        decision=decision,
    )
