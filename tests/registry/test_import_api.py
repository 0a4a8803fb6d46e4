"""API of scope imports: upload (multipart or JSON), read, list, commit, discard."""

import base64

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tichub.accounts import services as account_services
from tichub.accounts.choices import Role
from tichub.core.models import AuditEvent
from tichub.core.tenancy import Actor
from tichub.core.testing.factories import member
from tichub.core.testing.permissions import signed_in
from tichub.registry import import_services, models

from .import_helpers import HEADERS_ZH, csv_bytes, institution, many_rows, row, xlsx_bytes

pytestmark = pytest.mark.django_db

URL = "/api/v1/registry/scope-imports"
LEAD = "食品安全国家标准 食品中铅的测定 GB 5009.12-2017 第一法"


def state():
    return models.ScopeRow.objects.count(), models.ScopeImport.objects.count(), AuditEvent.objects.count()


def test_multipart_upload_previews_and_commit_applies():
    lab, admin, _actor = institution()
    client = signed_in(admin, lab)
    content = csv_bytes(HEADERS_ZH, [row(1, "白砂糖 (White granulated sugar)", "铅", LEAD, en="Lead")])
    response = client.post(URL, {"file": SimpleUploadedFile("scope.csv", content)})
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "preview" and body["filename"] == "scope.csv"
    assert body["counts"] == {"rows": 1, "added": 1, "changed": 0, "removed": 0, "unchanged": 0}
    assert body["new_editions"] == ["GB 5009.12-2017"] and body["site_to_create"] is None
    added = body["added"][0]
    assert {k: added[k] for k in ("line", "object_zh", "object_en", "parameter_zh", "standard", "clause", "site")} == {
        "line": 2,
        "object_zh": "白砂糖",
        "object_en": "White granulated sugar",
        "parameter_zh": "铅",
        "standard": "GB 5009.12-2017",
        "clause": "第一法",
        "site": "一号楼",
    }
    assert added["accreditations"] == [f"CNAS CNAS-{lab.pk}", f"CMA CMA-{lab.pk}"] and added["list_price"] == "300.00"
    assert models.ScopeRow.objects.count() == 0

    detail = client.get(f"{URL}/{body['id']}")
    assert detail.status_code == 200 and detail.json()["counts"] == body["counts"]

    committed = client.post(f"{URL}/{body['id']}/commit")
    assert committed.status_code == 200
    assert committed.json()["status"] == "committed" and committed.json()["committed_at"]
    assert models.ScopeRow.objects.filter(organisation=lab).count() == 1

    before = state()
    again = client.post(f"{URL}/{body['id']}/commit")
    assert again.status_code == 409
    assert again.json() == {
        "code": "not_preview",
        "message": "该导入的状态为“已导入”，不能再提交或放弃。",
        "fields": {},
    }
    assert state() == before


def test_xlsx_upload():
    lab, admin, _actor = institution()
    content = xlsx_bytes([["检测对象", "项目/参数", "标准", "场所"], ["白砂糖", "铅", LEAD, "一号楼"]])
    response = signed_in(admin, lab).post(URL, {"file": SimpleUploadedFile("scope.xlsx", content)})
    assert response.status_code == 201 and response.json()["counts"]["added"] == 1


def test_json_upload_with_base64_content():
    lab, admin, _actor = institution()
    content = csv_bytes(HEADERS_ZH, [row(1, "白砂糖", "铅", LEAD)])
    response = signed_in(admin, lab).post(
        URL,
        data={"filename": "scope.csv", "content_base64": base64.b64encode(content).decode()},
        content_type="application/json",
    )
    assert response.status_code == 201 and response.json()["counts"]["added"] == 1


def test_upload_without_a_file_names_the_field():
    lab, admin, _actor = institution()
    response = signed_in(admin, lab).post(URL, data={"filename": "x.csv"}, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["fields"] == {
        "file": ["请以 multipart 字段 file 上传文件，或以 JSON 提交 filename 与 content_base64。"]
    }


def test_bad_rows_answer_400_with_line_numbers_and_save_nothing():
    lab, admin, _actor = institution()
    content = csv_bytes(
        HEADERS_ZH,
        [row(1, "白砂糖", "铅", "GB 5009.12-17"), row(2, "白砂糖", "镉", "GB 5009.15-2014", site="二号楼")],
    )
    before = state()
    response = signed_in(admin, lab).post(URL, {"file": SimpleUploadedFile("scope.csv", content)})
    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid_rows",
        "message": "范围表有 2 行有误，未导入任何内容。请按行号修改后重新上传。",
        "fields": {
            "line 2": ["标准编号“GB 5009.12-17”无效（two-digit year '17' is ambiguous）。 是否应为“GB 5009.12-2017”？"],
            "line 3": ["场所“二号楼”不存在。本机构的场所：一号楼。"],
        },
    }
    assert state() == before


def test_other_institution_gets_404():
    _lab, _admin, actor = institution()
    scope_import = import_services.scope_import_preview(
        actor=actor, filename="secret.csv", content=csv_bytes(HEADERS_ZH, [row(1, "白砂糖", "铅", LEAD)])
    )
    other, stranger, _ = institution()
    client = signed_in(stranger, other)
    before = state()
    assert client.get(f"{URL}/{scope_import.pk}").status_code == 404
    assert client.post(f"{URL}/{scope_import.pk}/commit").status_code == 404
    assert client.post(f"{URL}/{scope_import.pk}/discard").status_code == 404
    assert "secret.csv" not in client.get(URL).content.decode()
    assert state() == before


def test_discard():
    lab, admin, actor = institution()
    scope_import = import_services.scope_import_preview(
        actor=actor, filename="s.csv", content=csv_bytes(HEADERS_ZH, [row(1, "白砂糖", "铅", LEAD)])
    )
    response = signed_in(admin, lab).post(f"{URL}/{scope_import.pk}/discard")
    assert response.status_code == 200
    assert response.json()["status"] == "discarded" and response.json()["rows"] == 1


def test_read_only_token_cannot_upload():
    lab, _admin, _actor = institution()
    user = member(lab, Role.INSTITUTION_ADMIN)
    _token, secret = account_services.api_token_create(
        actor=Actor(user=user, organisation=lab, roles=frozenset({Role.INSTITUTION_ADMIN})), name="r", scope="read"
    )
    before = state()
    response = Client().post(
        URL,
        {"file": SimpleUploadedFile("s.csv", csv_bytes(HEADERS_ZH, [row(1, "白砂糖", "铅", LEAD)]))},
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert response.status_code == 403
    assert state() == before


def test_list_query_count_does_not_grow(django_assert_max_num_queries):
    lab, admin, actor = institution()
    for _ in range(30):
        import_services.scope_import_preview(actor=actor, filename="s.csv", content=csv_bytes(HEADERS_ZH, many_rows(5)))
    client = signed_in(admin, lab)
    with django_assert_max_num_queries(8):
        body = client.get(f"{URL}?page_size=20").json()
    assert body["count"] == 30 and len(body["items"]) == 20
    assert body["items"][0]["rows"] == 5 and body["items"][0]["added"] == 5 and body["items"][0]["status"] == "preview"
