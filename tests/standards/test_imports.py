import datetime as dt

import pytest
from django.core import mail

from tichub.accounts.choices import Role
from tichub.core.errors import ServiceError
from tichub.core.models import AuditEvent, Notification
from tichub.core.testing.factories import member
from tichub.standards.models import Adoption, StandardEdition
from tichub.standards.services import catalogue_import

from .conftest import csv_file, days, make_edition, make_scope_rows, xlsx_file

pytestmark = pytest.mark.django_db

HEADER_ZH = "标准号,中文名称,英文名称,ICS,状态,发布日期,实施日期,废止日期,代替标准,采用国际标准"


def run(actor, content, filename="catalogue.csv", dry_run=False):
    return catalogue_import(actor=actor, filename=filename, content=content, dry_run=dry_run)


def test_csv_with_bom_and_chinese_headers_creates_editions(curator):
    content = csv_file(
        HEADER_ZH,
        "GB/T 2828.1-2012,计数抽样检验程序 第1部分：按接收质量限（AQL）检索的逐批检验抽样计划,"
        "Sampling procedures for inspection by attributes—Part 1,03.120.30,现行,2012-11-05,2013-02-01,,,"
        '"ISO 2859-1:1999, IDT"',
        "ＧＢ　５００９．１２－２０１７,食品安全国家标准 食品中铅的测定,,67.040,现行,2017-04-06,2017-10-06,,"
        "GB 5009.12-2010,",
    )
    report = run(curator, "\ufeff".encode() + content)
    assert report.ok and report.committed
    assert report.created == ["GB/T 2828.1-2012", "GB 5009.12-2017"]
    assert sorted(report.references_added) == ["GB 5009.12-2010", "ISO 2859-1:1999"]
    gbt = StandardEdition.objects.get(canonical="GB/T 2828.1-2012")
    assert (gbt.base_key, gbt.ics, gbt.status, gbt.effective_on) == (
        "gb/t 2828.1",
        "03.120.30",
        "current",
        dt.date(2013, 2, 1),
    )
    assert gbt.mandatory is False
    adoption = Adoption.objects.get(edition=gbt)
    assert (adoption.adopts.canonical, adoption.relation) == ("ISO 2859-1:1999", "IDT")
    lead = StandardEdition.objects.get(canonical="GB 5009.12-2017")
    old = StandardEdition.objects.get(canonical="GB 5009.12-2010")
    assert lead.mandatory is True
    assert (old.status, old.withdrawn_on, old.replaced_by_id, old.title_zh) == (
        "withdrawn",
        dt.date(2017, 10, 6),
        lead.pk,
        "食品安全国家标准 食品中铅的测定",
    )
    events = AuditEvent.objects.filter(action="standard.import")
    assert events.count() == 4
    assert {e.organisation_id for e in events} == {curator.organisation_id}


def test_xlsx_with_english_headers_and_gb18030_csv(curator):
    rows = [
        ["code", "title_zh", "title_en", "status", "effective_on"],
        ["GB/T 317-2018", "白砂糖", "White granulated sugar", "current", dt.datetime(2018, 9, 1)],
    ]
    report = run(curator, xlsx_file(rows), filename="catalogue.xlsx")
    assert report.created == ["GB/T 317-2018"]
    assert StandardEdition.objects.get(canonical="GB/T 317-2018").effective_on == dt.date(2018, 9, 1)
    gb18030 = csv_file("标准号,中文名称,状态", "GB 13104-2014,食品安全国家标准 食糖,现行", encoding="gb18030")
    assert run(curator, gb18030).created == ["GB 13104-2014"]
    assert StandardEdition.objects.get(canonical="GB 13104-2014").title_zh == "食品安全国家标准 食糖"


def test_one_bad_row_commits_nothing_and_every_bad_line_is_reported(curator):
    content = csv_file(
        "标准号,中文名称,状态,实施日期,废止日期",
        "GB/T 317-2018,白砂糖,现行,2018-09-01,",
        "GB/T 2828-1-2012,计数抽样检验程序,现行,,",
        "GB 317-2006,白砂糖,废止,,",
        "GB 1234-2000,某标准,作用中,,",
        "GB 4321-2000,另一标准,现行,2017-13-01,",
        "GB 5678-2000,又一标准,现行,1890-01-01,",
        "GB 5678-2000,重复,现行,,",
        ",无编号,现行,,",
    )
    with pytest.raises(ServiceError) as caught:
        run(curator, content)
    assert caught.value.code == "invalid_rows"
    assert sorted(caught.value.fields, key=lambda k: int(k.split()[1])) == [
        "line 3",
        "line 4",
        "line 5",
        "line 6",
        "line 7",
        "line 8",
        "line 9",
    ]
    assert "GB/T 2828.1-2012" in caught.value.fields["line 3"][0]  # the parser's suggestion
    assert caught.value.fields["line 4"] == ["废止日期: 废止的标准须填写废止日期。"]
    assert caught.value.fields["line 8"] == ["标准号: 与第 7 行是同一标准 GB 5678-2000。"]
    assert StandardEdition.objects.count() == 0
    assert AuditEvent.objects.count() == 0

    report = run(curator, content, dry_run=True)
    assert not report.ok and not report.committed
    by_line = {p.line: p for p in report.problems}
    assert by_line[5].column == "状态" and "作用中" in by_line[5].message
    assert by_line[6].column == "实施日期" and "2017-13-01" in by_line[6].message
    assert by_line[7].message == "日期 1890-01-01 超出范围（1900–2100 年）。"
    assert by_line[9].message == "请填写标准号。"
    assert StandardEdition.objects.count() == 0


