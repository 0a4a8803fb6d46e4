"""Test list filters, the analyst's queue, the lab overview counts and the lab home page; query counts flat."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from tichub.core.errors import ServiceError
from tichub.core.testing.permissions import signed_in
from tichub.lims import method_services, queue_selectors
from tichub.lims.models import Test

from .world import lab_world, received, sample_tests

pytestmark = pytest.mark.django_db
API = "/api/v1/lab"


def today():
    return timezone.localdate()


def clones(test, n, **fields):
    """n more tests like `test` (same sample), with `fields` changed."""
    rows = []
    for _ in range(n):
        row = Test.objects.get(pk=test.pk)
        row.pk = None
        for name, value in fields.items():
            setattr(row, name, value)
        rows.append(row)
    return Test.objects.bulk_create(rows)


def set_test(test, **fields):
    Test.objects.filter(pk=test.pk).update(**fields)
    test.refresh_from_db()
    return test


def busy_lab():
    """Sample 0 received (sample 1 still on its way) and its tests in every state:

    pb: analyst, pending, due yesterday (overdue)       cd: no analyst, pending, due in 5 days
    a:  analyst2, submitted                             b:  analyst, checked once
    c:  analyst, approved (not overdue although late)   d:  analyst, retracted
    """
    w = lab_world()
    sample = received(w)
    tests = sample_tests(sample)
    yesterday = today() - dt.timedelta(days=1)
    set_test(tests["pb"], analyst=w.analyst, due_date=yesterday)
    [a] = clones(tests["cd"], 1, keyword="a", analyst=w.analyst2, status="submitted", value="0.05")
    [b] = clones(tests["cd"], 1, keyword="b", analyst=w.analyst, status="checked", value="0.05", checks_done=1)
    [c] = clones(
        tests["pb"], 1, keyword="c", status="approved", value="0.1", approved_by=w.signatory, approved_at=timezone.now()
    )
    [d] = clones(tests["pb"], 1, keyword="d", status="retracted", value="0.1")
    return w, sample, {**tests, "a": a, "b": b, "c": c, "d": d}


def keywords(tests):
    return [t.keyword for t in tests]


def test_list_filters_and_overdue_flag():
    w, sample, _t = busy_lab()
    actor = w.reception_actor
    listing = queue_selectors.test_list(actor)
    assert [(x.keyword, x.overdue) for x in listing] == [
        ("pb", True), ("c", False), ("d", False), ("cd", False), ("a", False), ("b", False),
    ]  # fmt: skip
    assert keywords(queue_selectors.test_list(actor, status="open")) == ["pb", "cd", "a", "b"]
    assert keywords(queue_selectors.test_list(actor, status="checked")) == ["b"]
    assert keywords(queue_selectors.test_list(actor, analyst=w.analyst.pk)) == ["pb", "c", "d", "b"]
    assert keywords(queue_selectors.test_list(actor, unassigned=True)) == ["cd"]
    assert keywords(queue_selectors.test_list(actor, overdue=True)) == ["pb"]
    assert keywords(queue_selectors.test_list(actor, keyword="CD")) == ["cd"]
    assert keywords(queue_selectors.test_list(actor, method=w.methods["pb"].pk, status="open")) == ["pb"]
    assert len(queue_selectors.test_list(actor, q=sample.number)) == 6
    assert keywords(queue_selectors.test_list(actor, q="镉", status="pending")) == ["cd"]
    assert list(queue_selectors.test_list(w.outsider_lab_actor)) == []
    with pytest.raises(ServiceError) as refused:
        queue_selectors.test_list(actor, status="lost")
    assert refused.value.fields["status"][0].startswith("未知的检测状态“lost”：可选 open, pending, entered,")


def test_my_queue_is_mine_open_and_by_due_date():
    w, _sample, _t = busy_lab()
    assert [(x.keyword, x.overdue) for x in queue_selectors.my_queue(w.analyst_actor)] == [("pb", True), ("b", False)]
    assert keywords(queue_selectors.my_queue(w.analyst2_actor)) == ["a"]
    assert list(queue_selectors.my_queue(w.reviewer_actor)) == []


def test_overview_counts_follow_the_review_levels():
    w, _sample, _t = busy_lab()
    overview = queue_selectors.lab_overview(w.reception_actor)
    assert overview == queue_selectors.LabOverview(
        awaiting_receipt=1, unassigned=1, in_progress=1, awaiting_check=1, awaiting_approval=1, overdue=1
    )
    method_services.lab_settings_update(actor=w.admin_actor, review_levels=3, retention_days=90)
    overview = queue_selectors.lab_overview(w.reception_actor)
    assert (overview.awaiting_check, overview.awaiting_approval) == (2, 0)
    method_services.lab_settings_update(actor=w.admin_actor, review_levels=1, retention_days=90)
    overview = queue_selectors.lab_overview(w.reception_actor)
    assert (overview.awaiting_check, overview.awaiting_approval) == (0, 2)
    assert queue_selectors.lab_overview(w.m.lab2.reception_actor) == queue_selectors.LabOverview(0, 0, 0, 0, 0, 0)


def test_home_shows_the_queue_to_analysts_and_counts_to_others():
    w, sample, _t = busy_lab()
    analyst = signed_in(w.analyst, w.institution).get(reverse("lims:home"))
    html = analyst.content.decode()
    assert [x.keyword for x in analyst.context["queue"]] == ["pb", "b"] and analyst.context["overview"] is None
    assert "我的检测任务" in html and html.count('class="badge missing overdue"') == 1 and 'id="overview"' not in html
    reception = signed_in(w.reception, w.institution).get(reverse("lims:home"))
    assert reception.context["overview"].unassigned == 1 and "我的检测任务" not in reception.content.decode()
    assert "待分配的检测项目" in reception.content.decode()
    other = signed_in(w.m.lab2.analyst, w.m.lab2.org).get(reverse("lims:home")).content.decode()
    assert sample.number not in other


def test_api_list_queue_and_overview():
    w, sample, _t = busy_lab()
    client = signed_in(w.analyst, w.institution)
    listing = client.get(f"{API}/tests", {"status": "open"}).json()
    assert listing["count"] == 4
    first = listing["items"][0]
    assert {k: first[k] for k in ("keyword", "sample_number", "standard_code", "status_label", "overdue")} == {
        "keyword": "pb",
        "sample_number": sample.number,
        "standard_code": "GB 5009.12-2017",
        "status_label": "待检",
        "overdue": True,
    }
    assert (first["analyst_name"], first["order_number"]) == (w.analyst.name, w.order.number)
    assert [x["keyword"] for x in client.get(f"{API}/tests", {"unassigned": "true"}).json()["items"]] == ["cd"]
    assert client.get(f"{API}/tests", {"status": "lost"}).status_code == 400
    queue = client.get(f"{API}/my-queue").json()
    assert [(x["keyword"], x["overdue"]) for x in queue["items"]] == [("pb", True), ("b", False)]
    assert client.get(f"{API}/overview").json() == {
        "awaiting_receipt": 1,
        "unassigned": 1,
        "in_progress": 1,
        "awaiting_check": 1,
        "awaiting_approval": 1,
        "overdue": 1,
    }
    other = signed_in(w.m.lab2.analyst, w.m.lab2.org)
    assert (
        other.get(f"{API}/tests").json()["count"] == 0
        and sample.number not in other.get(f"{API}/tests").content.decode()
    )


def test_query_counts_do_not_grow(django_assert_max_num_queries):
    w, _sample, t = busy_lab()
    client = signed_in(w.analyst, w.institution)
    manager = signed_in(w.reception, w.institution)
    urls = [
        (client, f"{API}/tests"),
        (client, f"{API}/my-queue"),
        (client, f"{API}/overview"),
        (client, reverse("lims:home")),
        (manager, reverse("lims:home")),
        (manager, reverse("lims:test_list")),
    ]
    counts = []
    for who, url in urls:
        with django_assert_max_num_queries(25) as few:
            assert who.get(url).status_code == 200
        counts.append(len(few.captured_queries))
    clones(t["pb"], 30, analyst=w.analyst, instrument=w.icp)
    clones(t["cd"], 30, analyst=w.analyst2, due_date=today() - dt.timedelta(days=2))
    for (who, url), count in zip(urls, counts, strict=True):
        with django_assert_max_num_queries(count):
            assert who.get(url).status_code == 200
