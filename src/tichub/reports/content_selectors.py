"""What a report says (ISO/IEC 17025 7.8.2.1, 7.8.3, 7.8.6), gathered from the laboratory's records as one JSON
document. The PDF is rendered from it, it is stored with the report, and it is embedded in the PDF as
``report.json``: its SHA-256 is the `sha` claim of the signed QR code, which binds the printed code to the file's
content (the PDF's own hash cannot be in a code printed on the PDF).

Every text a reader sees is here in Chinese and English; values are decimal text as the laboratory reported them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from tichub.accounts.models import Organisation, User
from tichub.lims.choices import LIVE_TEST_STATES, ResultDecision, ReviewAction, SampleCondition
from tichub.lims.models import LabSample, ReviewStep, Test
from tichub.lims.review_selectors import item_decisions
from tichub.lims.statement import sample_statement
from tichub.marketplace.models import ContractReview, Need
from tichub.registry.choices import ScopeStatus
from tichub.registry.models import Accreditation, InstitutionProfile, ScopeRow, TestSite
from tichub.registry.services import parameter_key

from . import marks
from .models import Report

FORMAT = "tichub-report"
FORMAT_VERSION = 1

DECISIONS_EN: dict[str, str] = {
    ResultDecision.PASS: "Pass",
    ResultDecision.CONDITIONAL_PASS: "Conditional pass",
    ResultDecision.CONDITIONAL_FAIL: "Conditional fail",
    ResultDecision.FAIL: "Fail",
    ResultDecision.NO_STATEMENT: "No statement",
}
DECISIONS_ZH: dict[str, str] = {
    ResultDecision.PASS: "合格",
    ResultDecision.CONDITIONAL_PASS: "有条件合格",
    ResultDecision.CONDITIONAL_FAIL: "有条件不合格",
    ResultDecision.FAIL: "不合格",
    ResultDecision.NO_STATEMENT: "不判定",
}
CONDITIONS_EN: dict[str, str] = {
    SampleCondition.INTACT: "Intact",
    SampleCondition.DAMAGED: "Packaging damaged",
    SampleCondition.LEAKING: "Leaking",
    SampleCondition.INSUFFICIENT: "Insufficient quantity",
    SampleCondition.TEMPERATURE: "Temperature out of requirement",
    SampleCondition.OTHER: "Other irregularity",
}
CONDITIONS_ZH: dict[str, str] = {value: str(label) for value, label in SampleCondition.choices}
#: The bodies of the marks a report may carry, as printed beside the mark.
BODY_NAMES: dict[str, tuple[str, str]] = {
    "CNAS": ("中国合格评定国家认可委员会", "China National Accreditation Service for Conformity Assessment"),
    "CMA": ("检验检测机构资质认定", "China Inspection Body and Laboratory Mandatory Approval"),
}

#: Fixed statements every report carries (7.8.2.1 l, 7.8.2.2; reproduction: CNAS-CL01 7.8.1.2 practice).
STATEMENTS = (
    ("本报告结果仅对所检样品负责；样品由委托方送检，结果适用于收到的样品。",
     "The results relate only to the items tested; samples were submitted by the customer and the results apply to "
     "the samples as received."),
    ("未经本机构书面批准，不得部分复制本报告。",
     "This report shall not be reproduced except in full without the written approval of the laboratory."),
    ("本报告以电子签名签发；可扫描二维码或在核验网址核验真伪与最新状态。",
     "This report is signed electronically; scan the QR code or visit the verification address to check that it is "
     "genuine and current."),
)  # fmt: skip


def report_tests(sample: LabSample) -> list[Test]:
    """The live tests of a sample and of its sub-samples, in report order (one query)."""
    return list(
        Test.objects.filter(Q(sample_id=sample.pk) | Q(sample__parent_id=sample.pk), status__in=LIVE_TEST_STATES)
        .select_related("sample", "standard", "method", "subcontractor", "entered_by", "approved_by")
        # A retest takes its original's place (the original, retested or retracted, is not live).
        .order_by("sample_id", Coalesce("retest_of_id", "pk"), "pk")
    )


def _org(org: Organisation) -> dict[str, str]:
    return {
        "name_zh": org.name_zh,
        "name_en": org.name_en,
        "address_zh": org.address_zh,
        "address_en": org.address_en,
        "uscc": org.uscc,
    }


def _names(users: Sequence[User | None]) -> list[str]:
    seen: dict[int, str] = {}
    for user in users:
        if user is not None:
            seen.setdefault(user.pk, user.name)
    return list(seen.values())


def _parameter_key(test: Test) -> str:
    return test.method.parameter_key if test.method is not None else parameter_key(test.parameter, test.parameter_en)


def _scope(
    institution_id: int, tests: Sequence[Test]
) -> tuple[list[marks.Accreditation], dict[tuple[int, str], list[ScopeRow]]]:
    """The institution's CMA / CNAS accreditations (whatever their dates: marks.report_marks decides on the day of
    issue) and, per (edition, parameter key) of its own items, the scope rows that name it, whatever their status
    (marks.held keeps the active ones). Three queries (accreditations, rows with their sites, their
    accreditations)."""
    accreditations = [
        marks.Accreditation(a.pk, a.body, a.number, a.valid_from, a.valid_until)
        for a in Accreditation.objects.filter(organisation_id=institution_id, body__in=marks.MARKED_BODIES).order_by(
            "body", "valid_from", "number", "pk"
        )
    ]
    wanted = {(test.standard_id, _parameter_key(test)) for test in tests if test.subcontractor_id is None}
    rows: dict[tuple[int, str], list[ScopeRow]] = {}
    if wanted:
        found = (
            ScopeRow.objects.filter(
                organisation_id=institution_id,
                standard_id__in={edition for edition, _key in wanted},
                parameter_key__in={key for _edition, key in wanted},
            )
            .select_related("site")
            .prefetch_related("accreditations")
            .order_by("pk")
        )
        for row in found:
            if (row.standard_id, row.parameter_key) in wanted:
                rows.setdefault((row.standard_id, row.parameter_key), []).append(row)
    return accreditations, rows


def _holds(rows: Sequence[ScopeRow]) -> list[marks.ScopeHold]:
    return [marks.ScopeHold(row.status, frozenset(a.pk for a in row.accreditations.all())) for row in rows]


def _sites(rows: dict[tuple[int, str], list[ScopeRow]]) -> list[dict[str, str]]:
    """The sites whose active scope rows hold the report's own items (7.8.2.1 c), in the order first met."""
    sites: dict[int, TestSite] = {}
    for group in rows.values():
        for row in group:
            if row.status == ScopeStatus.ACTIVE:
                sites.setdefault(row.site_id, row.site)
    return [{"name_zh": s.name_zh, "name_en": s.name_en, "address": s.address_zh} for s in sites.values()]