def test_unknown_header_names_it_and_lists_the_accepted_ones(curator):
    with pytest.raises(ServiceError) as caught:
        run(curator, csv_file("标准号,中文名称,起草单位", "GB/T 317-2018,白砂糖,广州"))
    message = caught.value.fields["file"][0]
    assert "“起草单位”" in message and "标准号" in message and "采用国际标准" in message
    assert StandardEdition.objects.count() == 0


def test_missing_required_header(curator):
    with pytest.raises(ServiceError) as caught:
        run(curator, csv_file("标准号,英文名称", "GB/T 317-2018,White granulated sugar"))
    assert caught.value.fields == {"file": ["缺少必需的列：中文名称。"]}


def test_gb_and_gbt_are_distinct_editions(curator):
    content = csv_file(
        "标准号,中文名称,状态,废止日期,被代替为",
        "GB 317-2006,白砂糖,废止,2017-03-23,GB/T 317-2006",
        "GB/T 317-2006,白砂糖,废止,2018-09-01,GB/T 317-2018",
        "GB/T 317-2018,白砂糖,现行,,",
    )
    report = run(curator, content)
    assert report.created == ["GB 317-2006", "GB/T 317-2006", "GB/T 317-2018"]
    gb = StandardEdition.objects.get(edition_key="gb 317-2006")
    gbt = StandardEdition.objects.get(edition_key="gb/t 317-2006")
    assert gb.pk != gbt.pk and gb.base_key == "gb 317" and gbt.base_key == "gb/t 317"
    assert gb.mandatory is True and gbt.mandatory is False
    assert gb.replaced_by == gbt and gbt.replaced_by.canonical == "GB/T 317-2018"


def test_duplicate_written_differently_is_one_code(curator):
    report = run(curator, csv_file("标准号,中文名称", "GB/T 317-2018,白砂糖", "gbt317—2018,白砂糖"), dry_run=True)
    assert [(p.line, p.message) for p in report.problems] == [(3, "与第 2 行是同一标准 GB/T 317-2018。")]


def test_update_of_existing_edition_keeps_columns_the_file_lacks(curator):
    edition = make_edition("GB/T 317-2018", "白砂糖", ics="67.180.10", effective_on=dt.date(2018, 9, 1))
    report = run(curator, csv_file("code,title_zh,title_en", "GB/T 317-2018,白砂糖,White granulated sugar"))
    assert (report.created, report.updated, report.unchanged) == ([], ["GB/T 317-2018"], 0)
    edition.refresh_from_db()
    assert (edition.title_en, edition.ics, edition.effective_on) == (
        "White granulated sugar",
        "67.180.10",
        dt.date(2018, 9, 1),
    )
    event = AuditEvent.objects.get(action="standard.import")
    assert event.before["title_en"] == "" and event.after["title_en"] == "White granulated sugar"
    again = run(curator, csv_file("code,title_zh,title_en", "GB/T 317-2018,白砂糖,White granulated sugar"))
    assert (again.updated, again.unchanged) == ([], 1)
    assert AuditEvent.objects.filter(action="standard.import").count() == 1


def test_replaced_by_cycle_is_refused(curator):
    newer = make_edition("GB/T 317-2018", "白砂糖")
    make_edition("GB/T 317-2006", "白砂糖", status="withdrawn", withdrawn_on=dt.date(2018, 9, 1), replaced_by=newer)
    content = csv_file("标准号,中文名称,状态,废止日期,被代替为", "GB/T 317-2018,白砂糖,废止,2020-01-01,GB/T 317-2006")
    report = run(curator, content, dry_run=True)
    assert [(p.line, p.column, p.message) for p in report.problems] == [
        (2, "被代替为", "代替关系成环：GB/T 317-2018 → GB/T 317-2006 → GB/T 317-2018。")
    ]
    with pytest.raises(ServiceError):
        run(curator, content)
    newer.refresh_from_db()
    assert (newer.status, newer.replaced_by_id) == ("current", None)


