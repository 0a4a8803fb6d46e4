"""An order's laboratory progress for both parties: counts, states, due dates; nothing internal."""

import datetime as dt

import pytest
from django.utils import timezone

from tichub.core.errors import Conflict, NotFound
from tichub.core.testing.permissions import signed_in
from tichub.lims.models import LabSample, Test
from tichub.lims.progress_selectors import SampleProgress, order_progress
from tichub.lims.review_services import review_approve, review_check
from tichub.marketplace.order_services import order_advance

from .review_world import submitted
from .world import lab_world, received

pytestmark = pytest.mark.django_db
SECRET = "secret-internal-9f3a"  # ASCII: the API answers JSON with \\u escapes


def secret_world():
    """The first sample received with a secret internal note (on the sample and its tests), lead submitted."""
    w = lab_world()
    sample = received(w)
    LabSample.objects.filter(pk=sample.pk).update(internal_note=SECRET)
    Test.objects.filter(sample=sample).update(internal_note=SECRET)
    submitted(w, sample, {"pb": "0.48"})
    return w, sample


def test_progress_counts_per_sample_for_the_enterprise_and_the_institution():
    w, sample = secret_world()
    due = timezone.localdate() + dt.timedelta(days=5)
    expected = [
        SampleProgress(sample.number, "一级白砂糖，袋装", "testing", 2, 1, 0, due, False),
        SampleProgress(
            w.announcements[1].reference, "一级白砂糖，散装留样", "not_received", 0, 0, 0, w.order.due_date, False
        ),
    ]
    for actor in (w.owner_actor, w.m.member_actor, w.reception_actor, w.analyst_actor):
        progress = order_progress(actor, w.order.pk)
        assert (progress.order_id, progress.number, progress.status) == (w.order.pk, w.order.number, "in_progress")
        assert progress.samples == expected
        assert (progress.tests_total, progress.tests_with_result, progress.tests_approved) == (2, 1, 0)
        assert SECRET not in repr(progress) and w.analyst.name not in repr(progress) and "0.48" not in repr(progress)
    assert [s.status_label for s in progress.samples] == ["检测中", "待接收"]


def test_overdue_until_the_sample_is_ready():
    w, sample = secret_world()
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    Test.objects.filter(sample=sample).update(due_date=yesterday)
    [first, _] = order_progress(w.owner_actor, w.order.pk).samples
    assert (first.due_date, first.overdue) == (yesterday, True)
    assert order_progress(w.owner_actor, w.order.pk).overdue_count == 1
    tests = submitted(w, sample, {"cd": "0.05"})
    ids = [tests["pb"].pk, tests["cd"].pk]
    review_check(actor=w.reviewer_actor, test_ids=ids)
    review_approve(actor=w.signatory_actor, test_ids=ids)
    [first, _] = order_progress(w.owner_actor, w.order.pk).samples
    assert (first.status, first.tests_with_result, first.tests_approved, first.overdue) == ("ready", 2, 2, False)


def test_nobody_else_sees_the_progress():
    w, _ = secret_world()
    for outsider in (w.outsider_enterprise_actor, w.outsider_lab_actor):
        with pytest.raises(NotFound):
            order_progress(outsider, w.order.pk)


def test_progress_queries_do_not_grow_with_samples_and_tests(django_assert_num_queries):
    w = lab_world()
    received(w)
    with django_assert_num_queries(3):
        order_progress(w.owner_actor, w.order.pk)
    second = received(w, 1)
    submitted(w, second)
    with django_assert_num_queries(3):
        assert len(order_progress(w.owner_actor, w.order.pk).samples) == 2


def test_the_order_page_shows_the_progress_to_both_parties_without_internal_details():
    w, sample = secret_world()
    for user, org in ((w.m.enterprise.owner, w.enterprise), (w.reception, w.institution)):
        page = signed_in(user, org).get(f"/market/orders/{w.order.pk}/")
        assert page.status_code == 200
        html = page.content.decode()
        assert 'id="lab-progress"' in html and sample.number in html
        assert "检测项目共 2 项：已出结果 1 项，已批准 0 项。" in html
        assert SECRET not in html and "0.480" not in html and "0.048" not in html
        block = html[html.index('id="lab-progress"') : html.index("</section>", html.index('id="lab-progress"'))]
        assert w.analyst.name not in block


def test_progress_api_for_both_parties_and_404_for_others():
    w, sample = secret_world()
    url = f"/api/v1/lab/orders/{w.order.pk}/progress"
    body = signed_in(w.m.enterprise.owner, w.enterprise).get(url).json()
    assert body == {
        "order_id": w.order.pk,
        "number": w.order.number,
        "status": "in_progress",
        "tests_total": 2,
        "tests_with_result": 1,
        "tests_approved": 0,
        "samples": [
            {
                "number": sample.number,
                "description": "一级白砂糖，袋装",
                "status": "testing",
                "tests_total": 2,
                "tests_with_result": 1,
                "tests_approved": 0,
                "due_date": (timezone.localdate() + dt.timedelta(days=5)).isoformat(),
                "overdue": False,
            },
            {
                "number": w.announcements[1].reference,
                "description": "一级白砂糖，散装留样",
                "status": "not_received",
                "tests_total": 0,
                "tests_with_result": 0,
                "tests_approved": 0,
                "due_date": w.order.due_date.isoformat(),
                "overdue": False,
            },
        ],
    }
    assert signed_in(w.reception, w.institution).get(url).json()["tests_total"] == 2
    other = w.outsider_enterprise_actor
    response = signed_in(other.user, other.organisation).get(url)
    assert response.status_code == 404 and SECRET not in response.content.decode()


def test_only_a_retraction_reopens_a_completed_order():
    w = lab_world()
    for index in (0, 1):
        tests = submitted(w, received(w, index))
        ids = [tests["pb"].pk, tests["cd"].pk]
        review_check(actor=w.reviewer_actor, test_ids=ids)
        review_approve(actor=w.signatory_actor, test_ids=ids)
    w.order.refresh_from_db()
    assert w.order.status == "completed"
    with pytest.raises(Conflict) as exc:
        order_advance(actor=w.reception_actor, order_id=w.order.pk, to="in_progress")
    assert exc.value.message == "委托单当前状态为“已完成”，不能直接改为“检测中”。"
    page = signed_in(w.reception, w.institution).get(f"/market/orders/{w.order.pk}/").content.decode()
    assert "/advance/" not in page and "检测项目共 4 项：已出结果 4 项，已批准 4 项。" in page
    w.order.refresh_from_db()
    assert w.order.status == "completed"


def test_the_laboratory_steps_of_the_order_do_not_name_its_staff_to_the_customer():
    from tichub.core.models import AuditEvent
    from tichub.marketplace.models import TimelineEvent

    w, _sample = secret_world()
    step = TimelineEvent.objects.get(order=w.order, kind="in_progress")
    assert step.actor_id is None  # the customer's timeline: the analyst stays anonymous
    audited = AuditEvent.objects.get(action="order.in_progress", object_id=str(w.order.pk))
    assert audited.actor_id == w.analyst.pk  # the audit trail still names them
