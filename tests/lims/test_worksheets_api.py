"""Worksheet API: make one, QC values, results, submit, read; error shapes; cross-tenant 404; flat queries."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tichub.core.testing.permissions import signed_in
from tichub.lims.models import Test, Worksheet

from .worksheet_world import create, more_tests, state, worksheet_world

pytestmark = pytest.mark.django_db
BASE = "/api/v1/lab/worksheets"


@pytest.fixture
def w():
    return worksheet_world()


def client_of(w, role="analyst"):
    return signed_in(w.people[role], w.institution)


def post(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def test_full_cycle_through_the_api(w):
    client = client_of(w)
    pb1, pb2 = w.t1["pb"], w.t2["pb"]
    response = post(
        client,
        BASE,
        {
            "test_ids": [pb1.pk, pb2.pk],
            "method_id": w.methods["pb"].pk,
            "instrument_id": w.icp.pk,
            "qc": [
                {"kind": "blank", "position": 1},
                {"kind": "duplicate", "duplicate_of_test_id": pb1.pk, "tolerance": "0.02"},
            ],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    worksheet = Worksheet.objects.get()
    assert (body["id"], body["number"], body["status"], body["entered"], body["qc_open"]) == (
        worksheet.pk,
        worksheet.number,
        "open",
        0,
        2,
    )
    slots = body["slots"]
    assert [(s["position"], s["kind"], s["test_id"], s["duplicate_of_test_id"], s["unit"]) for s in slots] == [
        (1, "blank", None, None, "mg/kg"),
        (2, "sample", pb1.pk, None, "mg/kg"),
        (3, "sample", pb2.pk, None, "mg/kg"),
        (4, "duplicate", None, pb1.pk, "mg/kg"),
    ]
    blank, s1, s2, dup = (s["id"] for s in slots)
    response = post(
        client,
        f"{BASE}/{worksheet.pk}/results",
        {"entries": [{"slot_id": s1, "value": "0.480", "version": 0}, {"slot_id": s2, "value": "0.2"}]},
    )
    assert response.status_code == 200, response.content
    rows = {s["id"]: s for s in response.json()["slots"]}
    assert (rows[s1]["value"], rows[s1]["reported_value"], rows[s1]["decision"], rows[s1]["test_version"]) == (
        "0.480",
        "0.480",
        "conditional_pass",
        1,
    )
    assert Test.objects.get(pk=pb1.pk).revisions.get().source == "api"
    response = post(client, f"{BASE}/{worksheet.pk}/qc", {"values": {str(blank): "0.012", str(dup): "0.470"}})
    assert response.status_code == 200, response.content
    rows = {s["id"]: s for s in response.json()["slots"]}
    assert (rows[blank]["qc_accepted"], rows[blank]["qc_explanation_zh"], rows[blank]["qc_explanation_en"]) == (
        False,
        "空白 0.012 ≥ 检出限 0.005：不合格",
        "blank 0.012 ≥ LOD 0.005: rejected",
    )
    assert rows[dup]["qc_accepted"] is True
    before = state()
    response = client.post(f"{BASE}/{worksheet.pk}/submit")
    assert response.status_code == 409
    assert response.json() == {
        "code": "worksheet_not_ready",
        "message": f"工作单 {worksheet.number} 不能提交：位置 1（空白）：空白 0.012 ≥ 检出限 0.005：不合格",
        "fields": {f"slots.{blank}": ["位置 1（空白）：空白 0.012 ≥ 检出限 0.005：不合格"]},
    }
    assert state() == before
    assert post(client, f"{BASE}/{worksheet.pk}/qc", {"values": {str(blank): "0.002"}}).status_code == 200
    response = client.post(f"{BASE}/{worksheet.pk}/submit")
    assert response.status_code == 200
    assert response.json()["status"] == "submitted"
    assert [s["test_status"] for s in response.json()["slots"] if s["kind"] == "sample"] == ["submitted", "submitted"]


def test_refusals_name_their_fields_and_change_nothing(w):
    client = client_of(w)
    before = state()
    response = post(client, BASE, {"test_ids": [w.t1["pb"].pk], "instrument_id": w.balance_overdue.pk})
    assert response.status_code == 400 and list(response.json()["fields"]) == ["instrument_id"]
    response = post(client, BASE, {"test_ids": [w.t1["pb"].pk], "qc": [{"kind": "reference", "tolerance": "5"}]})
    assert response.status_code == 400
    assert response.json()["fields"] == {"qc.0.expected": ["请填写标准值。"]}
    response = post(client, BASE, {"test_ids": [w.t1["pb"].pk], "qc": [{"kind": 3}]})
    assert response.status_code == 422
    assert state() == before
    worksheet = create(w, [w.t1["pb"]])
    slot = worksheet.slots.get()
    before = state()
    response = post(client, f"{BASE}/{worksheet.pk}/results", {"entries": [{"slot_id": slot.pk, "value": "-1"}]})
    assert response.status_code == 400
    assert response.json()["fields"] == {
        "entries.0.value": ["结果 -1 为负值：本项目（浓度、含量等）的结果不能小于零。"]
    }
    response = post(client, f"{BASE}/{worksheet.pk}/results", {"entries": [{"slot_id": slot.pk, "value": 1.5}]})
    assert response.status_code == 422
    response = post(client, f"{BASE}/{worksheet.pk}/qc", {"values": {str(slot.pk): "1"}})
    assert response.status_code == 400
    assert response.json()["fields"] == {f"values.{slot.pk}": ["位置 1 是样品：其结果作为检测结果录入，不是质控结果。"]}
    response = client.get(f"{BASE}?status=closed")
    assert response.status_code == 400 and list(response.json()["fields"]) == ["status"]
    assert state() == before


def test_other_tenant_gets_404_and_nothing_changes(w):
    worksheet = create(w, [w.t1["pb"]], qc=[{"kind": "blank"}])
    outsider = signed_in(w.m.lab2.analyst, w.m.lab2.org)
    before = state()
    assert outsider.get(f"{BASE}/{worksheet.pk}").status_code == 404
    for path, body in (
        ("qc", {"values": {str(worksheet.slots.last().pk): "0.001"}}),
        ("results", {"entries": [{"slot_id": worksheet.slots.first().pk, "value": "0.1"}]}),
        ("submit", {}),
    ):
        response = post(outsider, f"{BASE}/{worksheet.pk}/{path}", body)
        assert response.status_code == 404, path
        assert worksheet.number not in response.content.decode()
    assert outsider.get(BASE).json()["items"] == []
    response = post(outsider, BASE, {"test_ids": [w.t1["pb"].pk]})
    assert response.status_code == 404
    assert state() == before


def test_list_and_detail_queries_are_flat(w):
    client = client_of(w)
    small = create(w, more_tests(w, 5), qc=[{"kind": "blank"}])
    big = create(w, more_tests(w, 50), qc=[{"kind": "blank"}])

    def count(url):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200
        return len(captured.captured_queries), response.json()

    few, listed = count(BASE)
    assert [row["number"] for row in listed["items"]] == [big.number, small.number]
    assert (listed["items"][0]["sample_count"], listed["items"][0]["qc_count"]) == (50, 1)
    for test in more_tests(w, 6):
        create(w, [test])
    assert count(BASE)[0] == few
    small_count, detail = count(f"{BASE}/{small.pk}")
    big_count, detail = count(f"{BASE}/{big.pk}")
    assert small_count == big_count
    assert len(detail["slots"]) == 51
