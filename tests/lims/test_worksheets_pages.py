"""Worksheet pages: list, making one (instrument choice, tests, QC rows), the grid (HTMX rows and the whole form
without JavaScript), submitting, the bench sheet; query counts flat."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tichub.core.models import AuditEvent
from tichub.core.testing.permissions import signed_in
from tichub.lims import worksheet_services
from tichub.lims.models import Test, Worksheet, WorksheetSlot

from .worksheet_world import by_position, create, more_tests, qc_worksheet, state, worksheet_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return worksheet_world()


def client_of(w, role="analyst"):
    return signed_in(w.people[role], w.institution)


def text(response):
    return response.content.decode()


def queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, text(response)[:500]
    return len(captured.captured_queries)


# --- list ---------------------------------------------------------------------------------------------------------


def test_list_filters_and_flat_queries(w):
    client = client_of(w)
    first = create(w, [w.t1["pb"]])
    url = reverse("lims:worksheet_list")
    few = queries(client, url)
    for test in more_tests(w, 12):
        create(w, [test])
    assert queries(client, url) == few
    page = text(client.get(url))
    assert first.number in page and "1 / 13" not in page
    assert Worksheet.objects.count() == 13
    assert first.number not in text(client.get(url + "?status=submitted"))
    assert first.number in text(client.get(url + "?mine=1"))
    assert first.number not in text(client_of(w, "analyst2").get(url + "?mine=1"))
    assert first.number not in text(signed_in(w.m.lab2.analyst, w.m.lab2.org).get(url))


# --- making a worksheet -------------------------------------------------------------------------------------------


def test_new_shows_blocked_instruments_disabled_with_reason(w):
    client = client_of(w)
    page = text(client.get(reverse("lims:worksheet_new")))
    due = (timezone.localdate() - timezone.timedelta(days=1)).isoformat()
    reason = f"仪器 BAL-02 电子天平 的校准已于 {due} 到期"
    assert re.search(
        rf'<option value="{w.balance_overdue.pk}" disabled title="{reason}[^"]*">BAL-02 电子天平 — {reason}', page
    )
    assert f'<option value="{w.icp.pk}">ICP-01 电感耦合等离子体质谱仪</option>' in page
    assert 'name="test_ids"' not in page  # tests are listed once the method is chosen
    url = reverse("lims:worksheet_new") + f"?method={w.methods['pb'].pk}&instrument={w.icp.pk}"
    page = text(client.get(url))
    assert page.count('name="test_ids"') == 2
    assert f'name="test_ids" value="{w.t1["pb"].pk}"' in page
    assert f'name="test_ids" value="{w.t1["cd"].pk}"' not in page


def test_new_post_creates_the_worksheet(w):
    client = client_of(w)
    pb1, pb2 = w.t1["pb"], w.t2["pb"]
    data = {
        "method": w.methods["pb"].pk,
        "instrument": w.icp.pk,
        "test_ids": [pb1.pk, pb2.pk],
        "qc-TOTAL_FORMS": "3",
        "qc-INITIAL_FORMS": "0",
        "qc-0-kind": "blank",
        "qc-1-kind": "duplicate",
        "qc-1-duplicate_of": pb1.pk,
        "qc-1-tolerance": "10%",
        "qc-2-kind": "",
    }
    response = client.post(reverse("lims:worksheet_new"), data)
    worksheet = Worksheet.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("lims:worksheet_detail", args=[worksheet.pk])
    assert list(WorksheetSlot.objects.filter(worksheet=worksheet).values_list("position", "kind", "test_id")) == [
        (1, "sample", pb1.pk),
        (2, "sample", pb2.pk),
        (3, "blank", None),
        (4, "duplicate", None),
    ]


def test_new_post_refusals_show_next_to_their_inputs(w):
    client = client_of(w)
    before = state()
    data = {
        "method": w.methods["pb"].pk,
        "instrument": w.balance_overdue.pk,
        "test_ids": [w.t1["pb"].pk],
        "qc-TOTAL_FORMS": "2",
        "qc-INITIAL_FORMS": "0",
        "qc-0-kind": "",
        "qc-1-kind": "reference",
        "qc-1-tolerance": "5%",
    }
    response = client.post(reverse("lims:worksheet_new"), data)
    assert response.status_code == 400
    page = text(response)
    assert "的校准已于" in page
    data["instrument"] = w.icp.pk
    response = client.post(reverse("lims:worksheet_new"), data)
    assert response.status_code == 400
    assert re.search(r'<td class="field invalid">\s*<label class="sr" for="id_qc-1-expected">', text(response))
    assert "请填写标准值。" in text(response)
    assert state() == before


# --- the grid -----------------------------------------------------------------------------------------------------


def test_detail_renders_rows_with_flat_queries(w):
    client = client_of(w)
    small = create(
        w, more_tests(w, 5), qc=[{"kind": "blank"}, {"kind": "reference", "expected": "1", "tolerance": "5%"}]
    )
    big = create(
        w, more_tests(w, 50), qc=[{"kind": "blank"}, {"kind": "reference", "expected": "1", "tolerance": "5%"}]
    )
    small_url = reverse("lims:worksheet_detail", args=[small.pk])
    big_url = reverse("lims:worksheet_detail", args=[big.pk])
    assert queries(client, small_url) == queries(client, big_url)
    page = text(client.get(big_url))
    assert page.count("data-grid-row") == 52
    assert page.count('size="10" data-grid-value') == 52
    print_url = reverse("lims:worksheet_print", args=[big.pk])
    assert queries(client, print_url) == queries(client, reverse("lims:worksheet_print", args=[small.pk]))
    sheet = text(client.get(print_url))
    assert big.number in sheet and sheet.count('class="box"') == 52 * 4
    assert "GB 5009.12-2017" in sheet


def test_htmx_row_saves_result_and_updates_the_duplicate(w):
    worksheet, qc_slots = qc_worksheet(w)
    slot = by_position(worksheet)
    client = client_of(w)
    htmx = {"HTTP_HX_REQUEST": "true"}
    dup = qc_slots["duplicate"]
    url = reverse("lims:worksheet_slot", args=[worksheet.pk, dup.pk])
    response = client.post(url, {f"s{dup.pk}-value": "0.470"}, **htmx)
    assert response.status_code == 400  # its sample has no result yet
    assert "平行样对应的检测项目尚无结果" in text(response) and 'aria-invalid="true"' in text(response)
    url = reverse("lims:worksheet_slot", args=[worksheet.pk, slot[1].pk])
    response = client.post(url, {f"s{slot[1].pk}-value": "0.480", f"s{slot[1].pk}-version": "0"}, **htmx)
    assert response.status_code == 200
    row = text(response)
    assert row.startswith(f'<tr id="slot-{slot[1].pk}"') and "0.480" in row and "有条件合格" in row
    response = client.post(
        reverse("lims:worksheet_slot", args=[worksheet.pk, dup.pk]), {f"s{dup.pk}-value": "0.470"}, **htmx
    )
    assert response.status_code == 200
    assert "平行样 0.470，原样 0.480，差 0.010 ≤ 允许差 0.0475（均值 0.475 的 10%）：合格" in text(response)
    # Correcting the sample result answers its row and, out of band, the duplicate's new verdict.
    response = client.post(url, {f"s{slot[1].pk}-value": "0.600", f"s{slot[1].pk}-version": "1"}, **htmx)
    answer = text(response)
    assert f'<template><tr id="slot-{dup.pk}" data-grid-row hx-swap-oob="true"' in answer
    assert "不合格" in answer
    # A stale version is refused on the row.
    response = client.post(url, {f"s{slot[1].pk}-value": "0.5", f"s{slot[1].pk}-version": "1"}, **htmx)
    assert response.status_code == 409 and "请刷新后重新录入" in text(response)
    # Without HTMX the row save goes back to the worksheet.
    response = client.post(url, {f"s{slot[1].pk}-value": "0.500", f"s{slot[1].pk}-version": "2"})
    assert response.status_code == 302
    assert Test.objects.get(pk=w.t1["pb"].pk).raw_value == "0.500"


def test_whole_form_without_javascript(w):
    worksheet, qc_slots = qc_worksheet(w)
    slot = by_position(worksheet)
    client = client_of(w)
    url = reverse("lims:worksheet_detail", args=[worksheet.pk])
    data = {
        "measured_on": timezone.localdate().isoformat(),
        f"s{slot[1].pk}-value": "0.480",
        f"s{slot[1].pk}-version": "0",
        f"s{slot[2].pk}-value": "abc",
        f"s{slot[2].pk}-version": "0",
        f"s{qc_slots['blank'].pk}-value": "0.001",
    }
    before = state()
    response = client.post(url, data)
    assert response.status_code == 400
    assert "“abc”不是数值" in text(response)
    assert state() == before
    data[f"s{slot[2].pk}-value"] = "0.2"
    response = client.post(url, data)
    assert response.status_code == 302
    assert list(
        Test.objects.filter(pk__in=[w.t1["pb"].pk, w.t2["pb"].pk]).order_by("pk").values_list("raw_value", flat=True)
    ) == ["0.480", "0.2"]
    qc_slots["blank"].refresh_from_db()
    assert (qc_slots["blank"].qc_value, qc_slots["blank"].qc_passed) == ("0.001", True)
    # Posting the same again changes nothing.
    events = AuditEvent.objects.count()
    response = client.post(url, {**data, f"s{slot[1].pk}-version": "1", f"s{slot[2].pk}-version": "1"})
    assert response.status_code == 302 and AuditEvent.objects.count() == events


def test_submit_page_lists_what_stops_it_then_submits(w):
    worksheet, qc_slots = qc_worksheet(w)
    slot = by_position(worksheet)
    client = client_of(w)
    url = reverse("lims:worksheet_submit", args=[worksheet.pk])
    worksheet_services.worksheet_enter(
        actor=w.analyst_actor,
        worksheet_id=worksheet.pk,
        entries=[worksheet_services.SlotResult(slot[1].pk, "0.480"), worksheet_services.SlotResult(slot[2].pk, "0.2")],
        qc={qc_slots["blank"].pk: "0.012", qc_slots["duplicate"].pk: "0.470"},
    )
    before = state()
    response = client.post(url)
    assert response.status_code == 409
    page = text(response)
    assert "位置 3（空白）：空白 0.012 ≥ 检出限 0.005：不合格" in page
    assert "位置 5（标准物质）：尚未录入质控结果。" in page
    assert state() == before
    worksheet_services.worksheet_record_qc(
        actor=w.analyst_actor,
        worksheet_id=worksheet.pk,
        values={qc_slots["blank"].pk: "0.001", qc_slots["reference"].pk: "0.5"},
    )
    response = client.post(url)
    assert response.status_code == 302
    worksheet.refresh_from_db()
    assert worksheet.status == "submitted"
    page = text(client.get(reverse("lims:worksheet_detail", args=[worksheet.pk])))
    assert 'size="10" data-grid-value' not in page and "提交工作单" not in page


def test_remove_slot_page(w):
    worksheet, _qc = qc_worksheet(w)
    slot = by_position(worksheet)
    client = client_of(w)
    response = client.post(reverse("lims:worksheet_slot_remove", args=[worksheet.pk, slot[1].pk]))
    assert response.status_code == 409 and "请先删除该平行样" in text(response)
    response = client.post(reverse("lims:worksheet_slot_remove", args=[worksheet.pk, slot[2].pk]))
    assert response.status_code == 302
    assert WorksheetSlot.objects.filter(worksheet=worksheet).count() == 4


def test_add_page(w):
    worksheet = create(w, [w.t1["pb"]])
    client = client_of(w)
    url = reverse("lims:worksheet_add", args=[worksheet.pk])
    page = text(client.get(url))
    assert f'name="test_ids" value="{w.t2["pb"].pk}"' in page and f'name="test_ids" value="{w.t1["pb"].pk}"' not in page
    data = {"test_ids": [w.t2["pb"].pk], "qc-TOTAL_FORMS": "1", "qc-INITIAL_FORMS": "0", "qc-0-kind": "blank"}
    assert client.post(url, data).status_code == 302
    assert list(WorksheetSlot.objects.filter(worksheet=worksheet).values_list("position", "kind")) == [
        (1, "sample"),
        (2, "sample"),
        (3, "blank"),
    ]


def test_other_tenant_gets_404(w):
    worksheet, _qc = qc_worksheet(w)
    outsider = signed_in(w.m.lab2.analyst, w.m.lab2.org)
    for name in ("worksheet_detail", "worksheet_print", "worksheet_add"):
        assert outsider.get(reverse(f"lims:{name}", args=[worksheet.pk])).status_code == 404
    before = state()
    assert outsider.post(reverse("lims:worksheet_submit", args=[worksheet.pk])).status_code == 404
    assert state() == before
