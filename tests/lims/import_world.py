"""Builders for the import tests: a laboratory with received samples, CSV files, uploads."""

from __future__ import annotations

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tichub.lims import import_services
from tichub.lims.models import LabSample, ResultImport, ResultRevision, Test
from tichub.lims.plan import plan_tests
from tichub.registry.services import parameter_key

from .world import LabWorld, lab_world, received

COLUMNS = {"sample": "Sample ID", "keyword": "Analyte", "value": "Conc", "unit": "Unit", "measured_on": "Date"}
HEADER = ("Sample ID", "Analyte", "Conc", "Unit", "Date")
RESULT_FIELDS = (
    "status", "version", "raw_value", "raw_unit", "value", "reported_value", "uncertainty", "result_text_zh",
    "decision", "measured_on", "instrument_id", "entered_by_id", "analyst_id",
)  # fmt: skip


def csv_bytes(*rows: tuple[str, ...], header: tuple[str, ...] = HEADER, sep: str = ",", bom: bool = False) -> bytes:
    lines = [sep.join(header), *(sep.join(row) for row in rows)]
    return (("\ufeff" if bom else "") + "\r\n".join(lines) + "\r\n").encode()


def upload(content: bytes, name: str = "icp-export.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


def preview(w: LabWorld, content: bytes, *, actor=None, instrument=True, columns=COLUMNS, **kwargs) -> ResultImport:
    return import_services.import_preview(
        actor=actor or w.analyst_actor,
        file=upload(content),
        instrument_id=w.icp.pk if instrument else None,
        columns=columns,
        **kwargs,
    )


def import_world(**kwargs) -> tuple[LabWorld, LabSample, LabSample]:
    """lab_world with both announced samples received (order RECEIVED)."""
    w = lab_world(**kwargs)
    return w, received(w, 0), received(w, 1)


def more_samples(w: LabWorld, count: int, *, prefix: str = "M") -> list[LabSample]:
    """`count` more received samples of w's order (sub-sample-like rows without an announcement), with its tests."""
    now = timezone.now()
    samples = LabSample.objects.bulk_create(
        [
            LabSample(
                institution=w.institution, enterprise=w.enterprise, order=w.order, number=f"{prefix}{i:04d}",
                description="白砂糖", quantity="100 g", received_at=now, received_by=w.people["reception"],
                retention_until=timezone.localdate() + dt.timedelta(days=90),
            )
            for i in range(1, count + 1)
        ]
    )  # fmt: skip
    review_items = list(w.order.review.items.select_related("item"))
    keys = {ri.item.pk: parameter_key(ri.item.parameter) for ri in review_items}
    methods = {(m.standard_id, m.parameter_key): m for m in w.methods.values()}
    tests = []
    for sample in samples:
        tests += plan_tests(
            order=w.order, sample=sample, review_items=review_items, methods=methods, parameter_keys=keys, due_date=None
        )
    Test.objects.bulk_create(tests)
    return samples


def results_of(*samples: LabSample) -> list[tuple]:
    """Every result field of the samples' tests, for "nothing changed" assertions."""
    return list(
        Test.objects.filter(sample__in=samples).order_by("pk").values_list("pk", *RESULT_FIELDS, "submitted_at")
    )


def revisions() -> int:
    return ResultRevision.objects.count()
