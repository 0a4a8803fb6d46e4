"""Worksheets: tests of several samples measured together in one run, with QC slots (ISO/IEC 17025 7.7.1).

A worksheet batches editable tests of the institution (of one method when it names one) on one instrument that
may be used that day (6.4), numbered by the institution's numbering service, run by the analyst who makes it. Its
QC slots (blank, duplicate of one of its tests, reference material) carry their acceptance settings from the
start; their values are judged by `lims.qc` when recorded. Results of its sample slots are written through the
result services (`lims.result_services.results_record`: conversion, checks, rounding, decision, history), and the
worksheet is submitted for review only when every sample slot has a result and every QC slot has a value that
passed its check (7.7.2: data out of the acceptance criteria stop the results from being reported).

Every service needs "lims.result.enter", runs in one transaction, locks the worksheet (worksheet, then tests,
then the order), writes its audit events in it, and leaves the database unchanged when it refuses.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from tichub.core.audit import audit_record, audit_record_many, snapshot
from tichub.core.errors import Conflict, NotFound, ServiceError
from tichub.core.numbering import number_next
from tichub.core.tenancy import Actor
from tichub.metrology.gating import instrument_refusal
from tichub.metrology.models import Instrument

from . import qc as qc_rules  # the services' `qc` parameter is the QC rows
from .choices import EDITABLE_TEST_STATES, QcKind, TestStatus, WorksheetStatus
from .models import Test, TestMethod, Worksheet, WorksheetSlot
from .result_services import ResultEntry, results_record, results_submit
from .worksheet_selectors import judge, worksheet_not_found

ENTER = "lims.result.enter"
SLOTS_MAX = 1000  # positions of one worksheet: a bench run, not a database export
TEXT_MAX = 40  # the QC columns of WorksheetSlot
QC_KEYS = frozenset({"kind", "expected", "tolerance", "duplicate_of_test_id", "position"})
QC_KINDS = (QcKind.BLANK, QcKind.DUPLICATE, QcKind.REFERENCE)
WORKSHEET_FIELDS = ("number", "method", "instrument", "analyst", "status")
SLOT_FIELDS = ("qc_value", "qc_passed")

Fields = dict[str, list[str]]


@dataclass(frozen=True)
class QcSpec:
    kind: str
    expected: str
    tolerance: str
    duplicate_of_id: int | None
    position: int | None  # 1-based among the slots added by the call; None: after the tests


def _raise(fields: Fields) -> None:
    if fields:
        summary = "; ".join(f"{name}: {' '.join(messages)}" for name, messages in fields.items())
        raise ServiceError(summary, fields=fields)


def test_label(test: Test) -> str:
    """How people name a test: sample number and parameter ("S2026-00001 铅")."""
    return f"{test.sample.number} {test.parameter}"


def _worksheet_locked(actor: Actor, worksheet_id: int) -> Worksheet:
    """The institution's open worksheet, locked for the transaction; NotFound, or Conflict once submitted."""
    worksheet = (
        Worksheet.objects.select_for_update(of=("self",))
        .select_related("method")
        .filter(pk=worksheet_id, institution_id=actor.tenant_id)
        .first()
    )
    if worksheet is None:
        raise worksheet_not_found()
    if worksheet.status != WorksheetStatus.OPEN:
        raise Conflict(
            _("工作单 %(number)s 已提交，不能再修改：结果的更正请在检测项目上进行（须说明理由）。")
            % {"number": worksheet.number},
            code="worksheet_submitted",
        )
    return worksheet


# --- building: tests and QC slots -----------------------------------------------------------------------------


def _ids(fields: Fields, raw: Any, name: str) -> list[int]:
    """A list of distinct ids, or faults under `name`."""
    if isinstance(raw, str | bytes) or not isinstance(raw, Sequence):
        fields.setdefault(name, []).append(_("%(field)s 须为 id 的列表。") % {"field": name})
        return []
    ids: list[int] = []
    for index, value in enumerate(raw):
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            fields.setdefault(f"{name}.{index}", []).append(_("“%(value)s”不是有效的 id。") % {"value": value})
        elif value in ids:
            fields.setdefault(f"{name}.{index}", []).append(_("检测项目 #%(id)d 重复。") % {"id": value})
        else:
            ids.append(value)
    return ids


