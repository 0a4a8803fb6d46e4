"""API: methods (list, detail, create, update, active), lab settings, signatory authorisations."""

import datetime as dt

import pytest
from django.utils import timezone

from tests.registry.search_world import edition
from tichub.core.models import AuditEvent
from tichub.core.testing.permissions import signed_in
from tichub.lims.models import LabSettings, SignatoryAuthorisation
from tichub.lims.models import TestMethod as LabMethod

from .world import lab_world

pytestmark = pytest.mark.django_db
API = "/api/v1/lab"


def send(client, method, url, data):
    return getattr(client, method)(url, data=data, content_type="application/json")


def today():
    return timezone.localdate()


def test_methods_create_read_update_and_switch_off():
    w = lab_world()
    edition("GB 5009.3-2016", title="食品中水分的测定")
    manager = signed_in(w.quality, w.institution)
    body = {
        "keyword": "moisture",
        "parameter": "水分",
        "standard_code": "GB 5009.3-2016",
        "unit": "g/100g",
        "places": 1,
        "uncertainty_kind": "ranges",
        "uncertainty_ranges": [
            {"from": "0", "to": "10", "value": "0.2"},
            {"from": "10", "to": "100", "value": "2", "relative": True},
        ],
    }
    response = send(manager, "post", f"{API}/methods", body)
    assert response.status_code == 201
    created = response.json()
    assert {k: created[k] for k in ("keyword", "standard_code", "unit", "places", "uncertainty_ranges", "active")} == {
        "keyword": "moisture",
        "standard_code": "GB 5009.3-2016",
        "unit": "g/100 g",
        "places": 1,
        "uncertainty_ranges": [
            {"from": "0", "to": "10", "value": "0.2", "relative": False},
            {"from": "10", "to": "100", "value": "2", "relative": True},
        ],
        "active": True,
    }
    pk = created["id"]
    response = send(manager, "patch", f"{API}/methods/{pk}", {"places": None, "round_to_uncertainty": True})
    assert response.status_code == 200 and (response.json()["places"], response.json()["round_to_uncertainty"]) == (
        None,
        True,
    )
    response = send(manager, "post", f"{API}/methods/{pk}/active", {"active": False})
    assert response.status_code == 200 and response.json()["active"] is False

    reader = signed_in(w.analyst, w.institution)
    listing = reader.get(f"{API}/methods").json()
    assert listing["count"] == 3 and [m["keyword"] for m in listing["items"]] == ["cd", "moisture", "pb"]
    assert [m["keyword"] for m in reader.get(f"{API}/methods", {"active": "false"}).json()["items"]] == ["moisture"]
    assert reader.get(f"{API}/methods/{pk}").json()["round_to_uncertainty"] is True
    assert send(reader, "patch", f"{API}/methods/{pk}", {"lod": "1"}).status_code == 403


def test_method_refusals_and_other_tenants():
    w = lab_world()
    manager = signed_in(w.quality, w.institution)
    pb = w.methods["pb"]
    before = (list(LabMethod.objects.values()), AuditEvent.objects.count())
    response = send(manager, "patch", f"{API}/methods/{pb.pk}", {"loq": "0.001", "unit": "bananas"})
    assert response.status_code == 400
    assert response.json()["fields"] == {
        "unit": ["未知单位“bananas”：请使用规范写法，如 mg/kg、µg/L、% (m/m)、°C。"],
        "loq": ["定量限（0.001）不得小于检出限（0.005）。"],
    }
    response = send(
        manager,
        "post",
        f"{API}/methods",
        {"keyword": "x", "parameter": "x", "standard_code": "", "unit": "g", "lod": 0.1},
    )
    assert response.status_code == 422
    other = signed_in(w.m.lab2.quality, w.m.lab2.org)
    assert other.get(f"{API}/methods/{pb.pk}").status_code == 404
    assert send(other, "patch", f"{API}/methods/{pb.pk}", {"lod": "1"}).status_code == 404
    assert send(other, "post", f"{API}/methods/{pb.pk}/active", {"active": False}).status_code == 404
    assert other.get(f"{API}/methods").json()["count"] == 0
    assert (list(LabMethod.objects.values()), AuditEvent.objects.count()) == before


