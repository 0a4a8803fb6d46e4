import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tichub.accounts.choices import Role
from tichub.core.models import AuditEvent, Notification
from tichub.core.testing.factories import InstitutionFactory, member
from tichub.core.testing.permissions import signed_in
from tichub.standards.models import StandardEdition

from .conftest import csv_file, make_edition, make_scope_rows

pytestmark = pytest.mark.django_db


def test_public_list_without_sign_in():
    make_edition("GB/T 317-2018", "白砂糖", title_en="White granulated sugar")
    response = Client().get(reverse("standards:list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "GB/T 317-2018" in html and "White granulated sugar" in html and 'hx-get="/standards/"' in html
    assert "导入目录文件" not in html


def test_htmx_request_gets_only_the_results_fragment():
    make_edition("GB/T 317-2018", "白砂糖")
    make_edition("GB 5009.12-2017", "食品中铅的测定")
    response = Client().get(reverse("standards:list"), {"q": "gbt317"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and "GB/T 317-2018" in html and "GB 5009.12-2017" not in html
    restore = Client().get(
        reverse("standards:list"), {"q": "gbt317"}, HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true"
    )
    assert "<html" in restore.content.decode()


def test_list_shows_status_badge_and_replaced_by_link():
    new = make_edition("GB/T 317-2018", "白砂糖")
    make_edition("GB/T 317-2006", "白砂糖", status="withdrawn", withdrawn_on=dt.date(2018, 9, 1), replaced_by=new)
    html = Client().get(reverse("standards:list"), {"status": "withdrawn"}).content.decode()
    assert 'class="std-status withdrawn">废止<' in html
    assert f'href="/standards/{new.pk}/"' in html
    assert html.count(f'href="/standards/{new.pk}/"') == 1  # the replaced-by link


def test_list_query_count_does_not_grow(django_assert_max_num_queries):
    newest = make_edition("GB/T 9999-2020", "某标准")
    for year in range(1950, 2019):
        make_edition(
            f"GB/T 9999-{year}", "某标准", status="withdrawn", withdrawn_on=dt.date(2019, 1, 1), replaced_by=newest
        )
    with django_assert_max_num_queries(4):
        response = Client().get(reverse("standards:list"), {"q": "GB/T 9999"})
    assert response.status_code == 200
    assert response.context["has_next"] is True and len(response.context["editions"]) == 50
    page2 = Client().get(reverse("standards:list"), {"q": "GB/T 9999", "page": 2})
    assert len(page2.context["editions"]) == 20 and page2.context["has_next"] is False


def test_list_bad_page_is_400():
    assert Client().get(reverse("standards:list"), {"page": "x"}).status_code == 400


def test_detail_public_and_curator_sections(operator, curator_user):
    new = make_edition("GB 5009.12-2017", "食品中铅的测定", effective_on=dt.date(2017, 10, 6))
    old = make_edition(
        "GB 5009.12-2010", "食品中铅的测定", status="withdrawn", withdrawn_on=dt.date(2017, 10, 6), replaced_by=new
    )
    public = Client().get(reverse("standards:detail", args=[old.pk])).content.decode()
    assert "本版本已被代替" in public and "GB 5009.12-2017" in public and 'id="withdraw"' not in public
    lab = InstitutionFactory(name_zh="南宁糖检中心")
    make_scope_rows(lab, new, n=2)
    html = signed_in(curator_user, operator).get(reverse("standards:detail", args=[new.pk])).content.decode()
    assert 'id="withdraw"' in html and "南宁糖检中心" in html
    assert Client().get(reverse("standards:detail", args=[999999])).status_code == 404


def test_withdraw_form_replaces_and_notifies(operator, curator_user):
    old = make_edition("GB 5009.12-2010", effective_on=dt.date(2010, 6, 1))
    new = make_edition("GB 5009.12-2017", effective_on=dt.date(2017, 10, 6))
    lab = InstitutionFactory()
    make_scope_rows(lab, old)
    qm = member(lab, Role.QUALITY_MANAGER)
    client = signed_in(curator_user, operator)
    response = client.post(
        reverse("standards:withdraw", args=[old.pk]), {"replaced_by": "gb 5009.12-2017", "reason": "公告"}
    )
    assert response.status_code == 302 and response["Location"] == f"/standards/{old.pk}/"
    old.refresh_from_db()
    assert (old.status, old.replaced_by, old.withdrawn_on) == ("withdrawn", new, dt.date(2017, 10, 6))
    assert Notification.objects.get().user == qm


def test_withdraw_form_errors_change_nothing(operator, curator_user):
    edition = make_edition("GB 1-2000", effective_on=dt.date(2001, 1, 1))
    client = signed_in(curator_user, operator)
    response = client.post(
        reverse("standards:withdraw", args=[edition.pk]), {"replaced_by": "GB 9-2020", "reason": "x"}
    )
    assert response.status_code == 400 and "目录中没有 GB 9-2020" in response.content.decode()
    response = client.post(reverse("standards:withdraw", args=[edition.pk]), {"on": "2000-01-01", "reason": "x"})
    assert response.status_code == 400 and "废止日期不能早于实施日期。" in response.content.decode()
    edition.refresh_from_db()
    assert edition.status == "current" and AuditEvent.objects.count() == 0


def test_import_preview_then_commit(operator, curator_user):
    client = signed_in(curator_user, operator)
    upload = SimpleUploadedFile("c.csv", csv_file("标准号,中文名称", "GB/T 317-2018,白砂糖", "GB 13104-2014,食糖"))
    preview = client.post(reverse("standards:import"), {"file": upload})
    assert preview.status_code == 200 and StandardEdition.objects.count() == 0
    token = preview.context["token"]
    assert "确认导入" in preview.content.decode()
    stale = client.post(reverse("standards:import_commit"), {"token": "nope"})
    assert stale.status_code == 302 and StandardEdition.objects.count() == 0
    done = client.post(reverse("standards:import_commit"), {"token": token})
    assert done.status_code == 200 and done.context["report"].committed
    assert sorted(StandardEdition.objects.values_list("canonical", flat=True)) == ["GB 13104-2014", "GB/T 317-2018"]
    again = client.post(reverse("standards:import_commit"), {"token": token})
    assert again.status_code == 302  # the preview was used up


def test_import_preview_lists_bad_rows(operator, curator_user):
    client = signed_in(curator_user, operator)
    upload = SimpleUploadedFile("c.csv", csv_file("标准号,中文名称", "GB/T 317-2018,白砂糖", "GB/T 2828-1-2012,抽样"))
    response = client.post(reverse("standards:import"), {"file": upload})
    html = response.content.decode()
    assert response.status_code == 400 and "<td>3</td>" in html and "GB/T 2828.1-2012" in html
    assert "确认导入" not in html and StandardEdition.objects.count() == 0


def test_import_unknown_header_is_shown_on_the_form(operator, curator_user):
    client = signed_in(curator_user, operator)
    response = client.post(reverse("standards:import"), {"file": SimpleUploadedFile("c.csv", b"foo,bar\n1,2\n")})
    assert response.status_code == 400 and "无法识别的表头：“foo”、“bar”" in response.content.decode()
