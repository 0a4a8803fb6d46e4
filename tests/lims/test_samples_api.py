"""API of the laboratory's samples: receipt lookup, receipt, list, detail, sub-samples, custody and disposal."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tichub.core.models import AuditEvent
from tichub.core.testing.permissions import signed_in
from tichub.lims import sample_services
from tichub.lims.models import CustodyEvent, LabSample, Test
from tichub.marketplace.labels import label_text

from .world import lab_world

pytestmark = pytest.mark.django_db
API = "/api/v1/lab"


def post(client, url, data=None):
    return client.post(url, data=data or {}, content_type="application/json")


def client_of(w, person="reception"):
    return signed_in(w.people[person], w.institution)


def test_lookup_receive_list_and_detail():
    w = lab_world()
    lab = client_of(w)
    announcement = w.announcements[0]
    code = label_text(announcement.reference, w.order.number)
    found = lab.get(f"{API}/receipt/lookup", {"code": code})
    assert found.status_code == 200
    body = found.json()
    assert (body["announcement"]["reference"], body["order"]["number"], body["received"], body["receivable"]) == (
        announcement.reference,
        w.order.number,
        False,
        True,
    )
    assert [(i["position"], i["parameter"], i["standard"], i["verdict"]) for i in body["items"]] == [
        (1, "铅", "GB 5009.12-2017", "accredited"),
        (2, "镉", "GB 5009.15-2014", "not_accredited"),
    ]
    assert body["sample"] is None

    response = post(
        lab,
        f"{API}/samples/receive",
        {"announcement_id": announcement.pk, "condition": "intact", "seal_intact": True, "temperature": "-18.0",
         "storage_location": "冷库 B-02"},
    )  # fmt: skip
    assert response.status_code == 201
    created = response.json()
    number = f"S{timezone.localdate().year}-00001"
    assert (created["number"], created["reference"], created["temperature"], created["status"]) == (
        number,
        announcement.reference,
        "-18.0",
        "received",
    )
    assert (created["order_number"], created["enterprise"], created["custodian_id"]) == (
        w.order.number,
        "广西某糖业有限公司",
        w.reception.pk,
    )
    assert [(t["keyword"], t["unit"], t["status"], t["accredited"]) for t in created["tests"]] == [
        ("pb", "mg/kg", "pending", True),
        ("cd", "mg/kg", "pending", False),
    ]
    assert [(c["kind"], c["by"], c["to_location"]) for c in created["custody"]] == [
        ("receive", w.reception.name, "冷库 B-02")
    ]
    assert created["parts"] == []

    again = lab.get(f"{API}/receipt/lookup", {"code": code}).json()
    assert (again["received"], again["receivable"], again["sample"]["number"]) == (True, False, number)
    listing = lab.get(f"{API}/samples").json()
    assert listing["count"] == 1
    [row] = listing["items"]
    assert (row["number"], row["tests_live"], row["tests_approved"]) == (number, 2, 0)
    assert lab.get(f"{API}/samples", {"q": announcement.reference}).json()["count"] == 1
    assert lab.get(f"{API}/samples", {"status": "testing"}).json()["count"] == 0
    assert lab.get(f"{API}/samples", {"awaiting": True}).json()["count"] == 0
    assert lab.get(f"{API}/samples", {"order_id": w.order.pk}).json()["count"] == 1
    detail = lab.get(f"{API}/samples/{created['id']}").json()
    assert detail == created


def test_receipt_errors_have_the_house_shape_and_change_nothing():
    w = lab_world(samples=1)
    lab = client_of(w)
    announcement_id = w.announcements[0].pk
    events = AuditEvent.objects.count()
    response = post(lab, f"{API}/samples/receive", {"announcement_id": announcement_id, "temperature": "warm"})
    assert response.status_code == 400
    assert response.json()["fields"] == {"temperature": ["接收温度须为以 °C 计的数值，如 4.5 或 -18（现为“warm”）。"]}
    response = post(lab, f"{API}/samples/receive", {"announcement_id": announcement_id, "temperature": 4.5})
    assert response.status_code == 422 and "temperature" in response.json()["fields"]
    response = post(lab, f"{API}/samples/receive", {"announcement_id": announcement_id, "condition": "leaking"})
    assert response.status_code == 400 and list(response.json()["fields"]) == ["disclaimer"]
    other = signed_in(w.m.lab2.reception, w.m.lab2.org)
    assert post(other, f"{API}/samples/receive", {"announcement_id": announcement_id}).status_code == 404
    assert other.get(f"{API}/receipt/lookup", {"code": w.announcements[0].reference}).status_code == 404
    analyst = client_of(w, "analyst")
    assert post(analyst, f"{API}/samples/receive", {"announcement_id": announcement_id}).status_code == 403
    enterprise = signed_in(w.m.owner, w.enterprise)
    assert enterprise.get(f"{API}/samples").status_code == 403
    assert LabSample.objects.count() == 0 and Test.objects.count() == 0 and AuditEvent.objects.count() == events

    assert post(lab, f"{API}/samples/receive", {"announcement_id": announcement_id}).status_code == 201
    response = post(lab, f"{API}/samples/receive", {"announcement_id": announcement_id})
    assert response.status_code == 409 and response.json()["code"] == "already_received"
    assert lab.get(f"{API}/samples", {"status": "lost"}).json()["fields"] == {
        "status": ["状态须为以下之一：received、testing、ready、reported。"]
    }


def test_parts_custody_and_disposal():
    w = lab_world(samples=1)
    lab = client_of(w)
    sample = sample_services.sample_receive(
        actor=w.reception_actor, announcement_id=w.announcements[0].pk, condition="intact", seal_intact=None
    )
    response = post(
        lab, f"{API}/samples/{sample.pk}/parts", {"parts": [{"description": "分样 A", "quantity": "100 g"}]}
    )
    assert response.status_code == 201
    assert [(p["number"], p["parent_id"], p["reference"]) for p in response.json()] == [
        (f"{sample.number}-1", sample.pk, "")
    ]
    response = post(lab, f"{API}/samples/{sample.pk}/parts", {"parts": []})
    assert response.status_code == 400 and response.json()["fields"] == {"parts": ["请至少填写一份分样。"]}

    analyst = client_of(w, "analyst")
    response = post(analyst, f"{API}/samples/{sample.pk}/custody", {"kind": "handover", "to_person_id": w.analyst2.pk})
    assert response.status_code == 201
    assert (response.json()["kind"], response.json()["to_person"], response.json()["by"]) == (
        "handover",
        w.analyst2.name,
        w.analyst.name,
    )
    response = post(analyst, f"{API}/samples/{sample.pk}/custody", {"kind": "move"})
    assert response.status_code == 400 and response.json()["fields"] == {"to_location": ["移库须填写去向位置。"]}

    response = post(lab, f"{API}/samples/{sample.pk}/dispose", {"method": "焚烧"})
    assert response.status_code == 409 and response.json()["code"] == "tests_unfinished"
    Test.objects.filter(sample=sample).update(
        status="approved", value="0.1", entered_by=w.analyst, approved_by=w.signatory
    )
    response = post(lab, f"{API}/samples/{sample.pk}/dispose", {"method": "焚烧"})
    assert response.status_code == 400 and list(response.json()["fields"]) == ["early_reason"]
    response = post(lab, f"{API}/samples/{sample.pk}/dispose", {"method": "焚烧", "early_reason": "客户要求"})
    assert response.status_code == 200
    assert (response.json()["disposal"], response.json()["custodian_id"]) == ("焚烧", None)
    kinds = list(CustodyEvent.objects.filter(sample=sample).order_by("at", "pk").values_list("kind", flat=True))
    assert kinds == ["receive", "subsample", "handover", "dispose"]
    other = signed_in(w.m.lab2.reception, w.m.lab2.org)
    for url in ("parts", "custody", "dispose"):
        assert (
            post(other, f"{API}/samples/{sample.pk}/{url}", {"parts": [], "kind": "move", "method": "x"}).status_code
            == 404
        )
    assert other.get(f"{API}/samples/{sample.pk}").status_code == 404


def test_list_and_detail_queries_do_not_grow_with_rows():
    w = lab_world()
    lab = client_of(w)
    first = sample_services.sample_receive(
        actor=w.reception_actor, announcement_id=w.announcements[0].pk, condition="intact", seal_intact=True
    )
    with CaptureQueriesContext(connection) as few_list:
        assert lab.get(f"{API}/samples").json()["count"] == 1
    with CaptureQueriesContext(connection) as few_detail:
        lab.get(f"{API}/samples/{first.pk}")
    second = sample_services.sample_receive(
        actor=w.reception_actor, announcement_id=w.announcements[1].pk, condition="intact", seal_intact=True
    )
    for n in range(3):
        sample_services.sample_split(
            actor=w.reception_actor, sample_id=second.pk, parts=[{"description": f"分样 {n}", "quantity": "1 g"}]
        )
        sample_services.custody_record(actor=w.reception_actor, sample_id=second.pk, kind="move", to_location=f"柜 {n}")
    with CaptureQueriesContext(connection) as many_list:
        assert lab.get(f"{API}/samples").json()["count"] == 5
    with CaptureQueriesContext(connection) as many_detail:
        body = lab.get(f"{API}/samples/{second.pk}").json()
    assert (len(body["parts"]), len(body["custody"]), len(body["tests"])) == (3, 7, 2)
    assert len(few_list) == len(many_list)
    assert len(few_detail) == len(many_detail)
