"""An institution manages its profile, sites, accreditations and scope rows: services and pages."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tichub.accounts.choices import Role
from tichub.core.errors import Conflict, NotFound, ServiceError
from tichub.core.models import AuditEvent
from tichub.core.testing.permissions import signed_in
from tichub.registry import manage_selectors as selectors
from tichub.registry import manage_services as services
from tichub.registry.models import Accreditation, InstitutionProfile, ScopeRow
from tichub.registry.models import TestSite as Site

from .directory_world import PDF, accreditation, lab, pdf, profile, row, site, today

pytestmark = pytest.mark.django_db


def events(action):
    return AuditEvent.objects.filter(action=action)


def new_accreditation(actor, **kwargs):
    values = {
        "body": "CNAS",
        "number": "CNAS L9999",
        "valid_from": dt.date(2024, 1, 1),
        "valid_until": dt.date(2030, 1, 1),
    }
    return services.accreditation_create(actor=actor, **{**values, **kwargs})


# --- profile ----------------------------------------------------------------------------------------------------


def test_profile_update_creates_saves_and_audits():
    org, _, actor = lab()
    profile_ = services.profile_update(
        actor=actor, phone=" 0771-1234567 ", email="Lab@Example.TEST", contact_public=False, region="南宁"
    )
    saved = InstitutionProfile.objects.get(organisation=org)
    assert (saved.pk, saved.phone, saved.email, saved.contact_public, saved.region) == (
        profile_.pk,
        "0771-1234567",
        "lab@example.test",
        False,
        "南宁",
    )
    [event] = events("institution_profile.update")
    assert event.before["contact_public"] is True and event.after["contact_public"] is False


def test_profile_update_reports_every_bad_field_and_changes_nothing():
    org, _, actor = lab()
    profile(org, phone="0771-1", email="old@example.test")
    with pytest.raises(ServiceError) as caught:
        services.profile_update(actor=actor, phone="call me", email="not-an-email", website="ftp://x", region="南宁")
    assert set(caught.value.fields) == {"phone", "email", "website"}
    saved = InstitutionProfile.objects.get(organisation=org)
    assert (saved.phone, saved.email, saved.region) == ("0771-1", "old@example.test", "")
    assert not events("institution_profile.update").exists()


def test_profile_update_refuses_unknown_fields_and_analysts():
    _, _, actor = lab()
    with pytest.raises(ServiceError) as caught:
        services.profile_update(actor=actor, name_zh="改名")
    assert caught.value.code == "unknown_field"
    _, _, analyst = lab(role=Role.ANALYST)
    with pytest.raises(PermissionDenied):
        services.profile_update(actor=analyst, region="x")
    assert not InstitutionProfile.objects.exists()


# --- sites ------------------------------------------------------------------------------------------------------


def test_site_names_are_unique_within_an_institution():
    org, _, actor = lab()
    services.site_create(actor=actor, name_zh="一号楼")
    with pytest.raises(ServiceError) as caught:
        services.site_create(actor=actor, name_zh=" 一号楼 ")
    assert caught.value.fields == {"name_zh": ["本机构已有同名检测场所。"]}
    _, _, other_actor = lab()
    services.site_create(actor=other_actor, name_zh="一号楼")  # another institution may use the name
    assert Site.objects.filter(organisation=org).count() == 1


def test_site_of_another_institution_cannot_be_changed():
    org, _, _ = lab()
    mine = site(org, "一号楼")
    _, _, stranger = lab()
    with pytest.raises(NotFound):
        services.site_update(actor=stranger, site_id=mine.pk, name_zh="被改")
    assert Site.objects.get(pk=mine.pk).name_zh == "一号楼"
    assert not events("test_site.update").exists()


# --- accreditations ---------------------------------------------------------------------------------------------


def test_accreditation_dates_out_of_range_are_named_precisely():
    _, _, actor = lab()
    with pytest.raises(ServiceError) as caught:
        new_accreditation(actor, valid_from=dt.date(1899, 12, 31), valid_until=dt.date(2101, 1, 1))
    assert caught.value.fields == {
        "valid_from": ["生效日期 1899-12-31 超出允许范围：须在 1900-01-01 至 2100-12-31 之间。"],
        "valid_until": ["有效期至 2101-01-01 超出允许范围：须在 1900-01-01 至 2100-12-31 之间。"],
    }
    assert not Accreditation.objects.exists()


def test_accreditation_must_end_after_it_starts():
    _, _, actor = lab()
    with pytest.raises(ServiceError) as caught:
        new_accreditation(actor, valid_from=dt.date(2025, 5, 1), valid_until=dt.date(2025, 4, 30))
    assert caught.value.fields == {"valid_until": ["有效期至（2025-04-30）不得早于生效日期（2025-05-01）。"]}
    new_accreditation(actor, valid_from=dt.date(2025, 5, 1), valid_until=dt.date(2025, 5, 1))  # one day is fine


def test_accreditation_number_is_unique_per_body_across_institutions():
    _, _, actor = lab()
    new_accreditation(actor, number="CNAS L1234")
    _, _, other = lab()
    with pytest.raises(ServiceError) as caught:
        new_accreditation(other, number="cnas  l1234")
    assert caught.value.code == "duplicate" and list(caught.value.fields) == ["number"]
    new_accreditation(other, body="CMA", number="CNAS L1234")  # another body may use the same number
    assert Accreditation.objects.count() == 2


def test_accreditation_other_body_needs_its_name_and_body_must_be_known():
    _, _, actor = lab()
    with pytest.raises(ServiceError) as caught:
        new_accreditation(actor, body="OTHER")
    assert list(caught.value.fields) == ["body_name"]
    with pytest.raises(ServiceError) as caught:
        new_accreditation(actor, body="ABC")
    assert list(caught.value.fields) == ["body"]


def test_accreditation_sites_must_be_the_institutions_own():
    org, _, actor = lab()
    mine = site(org, "一号楼")
    other, _, _ = lab()
    theirs = site(other, "外单位")
    with pytest.raises(ServiceError) as caught:
        new_accreditation(actor, site_ids=[mine.pk, theirs.pk])
    assert caught.value.fields == {"sites": [f"检测场所 #{theirs.pk} 不属于本机构。"]}
    acc = new_accreditation(actor, site_ids=[mine.pk])
    assert list(acc.sites.all()) == [mine]


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (pdf(name="scope.docx"), "范围文件 须为 PDF 文件（文件名以 .pdf 结尾）。"),
        (pdf(content_type="image/png"), "范围文件 的类型为 image/png，须为 application/pdf。"),
        (pdf(content=b"GIF89a not a pdf"), "范围文件 的内容不是 PDF 文件。"),
        (pdf(content=PDF + b"0" * (10 * 1024 * 1024)), "范围文件 不得超过 10 MB（现为 10.0 MB）。"),
    ],
    ids=["extension", "content-type", "content", "size"],
)
def test_scope_document_must_be_a_small_pdf(upload, message):
    _, _, actor = lab()
    with pytest.raises(ServiceError) as caught:
        new_accreditation(actor, scope_document=upload)
    assert caught.value.fields == {"scope_document": [message]}
    assert not Accreditation.objects.exists()


def test_scope_document_is_stored_replaced_and_removed(django_capture_on_commit_callbacks):
    _, _, actor = lab()
    acc = new_accreditation(actor, scope_document=pdf())
    assert acc.scope_document.name.startswith("accreditations/") and acc.scope_document.read() == PDF
    old = acc.scope_document.name
    with django_capture_on_commit_callbacks(execute=True):
        services.accreditation_update(actor=actor, accreditation_id=acc.pk, scope_document=pdf(content=PDF + b"v2"))
    acc.refresh_from_db()
    assert acc.scope_document.read() == PDF + b"v2"
    assert not acc.scope_document.storage.exists(old)
    second = acc.scope_document.name
    with django_capture_on_commit_callbacks(execute=True):
        services.accreditation_update(actor=actor, accreditation_id=acc.pk, remove_scope_document=True)
    acc.refresh_from_db()
    assert not acc.scope_document and not acc.scope_document.storage.exists(second)


def test_accreditation_update_checks_the_result_and_audits():
    _, _, actor = lab()
    acc = new_accreditation(actor)
    with pytest.raises(ServiceError) as caught:
        services.accreditation_update(actor=actor, accreditation_id=acc.pk, valid_until=dt.date(2023, 1, 1))
    assert list(caught.value.fields) == ["valid_until"]
    services.accreditation_update(actor=actor, accreditation_id=acc.pk, valid_until=dt.date(2031, 6, 30))
    [event] = events("accreditation.update")
    assert (event.before["valid_until"], event.after["valid_until"]) == ("2030-01-01", "2031-06-30")


def test_accreditation_of_another_institution_cannot_be_changed_or_removed():
    org, _, _ = lab()
    acc = accreditation(org, number="CNAS L0042")
    _, _, stranger = lab()
    with pytest.raises(NotFound):
        services.accreditation_update(actor=stranger, accreditation_id=acc.pk, number="CNAS L0043")
    with pytest.raises(NotFound):
        services.accreditation_remove(actor=stranger, accreditation_id=acc.pk)
    assert Accreditation.objects.get(pk=acc.pk).number == "CNAS L0042"
    assert not AuditEvent.objects.exists()


def test_accreditation_in_use_cannot_be_removed():
    org, _, actor = lab()
    acc = accreditation(org)
    row(org, accreditations=[acc])
    row(org, parameter=("镉", "Cadmium"), accreditations=[acc])
    suspended = row(org, parameter=("汞", "Mercury"), accreditations=[acc], status="suspended")
    with pytest.raises(Conflict) as caught:
        services.accreditation_remove(actor=actor, accreditation_id=acc.pk)
    assert "仍有 2 条有效能力范围引用" in caught.value.message
    assert Accreditation.objects.filter(pk=acc.pk).exists()
    ScopeRow.objects.filter(organisation=org, status="active").update(status="withdrawn")
    services.accreditation_remove(actor=actor, accreditation_id=acc.pk)
    assert not Accreditation.objects.filter(pk=acc.pk).exists()
    assert list(suspended.accreditations.all()) == []
    assert events("accreditation.remove").count() == 1


def test_narrowing_accreditation_sites_may_not_strand_active_rows():
    org, _, actor = lab()
    one, two = site(org, "一号楼"), site(org, "二号楼")
    acc = accreditation(org)
    row(org, at=two, accreditations=[acc])
    with pytest.raises(Conflict) as caught:
        services.accreditation_update(actor=actor, accreditation_id=acc.pk, site_ids=[one.pk])
    assert caught.value.fields == {"sites": ["1 条有效能力范围不在所选场所。"]}
    assert list(acc.sites.all()) == []
    services.accreditation_update(actor=actor, accreditation_id=acc.pk, site_ids=[one.pk, two.pk])
    assert sorted(s.pk for s in acc.sites.all()) == sorted([one.pk, two.pk])


# --- scope rows -------------------------------------------------------------------------------------------------


def test_suspending_a_row_needs_a_reason_which_is_audited():
    org, _, actor = lab()
    scope_row = row(org)
    with pytest.raises(ServiceError) as caught:
        services.scope_row_update(actor=actor, row_id=scope_row.pk, status="suspended")
    assert caught.value.fields == {"reason": ["暂停或撤销能力范围时须填写原因。"]}
    assert ScopeRow.objects.get(pk=scope_row.pk).status == "active"
    services.scope_row_update(actor=actor, row_id=scope_row.pk, status="suspended", reason="设备送修")
    [event] = events("scope_row.update")
    assert (event.before["status"], event.after["status"], event.reason) == ("active", "suspended", "设备送修")
    services.scope_row_update(actor=actor, row_id=scope_row.pk, status="active")  # restoring needs no reason
    assert ScopeRow.objects.get(pk=scope_row.pk).status == "active"


@pytest.mark.parametrize(
    ("price", "stored", "error"),
    [
        ("1200.5", Decimal("1200.50"), None),
        (Decimal("99.990"), Decimal("99.99"), None),
        ("0", Decimal("0.00"), None),
        ("", None, None),
        ("12.345", None, "参考价格最多保留 2 位小数（现为 12.345）。"),
        ("-1", None, "参考价格不能为负数。"),
        ("abc", None, "参考价格须为十进制数字，例如 1200.00。"),
        ("NaN", None, "参考价格须为十进制数字，例如 1200.00。"),
        ("10000000000", None, "参考价格不得超过 9999999999.99 元。"),
    ],
)
def test_list_price_rules(price, stored, error):
    org, _, actor = lab()
    scope_row = row(org, price=Decimal("5.00"))
    if error:
        with pytest.raises(ServiceError) as caught:
            services.scope_row_update(actor=actor, row_id=scope_row.pk, list_price=price)
        assert caught.value.fields == {"list_price": [error]}
        assert ScopeRow.objects.get(pk=scope_row.pk).list_price == Decimal("5.00")
    else:
        services.scope_row_update(actor=actor, row_id=scope_row.pk, list_price=price)
        assert ScopeRow.objects.get(pk=scope_row.pk).list_price == stored


def test_turnaround_and_limitation_rules():
    org, _, actor = lab()
    scope_row = row(org)
    with pytest.raises(ServiceError) as caught:
        services.scope_row_update(actor=actor, row_id=scope_row.pk, turnaround_days=0, limitation="x" * 301)
    assert caught.value.fields == {
        "turnaround_days": ["典型周期须在 1 至 365 个工作日之间（现为 0）。"],
        "limitation": ["限制范围 最多 300 个字符（现为 301 个）。"],
    }
    services.scope_row_update(actor=actor, row_id=scope_row.pk, turnaround_days=7, limitation="只测固体")
    saved = ScopeRow.objects.get(pk=scope_row.pk)
    assert (saved.turnaround_days, saved.limitation) == (7, "只测固体")


def test_row_accreditations_must_be_own_and_cover_the_site():
    org, _, actor = lab()
    one, two = site(org, "一号楼"), site(org, "二号楼")
    scope_row = row(org, at=one)
    elsewhere = accreditation(org, number="CNAS ELSEWHERE", sites=[two])
    everywhere = accreditation(org, body="CMA")
    other, _, _ = lab()
    theirs = accreditation(other)
    with pytest.raises(ServiceError) as caught:
        services.scope_row_update(actor=actor, row_id=scope_row.pk, accreditation_ids=[theirs.pk])
    assert caught.value.fields == {"accreditations": [f"资质 #{theirs.pk} 不属于本机构。"]}
    with pytest.raises(ServiceError) as caught:
        services.scope_row_update(actor=actor, row_id=scope_row.pk, accreditation_ids=[elsewhere.pk])
    assert caught.value.fields == {"accreditations": ["资质 CNAS CNAS ELSEWHERE 不覆盖此条目的检测场所。"]}
    services.scope_row_update(actor=actor, row_id=scope_row.pk, accreditation_ids=[everywhere.pk])
    assert list(scope_row.accreditations.all()) == [everywhere]


def test_row_of_another_institution_cannot_be_changed():
    org, _, _ = lab()
    scope_row = row(org, price=Decimal("5.00"))
    _, _, stranger = lab()
    with pytest.raises(NotFound):
        services.scope_row_update(actor=stranger, row_id=scope_row.pk, list_price="1.00")
    with pytest.raises(NotFound):
        services.scope_rows_set_status(actor=stranger, row_ids=[scope_row.pk], status="withdrawn", reason="x")
    saved = ScopeRow.objects.get(pk=scope_row.pk)
    assert (saved.list_price, saved.status) == (Decimal("5.00"), "active")
    assert not AuditEvent.objects.exists()


def test_bulk_status_changes_all_or_nothing_with_one_event_per_row():
    org, _, actor = lab()
    a, b = row(org), row(org, parameter=("镉", "Cadmium"))
    already = row(org, parameter=("汞", "Mercury"), status="suspended")
    other, _, _ = lab()
    theirs = row(other)
    with pytest.raises(NotFound) as caught:
        services.scope_rows_set_status(actor=actor, row_ids=[a.pk, theirs.pk], status="suspended", reason="年度审核")
    assert "1 条" in caught.value.message
    assert set(ScopeRow.objects.values_list("status", flat=True)) == {"active", "suspended"}
    assert ScopeRow.objects.get(pk=a.pk).status == "active"
    with pytest.raises(ServiceError) as caught:
        services.scope_rows_set_status(actor=actor, row_ids=[a.pk], status="withdrawn")
    assert list(caught.value.fields) == ["reason"]
    changed = services.scope_rows_set_status(
        actor=actor, row_ids=[a.pk, b.pk, already.pk], status="suspended", reason="年度审核"
    )
    assert changed == 2
    assert list(ScopeRow.objects.filter(organisation=org).values_list("status", flat=True).distinct()) == ["suspended"]
    assert sorted((e.object_id, e.reason) for e in events("scope_row.set_status")) == sorted(
        [(str(a.pk), "年度审核"), (str(b.pk), "年度审核")]
    )


# --- pages ------------------------------------------------------------------------------------------------------


def test_manage_page_is_read_only_for_analysts():
    org, user, _ = lab(role=Role.ANALYST)
    profile(org, contact_person="王工")
    client = signed_in(user, org)
    page = client.get("/registry/manage/")
    assert (
        page.status_code == 200
        and "王工" in page.content.decode()
        and 'name="contact_person"' not in page.content.decode()
    )
    assert client.post("/registry/manage/", {"contact_person": "李工"}).status_code == 403
    assert InstitutionProfile.objects.get(organisation=org).contact_person == "王工"


def test_manage_page_saves_the_profile():
    org, user, _ = lab()
    client = signed_in(user, org)
    response = client.post("/registry/manage/", {"contact_person": "李工", "phone": "0771-1", "contact_public": "on"})
    assert response.status_code == 302
    saved = InstitutionProfile.objects.get(organisation=org)
    assert (saved.contact_person, saved.phone, saved.contact_public, saved.prices_public) == (
        "李工",
        "0771-1",
        True,
        False,
    )
    response = client.post("/registry/manage/", {"email": "bad"})
    assert response.status_code == 400 and "请填写有效的电子邮箱地址。" in response.content.decode()


def test_accreditation_form_shows_date_errors_on_the_fields():
    org, user, _ = lab()
    client = signed_in(user, org)
    data = {"body": "CNAS", "number": "CNAS L7", "valid_from": "2026-05-01", "valid_until": "2026-04-01"}
    response = client.post("/registry/manage/accreditations/new/", data)
    page = response.content.decode()
    assert response.status_code == 400
    assert "有效期至（2026-04-01）不得早于生效日期（2026-05-01）。" in page
    response = client.post("/registry/manage/accreditations/new/", {**data, "valid_from": "2026-02-30"})
    assert response.status_code == 400 and "请填写有效日期，格式 YYYY-MM-DD" in response.content.decode()
    assert not Accreditation.objects.exists()
    one = site(org)
    response = client.post(
        "/registry/manage/accreditations/new/",
        {**data, "valid_until": "2029-01-01", "sites": [one.pk], "scope_document": pdf()},
    )
    assert response.status_code == 302
    acc = Accreditation.objects.get()
    assert (acc.number, list(acc.sites.all()), acc.scope_document.read()) == ("CNAS L7", [one], PDF)


def test_accreditation_remove_page_reports_the_conflict():
    org, user, _ = lab()
    acc = accreditation(org)
    row(org, accreditations=[acc])
    response = signed_in(user, org).post(f"/registry/manage/accreditations/{acc.pk}/remove/")
    assert response.status_code == 409 and "仍有 1 条有效能力范围引用" in response.content.decode()
    assert Accreditation.objects.filter(pk=acc.pk).exists()


def test_other_institution_gets_404_on_my_pages_and_nothing_changes():
    org, _, _ = lab()
    mine_site = site(org, "一号楼")
    acc = accreditation(org, number="CNAS MINE")
    scope_row = row(org, at=mine_site, limitation="我的限制")
    other, stranger, _ = lab()
    client = signed_in(stranger, other)
    for url, data in [
        (f"/registry/manage/sites/{mine_site.pk}/", {"name_zh": "被改"}),
        (
            f"/registry/manage/accreditations/{acc.pk}/",
            {"body": "CNAS", "number": "X", "valid_from": "2025-01-01", "valid_until": "2026-01-01"},
        ),
        (f"/registry/manage/accreditations/{acc.pk}/remove/", {}),
        (f"/registry/manage/scope/{scope_row.pk}/", {"status": "withdrawn", "reason": "x"}),
    ]:
        assert client.get(url).status_code in (404, 405)
        assert client.post(url, data).status_code == 404, url
    response = client.post(
        "/registry/manage/scope/status/", {"rows": [scope_row.pk], "status": "withdrawn", "reason": "x"}
    )
    assert response.status_code == 404
    assert "我的限制" not in client.get("/registry/manage/scope/").content.decode()
    assert Site.objects.get(pk=mine_site.pk).name_zh == "一号楼"
    assert Accreditation.objects.get(pk=acc.pk).number == "CNAS MINE"
    assert ScopeRow.objects.get(pk=scope_row.pk).status == "active"
    assert not AuditEvent.objects.exists()


def test_scope_row_page_edits_the_row():
    org, user, _ = lab()
    acc = accreditation(org)
    scope_row = row(org)
    client = signed_in(user, org)
    assert client.get(f"/registry/manage/scope/{scope_row.pk}/").status_code == 200
    data = {
        "status": "suspended",
        "turnaround_days": "5",
        "list_price": "880",
        "limitation": "",
        "accreditations": [acc.pk],
    }
    response = client.post(f"/registry/manage/scope/{scope_row.pk}/", data)
    assert response.status_code == 400 and "暂停或撤销能力范围时须填写原因。" in response.content.decode()
    response = client.post(f"/registry/manage/scope/{scope_row.pk}/", {**data, "reason": "人员变动"})
    assert response.status_code == 302
    saved = ScopeRow.objects.get(pk=scope_row.pk)
    assert (saved.status, saved.turnaround_days, saved.list_price) == ("suspended", 5, Decimal("880.00"))
    assert list(saved.accreditations.all()) == [acc]


def test_scope_page_filters_and_bulk_form():
    org, user, _ = lab()
    row(org, parameter=("铅", "Lead"), limitation="甲限制")
    suspended = row(org, parameter=("镉", "Cadmium"), status="suspended", limitation="乙限制")
    client = signed_in(user, org)
    page = client.get("/registry/manage/scope/?status=suspended").content.decode()
    assert "乙限制" in page and "甲限制" not in page
    page = client.get("/registry/manage/scope/?q=lead").content.decode()
    assert "甲限制" in page and "乙限制" not in page
    response = client.post(
        "/registry/manage/scope/status/",
        {"rows": [suspended.pk], "status": "active", "next": "/registry/manage/scope/?status=suspended"},
    )
    assert response.status_code == 302 and response["Location"] == "/registry/manage/scope/?status=suspended"
    assert ScopeRow.objects.get(pk=suspended.pk).status == "active"
    response = client.post("/registry/manage/scope/status/", {"status": "withdrawn", "next": "https://evil.test/"})
    assert response.status_code == 400 and "请至少选择一条能力范围。" in response.content.decode()


def test_scope_page_query_count_does_not_grow():
    org, user, _ = lab()
    one = site(org)
    acc = accreditation(org)
    for i in range(5):
        row(org, at=one, parameter=(f"参数{i:02d}", ""), accreditations=[acc])
    client = signed_in(user, org)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/registry/manage/scope/").status_code == 200
        return len(ctx.captured_queries)

    small = count()
    for i in range(5, 70):
        row(org, at=one, parameter=(f"参数{i:02d}", ""), accreditations=[acc])
    assert count() == small


def test_selectors_scope_to_the_actor():
    org, _, actor = lab(role=Role.ANALYST)
    mine = row(org)
    other, _, _ = lab()
    row(other)
    assert [r.pk for r in selectors.my_scope_rows(actor)] == [mine.pk]
    with pytest.raises(NotFound):
        selectors.my_scope_row_get(actor, ScopeRow.objects.exclude(pk=mine.pk).get().pk)
    assert today() == today()
