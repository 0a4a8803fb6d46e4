"""The report's content document (tichub.reports.content_selectors.report_content): everything ISO/IEC 17025
7.8.2.1 asks of a report, gathered from the laboratory's records, with the accreditation marks decided by
tichub.reports.marks; and a number of queries that does not grow with the number of tests."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.registry.search_world import accredit
from tichub.lims.models import LabSample, Test
from tichub.registry import models as registry
from tichub.registry.models import InstitutionProfile, ScopeRow
from tichub.reports.content_selectors import FORMAT, STATEMENTS, content_bytes, report_content, report_tests
from tichub.reports.models import Report

from .pdf_world import page_texts, world_with
from .world import issued, ready_world

pytestmark = pytest.mark.django_db


def _sample(sample_id: int) -> LabSample:
    """Loaded as report_issue loads it."""
    return LabSample.objects.select_related("order", "institution", "enterprise", "announcement").get(pk=sample_id)


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _content(w, sample, **kwargs):
    sample = _sample(sample.pk)
    fields = {
        "number": "R2026-00042",
        "version": 1,
        "public_id": "p" * 26,
        "verify_url": "https://tichub.example/verify/" + "p" * 26 + "/",
        "issued_at": timezone.now(),
        "issuer": w.signatory,
        **kwargs,
    }
    return report_content(sample=sample, tests=report_tests(sample), **fields)


def test_content_of_a_report_holds_every_item_of_7_8_2_1():
    w, sample = ready_world()
    InstitutionProfile.objects.filter(organisation=w.institution).update(
        phone="0771-5551234", email="lab@example.cn", website="https://lab.example.cn"
    )
    registry.TestSite.objects.filter(organisation=w.institution).update(
        name_en="Main site", address_zh="南宁市民族大道 100 号"
    )
    now = timezone.now()
    today = timezone.localdate(now)
    c = _content(w, sample, issued_at=now, valid_until=today + dt.timedelta(days=365))
    lab, enterprise = w.institution, w.enterprise
    cnas = w.m.lab.rows["lead"].accreditations.get()
    tests = {test.keyword: test for test in report_tests(sample)}

    assert (c["format"], c["format_version"], c["number"], c["version"], c["amends"], c["amendment_reason"]) == (
        FORMAT,
        1,
        "R2026-00042",
        1,
        None,
        "",
    )
    assert (c["issued_on"], c["valid_until"]) == (today.isoformat(), (today + dt.timedelta(days=365)).isoformat())
    assert c["institution"] == {
        "name_zh": lab.name_zh,
        "name_en": lab.name_en,
        "address_zh": lab.address_zh,
        "address_en": lab.address_en,
        "uscc": lab.uscc,
        "phone": "0771-5551234",
        "email": "lab@example.cn",
        "website": "https://lab.example.cn",
        "site_zh": "广西检测中心甲 本部",
        "site_en": "Main site",
        "site_address": "南宁市民族大道 100 号",
        "sites": [{"name_zh": "广西检测中心甲 本部", "name_en": "Main site", "address": "南宁市民族大道 100 号"}],
    }
    assert c["customer"] == {
        "name_zh": enterprise.name_zh,
        "name_en": enterprise.name_en,
        "address_zh": enterprise.address_zh,
        "address_en": enterprise.address_en,
        "uscc": enterprise.uscc,
        "contact": w.m.owner.name,
    }
    assert c["order"] == {"number": w.order.number, "date": timezone.localdate(w.order.created_at).isoformat()}
    assert c["sample"] == {
        "number": sample.number,
        "description": "一级白砂糖，袋装",
        "batch": "B20261101",
        "quantity": "2 袋 × 1 kg",
        "condition": "intact",
        "condition_zh": "完好",
        "condition_en": "Intact",
        "condition_note": "",
        "seal_intact": None,
        "temperature": "",
        "received_on": timezone.localdate(sample.received_at).isoformat(),
    }
    measured = tests["pb"].measured_on or timezone.localdate(tests["pb"].entered_at)
    assert c["testing"] == {"from": measured.isoformat(), "to": measured.isoformat()}
    assert c["methods"] == [
        {"code": "GB 5009.12-2017", "title_zh": "食品中铅的测定", "title_en": ""},
        {"code": "GB 5009.15-2014", "title_zh": "食品中镉的测定", "title_en": ""},
    ]
    assert c["results"] == [
        {
            "index": 1,
            "key": "pb",
            "sample": sample.number,
            "parameter": "铅",
            "parameter_en": "Lead",
            "method": "GB 5009.12-2017",
            "unit": "mg/kg",
            "result_zh": "0.480",
            "result_en": "0.480",
            "uncertainty": "0.048",
            "coverage_factor": "2",
            "lod": "0.005",
            "loq": "0.020",
            "specification": "≤ 0.5 mg/kg (GB 2762)",
            "decision": "conditional_pass",
            "decision_zh": "有条件合格",
            "decision_en": "Conditional pass",
            "outside_marks": [],
            "flags": [],
            "subcontractor": None,
        },
        {
            "index": 2,
            "key": "cd",
            "sample": sample.number,
            "parameter": "镉",
            "parameter_en": "Cadmium",
            "method": "GB 5009.15-2014",
            "unit": "mg/kg",
            "result_zh": "0.05000",
            "result_en": "0.05000",
            "uncertainty": "0.0020",
            "coverage_factor": "2",
            "lod": "0.001",
            "loq": "0.003",
            "specification": "≤ 0.1 mg/kg (GB 2762)",
            "decision": "pass",
            "decision_zh": "合格",
            "decision_en": "Pass",
            "outside_marks": ["CNAS"],
            "flags": ["*"],
            "subcontractor": None,
        },
    ]
    assert c["subcontractors"] == []
    assert c["marks"] == [
        {
            "body": "CNAS",
            "number": cnas.number,
            "symbol": "*",
            "name_zh": "中国合格评定国家认可委员会",
            "name_en": "China National Accreditation Service for Conformity Assessment",
            "not_covered": ["镉"],
            "not_covered_en": ["Cadmium"],
        }
    ]
    assert c["statement"]["decision"] == "conditional_pass"
    assert c["statement"]["text_zh"].startswith("所检项目有条件符合要求（判定规则：带保护带的非二元判定")
    assert c["statement"]["rule_en"].startswith("Decision rule: non-binary statement with guard band")
    assert (c["deviations"], c["disclaimers"]) == ([], [])
    assert c["signatories"] == {
        "prepared": [w.analyst.name],
        "checked": [w.reviewer.name],
        "approved": w.signatory.name,
        "approved_on": today.isoformat(),
    }
    assert c["statements"] == [{"zh": zh, "en": en} for zh, en in STATEMENTS]
    assert content_bytes(c).decode("utf-8").startswith('{"amendment_reason":"","amends":null,')


def test_query_count_does_not_grow_with_the_number_of_tests():
    w, sample = world_with(extra=28)
    sample = _sample(sample.pk)
    tests = report_tests(sample)
    assert len(tests) == 30
    fields = {"number": "R1", "version": 1, "public_id": "p", "verify_url": "u", "issued_at": timezone.now()}
    with CaptureQueriesContext(connection) as two:
        report_content(sample=sample, tests=tests[:2], issuer=w.signatory, **fields)
    with CaptureQueriesContext(connection) as thirty:
        c = report_content(sample=sample, tests=tests, issuer=w.signatory, **fields)
    assert len(c["results"]) == 30
    assert len(two) == len(thirty) == 7


def test_subcontracted_items_are_marked_with_their_provider_not_under_the_labs_mark():
    w, sample = ready_world()
    Test.objects.filter(sample=sample, keyword="cd").update(subcontractor=w.m.sub.org)
    sub = w.m.sub.org
    c = _content(w, sample)
    cnas = w.m.lab.rows["lead"].accreditations.get()
    assert [(m["body"], m["number"], m["not_covered"]) for m in c["marks"]] == [("CNAS", cnas.number, [])]
    [lead, cadmium] = c["results"]
    assert (lead["flags"], lead["subcontractor"]) == ([], None)
    assert cadmium["flags"] == ["†"] and cadmium["outside_marks"] == []
    assert cadmium["subcontractor"]["name_zh"] == "广西分包检测中心"
    assert c["subcontractors"] == [
        {
            "symbol": "†",
            "name_zh": sub.name_zh,
            "name_en": sub.name_en,
            "address_zh": sub.address_zh,
            "address_en": sub.address_en,
            "uscc": sub.uscc,
            "items": ["镉"],
            "items_en": ["Cadmium"],
        }
    ]
    # In the PDF: the dagger beside cadmium and a footnote naming the provider.
    report = issued(w, sample)
    second = page_texts(report.pdf.read())[1]
    assert "2 镉† Cadmium GB 5009.15-2014" in second
    assert f"带†项目为分包项目，由{sub.name_zh}检测（镉），不在本机构资质认定/认可标志范围内。" in second
    assert _squash(f"Items marked † were subcontracted to {sub.name_en} (Cadmium);") in _squash(second)
    assert "带*项目" not in second


def test_a_suspended_scope_row_puts_its_item_outside_and_no_mark_prints_without_a_covered_item():
    w, sample = ready_world()
    ScopeRow.objects.filter(pk=w.m.lab.rows["lead"].pk).update(status="suspended")
    c = _content(w, sample)
    assert c["marks"] == []
    assert [row["flags"] for row in c["results"]] == [[], []]
    assert c["institution"]["sites"] == [{"name_zh": "广西检测中心甲 本部", "name_en": "", "address": ""}]


def test_cma_and_cnas_both_print_each_with_the_items_outside_it():
    w, sample = ready_world()
    cma = accredit(w.institution, "CMA")
    for row in w.m.lab.rows.values():
        row.accreditations.add(cma)
    cnas = w.m.lab.rows["lead"].accreditations.get(body="CNAS")
    c = _content(w, sample)
    assert [(m["body"], m["number"], m["symbol"], m["not_covered"]) for m in c["marks"]] == [
        ("CMA", cma.number, "△", []),
        ("CNAS", cnas.number, "*", ["镉"]),
    ]
    assert [row["flags"] for row in c["results"]] == [[], ["*"]]
    report = issued(w, sample)
    first, second = page_texts(report.pdf.read())
    title = first.split("报告编号 Report No. 版本 Version")[0]
    assert "CMA" in title and cma.number in title and "CNAS" in title and cnas.number in title
    assert "带△项目" not in second and "带*项目不在 CNAS 认可范围内" in second


def test_an_accreditation_not_yet_valid_prints_no_mark():
    w, sample = ready_world()
    cnas = w.m.lab.rows["lead"].accreditations.get()
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    type(cnas).objects.filter(pk=cnas.pk).update(valid_from=tomorrow)
    assert _content(w, sample)["marks"] == []


def test_amendment_content_names_the_version_it_replaces():
    w, sample = ready_world()
    first = issued(w, sample)
    second = issued(w, sample, reason="客户名称更正")
    assert (second.content["version"], second.content["amendment_reason"]) == (2, "客户名称更正")
    assert second.content["amends"] == {"number": first.number, "version": 1, "public_id": first.public_id}
    assert Report.objects.get(pk=second.pk).content == second.content


def test_sample_condition_seal_temperature_deviation_and_disclaimer_are_carried():
    w, sample = ready_world()
    LabSample.objects.filter(pk=sample.pk).update(
        condition="damaged",
        condition_note="外袋有一处 2 cm 破口",
        seal_intact=False,
        temperature="4.5",
        deviation="包装破损。",
        disclaimer="样品包装破损，经与客户沟通后继续检测。",
    )
    c = _content(w, sample)
    assert {
        k: c["sample"][k] for k in ("condition_zh", "condition_en", "condition_note", "seal_intact", "temperature")
    } == {
        "condition_zh": "包装破损",
        "condition_en": "Packaging damaged",
        "condition_note": "外袋有一处 2 cm 破口",
        "seal_intact": False,
        "temperature": "4.5",
    }
    assert (c["deviations"], c["disclaimers"]) == (["包装破损。"], ["样品包装破损，经与客户沟通后继续检测。"])
    report = issued(w, sample)
    first, second = page_texts(report.pdf.read())
    assert "封识 Seal 破损 Broken" in first and "接收温度 Temperature 4.5 °C" in first
    assert _squash("样品状态 Condition 包装破损 Packaging damaged（外袋有一处 2 cm 破口）") in _squash(first)
    assert "偏离与声明 Deviations and disclaimers" in second
    assert "偏离 Deviation: 包装破损。" in second
    assert "声明 Disclaimer: 样品包装破损，经与客户沟通后继续检测。" in second
