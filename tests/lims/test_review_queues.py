"""Reviewer and signatory queues, one sample's review, and the review pages (ISO/IEC 17025 7.7, 7.8.1.1)."""

import pytest
from django.utils import timezone

from tichub.accounts.choices import Role
from tichub.core.errors import NotFound
from tichub.core.models import AuditEvent
from tichub.core.testing.permissions import signed_in
from tichub.lims.models import ReviewStep, SignatoryAuthorisation, Test
from tichub.lims.review_selectors import approval_queue, check_queue, sample_review
from tichub.lims.review_services import review_approve, review_check, review_retest

from .review_world import levels, submitted, two_hats
from .world import lab_world, received, sample_tests

pytestmark = pytest.mark.django_db


def keys(tests):
    return [(test.sample.number, test.keyword) for test in tests]


# --- queues -----------------------------------------------------------------------------------------------------


def test_check_queue_leaves_out_own_results_and_results_already_checked():
    w = lab_world()
    levels(w, 3)
    first, second = received(w, 0), received(w, 1)
    as_analyst, as_reviewer, _ = two_hats(w, Role.REVIEWER)
    submitted(w, first)
    submitted(w, second, {"pb": "0.30"}, actor=as_analyst)
    assert keys(check_queue(w.reviewer_actor)) == [(first.number, "pb"), (first.number, "cd"), (second.number, "pb")]
    assert keys(check_queue(as_reviewer)) == [(first.number, "pb"), (first.number, "cd")]
    review_check(actor=w.reviewer_actor, test_ids=[sample_tests(first)["pb"].pk])
    assert keys(check_queue(w.reviewer_actor)) == [(first.number, "cd"), (second.number, "pb")]
    assert keys(check_queue(w.reviewer2_actor)) == [(first.number, "pb"), (first.number, "cd"), (second.number, "pb")]
    review_check(actor=w.reviewer2_actor, test_ids=[sample_tests(first)["pb"].pk])
    assert (first.number, "pb") not in keys(check_queue(w.quality_actor))  # all checks done: awaiting approval
    levels(w, 1)
    assert check_queue(w.reviewer_actor) == []
    assert check_queue(w.outsider_lab_actor) == []


def test_approval_queue_says_what_the_signatory_may_not_approve_and_why():
    w = lab_world()
    sample = received(w)
    tests = submitted(w, sample)
    review_check(actor=w.reviewer_actor, test_ids=[tests["pb"].pk, tests["cd"].pk])
    SignatoryAuthorisation.objects.create(
        institution=w.institution, user=w.signatory2, standard=w.m.lead, valid_from=timezone.localdate()
    )
    items = approval_queue(w.signatory2_actor)
    assert [(item.test.keyword, item.covered, item.reason) for item in items] == [
        ("pb", True, ""),
        ("cd", False, f"{sample.number} 镉：您的授权签字范围不包括方法 GB 5009.15-2014（镉），不能批准。"),
    ]
    assert [item.covered for item in approval_queue(w.signatory_actor)] == [True, True]
    assert approval_queue(w.outsider_lab_actor) == []


def test_queues_do_not_grow_in_queries(django_assert_num_queries):
    w = lab_world()
    first = received(w)
    tests = submitted(w, first)
    review_check(actor=w.reviewer_actor, test_ids=[tests["pb"].pk])
    with django_assert_num_queries(4):
        check_queue(w.reviewer2_actor)
    with django_assert_num_queries(5):
        approval_queue(w.signatory_actor)
    second = received(w, 1)
    more = submitted(w, second)
    with django_assert_num_queries(4):
        assert len(check_queue(w.reviewer2_actor)) == 3
    review_check(actor=w.reviewer_actor, test_ids=[more["pb"].pk, more["cd"].pk])
    with django_assert_num_queries(5):
        assert len(approval_queue(w.signatory_actor)) == 3


# --- one sample -------------------------------------------------------------------------------------------------


