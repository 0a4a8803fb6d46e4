"""The instrument import in a browser: choosing a file reads its header row in place (HTMX), the preview, the
confirmation (lims.views.imports)."""

from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.lims.import_world import csv_bytes, import_world
from tichub.core.testing.factories import PASSWORD
from tichub.lims.models import ResultRevision

from .steps import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_choose_the_file_map_its_columns_preview_and_confirm(page: Any, live_server: Any, tmp_path: Any) -> None:
    w, s1, s2 = import_world()
    today = timezone.localdate().isoformat()
    export = tmp_path / "icp-ms.csv"
    export.write_bytes(
        csv_bytes(
            (s1.number, "pb", "0.48", "mg/kg", today),
            (s2.number, "Cadmium", "50", "µg/kg", today),
            header=("样品", "元素", "浓度", "单位", "日期"),
        )
    )
    sign_in(page, w.people["analyst"].email, PASSWORD)
    page.goto("/lab/imports/new/")
    page.get_by_label("仪器", exact=True).select_option(str(w.icp.pk))
    page.get_by_label("仪器导出的 CSV 文件").set_input_files(str(export))
    expect(page.get_by_text("已读取文件的表头（5 列）。")).to_be_visible()
    for label, header in (("样品编号", "样品"), ("检测项目（代码或名称）", "元素"), ("结果", "浓度"), ("单位", "单位")):
        page.get_by_role("combobox", name=label, exact=True).select_option(header)
    page.get_by_role("combobox", name="测定日期").select_option("日期")
    page.get_by_label("保存为该仪器的列映射").check()
    page.get_by_role("button", name="上传并预览").click()
    expect(page.get_by_role("cell", name="0.050 mg/kg")).to_be_visible()
    page.get_by_role("button", name="确认导入 2 项结果").click()
    expect(page.get_by_text("已全部写入。")).to_be_visible()
    assert ResultRevision.objects.filter(source="import").count() == 2
    # The instrument's mapping was kept: the next upload starts from it.
    page.goto(f"/lab/imports/new/?instrument={w.icp.pk}")
    expect(page.get_by_role("textbox", name="结果", exact=True)).to_have_value("浓度")
