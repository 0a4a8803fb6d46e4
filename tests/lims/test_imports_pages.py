"""Import pages: upload with the instrument's mapping, the preview, confirmation, checking again, the recent list."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tichub.core.testing.permissions import signed_in
from tichub.lims import import_services
from tichub.lims.models import ResultImport, ResultRevision

from .import_world import COLUMNS, csv_bytes, import_world, preview, results_of, upload

pytestmark = pytest.mark.django_db


def today() -> str:
    return timezone.localdate().isoformat()


def analyst_client(w):
    return signed_in(w.people["analyst"], w.institution)


def form_data(w, content, **extra):
    return {"instrument": str(w.icp.pk), "file": upload(content), "delimiter": "", **COLUMNS, **extra}


def test_upload_preview_and_confirm():
    w, s1, s2 = import_world()
    client = analyst_client(w)
    page = client.get(reverse("lims:import_new"))
    assert page.status_code == 200
    assert "ICP-01 电感耦合等离子体质谱仪" in page.content.decode() and "还没有导入记录。" in page.content.decode()
    content = csv_bytes((s1.number, "pb", "0.48", "mg/kg", today()), (s2.number, "Cadmium", "50", "µg/kg", today()))
    response = client.post(reverse("lims:import_new"), form_data(w, content, save_mapping="on"))
    result = ResultImport.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("lims:import_detail", args=[result.pk])
    assert result.columns["mapping_saved"] is True
    detail = client.get(response["Location"]).content.decode()
    assert "确认导入 2 项结果" in detail and "µg/kg → mg/kg：1 行" in detail
    assert "<td>50 µg/kg</td><td>0.050 mg/kg</td>" in detail and "有条件合格" in detail
    done = client.post(reverse("lims:import_apply", args=[result.pk]))
    assert done.status_code == 302
    detail = client.get(done["Location"]).content.decode()
    assert "已导入 2 项结果" in detail and "已全部写入。" in detail and "确认导入" not in detail
    assert ResultRevision.objects.count() == 2
    # The next visit with that instrument starts from its saved mapping.
    page = client.get(reverse("lims:import_new"), {"instrument": w.icp.pk}).content.decode()
    assert 'name="value" value="Conc"' in page and f'<a href="/lab/imports/{result.pk}/">' in page


def test_a_refused_upload_lists_every_error_and_offers_no_confirmation():
    w, s1, s2 = import_world()
    client = analyst_client(w)
    before = results_of(s1, s2)
    content = csv_bytes((s1.number, "pb", "x", "mg/kg", today()), ("S-NONE", "pb", "1", "mg/kg", today()))
    response = client.post(reverse("lims:import_new"), form_data(w, content), follow=True)
    page = response.content.decode()
    assert "2 处错误，涉及 2 行。未写入任何结果。" in page and "确认导入" not in page
    assert "<tr><td>2</td><td>结果 <small>（Conc）</small></td><td>“x”不是数值" in page
    assert "<tr><td>3</td><td>样品编号 <small>（Sample ID）</small></td><td>未找到样品“S-NONE”" in page
    result = ResultImport.objects.get()
    refused = client.post(reverse("lims:import_apply", args=[result.pk]))
    assert refused.status_code == 409 and "不能导入" in refused.content.decode()
    assert results_of(s1, s2) == before and ResultRevision.objects.count() == 0


def test_a_wrong_mapping_is_corrected_on_the_preview_page_without_uploading_again():
    w, s1, _s2 = import_world()
    client = analyst_client(w)
    content = csv_bytes((s1.number, "pb", "0.1", "mg/kg", today()))
    response = client.post(reverse("lims:import_new"), {**form_data(w, content), "value": "", "unit": "Einheit"})
    refused = ResultImport.objects.get()
    page = client.get(response["Location"]).content.decode()
    assert "未指定结果所在的列" in page and "修改列映射后重新检查" in page
    assert (
        '<option value="Conc">Conc</option>' in page and '<option value="Einheit" selected>Einheit ✗</option>' in page
    )
    again = client.post(reverse("lims:import_recheck", args=[refused.pk]), {**COLUMNS, "delimiter": ","})
    second = ResultImport.objects.exclude(pk=refused.pk).get()
    assert again.status_code == 302 and again["Location"] == reverse("lims:import_detail", args=[second.pk])
    assert (second.status, second.file.name) == ("previewed", refused.file.name)


def test_reading_the_headers_of_the_chosen_file():
    w, s1, _s2 = import_world()
    client = analyst_client(w)
    content = csv_bytes((s1.number, "pb", "0.1", "mg/kg", today()), header=("样品", "项目", "结果", "单位", "日期"))
    page = client.post(
        reverse("lims:import_new"), {"read_headers": "1", "file": upload(content), "instrument": ""}
    ).content.decode()
    assert "已读取文件的表头（5 列）。" in page and '<option value="样品">样品</option>' in page
    assert ResultImport.objects.count() == 0
    page = client.post(reverse("lims:import_new"), {"read_headers": "1"}).content.decode()
    assert "请先选择文件。" in page


def test_errors_and_refusals_of_the_form():
    w, _s1, _s2 = import_world()
    client = analyst_client(w)
    response = client.post(reverse("lims:import_new"), {"instrument": str(w.icp.pk), **COLUMNS})
    assert response.status_code == 400 and "请选择仪器导出的 CSV 文件。" in response.content.decode()
    response = client.post(reverse("lims:import_new"), form_data(w, b"\xff\xfe\x00\xd8"))
    assert response.status_code == 400 and "无法识别文件编码" in response.content.decode()
    assert ResultImport.objects.count() == 0
    other = signed_in(w.m.lab2.analyst, w.m.lab2.org)
    result = preview(w, csv_bytes(("S-NONE", "pb", "1", "mg/kg", today())))
    assert other.get(reverse("lims:import_detail", args=[result.pk])).status_code == 404
    assert other.post(reverse("lims:import_apply", args=[result.pk])).status_code == 404


def test_recent_imports_take_the_same_queries_whatever_their_number():
    w, _s1, _s2 = import_world()
    client = analyst_client(w)
    client.get(reverse("lims:import_new"))
    counts = []
    for n in (1, 12):
        while ResultImport.objects.count() < n:
            import_services.import_preview(
                actor=w.analyst_actor,
                file=upload(csv_bytes(("S-NONE", "pb", str(ResultImport.objects.count()), "", today()))),
                columns=COLUMNS,
            )
        with CaptureQueriesContext(connection) as page:
            assert client.get(reverse("lims:import_new")).status_code == 200
        counts.append(len(page.captured_queries))
    assert counts[0] == counts[1]
