"""Checking the rows of an instrument's CSV export against the tests they name (ISO/IEC 17025 7.11.2).

No database here: import_services reads the tests of the samples a file names (one statement) and the
instruments, then `check_rows` judges every row and collects every problem, with the row's line number:

* the sample is one of the laboratory's (the services only read the institution's own samples);
* the keyword names exactly one live test of the sample: its keyword, else its parameter in Chinese or English;
  the test takes results (待检 or 已录入), is not calculated by a formula, is not assigned to another analyst
  (as in a manual entry), and is named once in the file;
* the measurement date is not in the future nor before the sample's receipt, and the instrument (the import's,
  else the test's own) was usable on it (metrology.gating);
* value, unit and uncertainty go through `lims.evaluation.evaluate`, as every result does.

Thousands of rows share a few rules, units, dates and values: `Checker` works each distinct one out once. The
preview keeps its verdicts (`verdicts_of`); the apply judges them again against the locked tests (`recheck`):
what depends on the database is checked anew, what `evaluate` made of the file stands while the test's rules
are unchanged.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from types import SimpleNamespace
from typing import Any, NamedTuple

from django.utils.translation import gettext as _

from tichub.metrology.gating import instrument_refusal
from tichub.metrology.models import Instrument
from tichub.science.rounding import format_result, to_decimal

from .choices import LIVE_TEST_STATES, TestStatus, UncertaintyKind
from .csvfile import COLUMNS, CsvRow, Problem, parse_date
from .evaluation import Evaluated, ResultRefused, Rules, evaluate, unit_converter

#: States a test may take an imported result in (a submitted result is corrected with a reason, one by one).
IMPORTABLE = frozenset({TestStatus.PENDING, TestStatus.ENTERED})
RULE_FIELDS = (
    "unit", "places", "round_to_uncertainty", "lod", "loq", "uncertainty_kind", "uncertainty_value",
    "uncertainty_ranges", "non_negative", "lower_limit", "upper_limit", "decision_rule",
)  # fmt: skip
TEST_FIELDS = (
    "id", "sample_id", "order_id", "keyword", "parameter", "parameter_en", "status", "formula", "version",
    "analyst_id", "instrument_id",
)  # fmt: skip
COLUMN_ORDER = {name: index for index, name in enumerate(("", *COLUMNS, "instrument"))}
#: Text lengths of Test's result columns (as result_services.COLUMN_MAX): too long is refused, never truncated.
COLUMN_MAX = {"raw_value": 40, "raw_unit": 40, "value": 60, "reported_value": 60, "uncertainty": 40}


class TestRow(NamedTuple):
    """A test as the import needs it: the columns one SQL statement reads for the whole file, in this order."""

    id: int
    sample_id: int
    order_id: int
    keyword: str
    parameter: str
    parameter_en: str
    status: str
    formula: str
    version: int
    analyst_id: int | None
    instrument_id: int | None
    # What Rules.of reads, in RULE_FIELDS order (uncertainty_ranges as JSON text).
    unit: str
    places: int | None
    round_to_uncertainty: bool
    lod: str
    loq: str
    uncertainty_kind: str
    uncertainty_value: str
    uncertainty_ranges: str
    non_negative: bool
    lower_limit: str
    upper_limit: str
    decision_rule: str
    number: str  # the sample's

    @property
    def rules_key(self) -> tuple[Any, ...]:
        return self[RULES_AT : RULES_AT + len(RULE_FIELDS)]


RULES_AT = len(TEST_FIELDS)
assert TestRow._fields == (*TEST_FIELDS, *RULE_FIELDS, "number"), "TestRow follows the columns the import reads"


class Targets:
    """The tests of the samples a file names, indexed by (sample number, what a row may call the test).

    Flat dictionaries rather than an object per sample: a file of 100,000 rows names some 50,000 samples.
    """

    def __init__(self, *, named: bool = True) -> None:
        self.named = named  # index what rows may call the tests (not needed when rows name tests by id)
        self.received: dict[str, dt.date] = {}  # sample number → date of receipt
        self.by_id: dict[int, TestRow] = {}
        self.by_keyword: dict[tuple[str, str], TestRow] = {}
        self.by_name: dict[tuple[str, str], list[TestRow]] = {}
        self.dead: dict[tuple[str, str], TestRow] = {}  # retested or retracted: a record, not a target
        self._names: dict[tuple[str, str], tuple[str, ...]] = {}
        self._keywords: dict[str, list[str]] | None = None

    def add(self, test: TestRow) -> None:
        self.by_id[test.id] = test
        if not self.named:
            return
        pair = (test.parameter, test.parameter_en)
        names = self._names.get(pair)
        if names is None:
            names = self._names[pair] = tuple({n.strip().casefold() for n in pair} - {""})
        number = test.number
        if test.status not in LIVE_TEST_STATES:
            for name in (test.keyword.casefold(), *names):
                self.dead.setdefault((number, name), test)
            return
        self.by_keyword[(number, test.keyword.casefold())] = test
        for name in names:
            found = self.by_name.get((number, name))
            if found is None:
                self.by_name[(number, name)] = [test]
            else:
                found.append(test)

    def live(self) -> list[TestRow]:
        return [test for test in self.by_id.values() if test.status in LIVE_TEST_STATES]

    def _keywords_of(self, number: str) -> str:
        if self._keywords is None:  # only when a row names no test: built once, on the first such row
            self._keywords = {}
            for (sample, _key), test in self.by_keyword.items():
                self._keywords.setdefault(sample, []).append(test.keyword)
        return "、".join(sorted(self._keywords.get(number, []))) or _("（无）")

    def find(self, number: str, text: str) -> tuple[TestRow | None, str]:
        """The live test of sample `number` that `text` names (its keyword, else its parameter in Chinese or
        English), or why none."""
        key = (number, text.casefold())
        test = self.by_keyword.get(key)
        if test is not None:
            return test, ""
        named = self.by_name.get(key, [])
        if len(named) == 1:
            return named[0], ""
        if named:
            return None, _("“%(name)s”对应样品 %(number)s 的多个检测项目（%(keywords)s）：请使用项目代码。") % {
                "name": text,
                "number": number,
                "keywords": "、".join(sorted(t.keyword for t in named)),
            }
        dead = self.dead.get(key)
        if dead is not None:
            return None, _("样品 %(number)s 的检测项目 %(keyword)s 状态为“%(state)s”，不能导入结果。") % {
                "number": number,
                "keyword": dead.keyword,
                "state": TestStatus(dead.status).label,
            }
        return None, _("样品 %(number)s 没有检测项目“%(name)s”。该样品的检测项目：%(keywords)s。") % {
            "number": number,
            "name": text,
            "keywords": self._keywords_of(number),
        }


Texts = tuple[str, str, str, str, str, str, str, str]  # raw value, raw unit, value, reported, U, zh, en, decision


def texts_of(result: Evaluated) -> Texts:
    """The texts stored for a result, as a manual entry stores them (result_services): the unrounded value as
    Decimal text, the reported value and U in positional notation."""
    texts = (
        result.raw_value,
        result.raw_unit,
        str(result.value),
        "" if result.reported is None else format_result(result.reported),
        "" if result.uncertainty is None else format_result(result.uncertainty),
        result.text_zh,
        result.text_en,
        str(result.decision),
    )
    if (
        len(texts[2]) > COLUMN_MAX["value"]
        or len(texts[3]) > COLUMN_MAX["reported_value"]
        or (len(texts[4]) > COLUMN_MAX["uncertainty"])
    ):
        raise ResultRefused("value", _("结果 %(value)s 的位数过多，无法记录。") % {"value": result.raw_value})
    return texts


@dataclass(slots=True)
class Good:
    """A row that passed every check: the result to write into its test."""

    line: int
    test: TestRow
    texts: Texts
    measured_on: dt.date
    instrument_id: int | None
    unit: str  # the test's, which the value (texts[2]) is in
    conversion: str  # "µg/kg → mg/kg", or "" when the value was in the test's unit


class Checker:
    """Caches of one pass over a file: thousands of rows share a few rules, units, dates and values, so each
    distinct one is worked out once (the rules of a method, a unit's converter, an instrument on a day, and the
    evaluation of one value under one set of rules)."""

    def __init__(self, instruments: Mapping[int, Instrument], today: dt.date) -> None:
        self.instruments = instruments
        self.today = today
        self.numbers = itertools.count()  # each distinct Rules gets a number: cheap to hash in the memo's keys
        self.rules: dict[tuple[Any, ...], tuple[int, Rules]] = {}
        self.with_u: dict[tuple[int, str, int], tuple[int, Rules] | ResultRefused] = {}
        self.converters: dict[tuple[str, str], Callable[[Decimal], Decimal] | ResultRefused | None] = {}
        self.evaluated: dict[tuple[str, str, int], Texts | ResultRefused] = {}
        self.dates: dict[str, dt.date | str] = {}
        self.refusals: dict[tuple[int, dt.date], str | None] = {}

    def rules_of(self, test: TestRow) -> tuple[int, Rules]:
        found = self.rules.get(test.rules_key)
        if found is None:
            values = dict(zip(RULE_FIELDS, test.rules_key, strict=True))
            values["uncertainty_ranges"] = json.loads(values["uncertainty_ranges"] or "[]")
            found = self.rules[test.rules_key] = (next(self.numbers), Rules.of(SimpleNamespace(**values)))
        return found

    def converter(self, unit: str, test_unit: str) -> Callable[[Decimal], Decimal] | None:
        key = (unit, test_unit)
        if key not in self.converters:
            try:
                self.converters[key] = unit_converter(unit, test_unit)
            except ResultRefused as exc:
                self.converters[key] = exc
        found = self.converters[key]
        if isinstance(found, ResultRefused):
            raise found
        return found

    def with_uncertainty(
        self, index: int, rules: Rules, text: str, convert: Callable[[Decimal], Decimal] | None
    ) -> tuple[int, Rules]:
        """The rules with the file's U as an absolute expanded uncertainty (for a method that gives none)."""
        key = (index, text, id(convert))
        if key not in self.with_u:
            try:
                u = to_decimal(text)
                if u < 0:
                    raise ValueError(text)
                if convert is not None:
                    u = convert(u) - convert(Decimal(0))  # a difference: no offset (°C → K)
                self.with_u[key] = (
                    next(self.numbers),
                    dataclasses.replace(rules, uncertainty_kind=UncertaintyKind.ABSOLUTE, uncertainty_value=u),
                )
            except ValueError:
                self.with_u[key] = ResultRefused(
                    "uncertainty",
                    _("不确定度“%(text)s”无效：应为不小于零的数值（扩展不确定度 U，与结果同单位）。") % {"text": text},
                )
        found = self.with_u[key]
        if isinstance(found, ResultRefused):
            raise found
        return found

    def evaluate(
        self, value: str, unit: str, index: int, rules: Rules, convert: Callable[[Decimal], Decimal] | None
    ) -> Texts:
        key = (value, unit, index)
        found = self.evaluated.get(key)
        if found is None:
            try:
                found = texts_of(evaluate(value, unit, rules, convert=convert))
            except ResultRefused as exc:
                found = exc
            self.evaluated[key] = found
        if isinstance(found, ResultRefused):
            raise found
        return found

    def date(self, text: str) -> dt.date:
        found = self.dates.get(text)
        if found is None:
            try:
                found = parse_date(text)
            except ValueError as exc:
                found = str(exc)
            else:
                if found > self.today:
                    found = _("测定日期 %(date)s 晚于今天（%(today)s）：不能导入将来的测定。") % {
                        "date": text,
                        "today": self.today.isoformat(),
                    }
            self.dates[text] = found
        if isinstance(found, str):
            raise ValueError(found)
        return found

    def refusal(self, instrument_id: int, on: dt.date) -> str | None:
        key = (instrument_id, on)
        if key not in self.refusals:
            instrument = self.instruments.get(instrument_id)
            self.refusals[key] = (
                instrument_refusal(instrument, on) if instrument is not None else _("仪器不存在，或不属于本机构。")
            )
        return self.refusals[key]


