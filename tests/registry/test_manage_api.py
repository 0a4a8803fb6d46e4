"""The institution's own registry API: profile, sites, accreditations, scope rows."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tichub.accounts import services as account_services
from tichub.accounts.choices import Role
from tichub.core.models import AuditEvent
from tichub.core.tenancy import Actor
from tichub.core.testing.permissions import signed_in
from tichub.registry.models import Accreditation, InstitutionProfile, ScopeRow
from tichub.registry.models import TestSite as Site

from .directory_world import accreditation, lab, profile, row, site

pytestmark = pytest.mark.django_db
API = "/api/v1/registry/my"


def client_for(role=Role.INSTITUTION_ADMIN):
    org, user, _ = lab(role=role)
    return org, signed_in(user, org)


def patch(client, url, data):
    return client.patch(url, data=data, content_type="application/json")


def post(client, url, data):
    return client.post(url, data=data, content_type="application/json")


def test_profile_read_and_patch():
    org, client = client_for()
    assert client.get(f"{API}/profile").json()["contact_public"] is True  # the default, nothing saved yet
    response = patch(client, f"{API}/profile", {"phone": "0771-5", "prices_public": True})
    assert response.status_code == 200
    assert (response.json()["phone"], response.json()["prices_public"]) == ("0771-5", True)
    response = patch(client, f"{API}/profile", {"email": "nope", "website": "javascript:alert(1)"})
    assert response.status_code == 400 and set(response.json()["fields"]) == {"email", "website"}
    assert InstitutionProfile.objects.get(organisation=org).email == ""


def test_sites_list_create_patch():
    _, client = client_for()
    response = post(client, f"{API}/sites", {"name_zh": "一号楼", "region": "南宁"})
    assert response.status_code == 201
    site_id = response.json()["id"]
    assert post(client, f"{API}/sites", {"name_zh": "一号楼"}).json()["fields"] == {
        "name_zh": ["本机构已有同名检测场所。"]
    }
    assert (
        patch(client, f"{API}/sites/{site_id}", {"address_zh": "科园大道 1 号"}).json()["address_zh"] == "科园大道 1 号"
    )
    body = client.get(f"{API}/sites").json()
    assert body["count"] == 1 and body["items"][0]["active_rows"] == 0


def test_accreditation_dates_are_reported_precisely():
    _, client = client_for()
    data = {"body": "CNAS", "number": "CNAS L1", "valid_from": "1800-01-01", "valid_until": "2030-01-01"}
    response = post(client, f"{API}/accreditations", data)
    assert response.status_code == 400
    assert response.json()["fields"] == {
        "valid_from": ["生效日期 1800-01-01 超出允许范围：须在 1900-01-01 至 2100-12-31 之间。"]
    }
    response = post(client, f"{API}/accreditations", {**data, "valid_from": "2024-02-30"})
    assert response.status_code == 422 and list(response.json()["fields"]) == ["valid_from"]
    response = post(client, f"{API}/accreditations", {**data, "valid_from": "2031-01-01"})
    assert response.json()["fields"] == {"valid_until": ["有效期至（2030-01-01）不得早于生效日期（2031-01-01）。"]}
    assert not Accreditation.objects.exists()


def test_accreditation_create_duplicate_patch_delete():
    org, client = client_for()
    s = site(org)
    data = {"body": "CNAS", "number": "CNAS L1", "valid_from": "2024-01-01", "valid_until": "2030-01-01"}
    response = post(client, f"{API}/accreditations", {**data, "site_ids": [s.pk], "mra_signatory": True})
    assert response.status_code == 201
    created = response.json()
    assert (created["site_ids"], created["mra_signatory"], created["state"], created["active_rows"]) == (
        [s.pk],
        True,
        "valid",
        0,
    )
    duplicate = post(client, f"{API}/accreditations", data)
    assert duplicate.status_code == 400 and list(duplicate.json()["fields"]) == ["number"]
    response = patch(client, f"{API}/accreditations/{created['id']}", {"valid_until": "2032-12-31"})
    assert response.json()["valid_until"] == "2032-12-31"
    row(org, at=s, accreditations=[Accreditation.objects.get(pk=created["id"])])
    response = client.delete(f"{API}/accreditations/{created['id']}")
    assert response.status_code == 409 and "仍有 1 条有效能力范围引用" in response.json()["message"]
    ScopeRow.objects.update(status="withdrawn")
    assert client.delete(f"{API}/accreditations/{created['id']}").status_code == 204
    assert not Accreditation.objects.exists()


def test_other_institution_gets_404_and_nothing_changes():
    org, _ = client_for()
    s = site(org, "一号楼")
    acc = accreditation(org, number="CNAS MINE")
    scope_row = row(org, at=s, price=Decimal("9.00"))
    _, stranger = client_for()
    assert patch(stranger, f"{API}/sites/{s.pk}", {"name_zh": "被改"}).status_code == 404
    assert patch(stranger, f"{API}/accreditations/{acc.pk}", {"number": "X"}).status_code == 404
    assert stranger.delete(f"{API}/accreditations/{acc.pk}").status_code == 404
    assert patch(stranger, f"{API}/scope/{scope_row.pk}", {"list_price": "1.00"}).status_code == 404
    response = post(stranger, f"{API}/scope/status", {"row_ids": [scope_row.pk], "status": "withdrawn", "reason": "x"})
    assert response.status_code == 404
    assert stranger.get(f"{API}/scope").json()["count"] == 0
    assert Site.objects.get(pk=s.pk).name_zh == "一号楼"
    assert Accreditation.objects.get(pk=acc.pk).number == "CNAS MINE"
    saved = ScopeRow.objects.get(pk=scope_row.pk)
    assert (saved.status, saved.list_price) == ("active", Decimal("9.00"))
    assert not AuditEvent.objects.exists()


def test_scope_row_patch_rules():
    org, client = client_for()
    scope_row = row(org)
    response = patch(client, f"{API}/scope/{scope_row.pk}", {"status": "withdrawn"})
    assert response.status_code == 400 and response.json()["fields"] == {"reason": ["暂停或撤销能力范围时须填写原因。"]}
    response = patch(client, f"{API}/scope/{scope_row.pk}", {"list_price": 12.345})
    assert response.json()["fields"] == {"list_price": ["参考价格最多保留 2 位小数（现为 12.345）。"]}
    response = patch(client, f"{API}/scope/{scope_row.pk}", {"list_price": "99.5", "turnaround_days": 3})
    assert response.status_code == 200
    assert (response.json()["list_price"], response.json()["turnaround_days"]) == ("99.50", 3)
    response = patch(client, f"{API}/scope/{scope_row.pk}", {"status": "withdrawn", "reason": "标准废止"})
    assert response.json()["status"] == "withdrawn"
    assert AuditEvent.objects.filter(action="scope_row.update", reason="标准废止").count() == 1
    assert patch(client, f"{API}/scope/{scope_row.pk}", {"list_price": None}).json()["list_price"] is None


def test_bulk_status():
    org, client = client_for()
    a, b = row(org), row(org, parameter=("镉", "Cadmium"))
    response = post(client, f"{API}/scope/status", {"row_ids": [a.pk, b.pk], "status": "suspended"})
    assert response.status_code == 400 and list(response.json()["fields"]) == ["reason"]
    response = post(client, f"{API}/scope/status", {"row_ids": [a.pk, b.pk], "status": "suspended", "reason": "搬迁"})
    assert response.json() == {"changed": 2}
    assert set(ScopeRow.objects.values_list("status", flat=True)) == {"suspended"}


def test_scope_list_filters_and_query_count(django_assert_max_num_queries):
    org, client = client_for(Role.ANALYST)
    s = site(org)
    acc = accreditation(org)
    for i in range(5):
        row(org, at=s, parameter=(f"参数{i:02d}", ""), accreditations=[acc])
    with CaptureQueriesContext(connection) as small:
        assert client.get(f"{API}/scope").status_code == 200
    for i in range(5, 80):
        row(org, at=s, parameter=(f"参数{i:02d}", ""), accreditations=[acc], status="suspended" if i % 2 else "active")
    with django_assert_max_num_queries(len(small.captured_queries)):
        body = client.get(f"{API}/scope?page_size=100").json()
    assert body["count"] == 80 and len(body["items"]) == 80
    assert client.get(f"{API}/scope?status=suspended").json()["count"] == 38
    assert client.get(f"{API}/scope?accreditation=none").json()["count"] == 0
    assert client.get(f"{API}/scope?q=参数07").json()["count"] == 1
    assert client.get(f"{API}/scope?status=frozen").status_code == 400


def test_read_only_token_and_analyst_cannot_write():
    org, user, _ = lab(role=Role.INSTITUTION_ADMIN)
    _, secret = account_services.api_token_create(
        actor=Actor(user=user, organisation=org, roles=frozenset({Role.INSTITUTION_ADMIN})), name="t", scope="read"
    )
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    response = Client().patch(f"{API}/profile", data={"region": "x"}, content_type="application/json", **headers)
    assert response.status_code == 403
    assert Client().get(f"{API}/profile", **headers).status_code == 200
    _, analyst = client_for(Role.ANALYST)
    assert patch(analyst, f"{API}/profile", {"region": "x"}).status_code == 403
    assert not InstitutionProfile.objects.exists()


def test_profile_for_an_institution_with_one(django_assert_max_num_queries):
    org, client = client_for(Role.QUALITY_MANAGER)
    profile(org, region="柳州", contact_public=False)
    body = client.get(f"{API}/profile").json()
    assert (body["region"], body["contact_public"]) == ("柳州", False)
    assert patch(client, f"{API}/profile", {"contact_public": True}).json()["contact_public"] is True
    assert dt.date.today()  # the clock is real; nothing here depends on it
