"""Demo laboratory: 国家糖及加工食品质量检验检测中心 runs the samples the commissioning demo sent it.

Everything goes through the real services, as the sugar centre's demo people (accounts.demo: lab.quality 潘质量,
lab.reception 陆受理, lab.analyst 梁检测, lab.reviewer 莫审核, lab.signatory 农签字):

* the laboratory is set up: two review levels, 90-day retention; instruments (an ICP-MS and an atomic
  fluorescence spectrometer in calibration, a balance whose calibration ran out, an incubator); a method for every
  parameter the demo orders ask for (LOD/LOQ, uncertainty absolute, relative or by range, decimals); the
  signatory authorised for those editions; the ICP-MS's CSV column mapping;
* order (e) 「白砂糖出口越南批次检验」 (non-binary decision rule): its sample is received, the tests assigned, the
  results entered (lead 0.48 mg/kg: conditional pass; total arsenic below the LOD; sulfur dioxide entered as
  21.6, submitted, then corrected to 12.6 with a reason), checked and approved: the order is completed;
* order (c) 「红糖微生物及铅含量检测」 (no statement asked): sample 1 received and its results awaiting approval;
  sample 2 received with damaged packaging (the customer consulted, a disclaimer for the report), its lead test on
  an open ICP-MS worksheet with a blank and a duplicate.

Idempotent: nothing is done when the sugar centre already has methods. Run after marketplace.demo.load().
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone

from tichub.accounts.demo import DEMO_DOMAIN
from tichub.accounts.models import Organisation, User
from tichub.accounts.selectors import actor_for
from tichub.core.tenancy import Actor
from tichub.marketplace.models import Order
from tichub.marketplace.order_selectors import orders_for
from tichub.metrology import selectors as instrument_selectors
from tichub.metrology import services as instrument_services
from tichub.metrology.choices import InstrumentStatus
from tichub.metrology.models import Instrument

from . import (
    assignment_services,
    import_services,
    method_selectors,
    method_services,
    queue_selectors,
    result_services,
    review_services,
    sample_selectors,
    sample_services,
    worksheet_services,
)
from .choices import TestStatus
from .models import LabSample, Test
from .result_services import ResultEntry

SUGAR_CENTRE = "nqi-sugar"
EXPORT_ORDER = "白砂糖出口越南批次检验"
BROWN_SUGAR_ORDER = "红糖微生物及铅含量检测"

#: How the sugar centre measures each parameter the demo orders ask for.
METHODS: dict[str, dict[str, Any]] = {
    "铅": {
        "keyword": "pb", "parameter_en": "Lead", "unit": "mg/kg", "places": 3, "lod": "0.005", "loq": "0.020",
        "uncertainty_kind": "relative", "uncertainty_value": "12", "clause": "第一法 石墨炉原子吸收光谱法",
    },
    "总砷": {
        "keyword": "as_total", "parameter_en": "Total arsenic", "unit": "mg/kg", "places": 3, "lod": "0.010",
        "loq": "0.030", "uncertainty_kind": "ranges", "clause": "第二法 氢化物发生原子荧光光谱法",
        "uncertainty_ranges": [
            {"from": "0", "to": "0.1", "value": "0.008", "relative": False},
            {"from": "0.1", "to": "10", "value": "10", "relative": True},
        ],
    },
    "二氧化硫": {
        "keyword": "so2", "parameter_en": "Sulfur dioxide", "unit": "mg/kg", "places": 1, "lod": "1", "loq": "3",
        "uncertainty_kind": "absolute", "uncertainty_value": "1.5", "clause": "第一法 酸碱滴定法",
    },
    "菌落总数": {"keyword": "apc", "parameter_en": "Aerobic plate count", "unit": "CFU/g", "places": 0},
    "大肠菌群": {"keyword": "coliforms", "parameter_en": "Coliforms", "unit": "CFU/g", "places": 0, "lod": "10"},
}  # fmt: skip

INSTRUMENTS = [
    # asset number, name, make, model, serial, location, calibrated days ago, valid for days
    ("ICP-MS-01", "电感耦合等离子体质谱仪", "Agilent", "7900", "JP19420315", "无机分析室 201", 120, 365),
    ("AFS-02", "原子荧光光谱仪", "北京吉天", "AFS-9700", "9700-1836", "无机分析室 203", 60, 365),
    ("BAL-03", "电子天平", "Mettler Toledo", "XS205", "B824512369", "天平室 105", 400, 365),
    ("INC-04", "恒温培养箱", "上海一恒", "LRH-250", "LRH1907-22", "微生物室 301", 30, 365),
]
MAPPING = {"sample": "Sample Name", "keyword": "Analyte", "value": "Conc.", "unit": "Unit", "measured_on": "Acq. Date"}


def _actor(local: str, org: Organisation) -> Actor:
    user = User.objects.get(email=f"{local}@{DEMO_DOMAIN}")
    return actor_for(user, org.pk)


def _set_up(org: Organisation, quality: Actor, signatory: Actor) -> dict[str, Instrument]:
    today = timezone.localdate()
    method_services.lab_settings_update(actor=quality, review_levels=2, retention_days=90)
    instruments = {}
    for asset, name, make, model, serial, location, ago, valid in INSTRUMENTS:
        instrument = instrument_services.instrument_register(
            actor=quality,
            asset_number=asset,
            name=name,
            make=make,
            model=model,
            serial_number=serial,
            location=location,
        )
        calibrated = today - dt.timedelta(days=ago)
        instruments[asset] = instrument_services.instrument_record_calibration(
            actor=quality,
            instrument_id=instrument.pk,
            calibrated_on=calibrated,
            calibration_due=calibrated + dt.timedelta(days=valid),
        )
    instrument_services.instrument_set_status(
        actor=quality,
        instrument_id=instruments["BAL-03"].pk,
        status=InstrumentStatus.UNDER_CALIBRATION,
        reason="校准证书已过期，已送广西计量检测研究院校准",
    )
    editions = {
        (item.parameter, item.standard.canonical)
        for title in (EXPORT_ORDER, BROWN_SUGAR_ORDER)
        for item in _order(quality, title).need.items.select_related("standard")
    }
    for parameter, code in sorted(editions):
        method = method_services.method_create(
            actor=quality, parameter=parameter, standard_code=code, **METHODS[parameter]
        )
        method_services.authorisation_grant(
            actor=quality, user_id=signatory.person.pk, method_id=method.pk, valid_from=today - dt.timedelta(days=365)
        )
    import_services.mapping_save(
        actor=_actor("lab.analyst", org), instrument_id=instruments["ICP-MS-01"].pk, columns=MAPPING, delimiter=","
    )
    return instruments


def _order(actor: Actor, title: str) -> Order:
    return orders_for(actor).select_related("need").get(need__title=title)


def _receive(reception: Actor, order: Order, index: int, **deviation: Any) -> LabSample:
    announcement = order.samples.order_by("reference")[index]
    return sample_services.sample_receive(
        actor=reception,
        announcement_id=announcement.pk,
        condition=deviation.pop("condition", "intact"),
        seal_intact=deviation.pop("seal_intact", True),
        temperature="22.5",
        storage_location="样品室 A-03",
        **deviation,
    )


def _tests(actor: Actor, sample: LabSample) -> dict[str, Test]:
    return {test.keyword: test for test in sample_selectors.sample_detail(actor, sample.pk).tests}


def _enter(analyst: Actor, tests: dict[str, Test], values: Sequence[tuple[str, str, str]]) -> None:
    result_services.results_record(
        actor=analyst, entries=[ResultEntry(test_id=tests[keyword].pk, value=v, unit=u) for keyword, v, u in values]
    )


def _export_order(org: Organisation, people: dict[str, Actor], instruments: dict[str, Instrument]) -> None:
    """Order (e): received, tested, one result corrected after submission, checked and approved."""
    sample = _receive(people["reception"], _order(people["reception"], EXPORT_ORDER), 0)
    tests = _tests(people["reception"], sample)
    assignment_services.tests_assign(
        actor=people["reception"],
        test_ids=[tests["pb"].pk, tests["as_total"].pk],
        analyst_id=people["analyst"].person.pk,
        instrument_id=instruments["ICP-MS-01"].pk,
    )
    analyst = people["analyst"]
    _enter(analyst, tests, [("pb", "0.48", "mg/kg"), ("as_total", "4", "µg/kg"), ("so2", "21.6", "mg/kg")])
    result_services.results_submit(actor=analyst, test_ids=[test.pk for test in tests.values()])
    result_services.results_record(
        actor=analyst,
        entries=[
            ResultEntry(
                test_id=tests["so2"].pk,
                value="12.6",
                reason="转录错误：滴定原始记录为 12.6 mg/kg，录入时误写为 21.6",
                version=_tests(analyst, sample)["so2"].version,
            )
        ],
    )
    ids = [test.pk for test in tests.values()]
    review_services.review_check(actor=people["reviewer"], test_ids=ids)
    review_services.review_approve(actor=people["signatory"], test_ids=ids)


def _brown_sugar_order(org: Organisation, people: dict[str, Actor], instruments: dict[str, Instrument]) -> None:
    """Order (c): sample 1 awaiting approval; sample 2 received with a deviation, on an open worksheet."""
    order = _order(people["reception"], BROWN_SUGAR_ORDER)
    first = _receive(people["reception"], order, 0)
    second = _receive(
        people["reception"],
        order,
        1,
        condition="damaged",
        condition_note="外包装破损，内袋完好，无受潮",
        seal_intact=False,
        deviation="外包装破损，封条断开；内袋完好，样品外观无异常。",
        consult_customer=True,
        disclaimer="样品到达时外包装破损、封条断开（内袋完好），经客户确认继续检测，检测结果仅对来样负责。",
    )
    analyst = people["analyst"]
    tests = _tests(analyst, first)
    _enter(analyst, tests, [("apc", "3200", "CFU/g"), ("coliforms", "5", "CFU/g"), ("pb", "0.082", "mg/kg")])
    ids = [test.pk for test in tests.values()]
    result_services.results_submit(actor=analyst, test_ids=ids)
    review_services.review_check(actor=people["reviewer"], test_ids=ids)
    second_tests = _tests(analyst, second)
    assignment_services.tests_assign(
        actor=people["reception"],
        test_ids=[test.pk for test in second_tests.values()],
        analyst_id=analyst.person.pk,
    )
    worksheet_services.worksheet_create(
        actor=analyst,
        test_ids=[second_tests["pb"].pk],
        method_id=second_tests["pb"].method_id,
        instrument_id=instruments["ICP-MS-01"].pk,
        qc=[
            {"kind": "blank", "expected": "", "tolerance": ""},
            {"kind": "duplicate", "tolerance": "10%", "duplicate_of_test_id": second_tests["pb"].pk},
        ],
    )


def counts(quality: Actor) -> dict[str, int]:
    """What the demo laboratory holds, read through the selectors as its quality manager sees it."""
    return {
        "methods": method_selectors.method_list(quality).count(),
        "instruments": instrument_selectors.instrument_list(quality).count(),
        "samples": sample_selectors.sample_list(quality).count(),
        "tests": queue_selectors.test_list(quality).count(),
        "approved": queue_selectors.test_list(quality, status=TestStatus.APPROVED).count(),
    }


def load() -> dict[str, int]:
    """Set up and run the demo laboratory once (all or nothing); return what it holds and `created`."""
    org = Organisation.objects.filter(slug=SUGAR_CENTRE).first()
    if org is None:
        return {"created": 0}  # the accounts demo was not loaded
    people = {role: _actor(f"lab.{role}", org) for role in ("quality", "reception", "analyst", "reviewer", "signatory")}
    if not orders_for(people["reception"]).filter(need__title=EXPORT_ORDER).exists():
        return {"created": 0}  # the commissioning demo was not loaded
    created = 0
    if not method_selectors.method_list(people["quality"]).exists():
        with transaction.atomic():
            instruments = _set_up(org, people["quality"], people["signatory"])
            _export_order(org, people, instruments)
            _brown_sugar_order(org, people, instruments)
        created = 1
    return {"created": created, **counts(people["quality"])}