def test_settings_get_and_put():
    w = lab_world()
    reader = signed_in(w.analyst, w.institution)
    assert reader.get(f"{API}/settings").json() == {"review_levels": 2, "retention_days": 90}
    manager = signed_in(w.admin, w.institution)
    response = send(manager, "put", f"{API}/settings", {"review_levels": 0, "retention_days": 5000})
    assert response.status_code == 400 and sorted(response.json()["fields"]) == ["retention_days", "review_levels"]
    assert not LabSettings.objects.exists()
    response = send(manager, "put", f"{API}/settings", {"review_levels": 1, "retention_days": 30})
    assert response.status_code == 200 and response.json() == {"review_levels": 1, "retention_days": 30}
    assert reader.get(f"{API}/settings").json() == {"review_levels": 1, "retention_days": 30}
    assert send(reader, "put", f"{API}/settings", {"review_levels": 3, "retention_days": 30}).status_code == 403
    assert signed_in(w.m.lab2.analyst, w.m.lab2.org).get(f"{API}/settings").json()["review_levels"] == 2


def test_authorisations_list_grant_and_end():
    w = lab_world()
    reader = signed_in(w.analyst, w.institution)
    listing = reader.get(f"{API}/authorisations").json()
    assert listing["count"] == 2
    assert [
        (a["user_id"], a["standard_code"], a["method_keyword"], a["valid_until"], a["valid_today"])
        for a in listing["items"]
    ] == [
        (w.signatory.pk, "GB 5009.12-2017", None, None, True),
        (w.signatory.pk, "GB 5009.15-2014", None, None, True),
    ]
    manager = signed_in(w.quality, w.institution)
    body = {"user_id": w.signatory2.pk, "method_id": w.methods["pb"].pk, "valid_from": today().isoformat()}
    response = send(manager, "post", f"{API}/authorisations", body)
    assert response.status_code == 201
    granted = response.json()
    assert (granted["user_name"], granted["method_keyword"], granted["standard_code"], granted["valid_today"]) == (
        w.signatory2.name,
        "pb",
        None,
        True,
    )
    response = send(manager, "post", f"{API}/authorisations", body)
    assert response.status_code == 409 and response.json()["code"] == "authorisation_overlap"
    end = {"valid_until": (today() + dt.timedelta(days=7)).isoformat()}
    response = send(manager, "post", f"{API}/authorisations/{granted['id']}/end", end)
    assert response.status_code == 200 and response.json()["valid_until"] == end["valid_until"]
    only = reader.get(f"{API}/authorisations", {"user_id": w.signatory2.pk}).json()
    assert [a["id"] for a in only["items"]] == [granted["id"]]

    other = signed_in(w.m.lab2.quality, w.m.lab2.org)
    assert send(other, "post", f"{API}/authorisations/{granted['id']}/end", end).status_code == 404
    assert other.get(f"{API}/authorisations").json()["count"] == 0
    assert send(reader, "post", f"{API}/authorisations", body).status_code == 403
    assert SignatoryAuthorisation.objects.count() == 3


def test_list_queries_do_not_grow(django_assert_max_num_queries):
    w = lab_world()
    reader = signed_in(w.analyst, w.institution)
    counts = {}
    for url in (f"{API}/methods", f"{API}/authorisations"):
        with django_assert_max_num_queries(12) as few:
            assert reader.get(url).status_code == 200
        counts[url] = len(few.captured_queries)
    for n in range(20):
        code = f"GB/T {20000 + n}-2020"
        method = LabMethod.objects.create(
            institution=w.institution, keyword=f"m{n}", parameter=f"参数{n}", parameter_key=f"p{n}",
            standard=edition(code), unit="mg/kg",
        )  # fmt: skip
        SignatoryAuthorisation.objects.create(
            institution=w.institution, user=w.signatory2, method=method, valid_from=today()
        )
    for url, count in counts.items():
        with django_assert_max_num_queries(count):
            assert reader.get(url).status_code == 200
