"""Results of laboratory tests: entry and correction, calculated results, submission for review.

ISO/IEC 17025 7.5 (technical records), 7.5.2 (a change to a record keeps the earlier value and says who changed
it, when and why), 7.6 (uncertainty), 7.7 (validity of results), 7.8.6 (statements of conformity). Every value
goes through `lims.evaluation.evaluate` (conversion to the test's unit, LOD/LOQ, uncertainty, GB/T 8170 rounding,
the decision under the rule agreed in contract review), and every write leaves a `ResultRevision` and an audit
event in the same transaction.

The three services need "lims.result.enter" and see only tests of the actor's institution (another institution's
test answers NotFound, as a test that does not exist). They lock the tests they write first (in primary-key
order), then the calculated tests of the same samples, then (through `progress_sync`) the order, so that two
analysts entering results of one sample at the same moment queue instead of losing a value.
"""

from __future__ import annotations

import datetime as dt
import graphlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import Max
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from tichub.accounts.models import User
from tichub.core.audit import JSON, audit_record_many, snapshot
from tichub.core.errors import Conflict, ServiceError
from tichub.core.tenancy import Actor
from tichub.metrology.gating import instrument_refusal
from tichub.metrology.models import Instrument
from tichub.science.formula import FormulaError
from tichub.science.formula import evaluate as formula_evaluate
from tichub.science.formula import variables as formula_variables
from tichub.science.rounding import format_result

from .choices import LIVE_TEST_STATES, ReviewAction, TestStatus
from .evaluation import Evaluated, ResultRefused, Rules, evaluate, parse_value, unit_converter
from .models import LabSample, ResultRevision, ReviewStep, Test
from .progress_services import progress_sync
from .result_selectors import sample_not_found, test_not_found

__all__ = ["ResultEntry", "results_recalculate", "results_record", "results_submit"]

ENTER = "lims.result.enter"
SOURCES = frozenset({"entry", "api", "import", "calculation"})
BATCH_MAX = 1000  # entries of one call (a worksheet of 500 results fits)
REASON_MAX = 1000
#: States in which the analyst writes freely: nothing has been reported to a reviewer yet.
FREE_STATES = frozenset({TestStatus.PENDING, TestStatus.ENTERED})
#: States in which the result was submitted (or sent back): a change needs a reason (ISO/IEC 17025 7.5.2).
REASON_STATES = frozenset({TestStatus.REJECTED, TestStatus.SUBMITTED, TestStatus.CHECKED})
#: Corrected in these states, the result goes back to the start of review (its earlier checks no longer hold).
UNDER_REVIEW = frozenset({TestStatus.SUBMITTED, TestStatus.CHECKED})
#: Text lengths of Test's result columns: a value that does not fit is refused, never truncated.
COLUMN_MAX = {"raw_value": 40, "raw_unit": 40, "value": 60, "reported_value": 60, "uncertainty": 40}
RESULT_FIELDS = (
    "raw_value",
    "raw_unit",
    "value",
    "reported_value",
    "uncertainty",
    "decision",
    "measured_on",
    "instrument",
    "status",
    "checks_done",
    "version",
)
WRITTEN_FIELDS = [
    "raw_value",
    "raw_unit",
    "value",
    "reported_value",
    "uncertainty",
    "result_text_zh",
    "result_text_en",
    "decision",
    "measured_on",
    "instrument",
    "analyst",
    "entered_by",
    "entered_at",
    "version",
    "status",
    "checks_done",
]


@dataclass(frozen=True)
class ResultEntry:
    """One result as typed (grid, API) or read (import): the test, decimal text and unit, and the context."""

    test_id: int
    value: str  # decimal text as typed
    unit: str = ""  # "" = the test's unit
    measured_on: dt.date | None = None  # default today
    instrument_id: int | None = None  # default the test's instrument
    reason: str = ""  # required when the test was submitted before
    version: int | None = None  # the version the client saw; a stale one → Conflict