@dataclass
class Checked:
    good: list[Good]
    problems: list[Problem]
    uncertainty_from_file: int = 0
    uncertainty_ignored: int = 0
    formula_samples: set[int] = field(default_factory=set)  # samples with calculated tests, to recompute


@dataclass(frozen=True)
class Context:
    """What a pass over the rows needs besides the rows: the tests, the instruments, who enters, today."""

    targets: Targets  # the tests of the institution's samples the rows name
    instrument: Instrument | None  # the import's; else each test's own, from `instruments`
    instruments: Mapping[int, Instrument]
    analyst_id: int  # who the results are entered for (the one who uploaded the file)
    analyst_names: Mapping[int, str]  # analysts the tests are assigned to, for messages
    today: dt.date


def _refusal(test: TestRow, context: Context) -> str | None:
    """Why `test` cannot take an imported result now (its state, a formula, another analyst's), or None."""
    names = {"number": test.number, "keyword": test.keyword}
    if test.status not in IMPORTABLE:
        message = _(
            "样品 %(number)s 的检测项目 %(keyword)s 状态为“%(state)s”：只有“待检”或“已录入”的项目可以导入结果。"
        )
        return message % {**names, "state": TestStatus(test.status).label}
    if test.formula:
        message = _("样品 %(number)s 的检测项目 %(keyword)s 是计算项目（公式 %(formula)s），结果由系统计算，不能导入。")
        return message % {**names, "formula": test.formula}
    if test.analyst_id is not None and test.analyst_id != context.analyst_id:
        message = _("样品 %(number)s 的检测项目 %(keyword)s 已分配给 %(analyst)s：只有该检测人员可以录入结果。")
        return message % {**names, "analyst": context.analyst_names.get(test.analyst_id, str(test.analyst_id))}
    return None


