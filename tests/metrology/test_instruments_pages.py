"""Instrument pages: the register with due badges, register, detail with history, status and calibration forms."""

import pytest
from django.urls import reverse

from tichub.core.models import AuditEvent
from tichub.core.testing.permissions import signed_in
from tichub.metrology.models import Instrument

from .world import days, instrument, register_world, today

pytestmark = pytest.mark.django_db


def test_list_shows_status_and_due_badges():
    r = register_world()
    instrument(r.org, asset_number="ICP-01", calibration_due=days(200))
    instrument(r.org, asset_number="BAL-02", calibration_due=days(-1))
    instrument(r.org, asset_number="PH-03", calibration_due=days(10), status="under_calibration")
    instrument(r.other, asset_number="OTHER-99")
    html = signed_in(r.analyst, r.org).get(reverse("metrology:instrument_list")).content.decode()
    assert html.count('class="badge missing due-overdue"') == 1 and "校准已过期" in html
    assert html.count('class="badge other_edition due-soon"') == 1
    assert html.count('class="badge covered due-ok"') == 1
    assert "校准中" in html and "OTHER-99" not in html
    assert "登记仪器" not in html  # an analyst reads only
    overdue = signed_in(r.analyst, r.org).get(reverse("metrology:instrument_list"), {"due": "overdue"})
    assert overdue.status_code == 200 and [row.instrument.asset_number for row in overdue.context["rows"]] == ["BAL-02"]


def test_list_query_count_does_not_grow(django_assert_max_num_queries):
    r = register_world()
    client = signed_in(r.analyst, r.org)
    instrument(r.org)
    with django_assert_max_num_queries(20) as few:
        assert client.get(reverse("metrology:instrument_list")).status_code == 200
    for n in range(30):
        instrument(r.org, calibration_due=days(n - 15))
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("metrology:instrument_list"))
    assert len(response.context["rows"]) == 31


def test_register_edit_status_and_calibration_pages():
    r = register_world()
    keeper = signed_in(r.keeper, r.org)
    response = keeper.post(
        reverse("metrology:instrument_new"), {"asset_number": "PH-01", "name": "pH 计", "calibration_required": "on"}
    )
    created = Instrument.objects.get(asset_number="PH-01")
    assert response.status_code == 302 and response["Location"] == reverse(
        "metrology:instrument_detail", args=[created.pk]
    )
    detail = keeper.get(response["Location"]).content.decode()
    assert "没有有效的校准记录" in detail and "instrument.register" in detail

    url = reverse("metrology:instrument_calibration", args=[created.pk])
    refused = keeper.post(url, {"calibrated_on": days(1).isoformat(), "calibration_due": days(300).isoformat()})
    assert refused.status_code == 400
    assert f"校准日期（{days(1):%Y-%m-%d}）不能晚于今天（{today():%Y-%m-%d}）。" in refused.content.decode()
    assert (
        keeper.post(url, {"calibrated_on": today().isoformat(), "calibration_due": days(365).isoformat()}).status_code
        == 302
    )
    created.refresh_from_db()
    assert (created.calibrated_on, created.calibration_due) == (today(), days(365))

    url = reverse("metrology:instrument_status", args=[created.pk])
    assert keeper.post(url, {"status": "out_of_service", "reason": ""}).status_code == 400
    assert keeper.post(url, {"status": "out_of_service", "reason": "电极老化"}).status_code == 302
    html = keeper.get(reverse("metrology:instrument_detail", args=[created.pk])).content.decode()
    assert "电极老化" in html and "状态为“停用”，不能使用。" in html

    edit = keeper.post(
        reverse("metrology:instrument_detail", args=[created.pk]),
        {"asset_number": "PH-01", "name": "pH 计（实验室 2）", "location": "305"},
    )
    assert edit.status_code == 302
    created.refresh_from_db()
    assert (created.name, created.location, created.calibration_required) == ("pH 计（实验室 2）", "305", False)


def test_other_tenant_and_readers_are_refused():
    r = register_world()
    icp = instrument(r.org, asset_number="ICP-01")
    events = AuditEvent.objects.count()
    other = signed_in(r.other_keeper, r.other)
    assert other.get(reverse("metrology:instrument_detail", args=[icp.pk])).status_code == 404
    assert (
        other.post(
            reverse("metrology:instrument_status", args=[icp.pk]), {"status": "retired", "reason": "x"}
        ).status_code
        == 404
    )
    analyst = signed_in(r.analyst, r.org)
    assert (
        analyst.post(
            reverse("metrology:instrument_detail", args=[icp.pk]), {"asset_number": "X", "name": "x"}
        ).status_code
        == 403
    )
    assert analyst.get(reverse("metrology:instrument_new")).status_code == 403
    icp.refresh_from_db()
    assert (icp.asset_number, icp.status, AuditEvent.objects.count()) == ("ICP-01", "in_service", events)
