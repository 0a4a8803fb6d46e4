"""The signing-keys page and the /api/v1/trust routes: what each role sees and does, errors by field, query budgets."""

import base64

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tichub.core.models import AuditEvent
from tichub.core.testing.permissions import signed_in
from tichub.trust import key_services
from tichub.trust.choices import KeyStatus
from tichub.trust.models import SigningKey

from .world import P12_PASSWORD, lab, p12

pytestmark = pytest.mark.django_db
PAGE = "/trust/keys/"
API = "/api/v1/trust/keys"


def _client(a_lab, user="admin"):
    return signed_in(getattr(a_lab, user), a_lab.institution)


def test_page_lists_keys_and_offers_actions_to_admins(plat, a_lab):
    key = key_services.key_issue(actor=a_lab.admin_actor)
    response = _client(a_lab).get(PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    assert key.kid in html and "有效" in html
    assert 'action="/trust/keys/issue/"' in html and 'action="/trust/keys/import/"' in html
    assert f'action="/trust/keys/{key.pk}/revoke/"' in html
    assert "/.well-known/tichub/trust-list.json" in html
    assert 'id="platform-fingerprint"' in html


def test_quality_manager_sees_but_cannot_act(plat, a_lab):
    key = key_services.key_issue(actor=a_lab.admin_actor)
    client = _client(a_lab, "quality")
    html = client.get(PAGE).content.decode()
    assert key.kid in html and "/trust/keys/issue/" not in html and "/revoke/" not in html
    before = AuditEvent.objects.count()
    assert client.post("/trust/keys/issue/").status_code == 403
    assert client.post(f"/trust/keys/{key.pk}/revoke/", {"reason": "x"}).status_code == 403
    assert AuditEvent.objects.count() == before


def test_analyst_and_other_institutions(plat, a_lab):
    key = key_services.key_issue(actor=a_lab.admin_actor)
    assert _client(a_lab, "analyst").get(PAGE).status_code == 403
    other = lab()
    html = _client(other).get(PAGE).content.decode()
    assert key.kid not in html
    assert _client(other).post(f"/trust/keys/{key.pk}/revoke/", {"reason": "x"}).status_code == 404
    key.refresh_from_db()
    assert key.status == KeyStatus.ACTIVE


def test_issue_import_and_revoke_through_the_page(plat, a_lab):
    client = _client(a_lab)
    response = client.post("/trust/keys/issue/", follow=True)
    assert response.status_code == 200 and "已签发新的签名密钥" in response.content.decode()
    first = SigningKey.objects.get(organisation=a_lab.institution)

    upload = {"pkcs12": _file(p12()), "password": P12_PASSWORD}
    response = client.post("/trust/keys/import/", upload, follow=True)
    assert "已导入密钥" in response.content.decode()
    first.refresh_from_db()
    assert first.status == KeyStatus.RETIRED

    response = client.post(f"/trust/keys/{first.pk}/revoke/", {"reason": "旧服务器退役，私钥未销毁"}, follow=True)
    assert "已吊销" in response.content.decode()
    first.refresh_from_db()
    assert (first.status, first.revocation_reason) == (KeyStatus.REVOKED, "旧服务器退役，私钥未销毁")


def _file(data, name="institution.p12"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="application/x-pkcs12")


def test_page_shows_errors_on_their_fields(plat, a_lab):
    client = _client(a_lab)
    before = (SigningKey.objects.count(), AuditEvent.objects.count())
    response = client.post("/trust/keys/import/", {"pkcs12": _file(p12()), "password": "wrong"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_password_error"' in html and "密码不正确" in html
    response = client.post("/trust/keys/import/", {"pkcs12": _file(b"hello"), "password": ""})
    assert response.status_code == 400 and 'id="id_pkcs12_error"' in response.content.decode()
    key = key_services.key_issue(actor=a_lab.admin_actor)
    before = (SigningKey.objects.count(), AuditEvent.objects.count())
    response = client.post(f"/trust/keys/{key.pk}/revoke/", {"reason": "", "revoked_at": "2099-01-01T00:00"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "<details open>" in html and 'id="id_reason_error"' in html
    response = client.post(f"/trust/keys/{key.pk}/revoke/", {"reason": "泄露", "revoked_at": "2099-01-01T00:00"})
    assert response.status_code == 400 and "吊销时间不能晚于现在" in response.content.decode()
    assert (SigningKey.objects.count(), AuditEvent.objects.count()) == before


def test_issue_without_platform_says_why(a_lab):
    response = _client(a_lab).post("/trust/keys/issue/", follow=True)
    assert "tichub trust init" in response.content.decode()
    assert SigningKey.objects.count() == 0


def test_page_query_count_does_not_grow(plat, a_lab):
    client = _client(a_lab)
    key_services.key_issue(actor=a_lab.admin_actor)
    with CaptureQueriesContext(connection) as few:
        assert client.get(PAGE).status_code == 200
    for _ in range(6):
        key_services.key_issue(actor=a_lab.admin_actor)
    with CaptureQueriesContext(connection) as many:
        assert client.get(PAGE).status_code == 200
    assert len(many) == len(few)


# --- API ------------------------------------------------------------------------------------------------------


def test_api_lifecycle(plat, a_lab):
    client = _client(a_lab)
    issued = client.post(API, content_type="application/json")
    assert issued.status_code == 201
    body = issued.json()
    assert (body["status"], body["algorithm"], body["purpose"]) == ("active", "ES256", "institution")
    assert len(body["fingerprint"]) == 64 and body["fingerprint"].startswith(body["kid"])
    assert "private" not in issued.content.decode().lower()

    data = base64.b64encode(p12()).decode()
    imported = client.post(f"{API}/import", {"pkcs12": data, "password": P12_PASSWORD}, content_type="application/json")
    assert imported.status_code == 201
    assert [k["kid"] for k in imported.json()["retired"]] == [body["kid"]]

    revoked = client.post(f"{API}/{body['id']}/revoke", {"reason": "遗失"}, content_type="application/json")
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"

    listed = client.get(API).json()
    assert listed["count"] == 2
    assert [k["status"] for k in listed["items"]] == ["active", "revoked"]


def test_api_errors_name_their_fields(plat, a_lab):
    client = _client(a_lab)
    key = key_services.key_issue(actor=a_lab.admin_actor)
    before = (SigningKey.objects.count(), AuditEvent.objects.count())
    bad = client.post(f"{API}/import", {"pkcs12": "!!!", "password": ""}, content_type="application/json")
    assert bad.status_code == 400 and list(bad.json()["fields"]) == ["pkcs12"]
    wrong = client.post(
        f"{API}/import", {"pkcs12": base64.b64encode(p12()).decode(), "password": "x"}, content_type="application/json"
    )
    assert wrong.status_code == 400
    assert wrong.json()["code"] == "pkcs12_bad_password" and list(wrong.json()["fields"]) == ["password"]
    revoke = client.post(
        f"{API}/{key.pk}/revoke", {"reason": " ", "revoked_at": "2099-01-01T00:00:00Z"}, content_type="application/json"
    )
    assert revoke.status_code == 400 and set(revoke.json()["fields"]) == {"reason", "revoked_at"}
    assert (SigningKey.objects.count(), AuditEvent.objects.count()) == before
    assert client.post(f"{API}/99999/revoke", {"reason": "x"}, content_type="application/json").status_code == 404


def test_api_query_count_does_not_grow(plat, a_lab):
    client = _client(a_lab)
    key_services.key_issue(actor=a_lab.admin_actor)
    with CaptureQueriesContext(connection) as few:
        assert client.get(API).status_code == 200
    for _ in range(6):
        key_services.key_issue(actor=a_lab.admin_actor)
    with CaptureQueriesContext(connection) as many:
        assert client.get(API).status_code == 200
    assert len(many) == len(few)


def test_read_only_token_cannot_issue(plat, a_lab):
    from tichub.accounts import services as account_services

    _token, secret = account_services.api_token_create(actor=a_lab.admin_actor, name="ro", scope="read")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    from django.test import Client

    client = Client()
    assert client.get(API, **auth).status_code == 200
    assert client.post(API, content_type="application/json", **auth).status_code == 403
    assert SigningKey.objects.filter(organisation=a_lab.institution).count() == 0
