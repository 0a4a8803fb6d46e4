"""Reading worksheets: the list, one worksheet with its slots and QC verdicts, and the tests a worksheet may take.

Everyone of the institution who may see the laboratory's work ("lims.sample.view") reads them; another
institution's worksheet answers NotFound, as one that does not exist. A worksheet is read in a fixed number of
queries whatever its size (the bench sheet of a busy day holds hundreds of results), and the QC verdicts shown are
judged again from the values as they are now (ISO/IEC 17025 7.7.1), so a duplicate whose sample result was
corrected elsewhere never shows a stale verdict.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.utils.translation import gettext as _

from tichub.core.errors import NotFound, ServiceError
from tichub.core.tenancy import Actor

from . import qc
from .choices import EDITABLE_TEST_STATES, QcKind, WorksheetStatus
from .models import Test, TestMethod, Worksheet, WorksheetSlot

VIEW = "lims.sample.view"
AVAILABLE_MAX = 1000  # tests offered at once when building a worksheet (a worksheet holds at most as many)


def worksheet_not_found() -> NotFound:
    return NotFound(_("工作单不存在，或不属于本机构。"))


def worksheet_list(actor: Actor, *, status: str | None = None, mine: bool = False) -> QuerySet[Worksheet]:
    """The institution's worksheets, newest first, with their counts of slots, QC slots and results entered
    (`sample_count`, `qc_count`, `entered_count`); `mine`: those the actor runs as analyst."""
    actor.require(VIEW)
    if status and status not in WorksheetStatus.values:
        raise ServiceError.field(
            "status",
            _("未知的工作单状态“%(status)s”：可选 %(choices)s。")
            % {"status": status, "choices": "、".join(WorksheetStatus.values)},
        )
    worksheets = Worksheet.objects.filter(institution_id=actor.tenant_id)
    if status:
        worksheets = worksheets.filter(status=status)
    if mine:
        worksheets = worksheets.filter(analyst_id=actor.person.pk)
    sample = Q(slots__kind=QcKind.SAMPLE)
    return (
        worksheets.select_related("method", "instrument", "analyst")
        .annotate(
            sample_count=Count("slots", filter=sample),
            qc_count=Count("slots", filter=~sample),
            entered_count=Count("slots", filter=sample & ~Q(slots__test__value="")),
        )
        .order_by("-created_at", "-pk")
    )


def worksheet_get(actor: Actor, worksheet_id: int) -> Worksheet:
    """The worksheet with its method, instrument and people (one query); NotFound for another institution's."""
    actor.require(VIEW)
    worksheet = (
        Worksheet.objects.select_related("method__standard", "instrument", "analyst", "created_by")
        .filter(pk=worksheet_id, institution_id=actor.tenant_id)
        .first()
    )
    if worksheet is None:
        raise worksheet_not_found()
    return worksheet


@dataclass(frozen=True)
class SlotRow:
    """One line of the worksheet as shown and printed: the slot, its test (sample slots), what was measured."""

    slot: WorksheetSlot
    test: Test | None  # the sample slot's test
    partner: Test | None  # the duplicated test
    unit: str
    outcome: qc.QcOutcome | None  # QC slots with a value that could be judged
    qc_problem: str  # why a QC value could not be judged (e.g. the duplicated test has no result yet)

    @property
    def is_qc(self) -> bool:
        return self.slot.kind != QcKind.SAMPLE

    @property
    def value(self) -> str:
        """The value as typed: the test's raw result, or the QC measurement."""
        if self.test is not None:
            return self.test.raw_value
        return self.slot.qc_value

    @property
    def sample_number(self) -> str:
        test = self.test or self.partner
        return test.sample.number if test is not None else ""

    @property
    def parameter(self) -> str:
        """The test's parameter; for a blank or a reference material, the worksheet's method's."""
        test = self.test or self.partner
        if test is not None:
            return test.parameter
        method = self.slot.worksheet.method
        return method.parameter if method is not None else ""

    @property
    def explanation(self) -> str:
        return self.outcome.text if self.outcome is not None else self.qc_problem


@dataclass(frozen=True)
class WorksheetDetail:
    worksheet: Worksheet
    rows: list[SlotRow]

    @property
    def tests(self) -> list[Test]:
        return [row.test for row in self.rows if row.test is not None]

    @property
    def qc_rows(self) -> list[SlotRow]:
        return [row for row in self.rows if row.is_qc]

    @property
    def entered(self) -> int:
        return sum(1 for test in self.tests if test.value)

    @property
    def qc_failed(self) -> int:
        return sum(1 for row in self.qc_rows if row.outcome is not None and not row.outcome.accepted)

    @property
    def qc_open(self) -> int:
        return sum(1 for row in self.qc_rows if row.outcome is None)


