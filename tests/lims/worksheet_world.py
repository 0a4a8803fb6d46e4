"""Builders for the worksheet tests and the worksheet benchmark (bench/lims_bench.py).

`worksheet_world()` is tests/lims/world.lab_world() with both announced samples received (`w.s1`, `w.s2`) and
their tests by keyword (`w.t1["pb"]`, `w.t1["cd"]`, `w.t2[...]`). `more_tests(w, n)` adds n received samples
with one lead test each, as rows; `create(w, tests, ...)` makes a worksheet of the lead method on the ICP-MS run
by `w.analyst`; `qc_worksheet(w)` one of pb1, pb2 with a blank (method LOD 0.005), a duplicate of pb1 (10 %) and a
reference material (0.500 ± 5 %), at positions 3, 4 and 5.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from django.utils import timezone

from tichub.core.models import AuditEvent, NumberSequence
from tichub.lims import worksheet_services
from tichub.lims.choices import QcKind
from tichub.lims.models import LabSample, Test, Worksheet, WorksheetSlot

from .world import LabWorld, lab_world, received, sample_tests

_batches = itertools.count(1)


def state() -> tuple[Any, ...]:
    """Everything a refused worksheet action must leave alone."""
    return (
        list(Worksheet.objects.order_by("pk").values_list("pk", "number", "status", "instrument_id")),
        list(
            WorksheetSlot.objects.order_by("pk").values_list(
                "pk", "worksheet_id", "position", "kind", "test_id", "qc_value", "qc_passed"
            )
        ),
        list(Test.objects.order_by("pk").values_list("pk", "status", "raw_value", "version")),
        list(NumberSequence.objects.values_list("kind", "last")),
        AuditEvent.objects.count(),
    )


def worksheet_world() -> LabWorld:
    world = lab_world()
    world.s1 = received(world, 0)  # type: ignore[attr-defined]
    world.s2 = received(world, 1)  # type: ignore[attr-defined]
    world.t1, world.t2 = sample_tests(world.s1), sample_tests(world.s2)  # type: ignore[attr-defined]
    return world


def more_tests(w: Any, n: int, keyword: str = "pb") -> list[Test]:
    """`n` more received samples of the order with one `keyword` test each (rows, like world.received)."""
    template = w.t1[keyword]
    copied = {f.attname: getattr(template, f.attname) for f in Test._meta.concrete_fields if not f.primary_key}
    now = timezone.now()
    first = next(_batches) * 10_000
    samples = LabSample.objects.bulk_create(
        LabSample(
            institution=w.institution,
            enterprise=w.enterprise,
            order=w.order,
            number=f"S2026-9{first + i:06d}",
            description="白砂糖",
            quantity="1 kg",
            received_at=now,
            received_by=w.people["reception"],
            retention_until=timezone.localdate() + dt.timedelta(days=90),
        )
        for i in range(n)
    )
    return Test.objects.bulk_create(Test(**{**copied, "sample_id": sample.pk}) for sample in samples)


def create(w: Any, tests: list[Test], **kwargs: Any) -> Worksheet:
    kwargs.setdefault("method_id", w.methods["pb"].pk)
    kwargs.setdefault("instrument_id", w.icp.pk)
    return worksheet_services.worksheet_create(actor=w.analyst_actor, test_ids=[t.pk for t in tests], **kwargs)


def qc_worksheet(w: Any) -> tuple[Worksheet, dict[str, WorksheetSlot]]:
    pb1 = w.t1["pb"]
    worksheet = create(
        w,
        [pb1, w.t2["pb"]],
        qc=[
            {"kind": "blank"},
            {"kind": "duplicate", "duplicate_of_test_id": pb1.pk, "tolerance": "10%"},
            {"kind": "reference", "expected": "0.500", "tolerance": "5%"},
        ],
    )
    slots = {s.kind: s for s in WorksheetSlot.objects.filter(worksheet=worksheet).exclude(kind=QcKind.SAMPLE)}
    return worksheet, slots


def by_position(worksheet: Worksheet) -> dict[int, WorksheetSlot]:
    return {slot.position: slot for slot in WorksheetSlot.objects.filter(worksheet=worksheet)}


def slots_of(worksheet: Worksheet) -> list[tuple[Any, ...]]:
    return list(
        WorksheetSlot.objects.filter(worksheet=worksheet)
        .order_by("position")
        .values_list("position", "kind", "test_id", "duplicate_of_id", "qc_expected", "qc_tolerance")
    )
