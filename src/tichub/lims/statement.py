"""The overall statement of conformity of a sample, from its tests' decisions (ISO/IEC 17025 7.8.6, ILAC-G8).

A sample conforms only as well as its worst test: fail > conditional fail > conditional pass > pass. Tests
without a limit (decision "none") say nothing about conformity and are left out; when the decision rule is "none"
or no test has a limit there is no statement at all. The texts name the rule agreed in contract review (ISO/IEC
17025 7.8.6.2: the report identifies the decision rule applied) and, as ILAC-G8:09/2019 4.2.3 asks of
non-binary statements, say plainly when an outcome is conditional and which items it concerns.

Pure: no database and no interface language. The texts are bilingual report wording (Chinese and English are both
printed), so they are written here in both languages rather than translated.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .choices import ResultDecision
from .evaluation import RULES

#: Worst first: the sample's statement is that of its worst test.
SEVERITY = (
    ResultDecision.FAIL,
    ResultDecision.CONDITIONAL_FAIL,
    ResultDecision.CONDITIONAL_PASS,
    ResultDecision.PASS,
)

HEADS: dict[str, tuple[str, str]] = {
    ResultDecision.PASS: ("所检项目符合要求", "The items tested conform"),
    ResultDecision.CONDITIONAL_PASS: ("所检项目有条件符合要求", "The items tested conditionally conform"),
    ResultDecision.CONDITIONAL_FAIL: ("所检项目有条件不符合要求", "The items tested conditionally do not conform"),
    ResultDecision.FAIL: ("所检项目不符合要求", "The items tested do not conform"),
}

#: How each non-passing group of items is introduced, with what the condition means (ILAC-G8:09/2019 4.2.3).
GROUPS: dict[str, tuple[str, str]] = {
    ResultDecision.FAIL: ("不合格项目：{items}", "Items that fail: {items}"),
    ResultDecision.CONDITIONAL_FAIL: (
        "有条件不合格项目：{items}（测得值超出限量，但超出量不大于保护带，"
        "不能以约定的置信水平确认不符合，ILAC-G8:09/2019 4.2.3）",
        "Items that conditionally fail: {items} (the measured value is beyond the limit by no more than the guard "
        "band, so nonconformity is not demonstrated at the agreed level of confidence, ILAC-G8:09/2019 4.2.3)",
    ),
    ResultDecision.CONDITIONAL_PASS: (
        "有条件合格项目：{items}（测得值在限量以内，但与限量之差小于保护带，"
        "不能以约定的置信水平确认符合，ILAC-G8:09/2019 4.2.3）",
        "Items that conditionally pass: {items} (the measured value is within the limit by less than the guard "
        "band, so conformity is not demonstrated at the agreed level of confidence, ILAC-G8:09/2019 4.2.3)",
    ),
}


@dataclass(frozen=True)
class ItemDecision:
    """One test as the statement sees it: its names, whether it has a limit, and its decision ("" before a result)."""

    parameter: str
    parameter_en: str
    has_limit: bool
    decision: str


@dataclass(frozen=True)
class Statement:
    """The sample's overall decision (a ResultDecision value; "none" when no statement is made) and its texts.

    `pending` names the items with a limit that have no decision yet: while it is not empty the statement is
    provisional (it covers the decided items only).
    """

    decision: str
    text_zh: str
    text_en: str
    rule_zh: str
    rule_en: str
    items: dict[str, tuple[str, ...]]  # decision → parameters (Chinese) of the items that fail or are conditional
    pending: tuple[str, ...]

    @property
    def made(self) -> bool:
        return self.decision != ResultDecision.NO_STATEMENT

    @property
    def decision_label(self) -> str:
        return str(ResultDecision(self.decision).label)


def headline(decision: str) -> tuple[str, str]:
    """The statement's first sentence alone (what a public summary shows), in Chinese and English."""
    return HEADS.get(decision, ("不作符合性判定", "No statement of conformity"))


def rule_texts(rule: str) -> tuple[str, str]:
    """The rule as a report names it, in Chinese and English ("" for the rule "none")."""
    if rule not in RULES:
        return "", ""
    return RULES[rule].describe("zh-hans"), RULES[rule].describe("en")


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def sample_statement(decisions: Sequence[ItemDecision], rule: str) -> Statement:
    """The statement of a sample whose tests (live ones only: retested and retracted tests are records) decided
    `decisions` under `rule` (a DecisionRuleChoice value)."""
    rule_zh, rule_en = rule_texts(rule)
    limited = [item for item in decisions if item.has_limit]
    pending = tuple(item.parameter for item in limited if not item.decision)
    decided = [item for item in limited if item.decision in SEVERITY]
    if not rule_zh or not decided:
        return Statement(ResultDecision.NO_STATEMENT, "", "", rule_zh, rule_en, {}, pending)
    worst = min(decided, key=lambda item: SEVERITY.index(ResultDecision(item.decision))).decision
    groups = {outcome: tuple(item for item in decided if item.decision == outcome) for outcome in GROUPS}
    head_zh, head_en = HEADS[worst]
    text_zh = f"{head_zh}（{rule_zh}）"
    text_en = f"{head_en} ({_lower_first(rule_en)})"
    parts_zh = [
        GROUPS[outcome][0].format(items="、".join(item.parameter for item in items))
        for outcome, items in groups.items()
        if items
    ]
    parts_en = [
        GROUPS[outcome][1].format(items=", ".join(item.parameter_en or item.parameter for item in items))
        for outcome, items in groups.items()
        if items
    ]
    if parts_zh:
        text_zh += "。" + "；".join(parts_zh) + "。"
        text_en += ". " + "; ".join(parts_en) + "."
    listed = {outcome: tuple(item.parameter for item in items) for outcome, items in groups.items() if items}
    return Statement(worst, text_zh, text_en, rule_zh, rule_en, listed, pending)
