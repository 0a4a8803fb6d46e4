"""Review API: queues, check, approve, reject, retest, retract, a sample's review (ISO/IEC 17025 7.7, 7.8.1.1)."""

import pytest
from django.utils import timezone

from tichub.accounts.choices import Role
from tichub.core.models import AuditEvent
from tichub.core.testing.permissions import signed_in
from tichub.lims.models import SignatoryAuthorisation, Test

from .review_world import submitted, two_hats
from .world import lab_world, received

pytestmark = pytest.mark.django_db
API = "/api/v1/lab"


def post(client, url, data=None):
    return client.post(url, data=data or {}, content_type="application/json")


def test_check_approve_and_the_sample_review():
    w = lab_world()
    sample = received(w)
    tests = submitted(w, sample)
    ids = [tests["pb"].pk, tests["cd"].pk]
    reviewer = signed_in(w.reviewer, w.institution)
    queue = reviewer.get(f"{API}/review/queue").json()
    assert queue["count"] == 2
    assert [
        (t["sample_number"], t["keyword"], t["standard"], t["result_text_zh"], t["decision"]) for t in queue["items"]
    ] == [
        (sample.number, "pb", "GB 5009.12-2017", "0.480", "conditional_pass"),
        (sample.number, "cd", "GB 5009.15-2014", "0.05000", "pass"),
    ]
    response = post(reviewer, f"{API}/review/check", {"test_ids": ids, "note": "已核对原始记录"})
    assert response.status_code == 200
    assert [(t["id"], t["status"], t["checks_done"]) for t in response.json()] == [
        (ids[0], "checked", 1),
        (ids[1], "checked", 1),
    ]

    SignatoryAuthorisation.objects.create(
        institution=w.institution, user=w.signatory2, standard=w.m.lead, valid_from=timezone.localdate()
    )
    signatory2 = signed_in(w.signatory2, w.institution)
    items = signatory2.get(f"{API}/approval/queue").json()["items"]
    assert [(i["test"]["keyword"], i["covered"], i["reason"]) for i in items] == [
        ("pb", True, ""),
        ("cd", False, f"{sample.number} 镉：您的授权签字范围不包括方法 GB 5009.15-2014（镉），不能批准。"),
    ]
    events = AuditEvent.objects.count()
    response = post(signatory2, f"{API}/review/approve", {"test_ids": ids})
    assert response.status_code == 409
    assert response.json() == {
        "code": "not_authorised",
        "message": f"{sample.number} 镉：您的授权签字范围不包括方法 GB 5009.15-2014（镉），不能批准。",
        "fields": {"test_ids.1": [f"{sample.number} 镉：您的授权签字范围不包括方法 GB 5009.15-2014（镉），不能批准。"]},
    }
    assert AuditEvent.objects.count() == events
    response = post(signed_in(w.signatory, w.institution), f"{API}/review/approve", {"test_ids": ids})
    assert [(t["status"], t["approved_by_id"]) for t in response.json()] == [("approved", w.signatory.pk)] * 2

    review = reviewer.get(f"{API}/samples/{sample.pk}/review").json()
    assert review["sample"] == {
        "id": sample.pk,
        "number": sample.number,
        "description": "一级白砂糖，袋装",
        "status": "ready",
        "order_id": w.order.pk,
    }
    assert review["levels"] == 2
    assert review["statement"]["decision"] == "conditional_pass"
    assert review["statement"]["items"] == {"conditional_pass": ["铅"]}
    assert review["statement"]["text_zh"].startswith("所检项目有条件符合要求（判定规则：带保护带的非二元判定")
    pb = review["tests"][0]
    assert [s["action"] for s in pb["steps"]] == ["submit", "check", "approve"]
    assert [(r["version"], r["raw_value"], r["decision"]) for r in pb["revisions"]] == [(1, "0.48", "conditional_pass")]
    assert (pb["actions"], pb["approve_blocked"]) == ([], "")