def _target(row: CsvRow, context: Context, seen: dict[int, int], problems: list[Problem]) -> TestRow | None:
    """The test a row names, or None with the reason filed."""
    line = row.line
    targets = context.targets
    if row.sample not in targets.received:
        message = _("未找到样品“%(number)s”：编号不存在，或不是本实验室的样品。") % {"number": row.sample}
        problems.append(Problem(line, "sample", message))
        return None
    test, why = targets.find(row.sample, row.keyword)
    if test is None:
        problems.append(Problem(line, "keyword", why))
        return None
    refusal = _refusal(test, context)
    if refusal is not None:
        problems.append(Problem(line, "keyword", refusal))
        return None
    first = seen.get(test.id)
    if first is not None:
        message = _("与第 %(first)d 行重复：样品 %(number)s 的检测项目 %(keyword)s 在文件中只能出现一次。")
        problems.append(
            Problem(line, "keyword", message % {"number": test.number, "keyword": test.keyword, "first": first})
        )
        return None
    seen[test.id] = line
    return test


def _placed(
    line: int, test: TestRow, measured_on: dt.date, context: Context, checker: Checker, problems: list[Problem]
) -> int | bool | None:
    """The instrument of a measurement on `measured_on` (None: none), or False with the reason filed: not before
    the sample's receipt, and with an instrument usable on that day."""
    received = context.targets.received[test.number]
    if measured_on < received:
        message = _("测定日期 %(date)s 早于样品 %(number)s 的接收日期 %(received)s。")
        names = {"date": measured_on.isoformat(), "number": test.number, "received": received.isoformat()}
        problems.append(Problem(line, "measured_on", message % names))
        return False
    instrument_id = context.instrument.pk if context.instrument is not None else test.instrument_id
    if instrument_id is not None:
        refusal = checker.refusal(instrument_id, measured_on)
        if refusal:
            problems.append(Problem(line, "instrument", refusal))
            return False
    return instrument_id


