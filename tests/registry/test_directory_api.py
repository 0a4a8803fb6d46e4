"""The public directory API: listing with filters, one institution, its scope; contacts and prices as published."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tichub.accounts.choices import Role
from tichub.core.testing.factories import InstitutionFactory, OrganisationFactory, member
from tichub.core.testing.permissions import signed_in

from .directory_world import accreditation, profile, row, site, today

pytestmark = pytest.mark.django_db
API = "/api/v1/registry"


def test_listing_shape_and_filters():
    lab = InstitutionFactory(name_zh="甲中心", name_en="Alpha Centre", slug="alpha", level="national")
    profile(lab, region="南宁")
    accreditation(lab, "CNAS")
    accreditation(lab, "CMA", valid_until=today() - dt.timedelta(days=1))
    row(lab)
    row(lab, parameter=("镉", "Cadmium"), status="withdrawn")
    InstitutionFactory(name_zh="乙中心", level="provincial")
    body = Client().get(f"{API}/institutions?level=national").json()
    assert body == {
        "count": 1,
        "items": [
            {
                "slug": "alpha",
                "name_zh": "甲中心",
                "name_en": "Alpha Centre",
                "ownership": "state",
                "level": "national",
                "kinds": ["testing_laboratory"],
                "region": "南宁",
                "accreditation_bodies": ["CNAS"],
                "active_scope_rows": 1,
            }
        ],
    }
    assert Client().get(f"{API}/institutions?body=CMA").json()["count"] == 0
    assert Client().get(f"{API}/institutions?q=alpha").json()["count"] == 1
    assert [i["name_zh"] for i in Client().get(f"{API}/institutions").json()["items"]] == sorted(["甲中心", "乙中心"])


def test_listing_refuses_unknown_filter_values():
    response = Client().get(f"{API}/institutions?kind=spaceport")
    assert response.status_code == 422
    assert list(response.json()["fields"]) == ["kind"]


def _many(n):
    for _ in range(n):
        lab = InstitutionFactory()
        profile(lab, region="南宁")
        acc = accreditation(lab, "CNAS")
        row(lab, accreditations=[acc])


def test_listing_query_count_is_flat(django_assert_max_num_queries):
    _many(20)
    with CaptureQueriesContext(connection) as small:
        assert Client().get(f"{API}/institutions?page_size=100").json()["count"] == 20
    _many(40)
    with django_assert_max_num_queries(len(small.captured_queries)):
        body = Client().get(f"{API}/institutions?page_size=100&region=南宁&body=CNAS").json()
    assert body["count"] == 60 and len(body["items"]) == 60
    assert len(small.captured_queries) <= 5


def test_detail_hides_contact_and_prices_from_anonymous():
    lab = InstitutionFactory(slug="beta")
    profile(lab, contact_person="王工", phone="0771-1", email="lab@example.test", contact_public=False)
    s = site(lab, "一号楼")
    accreditation(
        lab, "CNAS", number="CNAS L1", sites=[s], valid_from=dt.date(2020, 1, 1), valid_until=dt.date(2021, 1, 1)
    )
    body = Client().get(f"{API}/institutions/beta").json()
    assert body["contact"] is None and body["prices_visible"] is False
    [acc] = body["accreditations"]
    assert {k: acc[k] for k in ("body", "number", "valid_from", "valid_until", "state", "sites")} == {
        "body": "CNAS",
        "number": "CNAS L1",
        "valid_from": "2020-01-01",
        "valid_until": "2021-01-01",
        "state": "expired",
        "sites": ["一号楼"],
    }
    assert "0771-1" not in Client().get(f"{API}/institutions/beta").content.decode()
    enterprise = OrganisationFactory()
    visitor = signed_in(member(enterprise, Role.ENTERPRISE_MEMBER), enterprise)
    assert visitor.get(f"{API}/institutions/beta").json()["contact"] == {
        "person": "王工",
        "phone": "0771-1",
        "email": "lab@example.test",
    }


def test_scope_hides_prices_unless_published_and_suspended_rows():
    lab = InstitutionFactory(slug="gamma")
    prof = profile(lab, prices_public=False)
    row(lab, parameter=("铅", "Lead"), price=Decimal("1200.00"), turnaround=5, clause="4.1")
    row(lab, parameter=("镉", "Cadmium"), status="suspended")
    body = Client().get(f"{API}/institutions/gamma/scope").json()
    assert body["count"] == 1
    [item] = body["items"]
    assert item["list_price"] is None
    assert {k: item[k] for k in ("object", "parameter", "standard", "clause", "turnaround_days")} == {
        "object": {"name_zh": "白砂糖", "name_en": "White sugar"},
        "parameter": {"name_zh": "铅", "name_en": "Lead"},
        "standard": "GB 5009.12-2017",
        "clause": "4.1",
        "turnaround_days": 5,
    }
    prof.prices_public = True
    prof.save()
    [item] = Client().get(f"{API}/institutions/gamma/scope?q=lead").json()["items"]
    assert item["list_price"] == "1200.00"
    assert Client().get(f"{API}/institutions/gamma/scope?q=cadmium").json()["count"] == 0


def test_scope_query_count_is_flat(django_assert_max_num_queries):
    lab = InstitutionFactory(slug="delta")
    s = site(lab)
    acc = accreditation(lab)
    for i in range(60):
        row(lab, at=s, parameter=(f"参数{i:02d}", ""), accreditations=[acc])
    with django_assert_max_num_queries(5):
        body = Client().get(f"{API}/institutions/delta/scope?page_size=100").json()
    assert body["count"] == 60 and len(body["items"]) == 60
    assert body["items"][0]["accreditations"] == [f"CNAS {acc.number}"]


def test_unknown_slug_is_404():
    assert Client().get(f"{API}/institutions/nobody").status_code == 404
    assert Client().get(f"{API}/institutions/nobody/scope").status_code == 404


def test_public_routes_are_rate_limited():
    InstitutionFactory(slug="busy")
    client = Client()
    statuses = [client.get(f"{API}/institutions/busy").status_code for _ in range(61)]
    assert statuses[:60] == [200] * 60 and statuses[60] == 429
