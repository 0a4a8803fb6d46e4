"""The demo laboratory: set up and run through the real services on the commissioning demo's orders, once."""

from decimal import Decimal

import pytest

from tichub.accounts import demo as accounts_demo
from tichub.lims import demo as lims_demo
from tichub.lims.models import LabSample, ResultRevision, Test, Worksheet
from tichub.marketplace import demo as market_demo
from tichub.marketplace.models import Order
from tichub.registry import demo as registry_demo
from tichub.standards import demo as standards_demo

pytestmark = pytest.mark.django_db


def _load_all() -> dict[str, int]:
    accounts_demo.load()
    standards_demo.load()
    registry_demo.load()
    market_demo.load()
    return lims_demo.load()


def test_demo_laboratory_runs_an_order_to_approval_and_loads_once():
    loaded = _load_all()
    assert loaded == {"created": 1, "methods": 5, "instruments": 4, "samples": 3, "tests": 9, "approved": 3}

    export = Order.objects.get(need__title=lims_demo.EXPORT_ORDER)
    assert export.status == "completed"
    [sample] = LabSample.objects.filter(order=export)
    assert sample.status == "ready"
    tests = {t.keyword: t for t in Test.objects.filter(sample=sample)}
    shown = {k: (t.reported_value, t.uncertainty, t.result_text_zh, t.decision) for k, t in tests.items()}
    assert shown == {
        "pb": ("0.480", "0.058", "0.480", "conditional_pass"),
        "as_total": ("", "0.0080", "未检出 (<0.010)", "pass"),
        "so2": ("12.6", "1.5", "12.6", "pass"),
    }
    assert tests["as_total"].raw_unit == "µg/kg" and Decimal(tests["as_total"].value) == Decimal("0.004")
    corrected = list(ResultRevision.objects.filter(test=tests["so2"]).values_list("value", "reason"))
    assert corrected[0][0] == "21.6" and corrected[-1][0] == "12.6" and "转录错误" in corrected[-1][1]

    brown = Order.objects.get(need__title=lims_demo.BROWN_SUGAR_ORDER)
    first, second = LabSample.objects.filter(order=brown).order_by("number")
    assert set(Test.objects.filter(sample=first).values_list("status", flat=True)) == {"checked"}
    assert (second.condition, second.seal_intact, bool(second.disclaimer), bool(second.customer_consulted_at)) == (
        "damaged",
        False,
        True,
        True,
    )
    worksheet = Worksheet.objects.get()
    assert sorted(worksheet.slots.values_list("kind", flat=True)) == ["blank", "duplicate", "sample"]

    assert _load_all() == {**loaded, "created": 0}