@dataclass
class _Write:
    """A result decided for one test, before anything is written."""

    test: Test
    evaluated: Evaluated
    measured_on: dt.date
    instrument: Instrument | None
    reason: str


@dataclass
class _Faults:
    """Every fault of a batch, by field; a conflict (409) outranks bad input (400) when both occur."""

    fields: dict[str, list[str]] = field(default_factory=dict)
    conflict_code: str = ""

    def add(self, name: str, message: str) -> None:
        self.fields.setdefault(name, []).append(message)

    def conflict(self, name: str, message: str, code: str) -> None:
        self.add(name, message)
        self.conflict_code = self.conflict_code or code

    def raise_any(self) -> None:
        if not self.fields:
            return
        summary = "; ".join(f"{name}: {' '.join(messages)}" for name, messages in self.fields.items())
        if self.conflict_code:
            raise Conflict(summary, code=self.conflict_code, fields=self.fields)
        raise ServiceError(summary, fields=self.fields)


def test_name(test: Test) -> str:
    """How messages name a test: its sample's number and its parameter."""
    return f"{test.sample.number} {test.parameter}"


def _person(user: User | None) -> str:
    return user.name if user is not None else _("其他人员")


def _when(at: dt.datetime) -> str:
    return formats.date_format(timezone.localtime(at), "Y-m-d H:i:s")


def _lock_tests(actor: Actor, test_ids: Iterable[int]) -> dict[int, Test]:
    """The actor's tests, locked for the transaction in primary-key order; NotFound when one is missing."""
    wanted = set(test_ids)
    tests = list(
        Test.objects.select_for_update(of=("self",))
        .select_related("sample", "instrument", "analyst")
        .filter(institution_id=actor.tenant_id, pk__in=wanted)
        .order_by("pk")
    )
    if len(tests) != len(wanted):
        raise test_not_found()
    return {test.pk: test for test in tests}


