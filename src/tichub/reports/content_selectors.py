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
from collections.abc import Sequence
from typing import Any

from django.db.models import Q
from django.utils import timezone

from tichub.accounts.models import Organisation, User
from tichub.lims.choices import LIVE_TEST_STATES, ResultDecision, ReviewAction, SampleCondition
from tichub.lims.models import LabSample, ReviewStep, Test
from tichub.lims.review_selectors import item_decisions
from tichub.lims.statement import sample_statement
from tichub.marketplace.models import ContractReview
from tichub.registry.choices import ScopeStatus
from tichub.registry.models import Accreditation, ScopeRow
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
        .order_by("sample_id", "pk")
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


def _scope(institution_id: int, tests: Sequence[Test], on: dt.date) -> tuple[list[marks.Accreditation], dict]:
    """The institution's accreditations valid on `on` and, per (edition, parameter key), those whose active scope
    holds it, with the site of the scope row (two queries)."""
    valid = list(
        Accreditation.objects.filter(
            organisation_id=institution_id, body__in=marks.MARKED_BODIES, valid_from__lte=on, valid_until__gte=on
        ).order_by("body", "number")
    )
    wanted = {(test.standard_id, _parameter_key(test)) for test in tests if test.subcontractor_id is None}
    rows = (
        ScopeRow.objects.filter(
            organisation_id=institution_id,
            status=ScopeStatus.ACTIVE,
            standard_id__in={edition for edition, _key in wanted},
            parameter_key__in={key for _edition, key in wanted},
        )
        .select_related("site")
        .prefetch_related("accreditations")
    )
    held: dict[tuple[int, str], dict[str, Any]] = {}
    valid_ids = {a.pk for a in valid}
    for row in rows:
        entry = held.setdefault((row.standard_id, row.parameter_key), {"ids": set(), "site": row.site})
        entry["ids"].update(a.pk for a in row.accreditations.all() if a.pk in valid_ids)
    return [marks.Accreditation(a.pk, a.body, a.number) for a in valid], held


def _result_row(test: Test, outside: tuple[str, ...]) -> dict[str, Any]:
    edition = test.standard
    decision = test.decision if test.decision in DECISIONS_EN and (test.lower_limit or test.upper_limit) else ""
    return {
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
        "subcontractor": _org(test.subcontractor) if test.subcontractor is not None else None,
    }


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
    enterprise and announcement loaded; `tests` are `report_tests(sample)` (all approved)."""
    issued_on = timezone.localdate(issued_at)
    accreditations, held = _scope(sample.institution_id, tests, issued_on)
    items = [
        marks.Item(
            key=test.keyword,
            parameter=test.parameter,
            parameter_en=test.parameter_en,
            subcontracted=test.subcontractor_id is not None,
            accreditation_ids=frozenset(held.get((test.standard_id, _parameter_key(test)), {}).get("ids", ())),
        )
        for test in tests
    ]
    printed = marks.report_marks(accreditations, items)
    outside = marks.outside_marks(printed)
    by_key = {test.keyword: test for test in tests}
    sites = [entry["site"] for entry in held.values() if entry["ids"]]
    order = sample.order
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
            "site_zh": sites[0].name_zh if sites else "",
            "site_en": sites[0].name_en if sites else "",
            "site_address": sites[0].address_zh if sites else "",
        },
        "customer": _org(sample.enterprise),
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
        "results": [_result_row(test, outside.get(test.keyword, ())) for test in tests],
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