def _tests_locked(actor: Actor, test_ids: list[int]) -> dict[int, Test]:
    """The institution's tests, locked; NotFound naming the ids that are not (absent or another tenant's)."""
    tests = {
        test.pk: test
        for test in Test.objects.select_for_update(of=("self",))
        .select_related("sample")
        .filter(institution_id=actor.tenant_id, pk__in=test_ids)
    }
    missing = [str(pk) for pk in test_ids if pk not in tests]
    if missing:
        raise NotFound(_("检测项目不存在，或不属于本机构：%(ids)s。") % {"ids": ", ".join(missing)})
    return tests


def _check_tests(fields: Fields, test_ids: list[int], tests: dict[int, Test], method: TestMethod | None) -> None:
    """Each test may go on this worksheet: editable, on no worksheet yet, measured here, of the method."""
    taken = dict(WorksheetSlot.objects.filter(test_id__in=test_ids).values_list("test_id", "worksheet__number"))
    for index, pk in enumerate(test_ids):
        test = tests[pk]
        label = test_label(test)
        path = f"test_ids.{index}"
        if test.status not in EDITABLE_TEST_STATES:
            fields.setdefault(path, []).append(
                _("%(test)s 当前状态为“%(state)s”，不能上工作单：只有待检、已录入或已退回的项目可以。")
                % {"test": label, "state": test.get_status_display()}
            )
        if pk in taken:
            fields.setdefault(path, []).append(
                _("%(test)s 已在工作单 %(number)s 上。") % {"test": label, "number": taken[pk]}
            )
        if test.subcontractor_id is not None:
            fields.setdefault(path, []).append(_("%(test)s 由分包方检测，不上工作单。") % {"test": label})
        if test.formula:
            fields.setdefault(path, []).append(
                _("%(test)s 是计算项目（由公式得出），不上工作单：录入其输入项目的结果后自动计算。") % {"test": label}
            )
        if method is not None and test.method_id != method.pk:
            fields.setdefault(path, []).append(
                _("%(test)s 不是按本工作单的方法（%(method)s）检测的。") % {"test": label, "method": str(method)}
            )