def _save(tests: Sequence[Test], names: Sequence[str]) -> None:
    """Write these columns of the (locked) tests: one UPDATE statement run for every row (executemany), a constant
    number of statements whatever the batch. Django's bulk_update builds a CASE expression per row and column,
    about 20 ms a row here, which a worksheet of 500 results cannot afford."""
    if not tests:
        return
    meta = Test._meta
    fields = [field for field in meta.concrete_fields if field.name in names]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
    sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s"  # noqa: S608
    rows = [
        [field.get_db_prep_save(getattr(test, field.attname), connection) for field in fields] + [test.pk]
        for test in tests
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _insert_revisions(revisions: Sequence[ResultRevision]) -> None:
    """Append the revisions: one INSERT statement run for every row (executemany), for the reason given in
    `_save` (bulk_create spends nearly all its time building SQL)."""
    if not revisions:
        return
    meta = ResultRevision._meta
    fields = [field for field in meta.concrete_fields if not field.primary_key]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"  # noqa: S608
    rows = [[field.get_db_prep_save(getattr(row, field.attname), connection) for field in fields] for row in revisions]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


# --- recording ----------------------------------------------------------------------------------------------


def _last_change(tests: Sequence[Test]) -> dict[int, tuple[User | None, dt.datetime | None]]:
    """Who last wrote each test and when: its newest revision or review step, whichever is later."""
    last: dict[int, tuple[User | None, dt.datetime | None]] = {test.pk: (None, None) for test in tests}
    ids = list(last)
    revisions = ResultRevision.objects.filter(test_id__in=ids).select_related("changed_by").order_by("changed_at")
    steps = ReviewStep.objects.filter(test_id__in=ids).select_related("by").order_by("at")
    for test_id, who, at in [
        *((r.test_id, r.changed_by, r.changed_at) for r in revisions),
        *((s.test_id, s.by, s.at) for s in steps),
    ]:
        known = last[test_id][1]
        if known is None or at >= known:
            last[test_id] = (who, at)
    return last


def _stale_message(test: Test, seen: int, who: User | None, at: dt.datetime | None) -> str:
    if at is None:
        return _(
            "检测项目 %(test)s 在您打开后已被更改（您看到的是第 %(seen)d 版，现为第 %(now)d 版）：请刷新后重新录入。"
        ) % {
            "test": test_name(test),
            "seen": seen,
            "now": test.version,
        }
    return _(
        "检测项目 %(test)s 在您打开后已被 %(who)s 于 %(when)s 更改（您看到的是第 %(seen)d 版，现为第 %(now)d 版）："
        "请刷新后重新录入。"
    ) % {"test": test_name(test), "who": _person(who), "when": _when(at), "seen": seen, "now": test.version}


def _state_refusal(test: Test) -> str | None:
    if test.status == TestStatus.APPROVED:
        return _(
            "检测项目 %(test)s 的结果已批准，不能再录入或更正：已批准的结果只能由质量负责人或授权签字人撤销后重测。"
        ) % {"test": test_name(test)}
    if test.status not in FREE_STATES | REASON_STATES:
        return _("检测项目 %(test)s 当前状态为“%(state)s”，仅作记录保留，不能再录入结果。") % {
            "test": test_name(test),
            "state": test.get_status_display(),
        }
    return None


def _judge_entry(
    actor: Actor,
    index: int,
    entry: ResultEntry,
    test: Test,
    instruments: Mapping[int, Instrument],
    faults: _Faults,
    today: dt.date,
) -> _Write | None:
    """Every check of one entry against its (locked) test; faults go to `faults` as entries.<index>.<field>."""
    path = f"entries.{index}."
    refusal = _state_refusal(test)
    if refusal is not None:
        faults.conflict(path + "test_id", refusal, "test_state")
        return None
    if test.formula:
        faults.conflict(
            path + "value",
            _("检测项目 %(test)s 是计算项目（公式 %(formula)s）：结果由系统按公式计算，不能手工录入。")
            % {"test": test_name(test), "formula": test.formula},
            "calculated",
        )
        return None
    if test.analyst_id is not None and test.analyst_id != actor.person.pk:
        faults.conflict(
            path + "test_id",
            _("检测项目 %(test)s 已分配给 %(analyst)s：只有该检测人员可以录入结果。")
            % {"test": test_name(test), "analyst": _person(test.analyst)},
            "assigned_elsewhere",
        )
        return None
    before = len(faults.fields)
    reason = " ".join(str(entry.reason or "").split())
    if test.status in REASON_STATES and not reason:
        faults.add(
            path + "reason",
            _(
                "检测项目 %(test)s 的结果处于“%(state)s”状态："
                "更正须填写理由，原结果保留在修改记录中（ISO/IEC 17025 7.5.2）。"
            )
            % {"test": test_name(test), "state": test.get_status_display()},
        )
    if len(reason) > REASON_MAX:
        faults.add(
            path + "reason", _("理由最多 %(max)d 个字符（现为 %(n)d 个）。") % {"max": REASON_MAX, "n": len(reason)}
        )
    measured_on = entry.measured_on or today
    received = timezone.localdate(test.sample.received_at)
    date_ok = False
    if measured_on > today:
        faults.add(
            path + "measured_on",
            _("测试日期 %(date)s 晚于今天（%(today)s）：不能录入将来的测试。")
            % {"date": measured_on.isoformat(), "today": today.isoformat()},
        )
    elif measured_on < received:
        faults.add(
            path + "measured_on",
            _("测试日期 %(date)s 早于样品 %(sample)s 的接收日期 %(received)s。")
            % {"date": measured_on.isoformat(), "sample": test.sample.number, "received": received.isoformat()},
        )
    else:
        date_ok = True
    instrument = test.instrument
    if entry.instrument_id is not None:
        instrument = instruments.get(entry.instrument_id)
        if instrument is None:
            faults.add(path + "instrument_id", _("仪器设备不存在，或不属于本机构。"))
    if instrument is not None and instrument.institution_id != actor.tenant_id:
        faults.add(path + "instrument_id", _("仪器设备不存在，或不属于本机构。"))
    elif instrument is not None and date_ok:
        why = instrument_refusal(instrument, measured_on)
        if why is not None:
            faults.add(path + "instrument_id", why)
    evaluated = _evaluate(test, entry.value, entry.unit, path, faults)
    if evaluated is None or len(faults.fields) != before:
        return None
    return _Write(test=test, evaluated=evaluated, measured_on=measured_on, instrument=instrument, reason=reason)


def _evaluate(test: Test, value: Any, unit: str, path: str, faults: _Faults) -> Evaluated | None:
    """`evaluate` under the test's rules, its refusal filed under the entry's field; too long a text is refused."""
    raw = value.strip() if isinstance(value, str) else value
    if isinstance(raw, str) and len(raw) > COLUMN_MAX["raw_value"]:
        faults.add(path + "value", _("结果最多 %(max)d 个字符。") % {"max": COLUMN_MAX["raw_value"]})
        return None
    if len(unit or "") > COLUMN_MAX["raw_unit"]:
        faults.add(path + "unit", _("单位最多 %(max)d 个字符。") % {"max": COLUMN_MAX["raw_unit"]})
        return None
    rules = Rules.of(test)
    try:
        unit_converter(unit or "", rules.unit)
    except ResultRefused as exc:
        # Both faults at once: the value is read even when the unit is wrong.
        faults.add(path + "unit", exc.message)
        try:
            parse_value(raw)
        except ResultRefused as value_fault:
            faults.add(path + "value", value_fault.message)
        return None
    try:
        evaluated = evaluate(raw, unit or "", rules)
    except ResultRefused as exc:
        # "uncertainty" is a fault of the method's settings; it stops this value, so it is shown at the value.
        faults.add(path + (exc.field if exc.field in ("value", "unit") else "value"), exc.message)
        return None
    texts = _texts(evaluated)
    if any(len(texts[name]) > limit for name, limit in COLUMN_MAX.items() if name in texts):
        faults.add(path + "value", _("结果 %(value)s 的位数过多，无法记录。") % {"value": raw})
        return None
    return evaluated


def _texts(evaluated: Evaluated) -> dict[str, str]:
    """The decimal texts stored for a result: the unrounded value, the reported value and U (positional)."""
    return {
        "value": str(evaluated.value),
        "reported_value": format_result(evaluated.reported) if evaluated.reported is not None else "",
        "uncertainty": format_result(evaluated.uncertainty) if evaluated.uncertainty is not None else "",
    }


def _apply(test: Test, write: _Write, actor: Actor, now: dt.datetime) -> None:
    """The new result on the test row (not saved): values, who and when, version, state."""
    evaluated = write.evaluated
    texts = _texts(evaluated)
    test.raw_value = evaluated.raw_value
    test.raw_unit = evaluated.raw_unit
    test.value = texts["value"]
    test.reported_value = texts["reported_value"]
    test.uncertainty = texts["uncertainty"]
    test.result_text_zh = evaluated.text_zh
    test.result_text_en = evaluated.text_en
    test.decision = str(evaluated.decision)
    test.measured_on = write.measured_on
    test.instrument = write.instrument
    test.entered_by = actor.person
    test.entered_at = now
    test.version += 1
    if test.status in UNDER_REVIEW:
        # A corrected result is reviewed again from the first level: earlier checks were of another value.
        test.status = TestStatus.SUBMITTED
        test.checks_done = 0
    else:
        test.status = TestStatus.ENTERED


def _revision(test: Test, actor: Actor, now: dt.datetime, reason: str, source: str) -> ResultRevision:
    return ResultRevision(
        test=test,
        version=test.version,
        raw_value=test.raw_value,
        raw_unit=test.raw_unit,
        value=test.value,
        reported_value=test.reported_value,
        uncertainty=test.uncertainty,
        decision=test.decision,
        measured_on=test.measured_on,
        instrument_id=test.instrument_id,
        changed_by=actor.person,
        changed_at=now,
        reason=reason,
        source=source,
    )


def _audit(actor: Actor, changes: Sequence[tuple[str, str, Test, JSON, JSON]]) -> None:
    """One audit event per written test (action, reason, test, before, after); events that share an action and a
    reason go in one statement."""
    groups: dict[tuple[str, str], list[tuple[Any, JSON | None, JSON | None]]] = {}
    for action, reason, test, before, after in changes:
        groups.setdefault((action, reason), []).append((test, before, after))
    for (action, reason), rows in groups.items():
        audit_record_many(actor=actor, action=action, changes=rows, reason=reason)


def _write(actor: Actor, writes: Sequence[_Write], source: str, now: dt.datetime) -> list[Test]:
    changes = []
    for write in writes:
        test = write.test
        before = snapshot(test, RESULT_FIELDS)
        action = "result.correct" if test.status in REASON_STATES else "result.enter"
        if test.analyst_id is None:
            test.analyst = actor.person  # an unassigned test is taken by whoever enters its result
        _apply(test, write, actor, now)
        changes.append((action, write.reason, test, before, snapshot(test, RESULT_FIELDS)))
    tests = [write.test for write in writes]
    _save(tests, WRITTEN_FIELDS)
    _insert_revisions([_revision(write.test, actor, now, write.reason, source) for write in writes])
    _audit(actor, changes)
    return tests


def results_record(*, actor: Actor, entries: Sequence[ResultEntry], source: str = "entry") -> list[Test]:
    """Enter or correct results, all or nothing (ISO/IEC 17025 7.5, 7.5.2), and recompute calculated results.

    Each entry is judged against its locked test: the test must be live and not approved (approved results change
    by retraction only), not calculated, assigned to the actor or to nobody (then the actor takes it), unchanged
    since the version the client saw; a result already submitted, checked or rejected needs a reason, and a
    corrected submitted or checked result goes back to SUBMITTED with its checks reset. The measurement date is
    neither in the future nor before the sample's receipt, and the instrument (the entry's, else the test's) is
    the institution's and usable on that date (ISO/IEC 17025 6.4). Faults come back together as
    "entries.<i>.<field>" (value, unit, measured_on, instrument_id, reason, version, test_id); nothing is written
    unless every entry passes. Returns the written tests in entry order, then the calculated tests recomputed.
    """
    actor.require(ENTER)
    if source not in SOURCES:
        raise ValueError(f"source must be one of {sorted(SOURCES)}, got {source!r}")
    entries = list(entries)
    if not entries:
        raise ServiceError.field("entries", _("请至少填写一项结果。"))
    if len(entries) > BATCH_MAX:
        raise ServiceError.field(
            "entries", _("一次最多录入 %(max)d 项结果（现为 %(n)d 项）。") % {"max": BATCH_MAX, "n": len(entries)}
        )
    with transaction.atomic():
        tests = _lock_tests(actor, (entry.test_id for entry in entries))
        today = timezone.localdate()
        wanted = {entry.instrument_id for entry in entries if entry.instrument_id is not None}
        instruments = (
            {i.pk: i for i in Instrument.objects.filter(institution_id=actor.tenant_id, pk__in=wanted)}
            if wanted
            else {}
        )
        stale = [
            (index, entry)
            for index, entry in enumerate(entries)
            if entry.version is not None and entry.version != tests[entry.test_id].version
        ]
        last = _last_change([tests[entry.test_id] for _index, entry in stale]) if stale else {}
        stale_at = {index for index, _entry in stale}
        faults = _Faults()
        writes: list[_Write] = []
        first_row: dict[int, int] = {}
        for index, entry in enumerate(entries):
            test = tests[entry.test_id]
            if test.pk in first_row:
                faults.add(
                    f"entries.{index}.test_id",
                    _("检测项目 %(test)s 在本次提交中出现了两次（另见第 %(row)d 项）。")
                    % {"test": test_name(test), "row": first_row[test.pk] + 1},
                )
                continue
            first_row[test.pk] = index
            if index in stale_at and _state_refusal(test) is None:
                who, at = last[test.pk]
                faults.conflict(
                    f"entries.{index}.version", _stale_message(test, int(entry.version or 0), who, at), "stale_version"
                )
                continue
            write = _judge_entry(actor, index, entry, test, instruments, faults, today)
            if write is not None:
                writes.append(write)
        faults.raise_any()
        now = timezone.now()
        written = _write(actor, writes, source, now)
        sample_ids = sorted({test.sample_id for test in written})
        calculated, failures = _calculate(actor, sample_ids, now)
        if failures:
            _raise_for_entries(failures, entries, tests)
        for order_id in sorted({test.order_id for test in written}):
            progress_sync(actor=actor, order_id=order_id)
    return [*written, *calculated]


def _raise_for_entries(failures: Mapping[Test, str], entries: Sequence[ResultEntry], tests: Mapping[int, Test]) -> None:
    """A calculated result that the new values make impossible refuses the entries that feed it."""
    faults = _Faults()
    for formula_test, message in failures.items():
        inputs = _inputs_of(formula_test)
        fed = [
            index
            for index, entry in enumerate(entries)
            if tests[entry.test_id].sample_id == formula_test.sample_id and tests[entry.test_id].keyword in inputs
        ]
        for name in [f"entries.{index}.value" for index in fed] or ["entries"]:
            faults.add(name, message)
    faults.raise_any()


# --- calculated results -----------------------------------------------------------------------------------------

#: A calculated test follows its inputs in these states; approved or closed ones are records and stay.
CALCULABLE = frozenset({*FREE_STATES, *REASON_STATES})


def _inputs_of(test: Test) -> frozenset[str]:
    try:
        return formula_variables(test.formula)
    except FormulaError:
        return frozenset()


def _calculation_order(formula_tests: Sequence[Test]) -> list[Test]:
    """Calculated tests of one sample, each after the calculated tests it reads (a cycle is left out)."""
    by_keyword = {test.keyword: test for test in formula_tests}
    graph = {test.keyword: {name for name in _inputs_of(test) if name in by_keyword} for test in formula_tests}
    try:
        return [by_keyword[keyword] for keyword in graphlib.TopologicalSorter(graph).static_order()]
    except graphlib.CycleError:
        return [test for test in formula_tests if not graph[test.keyword]]


def _calculation_failure(test: Test, why: str) -> str:
    return _("样品 %(sample)s 的计算项目“%(test)s”（公式 %(formula)s）无法计算：%(why)s") % {
        "sample": test.sample.number,
        "test": test.parameter,
        "formula": test.formula,
        "why": why,
    }


def _calculate(actor: Actor, sample_ids: Sequence[int], now: dt.datetime) -> tuple[list[Test], dict[Test, str]]:
    """Recompute the calculated tests of these samples whose inputs all have values (a constant number of queries).

    The calculated tests are locked before their inputs are read, so that of two analysts writing inputs of the
    same sample at once, the second computes from the first one's committed value.
    """
    if not sample_ids:
        return [], {}
    formula_tests = list(
        Test.objects.select_for_update(of=("self",))
        .select_related("sample", "instrument")
        .filter(institution_id=actor.tenant_id, sample_id__in=sample_ids, status__in=CALCULABLE)
        .exclude(formula="")
        .order_by("pk")
    )
    if not formula_tests:
        return [], {}
    values: dict[int, dict[str, tuple[Decimal, dt.date | None]]] = {}
    for row in (
        Test.objects.filter(sample_id__in=sample_ids, status__in=LIVE_TEST_STATES)
        .exclude(value="")
        .values("sample_id", "keyword", "value", "measured_on")
    ):
        values.setdefault(row["sample_id"], {})[row["keyword"]] = (Decimal(row["value"]), row["measured_on"])
    by_sample: dict[int, list[Test]] = {}
    for test in formula_tests:
        by_sample.setdefault(test.sample_id, []).append(test)
    writes: list[tuple[Test, _Write]] = []
    failures: dict[Test, str] = {}
    for sample_id, tests in by_sample.items():
        known = values.get(sample_id, {})
        for test in _calculation_order(tests):
            inputs = _inputs_of(test)
            if not inputs or any(name not in known or name == test.keyword for name in inputs):
                continue  # an input is still missing: the calculated result waits
            try:
                result = formula_evaluate(test.formula, {name: known[name][0] for name in inputs})
            except FormulaError as exc:
                failures[test] = _calculation_failure(test, str(exc))
                continue
            faults = _Faults()
            evaluated = _evaluate(test, str(result), "", "", faults)
            if evaluated is None:
                failures[test] = _calculation_failure(test, " ".join(faults.fields.get("value", [])))
                continue
            dates = [day for name in inputs if (day := known[name][1]) is not None]
            measured_on = max(dates) if dates else timezone.localdate()
            known[test.keyword] = (evaluated.value, measured_on)
            if _unchanged(test, evaluated, measured_on):
                continue
            reason = ""
            if test.status in REASON_STATES:
                reason = _("输入结果更正后按公式 %(formula)s 重新计算。") % {"formula": test.formula}
            writes.append(
                (
                    test,
                    _Write(
                        test=test,
                        evaluated=evaluated,
                        measured_on=measured_on,
                        instrument=test.instrument,
                        reason=reason,
                    ),
                )
            )
    if failures:
        return [], failures
    changes = []
    for test, write in writes:
        before = snapshot(test, RESULT_FIELDS)
        _apply(test, write, actor, now)
        changes.append(("result.calculate", write.reason, test, before, snapshot(test, RESULT_FIELDS)))
    calculated = [test for test, _write in writes]
    if calculated:
        _save(calculated, WRITTEN_FIELDS)
        _insert_revisions([_revision(test, actor, now, write.reason, "calculation") for test, write in writes])
        _audit(actor, changes)
    return calculated, {}


def _unchanged(test: Test, evaluated: Evaluated, measured_on: dt.date) -> bool:
    texts = _texts(evaluated)
    return (
        test.status != TestStatus.PENDING
        and test.value == texts["value"]
        and test.reported_value == texts["reported_value"]
        and test.uncertainty == texts["uncertainty"]
        and test.decision == str(evaluated.decision)
        and test.measured_on == measured_on
    )


def results_recalculate(*, actor: Actor, sample_ids: Iterable[int]) -> list[Test]:
    """Recompute the calculated results of these samples (ISO/IEC 17025 7.5: the calculation is part of the record).

    For the CSV import after its fast path, and called by `results_record`. A calculated test is written when
    every keyword its formula names is a live test of the same sample with a value (taken as Decimal of the stored
    unrounded value); it then goes through `evaluate` in its own unit like any result, with source "calculation"
    and the actor as the one who entered it. A test whose inputs are incomplete, or that already holds this
    result, is left untouched; approved, retested and retracted tests are never touched. A formula that the
    values make impossible (division by zero, a negative concentration) refuses the whole call with
    "tests.<id>" fields. Returns the tests written.
    """
    actor.require(ENTER)
    ids = sorted(set(sample_ids))
    with transaction.atomic():
        if LabSample.objects.filter(pk__in=ids, institution_id=actor.tenant_id).count() != len(ids):
            raise sample_not_found()
        calculated, failures = _calculate(actor, ids, timezone.now())
        if failures:
            fields = {f"tests.{test.pk}": [message] for test, message in failures.items()}
            raise ServiceError(" ".join(failures.values()), fields=fields)
        for order_id in sorted({test.order_id for test in calculated}):
            progress_sync(actor=actor, order_id=order_id)
    return calculated


# --- submission -------------------------------------------------------------------------------------------------


def _changed_since_rejection(tests: Sequence[Test]) -> set[int]:
    """Rejected tests whose result was written again after their last rejection."""
    ids = [test.pk for test in tests if test.status == TestStatus.REJECTED]
    if not ids:
        return set()
    rejected = dict(
        ReviewStep.objects.filter(test_id__in=ids, action=ReviewAction.REJECT)
        .values("test_id")
        .annotate(at=Max("at"))
        .values_list("test_id", "at")
    )
    written = dict(
        ResultRevision.objects.filter(test_id__in=ids)
        .values("test_id")
        .annotate(at=Max("changed_at"))
        .values_list("test_id", "at")
    )
    return {pk for pk in ids if pk in written and (pk not in rejected or written[pk] > rejected[pk])}


def results_submit(*, actor: Actor, test_ids: Sequence[int]) -> list[Test]:
    """Hand entered results over for review (ISO/IEC 17025 7.7, 7.8.1: checked before release).

    ENTERED tests, and REJECTED tests whose result was written again after the rejection, become SUBMITTED with
    `submitted_at`; each gets a "submit" review step and an audit event. Tests without a result, in another state
    or assigned to another analyst are refused together (field "test_ids", naming them) and nothing changes.
    """
    actor.require(ENTER)
    if isinstance(test_ids, str | bytes) or not all(isinstance(pk, int) for pk in test_ids):
        raise ServiceError.field("test_ids", _("请以检测项目编号的列表提交。"))
    ids = list(dict.fromkeys(test_ids))
    if not ids:
        raise ServiceError.field("test_ids", _("请选择要提交的检测项目。"))
    if len(ids) > BATCH_MAX:
        raise ServiceError.field(
            "test_ids", _("一次最多提交 %(max)d 项（现为 %(n)d 项）。") % {"max": BATCH_MAX, "n": len(ids)}
        )
    with transaction.atomic():
        locked = _lock_tests(actor, ids)
        tests = [locked[pk] for pk in ids]
        redone = _changed_since_rejection(tests)
        me = actor.person.pk
        empty = [test for test in tests if not test.value]
        others = [test for test in tests if test.value and test.analyst_id not in (None, me)]
        wrong = [
            test
            for test in tests
            if test.value
            and test not in others
            and not (test.status == TestStatus.ENTERED or (test.status == TestStatus.REJECTED and test.pk in redone))
        ]
        faults = _Faults()
        if empty:
            faults.add(
                "test_ids",
                _("以下检测项目还没有结果，不能提交：%(tests)s。") % {"tests": "、".join(map(test_name, empty))},
            )
        if others:
            named = "、".join(f"{test_name(test)}（{_person(test.analyst)}）" for test in others)
            faults.conflict(
                "test_ids",
                _("以下检测项目已分配给其他检测人员，不能由您提交：%(tests)s。") % {"tests": named},
                "assigned_elsewhere",
            )
        if wrong:
            named = "、".join(
                f"{test_name(test)}（{test.get_status_display()}）"
                if test.status != TestStatus.REJECTED
                else f"{test_name(test)}（{_('退回后尚未更正')}）"
                for test in wrong
            )
            faults.conflict(
                "test_ids",
                _("以下检测项目当前不能提交（只能提交已录入的结果）：%(tests)s。") % {"tests": named},
                "test_state",
            )
        faults.raise_any()
        now = timezone.now()
        changes = []
        for test in tests:
            before = snapshot(test, ("status", "submitted_at", "checks_done", "version"))
            test.status = TestStatus.SUBMITTED
            test.submitted_at = now
            test.checks_done = 0
            test.version += 1
            if test.analyst_id is None:
                test.analyst = actor.person
            changes.append((test, before, snapshot(test, ("status", "submitted_at", "checks_done", "version"))))
        _save(tests, ["status", "submitted_at", "checks_done", "version", "analyst"])
        ReviewStep.objects.bulk_create(
            [ReviewStep(test=test, action=ReviewAction.SUBMIT, level=0, by=actor.person, at=now) for test in tests],
            batch_size=500,
        )
        audit_record_many(actor=actor, action="result.submit", changes=changes)
        for order_id in sorted({test.order_id for test in tests}):
            progress_sync(actor=actor, order_id=order_id)
    return tests
