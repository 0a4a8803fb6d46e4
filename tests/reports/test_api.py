"""/api/v1/reports: list (paginated, both parties, query budget), one report with its versions, issue and amend
(201), withdraw, open a correction, the enterprise's summary choice; errors with their exact codes and fields,
and nothing changed on refusal."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.lims.review_world import submitted
from tests.lims.world import received
from tichub.accounts.choices import Role
from tichub.core.testing.factories import member
from tichub.core.testing.permissions import signed_in
from tichub.reports.models import Report

from .pages_world import client_for, empty_storage, enterprise_client, number, snapshot
from .world import issued, ready_world

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_storage")]
__all__ = ["empty_storage"]
API = "/api/v1/reports"


def _post(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def test_issue_and_amend_through_the_api():
    w, sample = ready_world()
    client = client_for(w, "signatory")
    response = _post(client, API, {"sample_id": sample.pk, "expected_version": 0})
    assert response.status_code == 201, response.content
    body = response.json()
    report = Report.objects.get()
    assert {name: body[name] for name in (
        "id", "number", "version", "status", "public_id", "issued_by", "valid_until", "order_id", "sample_id",
        "sample_number", "product", "conclusion", "summary_public", "amends_id", "amendment_reason", "withdrawn_at",
        "withdrawal_reason", "sha256", "content_sha256", "kid", "verification_count", "last_verified_at",
        "correction_open",
    )} == {
        "id": report.pk, "number": number(1), "version": 1, "status": "issued", "public_id": report.public_id,
        "issued_by": w.signatory.name, "valid_until": None, "order_id": w.order.pk, "sample_id": sample.pk,
        "sample_number": sample.number, "product": "一级白砂糖，袋装", "conclusion": "conditional_pass",
        "summary_public": True, "amends_id": None, "amendment_reason": "", "withdrawn_at": None,
        "withdrawal_reason": "", "sha256": report.sha256, "content_sha256": report.content_sha256, "kid": report.kid,
        "verification_count": 0, "last_verified_at": None, "correction_open": False,
    }  # fmt: skip
    assert body["institution"] == {
        "id": w.institution.pk, "name_zh": w.institution.name_zh, "name_en": w.institution.name_en,
    }  # fmt: skip
    assert body["verify_url"].endswith(f"/verify/{report.public_id}/")
    assert body["versions"] == [
        {"id": report.pk, "version": 1, "status": "issued", "issued_at": body["issued_at"], "amendment_reason": "",
         "withdrawal_reason": ""},
    ]  # fmt: skip
    before = snapshot()
    missing = _post(client, API, {"sample_id": sample.pk})
    assert (missing.status_code, missing.json()["code"], list(missing.json()["fields"])) == (400, "invalid", ["reason"])
    stale = _post(client, API, {"sample_id": sample.pk, "reason": "更正", "expected_version": 0})
    assert (stale.status_code, stale.json()["code"], list(stale.json()["fields"])) == (
        409, "report_changed", ["expected_version"],
    )  # fmt: skip
    assert snapshot() == before
    amended = _post(client, API, {"sample_id": sample.pk, "reason": "委托方名称更正", "expected_version": 1})
    assert amended.status_code == 201
    body = amended.json()
    assert (body["number"], body["version"], body["amends_id"], body["amendment_reason"]) == (
        number(1), 2, report.pk, "委托方名称更正",
    )  # fmt: skip
    assert [(v["version"], v["status"]) for v in body["versions"]] == [(1, "superseded"), (2, "issued")]


def test_issue_refusals_answer_their_code_and_change_nothing():
    w, ready = ready_world()
    waiting = received(w, 1)
    submitted(w, waiting)
    before = snapshot()
    signatory = client_for(w, "signatory")
    cases = [
        (signatory, {"sample_id": waiting.pk}, 409, "report_not_ready", {}),
        (client_for(w, "signatory2"), {"sample_id": ready.pk}, 409, "report_signatory_scope", {}),
        (signatory, {"sample_id": ready.pk, "reason": "更正"}, 409, "report_not_current", {"reason"}),
        (signatory, {"sample_id": ready.pk, "valid_until": "2020-01-01"}, 400, "invalid", {"valid_until"}),
        (signatory, {"sample_id": 0}, 422, "invalid", {"sample_id"}),
        (signatory, {"sample_id": ready.pk, "valid_until": "soon"}, 422, "invalid", {"valid_until"}),
        (signatory, {"sample_id": ready.pk, "expected_version": -1}, 422, "invalid", {"expected_version"}),
        (signatory, {"sample_id": ready.pk, "reason": "x" * 2001}, 422, "invalid", {"reason"}),
        (signatory, {"sample_id": 10**30}, 422, "invalid", {"sample_id"}),
        (signatory, {"sample_id": ready.pk + 1000}, 404, "not_found", set()),
        (client_for(w, "analyst"), {"sample_id": ready.pk}, 403, "forbidden", set()),
        (enterprise_client(w), {"sample_id": ready.pk}, 403, "forbidden", set()),
    ]
    lab2 = w.m.lab2.org
    cases.append(
        (signed_in(member(lab2, Role.AUTHORIZED_SIGNATORY), lab2), {"sample_id": ready.pk}, 404, "not_found", set())
    )
    for client, body, status, code, fields in cases:
        response = _post(client, API, body)
        answer = response.json()
        assert (response.status_code, answer["code"]) == (status, code), (body, answer)
        if fields:
            assert set(answer["fields"]) == fields, (body, answer)
    assert snapshot() == before


def test_list_for_both_parties_paginated_and_within_a_query_budget():
    w, sample = ready_world()
    first = issued(w, sample)
    Report.objects.filter(pk=first.pk).update(verification_count=4)
    lab, enterprise = client_for(w, "analyst"), enterprise_client(w)
    lab.get(API), enterprise.get(API)  # warm up
    with CaptureQueriesContext(connection) as few_lab:
        body = lab.get(API).json()
    assert body["count"] == 1 and [(r["id"], r["verification_count"]) for r in body["items"]] == [(first.pk, 4)]
    with CaptureQueriesContext(connection) as few_ent:
        body = enterprise.get(API).json()
    assert [(r["id"], r["verification_count"], r["last_verified_at"]) for r in body["items"]] == [
        (first.pk, None, None)
    ]
    for n in range(4):
        issued(w, sample, reason=f"第 {n + 1} 次更正")
    with CaptureQueriesContext(connection) as many_lab:
        body = lab.get(API).json()
    with CaptureQueriesContext(connection) as many_ent:
        assert enterprise.get(API).json()["count"] == 5
    assert body["count"] == 5 and [r["version"] for r in body["items"]] == [5, 4, 3, 2, 1]
    assert (len(many_lab), len(many_ent)) == (len(few_lab), len(few_ent))
    filtered = lab.get(API, {"status": "superseded", "q": sample.number}).json()
    assert [r["version"] for r in filtered["items"]] == [4, 3, 2, 1]
    assert lab.get(API, {"page_size": 2}).json()["items"][0]["version"] == 5
    bad = lab.get(API, {"status": "lost"})
    assert (bad.status_code, bad.json()["code"], list(bad.json()["fields"])) == (400, "invalid", ["status"])
    assert signed_in(w.m.outsider.owner, w.m.outsider.org).get(API).json()["count"] == 0
    assert signed_in(w.m.lab2.admin, w.m.lab2.org).get(API).json()["count"] == 0


def test_one_report_for_both_parties_and_nobody_else():
    w, sample = ready_world()
    report = issued(w, sample)
    url = f"{API}/{report.pk}"
    assert client_for(w, "analyst").get(url).json()["verification_count"] == 0
    assert enterprise_client(w).get(url).json()["verification_count"] is None
    for client in (signed_in(w.m.outsider.owner, w.m.outsider.org), signed_in(w.m.lab2.admin, w.m.lab2.org)):
        response = client.get(url)
        assert (response.status_code, response.json()["code"]) == (404, "not_found")
    assert client_for(w, "analyst").get(f"{API}/99999999").status_code == 404


def test_withdraw_correction_and_summary():
    w, sample = ready_world()
    report = issued(w, sample)
    base = f"{API}/{report.pk}"
    before = snapshot()
    checks = [
        (client_for(w, "analyst"), "/withdraw", {"reason": "x"}, 403, "forbidden", set()),
        (client_for(w, "quality"), "/withdraw", {"reason": ""}, 400, "invalid", {"reason"}),
        (client_for(w, "quality"), "/withdraw", {}, 422, "invalid", {"reason"}),
        (client_for(w, "quality"), "/correction", {"reason": "x"}, 403, "forbidden", set()),
        (client_for(w, "signatory"), "/correction", {"reason": " "}, 400, "invalid", {"reason"}),
        (client_for(w, "signatory"), "/summary", {"public": False}, 403, "forbidden", set()),
        (enterprise_client(w), "/summary", {"public": "perhaps"}, 422, "invalid", {"public"}),
        (enterprise_client(w), "/withdraw", {"reason": "x"}, 403, "forbidden", set()),
        (signed_in(w.m.outsider.owner, w.m.outsider.org), "/summary", {"public": False}, 404, "not_found", set()),
        (signed_in(w.m.lab2.quality, w.m.lab2.org), "/withdraw", {"reason": "x"}, 404, "not_found", set()),
    ]
    for client, path, body, status, code, fields in checks:
        response = _post(client, base + path, body)
        assert (response.status_code, response.json()["code"]) == (status, code), (path, body, response.json())
        assert set(response.json()["fields"]) >= fields
    assert snapshot() == before

    hidden = _post(enterprise_client(w), base + "/summary", {"public": False})
    assert (hidden.status_code, hidden.json()["summary_public"]) == (200, False)
    opened = _post(client_for(w, "signatory"), base + "/correction", {"reason": "铅的标准物质已过期"})
    assert (opened.status_code, opened.json()["correction_open"], opened.json()["status"]) == (200, True, "issued")
    again = _post(client_for(w, "signatory"), base + "/correction", {"reason": "再次"})
    assert (again.status_code, again.json()["code"]) == (409, "report_correction_open")
    withdrawn = _post(client_for(w, "quality"), base + "/withdraw", {"reason": "样品标识有误"})
    assert withdrawn.status_code == 200
    assert (withdrawn.json()["status"], withdrawn.json()["withdrawal_reason"]) == ("withdrawn", "样品标识有误")
    before = snapshot()
    twice = _post(client_for(w, "quality"), base + "/withdraw", {"reason": "再次撤回"})
    assert (twice.status_code, twice.json()["code"]) == (409, "report_state")
    assert snapshot() == before