def _result_row(test: Test, index: int, outside: tuple[str, ...], subcontract_symbol: str) -> dict[str, Any]:
    edition = test.standard
    decision = test.decision if test.decision in DECISIONS_EN and (test.lower_limit or test.upper_limit) else ""
    flags = [marks.SYMBOLS.get(body, "*") for body in outside] + ([subcontract_symbol] if subcontract_symbol else [])
    return {
        "index": index,
        "key": test.keyword,
        "sample": test.sample.number,
        "parameter": test.parameter,
        "parameter_en": test.parameter_en,
        "method": edition.canonical + (f" {test.clause}" if test.clause else ""),
        "unit": test.unit,
        "result_zh": test.result_text_zh or test.reported_value,
        "result_en": test.result_text_en or test.reported_value,
        "uncertainty": test.uncertainty,
        "coverage_factor": test.coverage_factor if test.uncertainty else "",
        "lod": test.lod,
        "loq": test.loq,
        "specification": test.specification,
        "decision": decision,
        "decision_zh": DECISIONS_ZH.get(decision, ""),
        "decision_en": DECISIONS_EN.get(decision, ""),
        "outside_marks": list(outside),
        "flags": flags,
        "subcontractor": _org(test.subcontractor) if test.subcontractor is not None else None,
    }


def _subcontractors(tests: Sequence[Test], symbols: Mapping[int, str]) -> list[dict[str, Any]]:
    """The external providers of subcontracted results (7.8.2.1 l: clearly identified), with their symbol and
    the items they tested."""
    providers: dict[int, dict[str, Any]] = {}
    for test in tests:
        if test.subcontractor is None:
            continue
        entry = providers.setdefault(
            test.subcontractor.pk,
            {"symbol": symbols[test.subcontractor.pk], **_org(test.subcontractor), "items": [], "items_en": []},
        )
        if test.parameter not in entry["items"]:
            entry["items"].append(test.parameter)
            entry["items_en"].append(test.parameter_en or test.parameter)
    return list(providers.values())


def _dates(tests: Sequence[Test]) -> tuple[str, str]:
    days = [test.measured_on or (timezone.localdate(test.entered_at) if test.entered_at else None) for test in tests]
    known = sorted(day for day in days if day is not None)
    return (known[0].isoformat(), known[-1].isoformat()) if known else ("", "")