def test_sample_review_has_every_test_with_history_actions_and_the_statement():
    w = lab_world()
    sample = received(w)
    tests = submitted(w, sample)
    review_check(actor=w.reviewer_actor, test_ids=[tests["pb"].pk])
    review_retest(actor=w.reviewer_actor, test_id=tests["cd"].pk, reason="平行样超差")
    review = sample_review(w.signatory_actor, sample.pk)
    assert review.levels == 2
    rows = [
        (t.test.keyword, t.test.status, t.actions, len(t.revisions), [s.action for s in t.steps]) for t in review.tests
    ]
    assert rows == [
        ("pb", "checked", ["approve", "reject"], 1, ["submit", "check"]),
        ("cd", "retested", [], 1, ["submit", "retest"]),
        ("cd", "pending", [], 0, []),
    ]
    revision, label = review.tests[0].revisions[0]
    assert (revision.raw_value, revision.changed_by_id, label) == ("0.48", w.analyst.pk, "有条件合格")
    assert review.statement.decision == "conditional_pass" and review.statement.pending == ("镉",)
    assert sample_review(w.reviewer2_actor, sample.pk).tests[0].actions == ["reject", "retest"]
    assert sample_review(w.analyst_actor, sample.pk).tests[0].actions == []
    assert sample_review(w.signatory2_actor, sample.pk).tests[0].approve_blocked == (
        f"{sample.number} 铅：您的授权签字范围不包括方法 GB 5009.12-2017（铅），不能批准。"
    )
    with pytest.raises(NotFound):
        sample_review(w.outsider_lab_actor, sample.pk)


def test_sample_review_queries_do_not_grow_with_tests(django_assert_num_queries):
    w = lab_world()
    sample = received(w)
    submitted(w, sample, {"pb": "0.30"})
    with django_assert_num_queries(6):
        sample_review(w.signatory_actor, sample.pk)
    tests = submitted(w, sample, {"cd": "0.05"})
    review_check(actor=w.reviewer_actor, test_ids=[tests["pb"].pk, tests["cd"].pk])
    review_approve(actor=w.signatory_actor, test_ids=[tests["pb"].pk])
    with django_assert_num_queries(6):
        sample_review(w.signatory_actor, sample.pk)


# --- pages ------------------------------------------------------------------------------------------------------


def test_review_page_bulk_check(django_assert_max_num_queries):
    w = lab_world()
    sample = received(w)
    tests = submitted(w, sample)
    reviewer = signed_in(w.reviewer, w.institution)
    page = reviewer.get("/lab/review/")
    assert page.status_code == 200
    html = page.content.decode()
    assert sample.number in html and f'value="{tests["pb"].pk}"' in html and "0.480" in html
    with django_assert_max_num_queries(30) as few:
        reviewer.get("/lab/review/")
    budget = len(few.captured_queries)
    # A second sample, more rows: the page asks the database no more.
    submitted(w, received(w, 1))
    with django_assert_max_num_queries(budget):
        assert reviewer.get("/lab/review/").content.decode().count('name="test_ids"') == 4
    ids = [tests["pb"].pk, tests["cd"].pk]
    response = reviewer.post("/lab/review/check/", {"test_ids": ids, "note": "", "back": "queue"})
    assert (response.status_code, response["Location"]) == (302, "/lab/review/")
    assert list(Test.objects.filter(pk__in=ids).values_list("status", flat=True)) == ["checked", "checked"]
    assert "已审核 2 个检测项目。" in reviewer.get("/lab/review/").content.decode()