def test_replaced_by_must_be_known_and_single(curator):
    content = csv_file(
        "标准号,中文名称,状态,废止日期,被代替为",
        "GB/T 317-2006,白砂糖,废止,2018-09-01,GB/T 317-2018",
        'GB/T 318-2006,某标准,废止,2018-09-01,"GB/T 1-2018, GB/T 2-2018"',
        "GB/T 319-2018,某标准,现行,,GB/T 1-2019",
    )
    report = run(curator, content, dry_run=True)
    assert [(p.line, p.message) for p in report.problems] == [
        (2, "代替它的标准 GB/T 317-2018 既不在目录中，也不在本文件中。"),
        (3, "只能填写一个代替它的标准。"),
        (4, "代替它的标准 GB/T 1-2019 既不在目录中，也不在本文件中。"),
        (4, "只有废止或即将废止的标准才能填写“被代替为”。"),
    ]


def test_upcoming_edition_and_to_be_withdrawn_predecessor(curator):
    start = days(120)
    make_edition("GB 7718-2011", "食品安全国家标准 预包装食品标签通则")
    content = csv_file(
        "标准号,中文名称,状态,实施日期,代替标准",
        f"GB 7718-2025,食品安全国家标准 预包装食品标签通则,即将实施,{start.isoformat()},GB 7718-2011",
    )
    report = run(curator, content)
    assert report.created == ["GB 7718-2025"] and report.updated == ["GB 7718-2011"]
    assert report.retired == ["GB 7718-2011"]
    old = StandardEdition.objects.get(canonical="GB 7718-2011")
    assert (old.status, old.withdrawn_on, old.replaced_by.canonical) == ("to_be_withdrawn", start, "GB 7718-2025")


def test_replacement_without_effective_date_is_refused(curator):
    make_edition("GB 7718-2011", "预包装食品标签通则")
    report = run(
        curator, csv_file("标准号,中文名称,代替标准", "GB 7718-2025,预包装食品标签通则,GB 7718-2011"), dry_run=True
    )
    assert [(p.line, p.column) for p in report.problems] == [(2, "实施日期")]


def test_upcoming_needs_a_future_date(curator):
    report = run(
        curator,
        csv_file("标准号,中文名称,状态,实施日期", "GB 1-2025,某标准,即将实施,2020-01-01", "GB 2-2025,某标准,即将实施,"),
        dry_run=True,
    )
    assert [(p.line, p.column, p.message) for p in report.problems] == [
        (2, "状态", "实施日期 2020-01-01 已到，状态应为“现行”。"),
        (3, "实施日期", "即将实施的标准须填写实施日期。"),
    ]


def test_adoption_without_degree_is_refused(curator):
    report = run(
        curator, csv_file("标准号,中文名称,采用国际标准", "GB/T 2828.1-2012,抽样,ISO 2859-1:1999"), dry_run=True
    )
    assert [p.message for p in report.problems] == ["“ISO 2859-1:1999”没有注明采用程度（IDT、MOD 或 NEQ）。"]


def test_import_withdrawing_a_cited_edition_notifies_its_quality_managers(
    curator, lab, django_capture_on_commit_callbacks
):
    old = make_edition("GB 5009.12-2010", "食品中铅的测定")
    make_scope_rows(lab, old, n=2)
    qm = member(lab, Role.QUALITY_MANAGER)
    content = csv_file(
        "标准号,中文名称,状态,实施日期,代替标准",
        "GB 5009.12-2017,食品安全国家标准 食品中铅的测定,现行,2017-10-06,GB 5009.12-2010",
    )
    with django_capture_on_commit_callbacks(execute=True):
        report = run(curator, content)
    assert report.retired == ["GB 5009.12-2010"] and report.institutions_notified == 1
    note = Notification.objects.get()
    assert (note.user, note.organisation_id, note.title) == (qm, lab.pk, "标准已废止：GB 5009.12-2010")
    assert "2 条有效记录" in note.body and "GB 5009.12-2017" in note.body
    assert [m.to for m in mail.outbox] == [[qm.email]]


def test_dry_run_writes_nothing(curator):
    report = run(curator, csv_file("标准号,中文名称", "GB/T 317-2018,白砂糖"), dry_run=True)
    assert report.ok and not report.committed and report.created == ["GB/T 317-2018"]
    assert StandardEdition.objects.count() == 0 and AuditEvent.objects.count() == 0


def test_only_curators_import(analyst):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        run(analyst, csv_file("标准号,中文名称", "GB/T 317-2018,白砂糖"))
    assert StandardEdition.objects.count() == 0


@pytest.mark.parametrize(
    ("content", "filename", "code"),
    [
        (b"", "a.csv", "empty"),
        (b"\xff\xfe\x00\x00garbage\x81", "a.csv", "encoding"),
        (b"code,title_zh\n", "a.csv", "empty"),
        (b"PK\x03\x04not really a zip", "a.xlsx", "xlsx"),
        (b"%PDF-1.7", "a.pdf", "file_type"),
    ],
)
def test_file_level_faults(curator, content, filename, code):
    with pytest.raises(ServiceError) as caught:
        run(curator, content, filename=filename)
    assert caught.value.code == code and list(caught.value.fields) == ["file"]