def _check_row(row: CsvRow, context: Context, checker: Checker, seen: dict[int, int], checked: Checked) -> None:
    line = row.line
    problems = checked.problems
    test = _target(row, context, seen, problems)
    if test is None:
        return
    instrument_id: int | bool | None = False
    measured_on = context.today
    try:
        if row.measured_on:
            measured_on = checker.date(row.measured_on)
    except ValueError as exc:
        problems.append(Problem(line, "measured_on", str(exc)))
    else:
        instrument_id = _placed(line, test, measured_on, context, checker, problems)
    index, rules = checker.rules_of(test)
    unit = row.unit
    try:
        if len(row.value) > COLUMN_MAX["raw_value"]:
            raise ResultRefused("value", _("结果最多 %(max)d 个字符。") % {"max": COLUMN_MAX["raw_value"]})
        if len(unit) > COLUMN_MAX["raw_unit"]:
            raise ResultRefused("unit", _("单位最多 %(max)d 个字符。") % {"max": COLUMN_MAX["raw_unit"]})
        convert = checker.converter(unit, rules.unit) if unit else None
        if row.uncertainty:
            if rules.uncertainty_kind == UncertaintyKind.NONE:
                index, rules = checker.with_uncertainty(index, rules, row.uncertainty, convert)
                checked.uncertainty_from_file += 1
            else:
                checked.uncertainty_ignored += 1
        texts = checker.evaluate(row.value, unit, index, rules, convert)
    except ResultRefused as exc:
        problems.append(Problem(line, exc.field if exc.field in COLUMN_ORDER else "value", exc.message))
        return
    if instrument_id is not False:
        conversion = f"{unit} → {rules.unit}" if convert is not None else ""
        checked.good.append(Good(line, test, texts, measured_on, instrument_id, rules.unit, conversion))