def _text(fields: Fields, path: str, value: Any, label: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        fields.setdefault(path, []).append(_("%(field)s须为文本。") % {"field": label})
        return ""
    value = value.strip()
    if len(value) > TEXT_MAX:
        fields.setdefault(path, []).append(
            _("%(field)s最多 %(max)d 个字符（现为 %(n)d 个）。") % {"field": label, "max": TEXT_MAX, "n": len(value)}
        )
    return value


def _qc_specs(fields: Fields, rows: Any, *, partners: set[int], method: TestMethod | None, count: int) -> list[QcSpec]:
    """Every QC row checked, every fault reported as qc.<n>.<field>; `partners`: tests a duplicate may name,
    `count`: the slots added with them (positions run 1..count)."""
    if rows is None:
        return []
    if isinstance(rows, str | bytes) or not isinstance(rows, Sequence):
        fields.setdefault("qc", []).append(_("qc 须为质控位置的列表。"))
        return []
    specs: list[QcSpec] = []
    positions: set[int] = set()
    lod = method.lod if method is not None else ""
    for index, row in enumerate(rows):
        path = f"qc.{index}"
        if not isinstance(row, Mapping):
            fields.setdefault(path, []).append(_("每个质控位置须包含类型（kind）、标准值/限值和允许差。"))
            continue
        unknown = sorted(set(map(str, row)) - QC_KEYS)
        if unknown:
            fields.setdefault(path, []).append(_("未知字段：%(fields)s。") % {"fields": ", ".join(unknown)})
        kind = row.get("kind")
        expected = _text(fields, f"{path}.expected", row.get("expected"), _("标准值/限值"))
        tolerance = _text(fields, f"{path}.tolerance", row.get("tolerance"), _("允许差"))
        try:
            qc_rules.check_setup(str(kind or ""), expected=expected, tolerance=tolerance, lod=lod)
        except qc_rules.QcRefused as exc:
            fields.setdefault(f"{path}.{exc.field}", []).append(exc.message)
        partner = row.get("duplicate_of_test_id")
        if kind == QcKind.DUPLICATE:
            if isinstance(partner, bool) or not isinstance(partner, int) or partner not in partners:
                fields.setdefault(f"{path}.duplicate_of_test_id", []).append(
                    _("平行样须对应本工作单上的一个检测项目（duplicate_of_test_id）。")
                )
        elif partner is not None:
            fields.setdefault(f"{path}.duplicate_of_test_id", []).append(_("只有平行样需要对应的检测项目。"))
            partner = None
        position = row.get("position")
        if position is not None:
            if isinstance(position, bool) or not isinstance(position, int) or not 1 <= position <= count:
                fields.setdefault(f"{path}.position", []).append(_("位置须为 1 至 %(max)d 的整数。") % {"max": count})
                position = None
            elif position in positions:
                fields.setdefault(f"{path}.position", []).append(
                    _("位置 %(position)d 已被另一个质控位置占用。") % {"position": position}
                )
                position = None
            else:
                positions.add(position)
        if str(kind) in QC_KINDS:
            specs.append(QcSpec(str(kind), expected, tolerance, partner, position))
    return specs


def _layout(worksheet: Worksheet, tests: list[Test], specs: list[QcSpec], start: int) -> list[WorksheetSlot]:
    """The new slots from position `start + 1`: QC slots at the places asked, the others filled with the tests
    in the order given, then the QC slots without a place."""
    placed = {spec.position: spec for spec in specs if spec.position is not None}
    queue: list[Test | QcSpec] = [*tests, *(spec for spec in specs if spec.position is None)]
    items = iter(queue)
    slots = []
    for position in range(1, len(tests) + len(specs) + 1):
        item = placed.get(position) or next(items)
        slot = WorksheetSlot(worksheet=worksheet, position=start + position)
        if isinstance(item, Test):
            slot.kind, slot.test = QcKind.SAMPLE, item
        else:
            slot.kind, slot.qc_expected, slot.qc_tolerance = item.kind, item.expected, item.tolerance
            slot.duplicate_of_id = item.duplicate_of_id
        slots.append(slot)
    return slots


def _slot_summary(slots: Sequence[WorksheetSlot]) -> list[dict[str, Any]]:
    return [
        {
            "position": slot.position,
            "kind": slot.kind,
            "test": slot.test_id,
            "duplicate_of": slot.duplicate_of_id,
            "expected": slot.qc_expected,
            "tolerance": slot.qc_tolerance,
        }
        for slot in slots
    ]


def _add_slots(
    actor: Actor,
    worksheet: Worksheet,
    test_ids: Any,
    qc_rows: Any,
    *,
    on_sheet: set[int],
    start: int,
    need_tests: bool = False,
) -> list[WorksheetSlot]:
    """Check the tests and QC rows, then write their slots after position `start` (the caller's transaction).
    A new worksheet needs tests; more QC slots alone may be added to one that has them."""
    fields: Fields = {}
    ids = _ids(fields, test_ids, "test_ids")
    if not ids and not fields and (need_tests or not qc_rows):
        fields.setdefault("test_ids", []).append(_("请至少选择一个检测项目。"))
    count = len(ids) + (len(qc_rows) if isinstance(qc_rows, Sequence) and not isinstance(qc_rows, str) else 0)
    if start + count > SLOTS_MAX:
        fields.setdefault("test_ids", []).append(
            _("一张工作单最多 %(max)d 个位置（现为 %(n)d 个）。") % {"max": SLOTS_MAX, "n": start + count}
        )
    tests = _tests_locked(actor, ids) if ids and not fields else {}
    if tests:
        _check_tests(fields, ids, tests, worksheet.method)
    specs = _qc_specs(fields, qc_rows, partners=on_sheet | set(ids), method=worksheet.method, count=count)
    _raise(fields)
    slots = _layout(worksheet, [tests[pk] for pk in ids], specs, start)
    try:
        with transaction.atomic():
            WorksheetSlot.objects.bulk_create(slots)
    except IntegrityError as exc:  # another worksheet took one of the tests meanwhile
        raise Conflict(_("所选检测项目已被另一张工作单占用，请刷新后重试。"), code="test_taken") from exc
    return slots


def worksheet_create(
    *,
    actor: Actor,
    test_ids: Sequence[int],
    method_id: int | None = None,
    instrument_id: int | None = None,
    qc: Sequence[Mapping[str, Any]] = (),
) -> Worksheet:
    """Make a worksheet of `test_ids` (in that order) and QC slots, run by the actor.

    `qc`: rows {kind: blank|duplicate|reference, expected, tolerance, duplicate_of_test_id, position}: a blank's
    `expected` is its limit (default: the method's LOD), a reference's its certified value; tolerances are
    absolute or "n%"; `position` (1-based) places a QC slot among the tests, the others follow them. The tests
    must be the institution's (else NotFound), editable, on no other worksheet, of `method_id` when given; the
    instrument must be usable today.
    """
    actor.require(ENTER)
    tenant = actor.tenant_id
    with transaction.atomic():
        method = None
        if method_id is not None:
            method = TestMethod.objects.filter(pk=method_id, institution_id=tenant).first()
            if method is None:
                raise NotFound(_("检测方法不存在，或不属于本机构。"))
        instrument = None
        if instrument_id is not None:
            instrument = Instrument.objects.filter(pk=instrument_id, institution_id=tenant).first()
            if instrument is None:
                raise NotFound(_("仪器设备不存在，或不属于本机构。"))
            refusal = instrument_refusal(instrument, timezone.localdate())
            if refusal:
                raise ServiceError.field("instrument_id", refusal)
        # A refusal below rolls the number back with everything else: no number is used up.
        worksheet = Worksheet.objects.create(
            institution_id=tenant,
            number=number_next(organisation_id=tenant, kind="worksheet"),
            method=method,
            instrument=instrument,
            analyst=actor.person,
            created_by=actor.person,
        )
        slots = _add_slots(actor, worksheet, test_ids, qc, on_sheet=set(), start=0, need_tests=True)
        audit_record(
            actor=actor,
            action="worksheet.create",
            obj=worksheet,
            after={**snapshot(worksheet, WORKSHEET_FIELDS), "slots": _slot_summary(slots)},
        )
    return worksheet


def worksheet_add_tests(
    *, actor: Actor, worksheet_id: int, test_ids: Sequence[int], qc: Sequence[Mapping[str, Any]] = ()
) -> list[WorksheetSlot]:
    """Put more tests (and QC slots) on an open worksheet, after its last position; same rules as creating."""
    actor.require(ENTER)
    with transaction.atomic():
        worksheet = _worksheet_locked(actor, worksheet_id)
        last = WorksheetSlot.objects.filter(worksheet_id=worksheet.pk).aggregate(last=Max("position"))["last"] or 0
        on_sheet = set(
            WorksheetSlot.objects.filter(worksheet_id=worksheet.pk, test__isnull=False).values_list(
                "test_id", flat=True
            )
        )
        slots = _add_slots(actor, worksheet, test_ids, qc, on_sheet=on_sheet, start=last)
        audit_record(actor=actor, action="worksheet.add", obj=worksheet, after={"slots": _slot_summary(slots)})
    return slots


def worksheet_remove_slot(*, actor: Actor, worksheet_id: int, slot_id: int) -> Worksheet:
    """Take a slot off an open worksheet (its test keeps any result); the positions after it move up by one.

    A sample slot whose test a duplicate slot refers to stays until that duplicate is removed.
    """
    actor.require(ENTER)
    with transaction.atomic():
        worksheet = _worksheet_locked(actor, worksheet_id)
        slot = (
            WorksheetSlot.objects.select_related("test__sample").filter(pk=slot_id, worksheet_id=worksheet.pk).first()
        )
        if slot is None:
            raise NotFound(_("工作单 %(number)s 上没有这个位置。") % {"number": worksheet.number})
        if slot.test_id is not None:
            duplicate = (
                WorksheetSlot.objects.filter(worksheet_id=worksheet.pk, duplicate_of_id=slot.test_id)
                .values_list("position", flat=True)
                .first()
            )
            if duplicate is not None:
                raise Conflict(
                    _("位置 %(position)d 的平行样对应本位置的检测项目：请先删除该平行样。") % {"position": duplicate},
                    code="duplicate_partner",
                )
        before = _slot_summary([slot])[0]
        if slot.test is not None:
            before["test_label"] = test_label(slot.test)
        removed = slot.position
        slot.delete()
        # Two steps: moving every later slot up in one UPDATE could meet the (worksheet, position) constraint
        # half-way on PostgreSQL, which checks it row by row.
        later = WorksheetSlot.objects.filter(worksheet_id=worksheet.pk, position__gt=removed)
        later.update(position=F("position") + SLOTS_MAX)
        WorksheetSlot.objects.filter(worksheet_id=worksheet.pk, position__gt=SLOTS_MAX).update(
            position=F("position") - SLOTS_MAX - 1
        )
        audit_record(actor=actor, action="worksheet.remove", obj=worksheet, before={"slot": before})
    return worksheet


# --- QC values -----------------------------------------------------------------------------------------------------


def _slot_ids(fields: Fields, values: Any) -> dict[int, Any]:
    """{slot id: value} from a mapping whose keys are ids (JSON keys arrive as text)."""
    if not isinstance(values, Mapping) or not values:
        fields.setdefault("values", []).append(_("请至少填写一个质控结果。"))
        return {}
    cleaned: dict[int, Any] = {}
    for key, value in values.items():
        text = str(key).strip()
        if isinstance(key, bool) or not text.isdigit():
            fields.setdefault(f"values.{key}", []).append(_("“%(value)s”不是有效的位置 id。") % {"value": key})
        else:
            cleaned[int(text)] = value
    return cleaned


def _record_qc(actor: Actor, worksheet: Worksheet, values: Mapping[int, Any], fields: Fields) -> list[WorksheetSlot]:
    """Judge and store QC values on the locked open worksheet; faults go to values.<slot id>. An empty value
    clears the slot. Nothing is written while any value is at fault."""
    slots = {
        slot.pk: slot
        for slot in WorksheetSlot.objects.select_related("duplicate_of").filter(
            worksheet_id=worksheet.pk, pk__in=list(values)
        )
    }
    changes: list[tuple[WorksheetSlot, dict[str, Any], dict[str, Any]]] = []
    for slot_id, raw in values.items():
        path = f"values.{slot_id}"
        slot = slots.get(slot_id)
        if slot is None:
            fields.setdefault(path, []).append(
                _("工作单 %(number)s 上没有位置 #%(id)s。") % {"number": worksheet.number, "id": slot_id}
            )
            continue
        if slot.kind == QcKind.SAMPLE:
            fields.setdefault(path, []).append(
                _("位置 %(position)d 是样品：其结果作为检测结果录入，不是质控结果。") % {"position": slot.position}
            )
            continue
        text = _text(fields, path, raw, _("质控结果"))
        if path in fields:
            continue
        before = snapshot(slot, SLOT_FIELDS)
        slot.qc_value = text
        outcome, problem = judge(slot, worksheet, slot.duplicate_of)
        if problem:
            fields.setdefault(path, []).append(
                _("位置 %(position)d：%(problem)s") % {"position": slot.position, "problem": problem}
            )
            continue
        slot.qc_passed = outcome.accepted if outcome is not None else None
        after = snapshot(slot, SLOT_FIELDS)
        if after != before:
            if outcome is not None:
                after["explanation"] = outcome.text_zh
            changes.append((slot, before, after))
    if fields:
        return []
    changed = [slot for slot, _before, _after in changes]
    WorksheetSlot.objects.bulk_update(changed, ["qc_value", "qc_passed"])
    audit_record_many(actor=actor, action="worksheet.qc", changes=changes)
    return sorted(slots.values(), key=lambda slot: slot.position)


def worksheet_record_qc(
    *, actor: Actor, worksheet_id: int, values: Mapping[int, str] | Mapping[str, str]
) -> list[WorksheetSlot]:
    """Record QC measurements {slot id: decimal text} and judge them (lims.qc); "" clears a value.

    A duplicate is judged against its test's current result, so that result must exist. All-or-nothing: faults
    are reported as values.<slot id>.
    """
    actor.require(ENTER)
    fields: Fields = {}
    cleaned = _slot_ids(fields, values)
    _raise(fields)
    with transaction.atomic():
        worksheet = _worksheet_locked(actor, worksheet_id)
        slots = _record_qc(actor, worksheet, cleaned, fields)
        _raise(fields)
    return slots


def measured_on_default(worksheet: Worksheet) -> dt.date:
    """The day of the run: the worksheet's day."""
    return timezone.localdate(worksheet.created_at)


# --- results and submission ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SlotResult:
    """The result of one sample slot as typed on the worksheet (see `result_services.ResultEntry`)."""

    slot_id: int
    value: str
    unit: str = ""  # "" = the test's unit
    reason: str = ""  # required when the test was submitted before
    version: int | None = None  # the test's version the client saw


def _rejudge_duplicates(actor: Actor, worksheet: Worksheet, test_ids: set[int]) -> None:
    """Duplicates of tests whose result just changed are judged again against the new value."""
    if not test_ids:
        return
    slots = list(
        WorksheetSlot.objects.select_related("duplicate_of")
        .filter(worksheet_id=worksheet.pk, kind=QcKind.DUPLICATE, duplicate_of_id__in=test_ids)
        .exclude(qc_value="")
    )
    changes = []
    for slot in slots:
        outcome, _problem = judge(slot, worksheet, slot.duplicate_of)
        passed = outcome.accepted if outcome is not None else None
        if passed != slot.qc_passed:
            before = snapshot(slot, SLOT_FIELDS)
            slot.qc_passed = passed
            after = {**snapshot(slot, SLOT_FIELDS), "explanation": outcome.text_zh if outcome else ""}
            changes.append((slot, before, after))
    if changes:
        WorksheetSlot.objects.bulk_update([slot for slot, _b, _a in changes], ["qc_passed"])
        audit_record_many(actor=actor, action="worksheet.qc", changes=changes)


def worksheet_enter(
    *,
    actor: Actor,
    worksheet_id: int,
    entries: Sequence[SlotResult],
    qc: Mapping[Any, str] | None = None,
    measured_on: dt.date | None = None,
    source: str = "entry",
) -> list[Test]:
    """Enter the results of sample slots (and, in the same transaction, QC values {slot id: value}).

    The results go through `result_services.results_record` (every check, rounding, decision and revision there),
    measured on `measured_on` (default the worksheet's day) with the worksheet's instrument when it has one;
    faults come back as entries.<i>.<field>, in the order of `entries`, and values.<slot id> for QC values.
    Duplicates of the tests entered are judged again. Returns the tests written (then the calculated ones).
    """
    actor.require(ENTER)
    fields: Fields = {}
    qc_values = _slot_ids(fields, qc) if qc else {}
    entries = list(entries)
    if not entries and not qc_values and not fields:
        fields["entries"] = [_("请至少填写一项结果。")]
    _raise(fields)
    with transaction.atomic():
        worksheet = _worksheet_locked(actor, worksheet_id)
        day = measured_on or measured_on_default(worksheet)
        slots = {
            slot.pk: slot
            for slot in WorksheetSlot.objects.filter(
                worksheet_id=worksheet.pk, pk__in=[entry.slot_id for entry in entries]
            )
        }
        results = []
        for index, entry in enumerate(entries):
            slot = slots.get(entry.slot_id)
            path = f"entries.{index}.slot_id"
            if slot is None:
                fields.setdefault(path, []).append(
                    _("工作单 %(number)s 上没有位置 #%(id)s。") % {"number": worksheet.number, "id": entry.slot_id}
                )
            elif slot.test_id is None:
                fields.setdefault(path, []).append(
                    _("位置 %(position)d 是质控位置：请填写质控结果。") % {"position": slot.position}
                )
            else:
                results.append(
                    ResultEntry(
                        test_id=slot.test_id,
                        value=entry.value,
                        unit=entry.unit,
                        measured_on=day,
                        instrument_id=worksheet.instrument_id,
                        reason=entry.reason,
                        version=entry.version,
                    )
                )
        _raise(fields)
        # Every entry names a sample slot here, so results_record's entries.<i> are the caller's entries.<i>.
        written = results_record(actor=actor, entries=results, source=source) if results else []
        _rejudge_duplicates(actor, worksheet, {test.pk for test in written})
        if qc_values:
            _record_qc(actor, worksheet, qc_values, fields)
            _raise(fields)
    return written


def worksheet_submit(*, actor: Actor, worksheet_id: int) -> Worksheet:
    """Submit the worksheet's results for review (ISO/IEC 17025 7.7.2, 7.7.3).

    Refused, listing every slot at fault with why, while a sample slot has no result or a QC slot has no value,
    cannot be judged or failed its acceptance check. Otherwise its entered (or corrected after rejection) tests
    are submitted through `result_services.results_submit` and the worksheet becomes SUBMITTED.
    """
    actor.require(ENTER)
    with transaction.atomic():
        worksheet = _worksheet_locked(actor, worksheet_id)
        slots = list(
            WorksheetSlot.objects.select_related("test__sample", "duplicate_of__sample")
            .filter(worksheet_id=worksheet.pk)
            .order_by("position")
        )
        problems: dict[int, str] = {}
        confirmed: list[WorksheetSlot] = []
        tests: list[Test] = []
        for slot in slots:
            if slot.test is not None:
                tests.append(slot.test)
                if not slot.test.value:
                    problems[slot.pk] = _("位置 %(position)d（%(test)s）：尚无结果。") % {
                        "position": slot.position,
                        "test": test_label(slot.test),
                    }
                continue
            where = {"position": slot.position, "kind": slot.get_kind_display()}
            outcome, problem = judge(slot, worksheet, slot.duplicate_of)
            if not slot.qc_value:
                problems[slot.pk] = _("位置 %(position)d（%(kind)s）：尚未录入质控结果。") % where
            elif outcome is None:
                problems[slot.pk] = _("位置 %(position)d（%(kind)s）：%(why)s") % {**where, "why": problem}
            elif not outcome.accepted:
                problems[slot.pk] = _("位置 %(position)d（%(kind)s）：%(why)s") % {**where, "why": outcome.text}
            elif slot.qc_passed is not True:
                slot.qc_passed = True
                confirmed.append(slot)
        if not tests:
            raise Conflict(
                _("工作单 %(number)s 上没有检测项目，不能提交。") % {"number": worksheet.number}, code="empty"
            )
        if problems:
            raise Conflict(
                _("工作单 %(number)s 不能提交：%(problems)s")
                % {"number": worksheet.number, "problems": "；".join(problems.values())},
                code="worksheet_not_ready",
                fields={f"slots.{pk}": [message] for pk, message in problems.items()},
            )
        submitted = [test.pk for test in tests if test.status in (TestStatus.ENTERED, TestStatus.REJECTED)]
        if submitted:
            results_submit(actor=actor, test_ids=submitted)
        if confirmed:
            WorksheetSlot.objects.bulk_update(confirmed, ["qc_passed"])
        before = snapshot(worksheet, ("status",))
        worksheet.status = WorksheetStatus.SUBMITTED
        worksheet.save(update_fields=["status"])
        audit_record(
            actor=actor,
            action="worksheet.submit",
            obj=worksheet,
            before=before,
            after={"status": worksheet.status, "tests": submitted},
        )
    return worksheet