def report_content(
    *,
    sample: LabSample,
    tests: Sequence[Test],
    number: str,
    version: int,
    public_id: str,
    verify_url: str,
    issued_at: dt.datetime,
    issuer: User,
    amends: Report | None = None,
    amendment_reason: str = "",
    valid_until: dt.date | None = None,
) -> dict[str, Any]:
    """The report's content document (format `tichub-report` 1). `sample` comes with its order, institution,
    enterprise and announcement loaded; `tests` are `report_tests(sample)` (all approved). Seven queries whatever
    the number of tests."""
    issued_on = timezone.localdate(issued_at)
    accreditations, rows = _scope(sample.institution_id, tests)
    items = [
        marks.Item(
            key=test.keyword,
            parameter=test.parameter,
            parameter_en=test.parameter_en,
            subcontracted=test.subcontractor_id is not None,
            accreditation_ids=marks.held(_holds(rows.get((test.standard_id, _parameter_key(test)), [])))
            if test.subcontractor_id is None
            else frozenset(),
        )
        for test in tests
    ]
    printed = marks.report_marks(accreditations, items, on=issued_on)
    outside = marks.outside_marks(printed)
    symbols = marks.subcontract_symbols(test.subcontractor_id for test in tests)
    by_key = {test.keyword: test for test in tests}
    sites = _sites(rows)
    order = sample.order
    profile = InstitutionProfile.objects.filter(organisation_id=sample.institution_id).first()
    contact = Need.objects.filter(pk=order.need_id).values_list("created_by__name", flat=True).first()
    review = ContractReview.objects.filter(order_id=order.pk).only("deviations").first()
    steps = ReviewStep.objects.filter(test__in=tests, action=ReviewAction.CHECK).select_related("by").order_by("at")
    statement = sample_statement(item_decisions(tests), tests[0].decision_rule if tests else order.decision_rule)
    testing_from, testing_to = _dates(tests)
    announcement = sample.announcement
    methods = {test.standard.canonical: test.standard for test in tests}
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "number": number,
        "version": version,
        "amends": {"number": amends.number, "version": amends.version, "public_id": amends.public_id}
        if amends is not None
        else None,
        "amendment_reason": amendment_reason,
        "public_id": public_id,
        "verify_url": verify_url,
        "issued_on": issued_on.isoformat(),
        "valid_until": valid_until.isoformat() if valid_until else None,
        "institution": {
            **_org(sample.institution),
            "phone": profile.phone if profile is not None else "",
            "email": profile.email if profile is not None else "",
            "website": profile.website if profile is not None else "",
            "site_zh": sites[0]["name_zh"] if sites else "",
            "site_en": sites[0]["name_en"] if sites else "",
            "site_address": sites[0]["address"] if sites else "",
            "sites": sites,
        },
        "customer": {
            **_org(sample.enterprise),
            "contact": contact or "",
        },
        "order": {"number": order.number, "date": timezone.localdate(order.created_at).isoformat()},
        "sample": {
            "number": sample.number,
            "description": sample.description,
            "batch": announcement.batch if announcement is not None else "",
            "quantity": sample.quantity,
            "condition": sample.condition,
            "condition_zh": CONDITIONS_ZH.get(sample.condition, sample.condition),
            "condition_en": CONDITIONS_EN.get(sample.condition, sample.condition),
            "condition_note": sample.condition_note,
            "seal_intact": sample.seal_intact,
            "temperature": sample.temperature,
            "received_on": timezone.localdate(sample.received_at).isoformat(),
        },
        "testing": {"from": testing_from, "to": testing_to},
        "methods": [
            {"code": code, "title_zh": edition.title_zh, "title_en": edition.title_en}
            for code, edition in sorted(methods.items())
        ],
        "results": [
            _result_row(test, index, outside.get(test.keyword, ()), symbols.get(test.subcontractor_id or 0, ""))
            for index, test in enumerate(tests, start=1)
        ],
        "subcontractors": _subcontractors(tests, symbols),
        "statement": {
            "decision": statement.decision,
            "text_zh": statement.text_zh,
            "text_en": statement.text_en,
            "rule_zh": statement.rule_zh,
            "rule_en": statement.rule_en,
        },
        "marks": [
            {
                "body": mark.body,
                "number": mark.number,
                "symbol": mark.symbol,
                "name_zh": BODY_NAMES[mark.body][0],
                "name_en": BODY_NAMES[mark.body][1],
                "not_covered": [by_key[key].parameter for key in mark.not_covered],
                "not_covered_en": [by_key[key].parameter_en or by_key[key].parameter for key in mark.not_covered],
            }
            for mark in printed
        ],
        "deviations": [text for text in (review.deviations if review else "", sample.deviation) if text],
        "disclaimers": [sample.disclaimer] if sample.disclaimer else [],
        "signatories": {
            "prepared": _names([test.entered_by for test in tests]),
            "checked": _names([step.by for step in steps]),
            "approved": issuer.name,
            "approved_on": issued_on.isoformat(),
        },
        "statements": [{"zh": zh, "en": en} for zh, en in STATEMENTS],
    }


def content_bytes(content: dict[str, Any]) -> bytes:
    """The canonical bytes of a content document (sorted keys, no whitespace, UTF-8): what is embedded and hashed."""
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def content_sha256(content: dict[str, Any]) -> str:
    return hashlib.sha256(content_bytes(content)).hexdigest()