def check_rows(rows: Sequence[CsvRow], context: Context) -> Checked:
    """Every row judged: the good ones with their evaluated result, and every problem (line, column, message)."""
    checker = Checker(context.instruments, context.today)
    checked = Checked(good=[], problems=[])
    seen: dict[int, int] = {}
    for row in rows:
        _check_row(row, context, checker, seen, checked)
    return checked


# --------------------------------------------------------------------------------------------------------------
# Verdicts: what the preview judged from the file alone, kept for the apply
# --------------------------------------------------------------------------------------------------------------

VERDICTS_FORMAT = 1


def verdicts_of(good: Sequence[Good]) -> dict[str, Any]:
    """The preview's good rows as JSON: for each, its line, the test, the rules it was judged under and the result.

    Results and rules are listed once (thousands of rows share them); the samples are kept to read their tests
    again at the apply.
    """
    rules: dict[tuple[Any, ...], int] = {}
    results: dict[tuple[str, ...], int] = {}
    days: dict[dt.date, int] = {}
    rows = []
    for g in good:
        r = rules.setdefault(g.test.rules_key, len(rules))
        x = results.setdefault((*g.texts, g.unit, g.conversion), len(results))
        d = days.setdefault(g.measured_on, len(days))
        rows.append((g.line, g.test.id, r, x, d))
    return {
        "format": VERDICTS_FORMAT,
        "samples": sorted({g.test.number for g in good}),
        "rules": [list(key) for key in rules],
        "results": [list(key) for key in results],
        "days": [day.isoformat() for day in days],
        "rows": rows,
    }


def recheck(verdicts: Mapping[str, Any], context: Context) -> Checked | None:
    """The preview's verdicts against the tests as they are now (locked): everything that depends on the database
    is judged again (the test still takes a result, is not calculated nor another analyst's, the instrument is
    usable, the date follows the receipt); the value itself, judged from the file by `evaluate`, stands while the
    test's rules are the ones it was judged under. None when a test's rules changed: judge the file again."""
    rules = [tuple(key) for key in verdicts["rules"]]
    results = [tuple(key) for key in verdicts["results"]]
    days = [dt.date.fromisoformat(day) for day in verdicts["days"]]
    checker = Checker(context.instruments, context.today)
    checked = Checked(good=[], problems=[])
    problems = checked.problems
    by_id = context.targets.by_id
    for line, test_id, r, x, d in verdicts["rows"]:
        test = by_id.get(test_id)
        if test is None:
            problems.append(Problem(line, "keyword", _("该检测项目已不存在，或不再属于本机构。")))
            continue
        if test.rules_key != rules[r]:
            return None
        refusal = _refusal(test, context)
        if refusal is not None:
            problems.append(Problem(line, "keyword", refusal))
            continue
        instrument_id = _placed(line, test, days[d], context, checker, problems)
        if instrument_id is not False:
            result = results[x]
            texts: Texts = result[:8]
            checked.good.append(Good(line, test, texts, days[d], instrument_id, result[8], result[9]))
    return checked


def ordered(problems: Sequence[Problem]) -> list[Problem]:
    """By line, then in the order of the columns."""
    return sorted(problems, key=lambda p: (p.line, COLUMN_ORDER.get(p.column, 99)))
