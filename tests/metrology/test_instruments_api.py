"""Instrument API: list with calibration state, detail, register, edit, status and calibration; 404 across tenants."""

import pytest

from tichub.core.models import AuditEvent
from tichub.core.testing.permissions import signed_in
from tichub.metrology.models import Instrument

from .world import days, instrument, register_world, today

pytestmark = pytest.mark.django_db
API = "/api/v1/metrology/instruments"


def send(client, method, url, data):
    return getattr(client, method)(url, data=data, content_type="application/json")


def test_register_edit_status_calibrate_and_read():
    r = register_world()
    keeper = signed_in(r.keeper, r.org)
    response = send(
        keeper, "post", API, {"asset_number": "PH-01", "name": "pH 计", "make": "Mettler", "location": "201"}
    )
    assert response.status_code == 201
    created = response.json()
    pk = created["id"]
    assert {k: created[k] for k in ("asset_number", "status", "status_label", "due_state", "refusal")} == {
        "asset_number": "PH-01",
        "status": "in_service",
        "status_label": "在用",
        "due_state": "none",
        "refusal": "仪器 PH-01 pH 计 没有有效的校准记录，不能使用。",
    }
    response = send(keeper, "patch", f"{API}/{pk}", {"location": "仪器室 305"})
    assert response.status_code == 200 and (response.json()["location"], response.json()["make"]) == (
        "仪器室 305",
        "Mettler",
    )
    calibration = {"calibrated_on": days(-1).isoformat(), "calibration_due": days(20).isoformat()}
    response = send(keeper, "post", f"{API}/{pk}/calibration", calibration)
    assert response.status_code == 200
    assert {k: response.json()[k] for k in ("calibrated_on", "calibration_due", "due_state", "refusal")} == {
        **calibration,
        "due_state": "soon",
        "refusal": None,
    }
    response = send(keeper, "post", f"{API}/{pk}/status", {"status": "under_calibration", "reason": "送检"})
    assert response.status_code == 200 and response.json()["status"] == "under_calibration"
    assert AuditEvent.objects.get(action="instrument.status").reason == "送检"

    reader = signed_in(r.analyst, r.org)
    listing = reader.get(API, {"status": "under_calibration"}).json()
    assert listing["count"] == 1 and listing["items"][0]["refusal"] == "仪器 PH-01 pH 计 状态为“校准中”，不能使用。"
    assert reader.get(f"{API}/{pk}").json()["location"] == "仪器室 305"
    assert send(reader, "patch", f"{API}/{pk}", {"location": "x"}).status_code == 403


def test_refusals_are_precise_and_change_nothing():
    r = register_world()
    icp = instrument(r.org, asset_number="ICP-01", name="ICP-MS", calibrated_on=days(-10), calibration_due=days(300))
    keeper = signed_in(r.keeper, r.org)
    before = (
        list(Instrument.objects.values_list("asset_number", "status", "calibrated_on")),
        AuditEvent.objects.count(),
    )
    response = send(keeper, "post", API, {"asset_number": "icp-01", "name": ""})
    assert response.status_code == 400
    assert response.json()["fields"] == {
        "asset_number": ["设备编号 icp-01 已被本机构的另一台仪器使用。"],
        "name": ["请填写名称。"],
    }
    response = send(
        keeper,
        "post",
        f"{API}/{icp.pk}/calibration",
        {"calibrated_on": days(-20).isoformat(), "calibration_due": days(100).isoformat()},
    )
    assert response.status_code == 400 and list(response.json()["fields"]) == ["calibrated_on"]
    response = send(keeper, "post", f"{API}/{icp.pk}/status", {"status": "in_service", "reason": "x"})
    assert response.status_code == 409 and response.json()["code"] == "same_status"
    response = send(
        keeper, "post", f"{API}/{icp.pk}/calibration", {"calibrated_on": "2026-13-01", "calibration_due": "x"}
    )
    assert response.status_code == 422
    other = signed_in(r.other_keeper, r.other)
    assert other.get(f"{API}/{icp.pk}").status_code == 404
    assert send(other, "patch", f"{API}/{icp.pk}", {"name": "x"}).status_code == 404
    assert send(other, "post", f"{API}/{icp.pk}/status", {"status": "retired", "reason": "x"}).status_code == 404
    assert "ICP-01" not in other.get(API).content.decode()
    after = (
        list(Instrument.objects.values_list("asset_number", "status", "calibrated_on")),
        AuditEvent.objects.count(),
    )
    assert after == before


def test_list_queries_do_not_grow(django_assert_max_num_queries):
    r = register_world()
    reader = signed_in(r.analyst, r.org)
    instrument(r.org)
    with django_assert_max_num_queries(8) as few:
        assert reader.get(API).status_code == 200
    for n in range(30):
        instrument(r.org, calibration_due=days(n - 10) if n % 2 else today())
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = reader.get(API)
    assert response.json()["count"] == 31
