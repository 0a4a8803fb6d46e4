from decimal import Decimal

import pytest

from tichub.lims.evaluation import Rules, evaluate
from tichub.marketplace.choices import OrderStatus

from .world import lab_world, received, sample_tests

pytestmark = pytest.mark.django_db


def test_received_sample_gets_one_test_per_item_in_the_specification_unit():
    w = lab_world()
    assert w.order.status == OrderStatus.SAMPLES_SENT
    sample = received(w)
    tests = sample_tests(sample)
    assert sorted(tests) == ["cd", "pb"]
    pb, cd = tests["pb"], tests["cd"]
    assert (pb.unit, pb.places, pb.lod, pb.loq, pb.upper_limit, pb.accredited) == (
        "mg/kg",
        3,
        "0.005",
        "0.020",
        "0.5",
        True,
    )
    # cadmium: method in µg/kg, specification in mg/kg → LOD, LOQ and U converted.
    assert (cd.unit, cd.places, cd.lod, cd.loq, cd.uncertainty_value) == ("mg/kg", 5, "0.001", "0.003", "0.002")
    assert cd.accredited is False
    assert cd.decision_rule == "non_binary"
    result = evaluate("0.48", "mg/kg", Rules.of(pb))
    assert (result.reported, result.uncertainty, result.decision) == (
        Decimal("0.480"),
        Decimal("0.048"),
        "conditional_pass",
    )
    result = evaluate("0.5", "µg/kg", Rules.of(pb))
    assert (result.text_zh, result.text_en, result.decision) == ("未检出 (<0.005)", "not detected (<0.005)", "pass")
    w.order.refresh_from_db()
    assert w.order.status == OrderStatus.RECEIVED
