import base64
import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tichub.accounts.choices import Role
from tichub.core.models import AuditEvent, Notification
from tichub.core.testing.factories import InstitutionFactory, member
from tichub.core.testing.permissions import signed_in
from tichub.standards.models import StandardEdition

from .conftest import csv_file, make_edition, make_scope_rows

pytestmark = pytest.mark.django_db
BASE = "/api/v1/standards"


def test_search_is_public_paginated_and_flat_in_queries(django_assert_max_num_queries):
    newest = make_edition("GB 5009.12-2017", "食品中铅的测定")
    for year in range(1950, 2010):
        make_edition(
            f"GB/T 9999-{year}", "某标准", status="withdrawn", withdrawn_on=dt.date(2010, 1, 1), replaced_by=newest
        )
    with django_assert_max_num_queries(3):
        body = Client().get(f"{BASE}/?q=GB/T 9999&page_size=500").json()
    assert body["count"] == 60 and len(body["items"]) == 60
    first = body["items"][0]
    assert first["canonical"] == "GB/T 9999-2009"
    assert first["replaced_by"] == {
        "id": newest.pk,
        "canonical": "GB 5009.12-2017",
        "title_zh": "食品中铅的测定",
        "status": "current",
    }


def test_search_status_filter_and_bad_status():
    make_edition("GB 1-2000")
    make_edition("GB 1-1990", status="withdrawn", withdrawn_on=dt.date(2000, 1, 1))
    assert [i["canonical"] for i in Client().get(f"{BASE}/?status=withdrawn").json()["items"]] == ["GB 1-1990"]
    response = Client().get(f"{BASE}/?status=valid")
    assert response.status_code == 400 and list(response.json()["fields"]) == ["status"]


def test_lookup_finds_edition_current_and_others():
    old = make_edition("GB 5009.12-2010", status="withdrawn", withdrawn_on=dt.date(2017, 10, 6))
    new = make_edition("GB 5009.12-2017")
    StandardEdition.objects.filter(pk=old.pk).update(replaced_by=new)
    body = Client().get(f"{BASE}/lookup", {"code": "gb5009.12—2010"}).json()
    assert body["code"]["canonical"] == "GB 5009.12-2010" and body["code"]["base_key"] == "gb 5009.12"
    assert body["code"]["mandatory"] is True and body["code"]["family"] == "GB"
    assert body["edition"]["id"] == old.pk and body["edition"]["status"] == "withdrawn"
    assert body["current"]["canonical"] == "GB 5009.12-2017"
    assert [e["canonical"] for e in body["other_editions"]] == ["GB 5009.12-2017"]
    undated = Client().get(f"{BASE}/lookup", {"code": "GB 5009.12"}).json()
    assert undated["edition"] is None and undated["current"] is None and len(undated["other_editions"]) == 2


def test_lookup_bad_code_error_shape_with_suggestion():
    response = Client().get(f"{BASE}/lookup", {"code": "GB/T 2828-1-2012"})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "bad_standard_code" and body["suggestion"] == "GB/T 2828.1-2012"
    assert body["fields"] == {"code": [body["message"]]}
    assert "GB/T 2828.1-2012" in body["message"]
    unknown = Client().get(f"{BASE}/lookup", {"code": "hello"}).json()
    assert unknown["code"] == "bad_standard_code" and unknown["suggestion"] is None
    missing = Client().get(f"{BASE}/lookup")
    assert missing.status_code == 422 and list(missing.json()["fields"]) == ["code"]


def test_detail_with_editions_chain_and_adoptions(curator):
    from tichub.standards.services import adoption_set

    iso = make_edition("ISO 2859-1:1999", "计数抽样检验程序", title_en="Sampling procedures")
    new = make_edition("GB/T 2828.1-2012", "计数抽样检验程序 第1部分")
    old = make_edition(
        "GB/T 2828.1-2003",
        "计数抽样检验程序 第1部分",
        status="withdrawn",
        withdrawn_on=dt.date(2013, 2, 1),
        replaced_by=new,
    )
    adoption_set(actor=curator, edition_id=new.pk, adopts_id=iso.pk, relation="IDT")
    body = Client().get(f"{BASE}/{old.pk}").json()
    assert body["canonical"] == "GB/T 2828.1-2003" and body["withdrawn_on"] == "2013-02-01"
    assert [e["canonical"] for e in body["editions"]] == ["GB/T 2828.1-2012", "GB/T 2828.1-2003"]
    assert [e["canonical"] for e in body["replacement_chain"]] == ["GB/T 2828.1-2003", "GB/T 2828.1-2012"]
    new_body = Client().get(f"{BASE}/{new.pk}").json()
    assert new_body["adopts"] == [
        {
            "relation": "IDT",
            "edition": {
                "id": iso.pk,
                "canonical": "ISO 2859-1:1999",
                "title_zh": "计数抽样检验程序",
                "status": "current",
            },
        }
    ]
    assert [e["canonical"] for e in new_body["replaces"]] == ["GB/T 2828.1-2003"]
    assert Client().get(f"{BASE}/{iso.pk}").json()["adopted_by"][0]["edition"]["canonical"] == "GB/T 2828.1-2012"
    assert Client().get(f"{BASE}/999999").status_code == 404


