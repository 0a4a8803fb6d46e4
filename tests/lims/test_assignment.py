"""Assigning tests to analysts, instruments and due dates: service, API and the bulk form of the test list."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from tichub.core.errors import Conflict, NotFound, ServiceError
from tichub.core.models import AuditEvent, Notification
from tichub.core.testing.permissions import signed_in
from tichub.lims import assignment_services
from tichub.lims.models import Test
from tichub.metrology.models import Instrument

from .world import lab_world, received, sample_tests

pytestmark = pytest.mark.django_db
API = "/api/v1/lab"


def today():
    return timezone.localdate()


def assignment_state():
    """Everything a refused assignment must leave alone."""
    return (
        list(Test.objects.order_by("pk").values_list("pk", "analyst_id", "instrument_id", "due_date", "version")),
        AuditEvent.objects.count(),
        Notification.objects.count(),
    )


def assign(w, tests, **fields):
    return assignment_services.tests_assign(actor=w.reception_actor, test_ids=[t.pk for t in tests], **fields)


def test_assign_writes_each_test_audits_and_tells_the_analyst():
    w = lab_world()
    tests = sample_tests(received(w))
    due = today() + dt.timedelta(days=3)
    assigned = assign(w, [tests["pb"], tests["cd"]], analyst_id=w.analyst.pk, instrument_id=w.icp.pk, due_date=due)
    assert [(t.keyword, t.analyst_id, t.instrument_id, t.due_date, t.version) for t in assigned] == [
        ("pb", w.analyst.pk, w.icp.pk, due, 1),
        ("cd", w.analyst.pk, w.icp.pk, due, 1),
    ]
    rows = Test.objects.filter(pk__in=[t.pk for t in assigned]).order_by("pk")
    assert list(rows.values_list("analyst_id", "instrument_id", "due_date", "version")) == [
        (w.analyst.pk, w.icp.pk, due, 1),
        (w.analyst.pk, w.icp.pk, due, 1),
    ]
    events = AuditEvent.objects.filter(action="test.assign").order_by("object_id")
    assert [(e.object_id, e.actor_id, e.before, e.after) for e in events] == [
        (
            str(t.pk),
            w.reception.pk,
            {"analyst": None, "instrument": None, "due_date": (today() + dt.timedelta(days=5)).isoformat()},
            {"analyst": w.analyst.pk, "instrument": w.icp.pk, "due_date": due.isoformat()},
        )
        for t in sorted(assigned, key=lambda t: t.pk)
    ]
    [note] = Notification.objects.filter(user=w.analyst)
    number = assigned[0].sample.number
    assert (note.title, note.body, note.url) == (
        "新分配给您的检测任务：2 项",
        f"检测项目：{number}/pb、{number}/cd。",
        "/lab/",
    )
    # Only what is given changes; giving the same again writes nothing.
    again = assign(w, [tests["pb"]], analyst_id=w.analyst.pk)
    assert again[0].version == 1 and AuditEvent.objects.filter(action="test.assign").count() == 2
    assign(w, [tests["pb"]], analyst_id=w.analyst2.pk)
    pb = Test.objects.get(pk=tests["pb"].pk)
    assert (pb.analyst_id, pb.instrument_id, pb.due_date, pb.version) == (w.analyst2.pk, w.icp.pk, due, 2)
    assert Notification.objects.filter(user=w.analyst2).count() == 1


def test_refusals_name_the_field_and_change_nothing():
    w = lab_world()
    tests = sample_tests(received(w))
    before = assignment_state()
    with pytest.raises(ServiceError) as refused:
        assign(w, [tests["pb"]])
    assert refused.value.fields == {"analyst_id": ["请至少选择检测人员、仪器或要求完成日期中的一项。"]}
    yesterday = today() - dt.timedelta(days=1)
    with pytest.raises(ServiceError) as refused:
        assign(w, [tests["pb"]], analyst_id=w.reviewer.pk, due_date=yesterday)
    assert refused.value.fields == {
        "analyst_id": ["所选人员不是本机构在职的检测人员。"],
        "due_date": [f"要求完成日期（{yesterday:%Y-%m-%d}）不能早于今天（{today():%Y-%m-%d}）。"],
    }
    with pytest.raises(ServiceError) as refused:
        assign(w, [tests["pb"]], analyst_id=w.m.lab2.analyst.pk)
    assert refused.value.fields == {"analyst_id": ["所选人员不是本机构在职的检测人员。"]}
    with pytest.raises(ServiceError) as refused:
        assignment_services.tests_assign(actor=w.reception_actor, test_ids=[], due_date=today())
    assert refused.value.fields == {"test_ids": ["请至少选择一个检测项目。"]}
    with pytest.raises(PermissionDenied):
        assignment_services.tests_assign(actor=w.analyst_actor, test_ids=[tests["pb"].pk], analyst_id=w.analyst.pk)
    assert assignment_state() == before


def test_an_overdue_instrument_is_refused_with_its_due_date():
    w = lab_world()
    tests = sample_tests(received(w))
    before = assignment_state()
    due = w.balance_overdue.calibration_due
    with pytest.raises(ServiceError) as refused:
        assign(w, [tests["pb"], tests["cd"]], analyst_id=w.analyst.pk, instrument_id=w.balance_overdue.pk)
    assert refused.value.code == "instrument_refused"
    assert refused.value.fields == {
        "instrument_id": [f"仪器 BAL-02 电子天平 的校准已于 {due:%Y-%m-%d} 到期，{today():%Y-%m-%d} 不能使用。"]
    }
    Instrument.objects.filter(pk=w.icp.pk).update(status="under_calibration")
    with pytest.raises(ServiceError) as refused:
        assign(w, [tests["pb"]], instrument_id=w.icp.pk)
    assert refused.value.fields == {"instrument_id": ["仪器 ICP-01 电感耦合等离子体质谱仪 状态为“校准中”，不能使用。"]}
    theirs = Instrument.objects.create(institution=w.m.lab2.org, asset_number="X-1", name="别人的仪器")
    with pytest.raises(ServiceError) as refused:
        assign(w, [tests["pb"]], instrument_id=theirs.pk)
    assert refused.value.fields == {"instrument_id": ["仪器设备不存在，或不属于本机构。"]}
    assert assignment_state() == before


def test_all_or_nothing_across_tenants_and_states():
    w = lab_world()
    tests = sample_tests(received(w))
    # lab2's own order, sample and test, to mix into the request
    other = Test.objects.get(pk=tests["cd"].pk)
    other.pk = None
    other.institution = w.m.lab2.org
    other.save()
    before = assignment_state()
    with pytest.raises(NotFound) as refused:
        assign(w, [tests["pb"], other], due_date=today())
    assert refused.value.message == f"检测项目 {other.pk} 不存在，或不属于本机构。"
    with pytest.raises(NotFound):
        assignment_services.tests_assign(actor=w.m.lab2.reception_actor, test_ids=[tests["pb"].pk], due_date=today())
    Test.objects.filter(pk=tests["cd"].pk).update(
        status="approved", value="0.01", approved_by=w.signatory, approved_at=timezone.now()
    )
    before = assignment_state()
    with pytest.raises(Conflict) as refused:
        assign(w, [tests["pb"], tests["cd"]], due_date=today())
    number = tests["cd"].sample.number
    assert refused.value.message == f"以下检测项目已批准、已重测或已撤销，不能再分配：{number}/cd。"
    assert assignment_state() == before


def test_api_assign_and_refusals():
    w = lab_world()
    tests = sample_tests(received(w))
    client = signed_in(w.reception, w.institution)
    body = {"test_ids": [tests["pb"].pk], "analyst_id": w.analyst.pk, "due_date": today().isoformat()}
    response = client.post(f"{API}/tests/assign", body, content_type="application/json")
    assert response.status_code == 200
    assert response.json() == {
        "assigned": [
            {
                "id": tests["pb"].pk,
                "sample_number": tests["pb"].sample.number,
                "keyword": "pb",
                "analyst_id": w.analyst.pk,
                "instrument_id": None,
                "due_date": today().isoformat(),
                "version": 1,
            }
        ]
    }
    before = assignment_state()
    bad = {"test_ids": [tests["cd"].pk], "instrument_id": w.balance_overdue.pk}
    response = client.post(f"{API}/tests/assign", bad, content_type="application/json")
    due = w.balance_overdue.calibration_due
    assert response.status_code == 400 and response.json()["code"] == "instrument_refused"
    assert response.json()["fields"] == {
        "instrument_id": [f"仪器 BAL-02 电子天平 的校准已于 {due:%Y-%m-%d} 到期，{today():%Y-%m-%d} 不能使用。"]
    }
    other = signed_in(w.m.lab2.reception, w.m.lab2.org)
    response = other.post(
        f"{API}/tests/assign",
        {"test_ids": [tests["cd"].pk], "due_date": today().isoformat()},
        content_type="application/json",
    )
    assert response.status_code == 404
    analyst = signed_in(w.analyst, w.institution)
    response = analyst.post(
        f"{API}/tests/assign",
        {"test_ids": [tests["cd"].pk], "due_date": today().isoformat()},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert assignment_state() == before


def test_page_lists_blocked_instruments_disabled_and_assigns():
    w = lab_world()
    tests = sample_tests(received(w))
    client = signed_in(w.reception, w.institution)
    html = client.get(reverse("lims:test_list")).content.decode()
    due = w.balance_overdue.calibration_due
    reason = f"仪器 BAL-02 电子天平 的校准已于 {due:%Y-%m-%d} 到期，{today():%Y-%m-%d} 不能使用。"
    assert (
        f'<option value="{w.balance_overdue.pk}" disabled title="{reason}">BAL-02 电子天平 — {reason}</option>' in html
    )
    assert f'<option value="{w.icp.pk}">ICP-01 电感耦合等离子体质谱仪</option>' in html
    assert f'value="{w.analyst.pk}">{w.analyst.name}</option>' in html and f'value="{w.reviewer.pk}"' not in html

    before = assignment_state()
    crafted = {"test_ids": [tests["pb"].pk, tests["cd"].pk], "instrument_id": w.balance_overdue.pk, "back": "q=S"}
    refused = client.post(reverse("lims:test_assign"), crafted)
    assert refused.status_code == 400 and reason in refused.content.decode()
    assert f'id="t{tests["pb"].pk}" name="test_ids" value="{tests["pb"].pk}" checked' in refused.content.decode()
    assert assignment_state() == before

    data = {
        "test_ids": [tests["pb"].pk, tests["cd"].pk],
        "analyst_id": w.analyst2.pk,
        "due_date": "",
        "back": "q=S&overdue=",
    }
    response = client.post(reverse("lims:test_assign"), data)
    assert response.status_code == 302 and response["Location"] == reverse("lims:test_list") + "?q=S"
    assert set(Test.objects.filter(pk__in=[tests["pb"].pk, tests["cd"].pk]).values_list("analyst_id", flat=True)) == {
        w.analyst2.pk
    }
    assert "分配所选检测项目" not in signed_in(w.analyst, w.institution).get(reverse("lims:test_list")).content.decode()
    assert signed_in(w.analyst, w.institution).post(reverse("lims:test_assign"), data).status_code == 403