def test_a_refused_page_action_shows_the_refusal_with_its_status_and_changes_nothing():
    w = lab_world()
    sample = received(w)
    as_analyst, _, user = two_hats(w, Role.REVIEWER)
    tests = submitted(w, sample, {"pb": "0.30"}, actor=as_analyst)
    client = signed_in(user, w.institution)
    events = AuditEvent.objects.count()
    response = client.post("/lab/review/check/", {"test_ids": [tests["pb"].pk], "back": str(sample.pk)})
    assert response.status_code == 409
    assert f"{sample.number} 铅：您录入了该结果，须由另一名审核人审核。" in response.content.decode()
    response = client.post(
        "/lab/review/check/", {"test_ids": [tests["pb"].pk], "back": str(sample.pk)}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200 and "须由另一名审核人审核" in response.content.decode()
    reviewer = signed_in(w.reviewer, w.institution)
    response = reviewer.post("/lab/review/reject/", {"test_ids": [tests["pb"].pk], "reason": "", "back": "queue"})
    assert response.status_code == 400 and "请填写原因：退回、重测和撤销都须说明原因。" in response.content.decode()
    response = reviewer.post("/lab/review/check/", {"test_ids": ["x"], "back": "queue"})
    assert response.status_code == 400 and "检测项目编号须为正整数（现为“x”）。" in response.content.decode()
    assert reviewer.post("/lab/review/check/", {"test_ids": [999999]}).status_code == 404
    assert Test.objects.get(pk=tests["pb"].pk).status == "submitted" and AuditEvent.objects.count() == events


def test_approval_page_greys_what_is_not_covered_and_approves_the_rest():
    w = lab_world()
    sample = received(w)
    tests = submitted(w, sample)
    review_check(actor=w.reviewer_actor, test_ids=[tests["pb"].pk, tests["cd"].pk])
    SignatoryAuthorisation.objects.create(
        institution=w.institution, user=w.signatory2, standard=w.m.lead, valid_from=timezone.localdate()
    )
    client = signed_in(w.signatory2, w.institution)
    html = client.get("/lab/approve/").content.decode()
    assert f'value="{tests["cd"].pk}" form="bulk" id="t{tests["cd"].pk}" disabled' in html
    assert "您的授权签字范围不包括方法 GB 5009.15-2014（镉），不能批准。" in html
    response = client.post("/lab/review/approve/", {"test_ids": [tests["pb"].pk], "back": "approve"})
    assert (response.status_code, response["Location"]) == (302, "/lab/approve/")
    assert Test.objects.get(pk=tests["pb"].pk).status == "approved"


def test_sample_page_history_statement_and_per_test_actions():
    w = lab_world()
    sample = received(w)
    tests = submitted(w, sample)
    review_check(actor=w.reviewer_actor, test_ids=[tests["pb"].pk, tests["cd"].pk])
    url = f"/lab/samples/{sample.pk}/review/"
    signatory = signed_in(w.signatory, w.institution)
    html = signatory.get(url).content.decode()
    assert "所检项目有条件符合要求（判定规则：带保护带的非二元判定" in html
    assert 'action="/lab/review/approve/"' in html and "结果记录 1 条" in html
    response = signatory.post("/lab/review/approve/", {"test_ids": [tests["pb"].pk, tests["cd"].pk], "back": sample.pk})
    assert (response.status_code, response["Location"]) == (302, url)
    quality = signed_in(w.quality, w.institution)
    assert f'action="/lab/review/tests/{tests["pb"].pk}/retract/"' in quality.get(url).content.decode()
    response = quality.post(
        f"/lab/review/tests/{tests['pb'].pk}/retract/", {"reason": "称量记录缺失", "back": sample.pk}
    )
    assert (response.status_code, response["Location"]) == (302, url)
    assert Test.objects.get(pk=tests["pb"].pk).status == "retracted"
    assert ReviewStep.objects.get(test_id=tests["pb"].pk, action="retract").reason == "称量记录缺失"
    html = quality.get(url).content.decode()
    assert f"已撤销 {sample.number} 铅 的结果，并已安排重新检测。" in html and "称量记录缺失" in html
    assert signed_in(w.m.lab2.analyst, w.m.lab2.org).get(url).status_code == 404


def test_retest_from_the_queue():
    w = lab_world()
    sample = received(w)
    tests = submitted(w, sample)
    reviewer = signed_in(w.reviewer, w.institution)
    url = f"/lab/review/tests/{tests['cd'].pk}/retest/"
    response = reviewer.post(url, {"reason": "", "back": "queue"})
    assert response.status_code == 400 and Test.objects.get(pk=tests["cd"].pk).status == "submitted"
    response = reviewer.post(url, {"reason": "内标回收率偏低", "back": "queue"})
    assert (response.status_code, response["Location"]) == (302, "/lab/review/")
    assert Test.objects.get(pk=tests["cd"].pk).status == "retested"
    assert Test.objects.get(retest_of_id=tests["cd"].pk).status == "pending"
