"""API: instrument mappings, uploads (multipart or JSON), reading and applying imports."""

import base64
import json

import pytest
from django.utils import timezone

from tichub.core.testing.permissions import signed_in
from tichub.lims.models import ImportMapping, ResultImport, ResultRevision

from .import_world import COLUMNS, csv_bytes, import_world, results_of, upload

pytestmark = pytest.mark.django_db
API = "/api/v1/lab"


def today() -> str:
    return timezone.localdate().isoformat()


def test_mapping_put_and_get():
    w, _s1, _s2 = import_world()
    client = signed_in(w.people["analyst"], w.institution)
    url = f"{API}/instruments/{w.icp.pk}/mapping"
    assert client.get(url).json() == {"code": "no_mapping", "message": "该仪器尚未保存列映射。", "fields": {}}
    response = client.put(url, {"columns": COLUMNS, "delimiter": ";"}, content_type="application/json")
    assert response.status_code == 200
    assert response.json() == {"instrument_id": w.icp.pk, "columns": COLUMNS, "delimiter": ";"}
    assert client.get(url).json()["delimiter"] == ";"
    bad = client.put(url, {"columns": {"sample": "ID"}, "delimiter": ","}, content_type="application/json")
    assert bad.status_code == 400
    assert bad.json()["fields"] == {
        "columns.keyword": ["请指定“检测项目（代码或名称）”所在的列。"],
        "columns.value": ["请指定“结果”所在的列。"],
    }
    other = signed_in(w.m.lab2.analyst, w.m.lab2.org)
    assert other.put(url, {"columns": COLUMNS}, content_type="application/json").status_code == 404
    assert other.get(url).status_code == 404
    assert ImportMapping.objects.get().delimiter == ";"


def test_multipart_upload_read_and_apply():
    w, s1, s2 = import_world()
    client = signed_in(w.people["analyst"], w.institution)
    content = csv_bytes((s1.number, "pb", "0.48", "mg/kg", today()), (s2.number, "cd", "50", "µg/kg", today()))
    response = client.post(
        f"{API}/imports",
        {"file": upload(content), "instrument_id": str(w.icp.pk), "columns": json.dumps(COLUMNS)},
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["status"], body["rows"], body["errors"], body["columns"], body["delimiter"]) == (
        "previewed", 2, [], COLUMNS, ","
    )  # fmt: skip
    assert body["summary"]["decisions"] == {"conditional_pass": 1, "pass": 1}
    assert [(r["line"], r["value"], r["unit"], r["reported"], r["decision"]) for r in body["preview"]] == [
        (2, "0.48", "mg/kg", "0.480", "conditional_pass"),
        (3, "0.050", "mg/kg", "0.05000", "pass"),
    ]
    assert client.get(f"{API}/imports/{body['id']}").json()["sha256"] == body["sha256"]
    applied = client.post(f"{API}/imports/{body['id']}/apply")
    assert applied.status_code == 200 and applied.json()["status"] == "applied"
    assert ResultRevision.objects.count() == 2
    again = client.post(f"{API}/imports/{body['id']}/apply")
    assert again.status_code == 409 and again.json()["code"] == "import_state"


def test_json_upload_and_refusals():
    w, s1, s2 = import_world()
    client = signed_in(w.people["analyst"], w.institution)
    content = csv_bytes((s1.number, "pb", "abc", "mg/kg", today()))
    payload = {"file_name": "x.csv", "content_base64": base64.b64encode(content).decode(), "columns": COLUMNS}
    response = client.post(f"{API}/imports", payload, content_type="application/json")
    assert response.status_code == 201
    assert response.json()["status"] == "refused"
    assert response.json()["errors"] == [
        {
            "line": 2,
            "column": "value",
            "message": "“abc”不是数值：请输入数字，可带正负号、小数点和指数（如 12.25、-0.036、1.2E-3）。",
        }
    ]
    refused = client.post(f"{API}/imports/{response.json()['id']}/apply")
    assert refused.status_code == 409
    before = results_of(s1, s2)
    cases = [
        ({**payload, "content_base64": "***"}, {"content_base64": ["content_base64 不是有效的 Base64 编码。"]}),
        ({**payload, "content_base64": ""}, {"file": ["文件为空。"]}),
        ({"content_base64": "AA=="}, {"file_name": ["Field required"]}),
        ({**payload, "delimiter": "|"}, {"delimiter": ["分隔符无效：应为逗号、分号、制表符，或留空自动识别。"]}),
    ]
    for body, fields in cases:
        answer = client.post(f"{API}/imports", body, content_type="application/json")
        assert (answer.status_code, answer.json()["fields"]) == (400, fields)
    no_file = client.post(f"{API}/imports", {"columns": json.dumps(COLUMNS)})
    assert no_file.status_code == 400 and list(no_file.json()["fields"]) == ["file"]
    bad_json = client.post(f"{API}/imports", {"file": upload(content), "columns": "{"})
    assert bad_json.status_code == 400 and list(bad_json.json()["fields"]) == ["columns"]
    assert ResultImport.objects.count() == 1 and results_of(s1, s2) == before


def test_another_institution_gets_404_and_another_analyst_403():
    w, s1, _s2 = import_world()
    owner = signed_in(w.people["analyst"], w.institution)
    content = csv_bytes((s1.number, "pb", "0.1", "mg/kg", today()))
    created = owner.post(f"{API}/imports", {"file": upload(content), "columns": json.dumps(COLUMNS)}).json()
    other = signed_in(w.m.lab2.analyst, w.m.lab2.org)
    assert other.get(f"{API}/imports/{created['id']}").status_code == 404
    assert other.post(f"{API}/imports/{created['id']}/apply").status_code == 404
    colleague = signed_in(w.people["analyst2"], w.institution)
    response = colleague.post(f"{API}/imports/{created['id']}/apply")
    assert response.status_code == 403 and response.json()["code"] == "not_yours"
    assert ResultRevision.objects.count() == 0
