"""Scope import: reading tables, validating rows, preview, diff, commit all or nothing, and its pages."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tichub.accounts.choices import Role
from tichub.core.errors import Conflict, NotFound, ServiceError
from tichub.core.models import AuditEvent
from tichub.core.tenancy import Actor
from tichub.core.testing.factories import member
from tichub.core.testing.permissions import signed_in
from tichub.registry import import_selectors, import_services, models
from tichub.registry.imports import parse_scope_table, parse_standard_cell, split_bilingual
from tichub.standards.models import StandardEdition

from .import_helpers import HEADERS_EN, HEADERS_ZH, csv_bytes, institution, many_rows, row, xlsx_bytes

pytestmark = pytest.mark.django_db

LEAD = "食品安全国家标准 食品中铅的测定 GB 5009.12-2017 第一法"
ARSENIC = "食品安全国家标准 食品中总砷及无机砷的测定 GB 5009.11-2014 第一法"
SO2 = "GB 5009.34-2022"


def counts():
    return (
        models.ScopeRow.objects.count(),
        models.ScopeImport.objects.count(),
        StandardEdition.objects.count(),
        AuditEvent.objects.count(),
        models.Term.objects.count(),
        models.TestSite.objects.count(),
    )


def preview(actor, content, filename="scope.csv"):
    return import_services.scope_import_preview(actor=actor, filename=filename, content=content)


def commit(actor, scope_import):
    return import_services.scope_import_commit(actor=actor, import_id=scope_import.pk)


def scope_of(lab):
    return {
        (r.object_term.name_zh, r.parameter_term.name_zh, r.standard.canonical, r.clause): r
        for r in models.ScopeRow.objects.filter(organisation=lab).select_related(
            "object_term", "parameter_term", "standard"
        )
    }


# --- reading cells -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code", "title", "clause"),
    [
        (LEAD, "GB 5009.12-2017", "食品安全国家标准 食品中铅的测定", "第一法"),
        ("GB/T 5009.12-2017", "GB/T 5009.12-2017", "", ""),
        (
            "Determination of lead in foods GB 5009.12-2017 clause 4",
            "GB 5009.12-2017",
            "Determination of lead in foods",
            "4",
        ),
        ("《食品中铅的测定》GB 5009.12-2017 4.2", "GB 5009.12-2017", "食品中铅的测定", "4.2"),
        ("《食品中铅的测定》（GB 5009.12-2017）", "GB 5009.12-2017", "食品中铅的测定", ""),
        ("GB 4789.2-2016 第一法 第4章", "GB 4789.2-2016", "", "第一法 第4章"),
        ("ＧＢ／Ｔ　２８２８．１－２０１２", "GB/T 2828.1-2012", "", ""),
        ("gb/t 5009.12-2017", "GB/T 5009.12-2017", "", ""),
        ("ISO 6579-1:2017 Microbiology of the food chain", "ISO 6579-1:2017", "Microbiology of the food chain", ""),
    ],
)
def test_standard_cell_gives_code_title_and_clause(text, code, title, clause):
    cell = parse_standard_cell(text)
    assert (cell.code.canonical, cell.title, cell.clause) == (code, title, clause)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "GB 5009.12-17",
            "标准编号“GB 5009.12-17”无效（two-digit year '17' is ambiguous）。 是否应为“GB 5009.12-2017”？",
        ),
        ("GB 5009.12-2150", "标准编号“GB 5009.12-2150”无效（year 2150 is out of range）。"),
        ("GB 5009.12", "标准编号“GB 5009.12”缺少年号：能力范围须写明标准版本（如 GB 5009.12-2017）。"),
        ("食品中铅的测定", "“食品中铅的测定”中未找到标准编号（如 GB 5009.12-2017）。"),
        ("GB 5009.12-2017 GB 5009.268-2016", "一个单元格中只能填写一个标准，请分行填写（发现多个标准编号）。"),
    ],
)
def test_bad_standard_cells_say_why(text, message):
    with pytest.raises(ValueError) as raised:
        parse_standard_cell(text)
    assert str(raised.value) == message


def test_english_names_in_brackets_are_split_off():
    assert split_bilingual("白砂糖 (White granulated sugar)") == ("白砂糖", "White granulated sugar")
    assert split_bilingual("铅（Lead）") == ("铅", "Lead")
    assert split_bilingual("苯并(a)芘") == ("苯并(a)芘", "")
    assert split_bilingual("总砷(以As计)") == ("总砷(以As计)", "")


def test_cnas_annex_two_row_header_merged_object_and_title_rows():
    content = xlsx_bytes(
        [
            ["中国合格评定国家认可委员会 认可的授权签字人及领域/检测能力范围"],
            [],
            ["序号", "检测对象", "项目/参数", None, "依据的标准（方法）名称及编号（含年号）", "限制范围", "说明"],
            [None, None, "序号", "名称", None, None, None],
            [1, "白砂糖", 1, "铅", LEAD, None, None],
            [None, None, 2, "总砷", ARSENIC, "只用第一法", None],
        ]
    )
    table = parse_scope_table("annex.xlsx", content)
    assert table.errors == {}
    assert table.header_line == 3
    assert [
        (r.line, r.object_zh, r.parameter_zh, r.standard.canonical, r.clause, r.limitation) for r in table.records
    ] == [
        (5, "白砂糖", "铅", "GB 5009.12-2017", "第一法", ""),
        (6, "白砂糖", "总砷", "GB 5009.11-2014", "第一法", "只用第一法"),
    ]


def test_unknown_header_is_named_with_the_accepted_ones():
    content = csv_bytes(["检测对象", "项目/参数", "标准", "颜色"], [["白砂糖", "铅", LEAD, "红"]])
    table = parse_scope_table("scope.csv", content)
    [message] = table.errors[1]
    assert message.startswith("无法识别的表头：“颜色”。可用的表头：序号 / No; 检测对象 / Object/Product; ")
    assert "检测标准（方法）名称及编号（含年号） / Standard (method)" in message


def test_headers_are_matched_whatever_the_width_case_and_spaces():
    content = csv_bytes(
        ["检测 对象 ", "项目／参数", "STANDARD (METHOD)", "Object（EN）", "参数英文名", "*场所", "周期（工作日）"],
        [["白砂糖", "铅", LEAD, "Sugar", "Lead", "一号楼", "5 个工作日"]],
        "utf-8",
    )
    table = parse_scope_table("scope.csv", content)
    assert table.errors == {}
    [record] = table.records
    assert (record.object_zh, record.object_en, record.parameter_en, record.site, record.turnaround_days) == (
        "白砂糖",
        "Sugar",
        "Lead",
        "一号楼",
        5,
    )


def test_file_without_a_header_row_is_refused_whole():
    _lab, _admin, actor = institution()
    before = counts()
    with pytest.raises(ServiceError) as raised:
        preview(actor, csv_bytes(["Objekt", "Parametr"], [["sugar", "lead"]]))
    assert list(raised.value.fields) == ["file"]
    assert raised.value.fields["file"][0].startswith(
        "未找到表头行：前 30 行中没有同时含有“检测对象”和“项目/参数”列的行。 无法识别的表头：“Objekt”、“Parametr”。"
    )
    assert counts() == before


# --- preview and commit ----------------------------------------------------------------------------------------------


def test_csv_preview_then_commit_with_chinese_headers():
    lab, admin, actor = institution()
    cnas = models.Accreditation.objects.get(organisation=lab, body="CNAS")
    cma = models.Accreditation.objects.get(organisation=lab, body="CMA")
    content = csv_bytes(
        HEADERS_ZH,
        [
            row(1, "白砂糖 (White granulated sugar)", "铅", LEAD, en="Lead", price="¥1,200.00", days="5"),
            row(2, "", "总砷", ARSENIC, acc="CMA", status="暂停", days="", price=""),  # merged object cell
            row(3, "饮料", "二氧化硫", SO2, acc="无", limitation="不测亚硫酸盐", status="撤销"),
        ],
    )
    before = counts()
    scope_import = preview(actor, content)

    assert scope_import.status == "preview" and scope_import.filename == "scope.csv"
    assert scope_import.diff["counts"] == {"rows": 3, "added": 3, "changed": 0, "removed": 0, "unchanged": 0}
    assert scope_import.diff["catalogue"] == {
        "new_editions": ["GB 5009.11-2014", "GB 5009.12-2017", "GB 5009.34-2022"],
        "withdrawn": [],
    }
    first = scope_import.rows[0]
    assert {k: first[k] for k in ("line", "object_zh", "object_en", "parameter_zh", "parameter_en", "standard")} == {
        "line": 2,
        "object_zh": "白砂糖",
        "object_en": "White granulated sugar",
        "parameter_zh": "铅",
        "parameter_en": "Lead",
        "standard": "GB 5009.12-2017",
    }
    assert first["accreditation_ids"] == sorted([cnas.pk, cma.pk]) and first["list_price"] == "1200.00"
    # Preview writes only the import and its event: no rows, no terms, no catalogue editions.
    assert counts() == (before[0], before[1] + 1, before[2], before[3] + 1, before[4], before[5])

    commit(actor, scope_import)
    scope_import.refresh_from_db()
    assert scope_import.status == "committed" and scope_import.committed_at is not None
    rows = scope_of(lab)
    lead = rows[("白砂糖", "铅", "GB 5009.12-2017", "第一法")]
    assert (lead.status, lead.turnaround_days, lead.list_price, lead.limitation) == (
        "active",
        5,
        Decimal("1200.00"),
        "",
    )
    assert lead.object_term.name_en == "White granulated sugar" and lead.parameter_term.name_en == "Lead"
    assert lead.parameter_key == "铅" and lead.standard_base_key == "gb 5009.12"
    assert set(lead.accreditations.values_list("body", flat=True)) == {"CNAS", "CMA"}
    arsenic = rows[("白砂糖", "总砷", "GB 5009.11-2014", "第一法")]
    assert (arsenic.status, arsenic.turnaround_days, arsenic.list_price) == ("suspended", None, None)
    assert list(arsenic.accreditations.values_list("body", flat=True)) == ["CMA"]
    so2 = rows[("饮料", "二氧化硫", "GB 5009.34-2022", "")]
    assert (so2.status, so2.limitation, so2.accreditations.count()) == ("withdrawn", "不测亚硫酸盐", 0)
    assert StandardEdition.objects.get(canonical="GB 5009.12-2017").title_zh == "食品安全国家标准 食品中铅的测定"
    assert StandardEdition.objects.get(canonical="GB 5009.34-2022").title_zh == "GB 5009.34-2022"
    event = AuditEvent.objects.filter(action="scope_import.commit").get()
    assert event.organisation_id == lab.pk and event.actor_id == admin.pk
    assert event.object_id == str(scope_import.pk)
    assert event.after == {
        "import_id": scope_import.pk,
        "filename": "scope.csv",
        "rows": 3,
        "added": 3,
        "changed": 0,
        "removed": 0,
        "unchanged": 0,
        "site_created": None,
    }


def test_xlsx_with_title_rows_english_headers_and_numbers():
    lab, _admin, actor = institution(sites=("Building 1", "Building 2"))
    lead = [1, "Sugar", "Lead", "", "Determination of lead GB 5009.12-2017 clause 4", "", "", "Building 2", "CNAS"]
    arsenic = [2, "Sugar", "Arsenic", "", "GB 5009.11-2014", "", "", "building 1", ""]
    content = xlsx_bytes(
        [
            ["Scope of accreditation"],
            [None],
            HEADERS_EN,
            [*lead, "active", 5, 1200.5],
            [*arsenic, "Suspended", 10.0, 80],
        ]
    )
    scope_import = preview(actor, content, filename="scope.xlsx")
    assert [(r["line"], r["site"], r["clause"], r["turnaround_days"], r["list_price"]) for r in scope_import.rows] == [
        (4, "Building 2", "4", 5, "1200.50"),
        (5, "Building 1", "", 10, "80.00"),
    ]
    commit(actor, scope_import)
    rows = scope_of(lab)
    assert rows[("Sugar", "Lead", "GB 5009.12-2017", "4")].site.name_zh == "Building 2"
    assert rows[("Sugar", "Arsenic", "GB 5009.11-2014", "")].status == "suspended"


def test_gb18030_csv_without_site_column_creates_the_default_site():
    lab, _admin, actor = institution(sites=(), bodies=())
    content = csv_bytes(
        ["检测对象", "项目/参数", "检测标准（方法）名称及编号（含年号）"], [["白砂糖", "铅", LEAD]], "gb18030"
    )
    scope_import = preview(actor, content)
    assert scope_import.diff["site_to_create"] == "主场所"
    assert not models.TestSite.objects.filter(organisation=lab).exists()
    commit(actor, scope_import)
    site = models.TestSite.objects.get(organisation=lab)
    assert site.name_zh == "主场所"
    assert models.ScopeRow.objects.get(organisation=lab).site == site
    assert AuditEvent.objects.get(action="scope_import.commit").after["site_created"] == site.pk


def test_without_site_column_the_first_site_is_used():
    _lab, _admin, actor = institution(sites=("一号楼", "二号楼"))
    content = csv_bytes(["检测对象", "项目/参数", "标准"], [["白砂糖", "铅", LEAD]], "utf-8")
    scope_import = preview(actor, content)
    assert scope_import.rows[0]["site"] == "一号楼" and scope_import.diff["site_to_create"] is None


def test_bad_rows_are_all_reported_and_nothing_is_written():
    _lab, _admin, actor = institution()
    content = csv_bytes(
        HEADERS_ZH,
        [
            row(1, "白砂糖", "铅", LEAD),
            row(2, "白砂糖", "总砷", "GB 5009.11-14"),  # line 3: two-digit year
            row(3, "白砂糖", "铅", LEAD),  # line 4: duplicate of line 2
            row(4, "白砂糖", "镉", "GB 5009.15-2014", site="三号楼"),  # line 5: unknown site
            row(5, "白砂糖", "汞", "GB 5009.17-2021", price="12.345"),  # line 6: three decimals
            row(6, "白砂糖", "锡", "GB 5009.16-2023", days="0", status="停用"),  # line 7: two problems
        ],
    )
    before = counts()
    with pytest.raises(ServiceError) as raised:
        preview(actor, content)
    error = raised.value
    assert error.code == "invalid_rows"
    assert error.message == "范围表有 5 行有误，未导入任何内容。请按行号修改后重新上传。"
    assert error.fields == {
        "line 3": ["标准编号“GB 5009.11-14”无效（two-digit year '14' is ambiguous）。 是否应为“GB 5009.11-2014”？"],
        "line 4": ["与第 2 行重复（检测对象、项目/参数、标准、条款和场所均相同），两行只能保留一行。"],
        "line 5": ["场所“三号楼”不存在。本机构的场所：一号楼。"],
        "line 6": ["价格 12.345 最多两位小数。"],
        "line 7": [
            "状态“停用”无效：应为 有效/暂停/撤销（active/suspended/withdrawn），留空为有效。",
            "周期 0 超出范围：应为 1 至 365 个工作日。",
        ],
    }
    assert counts() == before


def test_accreditations_must_be_the_institutions_and_valid_today():
    lab, _admin, actor = institution(bodies=("CNAS",))
    models.Accreditation.objects.filter(organisation=lab).update(
        valid_from=dt.date(2015, 1, 1), valid_until=dt.date(2020, 12, 31)
    )
    content = csv_bytes(
        HEADERS_ZH,
        [row(1, "白砂糖", "铅", LEAD, acc="CNAS"), row(2, "白砂糖", "镉", "GB 5009.15-2014", acc="CMA"),
         row(3, "白砂糖", "汞", "GB 5009.17-2021", acc="XYZ")],
    )  # fmt: skip
    with pytest.raises(ServiceError) as raised:
        preview(actor, content)
    assert raised.value.fields == {
        "line 2": [f"CNAS CNAS-{lab.pk} 不在有效期内（2015-01-01 至 2020-12-31）。"],
        "line 3": ["本机构没有登记 CMA 认可/资质，请先在资质管理中登记。"],
        "line 4": ["无法识别认可/资质“XYZ”：请填写 CNAS、CMA 或本机构的证书编号，多个用逗号分隔；无则留空。"],
    }


def test_accreditation_limited_to_other_sites_does_not_cover_the_row():
    lab, _admin, actor = institution(sites=("一号楼", "二号楼"), bodies=("CNAS",))
    cnas = models.Accreditation.objects.get(organisation=lab)
    cnas.sites.add(models.TestSite.objects.get(organisation=lab, name_zh="一号楼"))
    content = csv_bytes(HEADERS_ZH, [row(1, "白砂糖", "铅", LEAD, acc="CNAS", site="二号楼")])
    with pytest.raises(ServiceError) as raised:
        preview(actor, content)
    assert raised.value.fields == {"line 2": [f"CNAS CNAS-{lab.pk} 未覆盖场所“二号楼”。"]}
    by_number = csv_bytes(HEADERS_ZH, [row(1, "白砂糖", "铅", LEAD, acc=f"cnas-{lab.pk}", site="一号楼")])
    assert preview(actor, by_number).rows[0]["accreditations"] == [f"CNAS CNAS-{lab.pk}"]


def test_second_import_diff_added_changed_removed():
    lab, _admin, actor = institution()
    first = [
        row(1, "白砂糖", "铅", LEAD, price="300.00"),
        row(2, "白砂糖", "总砷", ARSENIC, limitation=""),
        row(3, "白砂糖", "二氧化硫", SO2),
    ]
    commit(actor, preview(actor, csv_bytes(HEADERS_ZH, first)))
    ids = {key[1]: r.pk for key, r in scope_of(lab).items()}

    second = [
        row(1, "白砂糖", "铅", LEAD, price="300.00"),  # unchanged
        row(2, "白砂糖", "总砷", ARSENIC, limitation="只测总砷", price="350", acc="CMA"),  # changed
        row(3, "白砂糖", "镉", "GB 5009.15-2014"),  # added; 二氧化硫 is removed
    ]
    scope_import = preview(actor, csv_bytes(HEADERS_ZH, second))
    diff = scope_import.diff
    assert diff["counts"] == {"rows": 3, "added": 1, "changed": 1, "removed": 1, "unchanged": 1}
    assert [scope_import.rows[i]["parameter_zh"] for i in diff["added"]] == ["镉"]
    cnas_label = f"CNAS CNAS-{lab.pk}"
    assert diff["changed"] == [
        {
            "row": 1,
            "id": ids["总砷"],
            "fields": ["limitation", "accreditations", "list_price"],
            "before": {"limitation": "", "accreditations": [cnas_label, f"CMA CMA-{lab.pk}"], "list_price": "300.00"},
        }
    ]
    assert diff["removed"] == [
        {
            "id": ids["二氧化硫"],
            "object": "白砂糖",
            "parameter": "二氧化硫",
            "standard": "GB 5009.34-2022",
            "clause": "",
            "site": "一号楼",
            "status": "active",
        }
    ]
    commit(actor, scope_import)
    rows = scope_of(lab)
    assert len(rows) == 4  # the removed row is kept, withdrawn
    assert rows[("白砂糖", "二氧化硫", "GB 5009.34-2022", "")].status == "withdrawn"
    arsenic = rows[("白砂糖", "总砷", "GB 5009.11-2014", "第一法")]
    assert (arsenic.pk, arsenic.limitation, arsenic.list_price) == (ids["总砷"], "只测总砷", Decimal("350.00"))
    assert list(arsenic.accreditations.values_list("body", flat=True)) == ["CMA"]
    assert rows[("白砂糖", "铅", "GB 5009.12-2017", "第一法")].accreditations.count() == 2
    assert AuditEvent.objects.filter(action="scope_import.commit").latest("id").after["removed"] == 1

    # Listing the withdrawn row again brings it back: a change of status, not a new row.
    third = preview(actor, csv_bytes(HEADERS_ZH, [*second, row(4, "白砂糖", "二氧化硫", SO2)]))
    assert third.diff["counts"] == {"rows": 4, "added": 0, "changed": 1, "removed": 0, "unchanged": 3}
    assert third.diff["changed"][0]["fields"] == ["status"]
    assert third.diff["changed"][0]["before"] == {"status": "withdrawn"}


def test_alias_names_of_one_parameter_match_the_same_row():
    lab, _admin, actor = institution()
    models.ParameterAlias.objects.create(alias="pb", canonical="铅")
    commit(actor, preview(actor, csv_bytes(HEADERS_ZH, [row(1, "白砂糖", "铅", LEAD)])))
    scope_import = preview(actor, csv_bytes(HEADERS_ZH, [row(1, "白砂糖", "Pb", LEAD)]))
    assert scope_import.diff["counts"] == {"rows": 1, "added": 0, "changed": 1, "removed": 0, "unchanged": 0}
    assert scope_import.diff["changed"][0]["before"] == {"parameter": "铅"}
    commit(actor, scope_import)
    assert [r.parameter_term.name_zh for r in scope_of(lab).values()] == ["Pb"]


def test_commit_twice_and_commit_after_discard_conflict():
    _lab, _admin, actor = institution()
    scope_import = preview(actor, csv_bytes(HEADERS_ZH, [row(1, "白砂糖", "铅", LEAD)]))
    commit(actor, scope_import)
    before = counts()
    with pytest.raises(Conflict) as raised:
        commit(actor, scope_import)
    assert (raised.value.code, raised.value.message) == ("not_preview", "该导入的状态为“已导入”，不能再提交或放弃。")
    assert counts() == before

    other = preview(actor, csv_bytes(HEADERS_ZH, [row(1, "白砂糖", "镉", "GB 5009.15-2014")]))
    import_services.scope_import_discard(actor=actor, import_id=other.pk)
    other.refresh_from_db()
    assert other.status == "discarded"
    before = counts()
    with pytest.raises(Conflict):
        commit(actor, other)
    with pytest.raises(Conflict):
        import_services.scope_import_discard(actor=actor, import_id=other.pk)
    assert counts() == before


def test_preview_made_stale_by_another_commit_is_refused():
    _lab, _admin, actor = institution()
    one = preview(actor, csv_bytes(HEADERS_ZH, [row(1, "白砂糖", "铅", LEAD)]))
    two = preview(actor, csv_bytes(HEADERS_ZH, [row(1, "白砂糖", "镉", "GB 5009.15-2014")]))
    commit(actor, one)
    before = counts()
    with pytest.raises(Conflict) as raised:
        commit(actor, two)
    assert raised.value.message == "预览之后本机构的能力范围已有变化，请重新上传并预览。"
    assert counts() == before


def test_another_institution_cannot_see_commit_or_discard_my_import():
    _lab, _admin, actor = institution()
    scope_import = preview(actor, csv_bytes(HEADERS_ZH, [row(1, "白砂糖", "铅", LEAD)]))
    _other_lab, _other_admin, stranger = institution()
    before = counts()
    with pytest.raises(NotFound):
        import_selectors.scope_import_get(stranger, scope_import.pk)
    assert list(import_selectors.scope_imports_of(stranger)) == []
    with pytest.raises(NotFound):
        import_services.scope_import_commit(actor=stranger, import_id=scope_import.pk)
    with pytest.raises(NotFound):
        import_services.scope_import_discard(actor=stranger, import_id=scope_import.pk)
    assert counts() == before


def test_roles_without_scope_management_cannot_import():
    lab, _admin, actor = institution()
    analyst = Actor(user=member(lab, Role.ANALYST), organisation=lab, roles=frozenset({Role.ANALYST}))
    scope_import = preview(actor, csv_bytes(HEADERS_ZH, [row(1, "白砂糖", "铅", LEAD)]))
    before = counts()
    with pytest.raises(PermissionDenied):
        preview(analyst, csv_bytes(HEADERS_ZH, [row(1, "白砂糖", "铅", LEAD)]))
    with pytest.raises(PermissionDenied):
        import_services.scope_import_commit(actor=analyst, import_id=scope_import.pk)
    assert counts() == before


def test_preview_query_count_does_not_grow_with_rows():
    _lab, _admin, actor = institution()
    commit(actor, preview(actor, csv_bytes(HEADERS_ZH, many_rows(30))))  # a current scope to diff against
    queries = []
    for n in (50, 500):
        content = csv_bytes(HEADERS_ZH, many_rows(n))
        with CaptureQueriesContext(connection) as captured:
            preview(actor, content)
        queries.append(len(captured))
    assert queries[0] == queries[1]
    assert queries[1] <= 14


def test_commit_query_count_does_not_grow_with_rows():
    queries = []
    for n, year in ((50, 2016), (500, 2017)):  # new terms and editions both times
        _lab, _admin, actor = institution()
        scope_import = preview(actor, csv_bytes(HEADERS_ZH, many_rows(n, prefix=str(n), year=year)))
        with CaptureQueriesContext(connection) as captured:
            commit(actor, scope_import)
        queries.append(len(captured))
    assert queries[0] == queries[1]


def test_two_thousand_rows_import():
    lab, _admin, actor = institution()
    scope_import = preview(actor, csv_bytes(HEADERS_ZH, many_rows(2000)))
    assert scope_import.diff["counts"]["added"] == 2000
    commit(actor, scope_import)
    assert models.ScopeRow.objects.filter(organisation=lab, status="active").count() == 2000
    assert models.ScopeRow.accreditations.through.objects.filter(scoperow__organisation=lab).count() == 4000
    assert StandardEdition.objects.filter(canonical__startswith="GB 5009.").count() == 40
    # The same table again changes nothing.
    again = preview(actor, csv_bytes(HEADERS_ZH, many_rows(2000)))
    assert again.diff["counts"] == {"rows": 2000, "added": 0, "changed": 0, "removed": 0, "unchanged": 2000}


# --- pages -----------------------------------------------------------------------------------------------------------


def upload(client, content, name="scope.csv"):
    return client.post("/registry/scope-import/", {"file": SimpleUploadedFile(name, content)})


def test_upload_page_previews_and_commits():
    lab, admin, _actor = institution()
    client = signed_in(admin, lab)
    assert client.get("/registry/scope-import/").status_code == 200
    response = upload(
        client, csv_bytes(HEADERS_ZH, [row(1, "白砂糖", "铅", LEAD), row(2, "白砂糖", "镉", "GB 5009.15-2014")])
    )
    scope_import = models.ScopeImport.objects.get(organisation=lab)
    assert response.status_code == 302 and response["Location"] == f"/registry/scope-import/{scope_import.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert '<dd id="count-added">2</dd>' in page and "GB 5009.15-2014" in page and "确认导入" in page
    response = client.post(f"/registry/scope-import/{scope_import.pk}/commit/")
    assert response.status_code == 302
    assert models.ScopeRow.objects.filter(organisation=lab).count() == 2
    page = client.get(response["Location"]).content.decode()
    assert "已导入：新增 2 条，修改 0 条，撤销 0 条。" in page and "确认导入" not in page
    again = client.post(f"/registry/scope-import/{scope_import.pk}/commit/", follow=True).content.decode()
    assert "该导入的状态为“已导入”，不能再提交或放弃。" in again
    history = client.get("/registry/scope-import/").content.decode()
    assert "scope.csv" in history and "已导入" in history


def test_upload_page_lists_every_bad_line_and_saves_nothing():
    lab, admin, _actor = institution()
    client = signed_in(admin, lab)
    before = counts()
    response = upload(
        client,
        csv_bytes(HEADERS_ZH, [row(1, "白砂糖", "铅", "GB 5009.12-17"), row(2, "白砂糖", "铅", LEAD, price="x")]),
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "范围表有 2 行有误，未导入任何内容。" in page
    assert "<td>2</td>" in page and "<td>3</td>" in page and "是否应为“GB 5009.12-2017”？" in page
    assert counts() == before


def test_discard_page():
    lab, admin, actor = institution()
    scope_import = preview(actor, csv_bytes(HEADERS_ZH, [row(1, "白砂糖", "铅", LEAD)]))
    client = signed_in(admin, lab)
    response = client.post(f"/registry/scope-import/{scope_import.pk}/discard/")
    assert response.status_code == 302 and response["Location"] == "/registry/scope-import/"
    scope_import.refresh_from_db()
    assert scope_import.status == "discarded" and not models.ScopeRow.objects.exists()


def test_other_institution_gets_404_on_pages():
    _lab, _admin, actor = institution()
    scope_import = preview(actor, csv_bytes(HEADERS_ZH, [row(1, "白砂糖", "铅", LEAD)]))
    other, stranger, _ = institution()
    client = signed_in(stranger, other)
    before = counts()
    assert client.get(f"/registry/scope-import/{scope_import.pk}/").status_code == 404
    assert client.post(f"/registry/scope-import/{scope_import.pk}/commit/").status_code == 404
    assert client.post(f"/registry/scope-import/{scope_import.pk}/discard/").status_code == 404
    assert counts() == before


def test_detail_pages_long_lists():
    lab, admin, actor = institution()
    scope_import = preview(actor, csv_bytes(HEADERS_ZH, many_rows(120)))
    client = signed_in(admin, lab)
    page = client.get(f"/registry/scope-import/{scope_import.pk}/?added_page=3").content.decode()
    assert "3 / 3" in page and "参数119" in page and "参数0<" not in page


def test_history_page_query_count_does_not_grow(django_assert_max_num_queries):
    lab, admin, actor = institution()
    for _ in range(25):
        preview(actor, csv_bytes(HEADERS_ZH, many_rows(3)))
    client = signed_in(admin, lab)
    with django_assert_max_num_queries(12):
        page = client.get("/registry/scope-import/").content.decode()
    assert page.count("/registry/scope-import/") >= 20


def test_template_download_imports_as_is():
    lab, admin, actor = institution()
    response = signed_in(admin, lab).get("/registry/scope-import/template.csv")
    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    content = response.content
    assert content.startswith("\ufeff序号,检测对象,检测对象（英文）,项目/参数,参数英文名,".encode())
    scope_import = preview(actor, content, filename="scope-import-template.csv")
    assert scope_import.diff["counts"]["added"] == 2
    assert [r["standard"] for r in scope_import.rows] == ["GB 5009.12-2017", "GB 5009.34-2022"]
    assert scope_import.rows[0]["site"] == "一号楼"
