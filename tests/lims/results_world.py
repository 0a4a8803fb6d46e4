"""Builders for the results tests, on top of tests/lims/world.py: calculated tests, many tests, the state to compare.

* `add_formula(sample, formula="pb + cd")`: a calculated test "pbcd" (铅镉合量, mg/kg, 3 decimals, no limit) of the
  sample, reading its lead and cadmium results;
* `add_tests(sample, n)`: n more lead-like tests of the sample (keywords pb1 … pbn), for query counts;
* `db_state()`: everything a refused write must leave alone (tests, revisions, review steps, audit, samples, order);
* `entry(test, value, **fields)`: a ResultEntry for `test`.
"""

from __future__ import annotations

import copy

from tichub.core.models import AuditEvent
from tichub.lims.models import LabSample, ResultRevision, ReviewStep, Test
from tichub.lims.result_services import ResultEntry
from tichub.marketplace.models import Order

TEST_FIELDS = (
    "pk",
    "status",
    "raw_value",
    "raw_unit",
    "value",
    "reported_value",
    "uncertainty",
    "result_text_zh",
    "result_text_en",
    "decision",
    "measured_on",
    "instrument_id",
    "analyst_id",
    "entered_by_id",
    "entered_at",
    "submitted_at",
    "version",
    "checks_done",
)


def add_formula(sample: LabSample, *, keyword: str = "pbcd", formula: str = "pb + cd", **fields) -> Test:
    lead = Test.objects.get(sample=sample, keyword="pb")
    values = {
        "institution_id": lead.institution_id,
        "sample": sample,
        "order_id": lead.order_id,
        "keyword": keyword,
        "parameter": "铅镉合量",
        "parameter_en": "Lead and cadmium",
        "standard_id": lead.standard_id,
        "decision_rule": lead.decision_rule,
        "unit": "mg/kg",
        "places": 3,
        "formula": formula,
        **fields,
    }
    return Test.objects.create(**values)


def add_tests(sample: LabSample, n: int) -> list[Test]:
    lead = Test.objects.get(sample=sample, keyword="pb")
    rows = []
    for i in range(1, n + 1):
        row = copy.copy(lead)
        row.pk = row.id = None
        row.keyword = f"pb{i}"
        rows.append(row)
    Test.objects.bulk_create(rows)
    return list(Test.objects.filter(sample=sample, keyword__in=[r.keyword for r in rows]).order_by("pk"))


def db_state():
    return (
        list(Test.objects.order_by("pk").values_list(*TEST_FIELDS)),
        list(ResultRevision.objects.order_by("pk").values_list("test_id", "version", "value", "reason")),
        ReviewStep.objects.count(),
        AuditEvent.objects.count(),
        list(LabSample.objects.order_by("pk").values_list("pk", "status")),
        list(Order.objects.order_by("pk").values_list("pk", "status")),
    )


def entry(test: Test, value: str, **fields) -> ResultEntry:
    return ResultEntry(test_id=test.pk, value=value, **fields)