def test_import_multipart_and_json(operator, curator_user):
    client = signed_in(curator_user, operator)
    upload = SimpleUploadedFile("c.csv", csv_file("标准号,中文名称", "GB/T 317-2018,白砂糖"), content_type="text/csv")
    preview = client.post(f"{BASE}/import", {"file": upload, "dry_run": "true"})
    assert preview.status_code == 200
    assert preview.json()["created"] == 1 and preview.json()["committed"] is False
    assert StandardEdition.objects.count() == 0
    payload = {
        "filename": "c.csv",
        "content_base64": base64.b64encode(csv_file("标准号,中文名称", "GB/T 317-2018,白砂糖")).decode(),
    }
    done = client.post(f"{BASE}/import", payload, content_type="application/json")
    assert done.status_code == 200 and done.json()["committed"] is True
    assert StandardEdition.objects.get().canonical == "GB/T 317-2018"


def test_import_with_bad_rows_answers_every_line(operator, curator_user):
    client = signed_in(curator_user, operator)
    content = csv_file("标准号,中文名称,状态", "GB/T 317-2018,白砂糖,现行", "GB 317-06,白砂糖,现行", "GB 1-2000,,现行")
    upload = SimpleUploadedFile("c.csv", content, content_type="text/csv")
    response = client.post(f"{BASE}/import", {"file": upload})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_rows" and sorted(body["fields"]) == ["line 3", "line 4"]
    assert body["fields"]["line 4"] == ["中文名称: 请填写中文名称。"]
    assert StandardEdition.objects.count() == 0
    bad = client.post(f"{BASE}/import", {"filename": "x.csv", "content_base64": "***"}, content_type="application/json")
    assert bad.status_code == 400 and list(bad.json()["fields"]) == ["content_base64"]
    unknown = client.post(f"{BASE}/import", {"file": SimpleUploadedFile("c.csv", b"foo,bar\n1,2\n")})
    assert unknown.status_code == 400 and unknown.json()["code"] == "unknown_header"


def test_import_refused_to_other_roles(operator):
    client = signed_in(member(operator, Role.OPERATOR_ANALYST), operator)
    response = client.post(
        f"{BASE}/import", {"file": SimpleUploadedFile("c.csv", csv_file("标准号,中文名称", "GB/T 317-2018,白砂糖"))}
    )
    assert response.status_code == 403
    assert StandardEdition.objects.count() == 0 and AuditEvent.objects.count() == 0


def test_withdraw_replaces_and_reports_impact(operator, curator_user):
    old = make_edition("GB 5009.12-2010", effective_on=dt.date(2010, 6, 1))
    new = make_edition("GB 5009.12-2017", effective_on=dt.date(2017, 10, 6))
    lab = InstitutionFactory(name_zh="南宁中心")
    make_scope_rows(lab, old, n=2)
    member(lab, Role.QUALITY_MANAGER)
    client = signed_in(curator_user, operator)
    response = client.post(
        f"{BASE}/{old.pk}/withdraw",
        {"replaced_by": "GB 5009.12—2017", "reason": "公告"},
        content_type="application/json",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["edition"]["status"] == "withdrawn" and body["edition"]["withdrawn_on"] == "2017-10-06"
    assert body["edition"]["replaced_by"]["id"] == new.pk
    assert body["impact"] == [
        {"organisation_id": lab.pk, "organisation_zh": "南宁中心", "organisation_en": lab.name_en, "row_count": 2}
    ]
    assert Notification.objects.count() == 1


def test_withdraw_errors_name_the_field(operator, curator_user):
    edition = make_edition("GB 1-2000")
    client = signed_in(curator_user, operator)
    bad = client.post(
        f"{BASE}/{edition.pk}/withdraw", {"replaced_by": "GB 2-20", "reason": "x"}, content_type="application/json"
    )
    assert bad.status_code == 400 and list(bad.json()["fields"]) == ["replaced_by"]
    missing = client.post(
        f"{BASE}/{edition.pk}/withdraw", {"replaced_by": "GB 2-2020", "reason": "x"}, content_type="application/json"
    )
    assert missing.status_code == 400 and missing.json()["code"] == "not_found"
    no_date = client.post(f"{BASE}/{edition.pk}/withdraw", {"reason": "x"}, content_type="application/json")
    assert no_date.status_code == 400 and list(no_date.json()["fields"]) == ["on"]
    edition.refresh_from_db()
    assert edition.status == "current" and AuditEvent.objects.count() == 0