def judge(slot: WorksheetSlot, worksheet: Worksheet, partner: Test | None) -> tuple[qc.QcOutcome | None, str]:
    """The verdict of a QC slot on the values as they stand: (outcome, "") or (None, why not judged)."""
    if not slot.qc_value:
        return None, ""
    lod = worksheet.method.lod if worksheet.method is not None else ""
    try:
        outcome = qc.check(
            slot.kind,
            slot.qc_value,
            expected=slot.qc_expected,
            tolerance=slot.qc_tolerance,
            lod=lod,
            partner=partner.value if partner is not None else None,
        )
    except qc.QcRefused as exc:
        return None, exc.message
    return outcome, ""


def qc_unit(slot: WorksheetSlot, worksheet: Worksheet, partner: Test | None) -> str:
    """A duplicate is measured in its sample test's unit; blanks and reference materials in the method's."""
    if slot.kind == QcKind.DUPLICATE and partner is not None:
        return partner.unit
    return worksheet.method.unit if worksheet.method is not None else ""


def slot_rows(worksheet: Worksheet, slots: list[WorksheetSlot]) -> list[SlotRow]:
    rows = []
    for slot in slots:
        test, partner = slot.test, slot.duplicate_of
        if slot.kind == QcKind.SAMPLE:
            rows.append(SlotRow(slot, test, None, test.unit if test else "", None, ""))
        else:
            outcome, problem = judge(slot, worksheet, partner)
            rows.append(SlotRow(slot, None, partner, qc_unit(slot, worksheet, partner), outcome, problem))
    return rows


#: What a line shows of its test (and of a duplicate's test): loading only these keeps a 500-line worksheet fast.
TEST_COLUMNS = (
    "sample__number",
    "parameter",
    "unit",
    "specification",
    "raw_value",
    "value",
    "reported_value",
    "result_text_zh",
    "result_text_en",
    "decision",
    "status",
    "version",
    "analyst_id",
)
SLOT_COLUMNS = (
    "worksheet_id",
    "position",
    "kind",
    "test_id",
    "duplicate_of_id",
    "qc_value",
    "qc_expected",
    "qc_tolerance",
    "qc_passed",
    *(f"test__{name}" for name in TEST_COLUMNS),
    *(f"duplicate_of__{name}" for name in TEST_COLUMNS),
)


def _slots(worksheet: Worksheet, **filters: Any) -> list[WorksheetSlot]:
    slots = list(
        WorksheetSlot.objects.filter(worksheet_id=worksheet.pk, **filters)
        .select_related("test__sample", "duplicate_of__sample")
        .only(*SLOT_COLUMNS)
        .order_by("position")
    )
    for slot in slots:
        slot.worksheet = worksheet
    return slots


def worksheet_detail(actor: Actor, worksheet_id: int) -> WorksheetDetail:
    """The worksheet, its slots in position order with their tests, samples, current results and QC verdicts:
    two queries whatever the number of slots."""
    worksheet = worksheet_get(actor, worksheet_id)
    return WorksheetDetail(worksheet, slot_rows(worksheet, _slots(worksheet)))


def worksheet_slot_rows(actor: Actor, worksheet_id: int, slot_id: int) -> tuple[Worksheet, list[SlotRow]]:
    """One line of a worksheet, then the duplicates of its test, whose verdicts follow its result (the answer to
    an HTMX row save); NotFound for a slot that is not on it."""
    worksheet = worksheet_get(actor, worksheet_id)
    slots = _slots(worksheet, pk=slot_id)
    if not slots:
        raise NotFound(_("工作单 %(number)s 上没有这个位置。") % {"number": worksheet.number})
    if slots[0].test_id is not None:
        slots += _slots(worksheet, kind=QcKind.DUPLICATE, duplicate_of_id=slots[0].test_id)
    return worksheet, slot_rows(worksheet, slots)


def tests_available(actor: Actor, method_id: int | None = None) -> QuerySet[Test]:
    """Tests a worksheet may take: of the institution, editable (pending, entered or returned), on no worksheet,
    measured here (not subcontracted) and measured rather than calculated (formula tests follow their inputs);
    of the method when one is given. By due date, then sample number (at most AVAILABLE_MAX)."""
    actor.require(VIEW)
    tests = Test.objects.filter(
        institution_id=actor.tenant_id,
        status__in=EDITABLE_TEST_STATES,
        subcontractor__isnull=True,
        formula="",
        slots__isnull=True,
    )
    if method_id is not None:
        tests = tests.filter(method_id=method_id)
    order = (F("due_date").asc(nulls_last=True), "sample__number", "keyword", "pk")
    return tests.select_related("sample").order_by(*order)[:AVAILABLE_MAX]


def worksheet_methods(actor: Actor) -> QuerySet[TestMethod]:
    """The institution's active methods, to choose a worksheet's method from."""
    actor.require(VIEW)
    return TestMethod.objects.filter(institution_id=actor.tenant_id, active=True).order_by("keyword", "pk")


def worksheet_method(actor: Actor, method_id: int) -> TestMethod:
    actor.require(VIEW)
    method = TestMethod.objects.filter(pk=method_id, institution_id=actor.tenant_id).first()
    if method is None:
        raise NotFound(_("检测方法不存在，或不属于本机构。"))
    return method