def test_own_result_reject_retest_retract_and_refusals():
    w = lab_world()
    sample = received(w)
    as_analyst, _, user = two_hats(w, Role.REVIEWER)
    own = submitted(w, sample, {"pb": "0.30"}, actor=as_analyst)["pb"].pk
    two_hat = signed_in(user, w.institution)
    events = AuditEvent.objects.count()
    response = post(two_hat, f"{API}/review/check", {"test_ids": [own]})
    assert (response.status_code, response.json()["code"], response.json()["message"]) == (
        409,
        "own_result",
        f"{sample.number} 铅：您录入了该结果，须由另一名审核人审核。",
    )
    response = post(two_hat, f"{API}/review/reject", {"test_ids": [own]})
    assert response.status_code == 400 and response.json()["fields"] == {
        "reason": ["请填写原因：退回、重测和撤销都须说明原因。"]
    }
    response = post(two_hat, f"{API}/review/check", {"test_ids": ["x"]})
    assert response.status_code == 422
    assert Test.objects.get(pk=own).status == "submitted" and AuditEvent.objects.count() == events

    cd = submitted(w, sample, {"cd": "0.05"})["cd"].pk
    response = post(two_hat, f"{API}/tests/{cd}/retest", {"reason": "内标回收率偏低"})
    assert response.status_code == 201
    body = response.json()
    assert (body["original"]["id"], body["original"]["status"]) == (cd, "retested")
    assert (body["retest"]["retest_of_id"], body["retest"]["status"], body["retest"]["sample_number"]) == (
        cd,
        "pending",
        sample.number,
    )
    reviewer = signed_in(w.reviewer, w.institution)
    response = post(reviewer, f"{API}/review/reject", {"test_ids": [own], "reason": "未附原始记录"})
    assert [t["status"] for t in response.json()] == ["rejected"]

    analyst = signed_in(w.analyst, w.institution)
    assert post(analyst, f"{API}/review/reject", {"test_ids": [own], "reason": "x"}).status_code == 403
    assert post(analyst, f"{API}/tests/{own}/retract", {"reason": "x"}).status_code == 403
    quality = signed_in(w.quality, w.institution)
    response = post(quality, f"{API}/tests/{own}/retract", {"reason": "数据有误"})
    assert response.status_code == 409 and response.json()["code"] == "review_state"

    lab2 = signed_in(w.m.lab2.quality, w.m.lab2.org)
    assert post(lab2, f"{API}/review/check", {"test_ids": [own]}).status_code == 404
    assert post(lab2, f"{API}/tests/{own}/retract", {"reason": "x"}).status_code == 404
    assert lab2.get(f"{API}/samples/{sample.pk}/review").status_code == 404


def test_queue_apis_do_not_grow_in_queries(django_assert_max_num_queries):
    w = lab_world()
    first = received(w)
    done = submitted(w, first)
    reviewer = signed_in(w.reviewer, w.institution)
    signatory = signed_in(w.signatory, w.institution)
    post(reviewer, f"{API}/review/check", {"test_ids": [done["pb"].pk]})
    counts = {}
    for client, url in ((reviewer, f"{API}/review/queue"), (signatory, f"{API}/approval/queue")):
        with django_assert_max_num_queries(20) as few:
            client.get(url)
        counts[url] = len(few.captured_queries)
    second = received(w, 1)
    more = submitted(w, second)
    with django_assert_max_num_queries(counts[f"{API}/review/queue"]):
        assert reviewer.get(f"{API}/review/queue").json()["count"] == 3
    post(reviewer, f"{API}/review/check", {"test_ids": [more["pb"].pk, more["cd"].pk]})
    with django_assert_max_num_queries(counts[f"{API}/approval/queue"]):
        assert signatory.get(f"{API}/approval/queue").json()["count"] == 3
    with django_assert_max_num_queries(20) as few:
        reviewer.get(f"{API}/samples/{first.pk}/review")
    budget = len(few.captured_queries)
    with django_assert_max_num_queries(budget):
        reviewer.get(f"{API}/samples/{second.pk}/review")
