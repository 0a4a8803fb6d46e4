import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied

from tichub.accounts.choices import Role
from tichub.core.errors import Conflict, ServiceError
from tichub.core.models import AuditEvent, Notification
from tichub.core.testing.factories import InstitutionFactory, member
from tichub.registry.choices import ScopeStatus
from tichub.standards import services
from tichub.standards.models import Adoption, StandardEdition

from .conftest import days, make_edition, make_scope_rows, today

pytestmark = pytest.mark.django_db


def test_create_normalises_the_code(curator):
    edition = services.standard_create(
        actor=curator,
        code="gbt 2828.1—2012",
        title_zh=" 计数抽样检验程序 ",
        ics="03.120.30",
        effective_on=dt.date(2013, 2, 1),
    )
    assert (edition.canonical, edition.base, edition.edition_key, edition.base_key) == (
        "GB/T 2828.1-2012",
        "GB/T 2828.1",
        "gb/t 2828.1-2012",
        "gb/t 2828.1",
    )
    assert (edition.prefix, edition.number, edition.year, edition.family, edition.mandatory) == (
        "GB/T",
        "2828.1",
        2012,
        "GB",
        False,
    )
    assert edition.title_zh == "计数抽样检验程序"
    event = AuditEvent.objects.get(action="standard.create")
    assert event.after["canonical"] == "GB/T 2828.1-2012" and event.object_id == str(edition.pk)


def test_create_refuses_bad_and_undated_codes_and_duplicates(curator):
    with pytest.raises(ServiceError) as caught:
        services.standard_create(actor=curator, code="GB/T 2828-1-2012", title_zh="x")
    assert caught.value.code == "bad_standard_code"
    assert "GB/T 2828.1-2012" in caught.value.fields["code"][0]
    with pytest.raises(ServiceError) as caught:
        services.standard_create(actor=curator, code="GB/T 2828.1", title_zh="x")
    assert caught.value.code == "undated"
    make_edition("GB 317-2006")
    with pytest.raises(ServiceError) as caught:
        services.standard_create(actor=curator, code="GB 317—2006", title_zh="x")
    assert caught.value.code == "duplicate"
    # GB/T is another standard than GB
    assert services.standard_create(actor=curator, code="GB/T 317-2006", title_zh="白砂糖").canonical == "GB/T 317-2006"
    assert StandardEdition.objects.count() == 2


def test_create_checks_status_and_dates(curator):
    with pytest.raises(ServiceError) as caught:
        services.standard_create(
            actor=curator, code="GB 1-2020", title_zh="", status="withdrawn", effective_on=dt.date(2020, 5, 1)
        )
    assert caught.value.fields == {"title_zh": ["请填写中文名称。"], "withdrawn_on": ["废止的标准须填写废止日期。"]}
    with pytest.raises(ServiceError) as caught:
        services.standard_create(actor=curator, code="GB 1-2020", title_zh="x", status="upcoming")
    assert caught.value.fields == {"effective_on": ["即将实施的标准须填写实施日期。"]}
    with pytest.raises(ServiceError) as caught:
        services.standard_create(
            actor=curator,
            code="GB 1-2020",
            title_zh="x",
            effective_on=dt.date(2020, 5, 1),
            withdrawn_on=dt.date(2020, 1, 1),
            status="withdrawn",
        )
    assert caught.value.fields == {"withdrawn_on": ["废止日期不能早于实施日期。"]}
    upcoming = services.standard_create(
        actor=curator, code="GB 1-2020", title_zh="x", status="upcoming", effective_on=days(30)
    )
    assert upcoming.status == "upcoming"
    assert StandardEdition.objects.count() == 1


def test_replaced_by_cannot_be_itself_or_make_a_cycle(curator):
    a = make_edition("GB/T 1-2000")
    b = make_edition("GB/T 1-2010", status="withdrawn", withdrawn_on=dt.date(2020, 1, 1), replaced_by=None)
    services.standard_update(
        actor=curator, edition_id=a.pk, status="withdrawn", withdrawn_on=dt.date(2010, 1, 1), replaced_by_id=b.pk
    )
    with pytest.raises(ServiceError) as caught:
        services.standard_update(actor=curator, edition_id=b.pk, replaced_by_id=a.pk)
    assert caught.value.code == "cycle"
    with pytest.raises(ServiceError) as caught:
        services.standard_update(actor=curator, edition_id=b.pk, replaced_by_id=b.pk)
    assert caught.value.code == "self_replacement"
    b.refresh_from_db()
    assert b.replaced_by_id is None


def test_update_rolls_an_elapsed_status_forward(curator):
    edition = make_edition("GB 1-2020", status="upcoming", effective_on=today())
    updated = services.standard_update(actor=curator, edition_id=edition.pk, title_en="Something")
    assert (updated.status, updated.title_en) == ("current", "Something")
    event = AuditEvent.objects.get(action="standard.update")
    assert event.before["status"] == "upcoming" and event.after["status"] == "current"


def test_adoption_set_and_reverse_refused(curator):
    gbt = make_edition("GB/T 2828.1-2012")
    iso = make_edition("ISO 2859-1:1999")
    adoption = services.adoption_set(actor=curator, edition_id=gbt.pk, adopts_id=iso.pk, relation="IDT")
    assert (adoption.edition, adoption.adopts, adoption.relation) == (gbt, iso, "IDT")
    services.adoption_set(actor=curator, edition_id=gbt.pk, adopts_id=iso.pk, relation="MOD")
    assert Adoption.objects.get().relation == "MOD"
    with pytest.raises(ServiceError) as caught:
        services.adoption_set(actor=curator, edition_id=iso.pk, adopts_id=gbt.pk, relation="IDT")
    assert caught.value.code == "cycle"
    with pytest.raises(ServiceError):
        services.adoption_set(actor=curator, edition_id=gbt.pk, adopts_id=iso.pk, relation="EQV")
    assert AuditEvent.objects.filter(action="standard.adoption_set").count() == 2


def test_withdraw_lists_impact_and_notifies_quality_managers_only(curator, django_capture_on_commit_callbacks):
    old = make_edition("GB 5009.12-2010", "食品安全国家标准 食品中铅的测定", effective_on=dt.date(2010, 6, 1))
    new = make_edition("GB 5009.12-2017", "食品安全国家标准 食品中铅的测定", effective_on=dt.date(2017, 10, 6))
    lab_a, lab_b, lab_c = (
        InstitutionFactory(name_zh="甲中心"),
        InstitutionFactory(name_zh="乙中心"),
        InstitutionFactory(),
    )
    make_scope_rows(lab_a, old, n=5)
    make_scope_rows(lab_b, old, n=2)
    make_scope_rows(lab_b, old, n=1, status=ScopeStatus.SUSPENDED, clause="4.1")  # not active: not counted
    make_scope_rows(lab_c, new, n=3)  # cites the new edition: not affected
    qm_a = member(lab_a, Role.QUALITY_MANAGER)
    qm_a2 = member(lab_a, Role.QUALITY_MANAGER, Role.ANALYST)
    member(lab_a, Role.INSTITUTION_ADMIN)  # lab A has quality managers: its admin is not told
    member(lab_a, Role.ANALYST)
    admin_b = member(lab_b, Role.INSTITUTION_ADMIN)  # lab B has none: its admin is told
    member(lab_c, Role.QUALITY_MANAGER)
    english = member(lab_a, Role.QUALITY_MANAGER)
    english.language = "en"
    english.save()

    with django_capture_on_commit_callbacks(execute=True):
        impact = services.standard_replace(
            actor=curator, edition_id=old.pk, replaced_by_id=new.pk, reason="国家卫生计生委公告 2017 年第 6 号"
        )
    assert [(i.organisation.name_zh, i.row_count, len(i.samples)) for i in impact] == [
        ("甲中心", 5, 3),
        ("乙中心", 2, 2),
    ]
    old.refresh_from_db()
    assert (old.status, old.withdrawn_on, old.replaced_by) == ("withdrawn", dt.date(2017, 10, 6), new)
    notes = Notification.objects.order_by("user_id")
    assert sorted(n.user_id for n in notes) == sorted([qm_a.pk, qm_a2.pk, english.pk, admin_b.pk])
    assert {n.organisation_id for n in notes if n.user_id != admin_b.pk} == {lab_a.pk}
    zh = notes.get(user=qm_a)
    assert zh.title == "标准已废止：GB 5009.12-2010"
    assert zh.body.startswith(
        "甲中心 的能力范围中有 5 条有效记录引用 GB 5009.12-2010《食品安全国家标准 食品中铅的测定》"
    )
    assert "代替标准：GB 5009.12-2017" in zh.body
    assert zh.url == f"/standards/{old.pk}/"
    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in (qm_a, qm_a2, english, admin_b))
    assert all(m.subject.startswith("TICHub：") for m in mail.outbox)
    event = AuditEvent.objects.get(action="standard.replace")
    assert event.reason == "国家卫生计生委公告 2017 年第 6 号" and event.after["replaced_by"] == new.pk


def test_withdraw_in_the_future_is_to_be_withdrawn_then_rolls(curator, lab):
    edition = make_edition("GB 7718-2011", effective_on=dt.date(2012, 4, 20))
    make_scope_rows(lab, edition)
    qm = member(lab, Role.QUALITY_MANAGER)
    services.standard_withdraw(actor=curator, edition_id=edition.pk, on=days(10), reason="公告")
    edition.refresh_from_db()
    assert (edition.status, edition.withdrawn_on) == ("to_be_withdrawn", days(10))
    assert Notification.objects.get(user=qm).title == "标准即将废止：GB 7718-2011"
    moved = services.standard_status_roll(today=days(10))
    assert moved == {"current": [], "withdrawn": ["GB 7718-2011"]}
    edition.refresh_from_db()
    assert edition.status == "withdrawn"
    assert Notification.objects.filter(user=qm).count() == 2


def test_withdraw_twice_conflicts_and_needs_a_reason(curator):
    edition = make_edition("GB 1-2000")
    with pytest.raises(ServiceError) as caught:
        services.standard_withdraw(actor=curator, edition_id=edition.pk, on=today(), reason=" ")
    assert list(caught.value.fields) == ["reason"]
    services.standard_withdraw(actor=curator, edition_id=edition.pk, on=today(), reason="公告")
    with pytest.raises(Conflict):
        services.standard_withdraw(actor=curator, edition_id=edition.pk, on=today(), reason="公告")
    assert AuditEvent.objects.filter(action="standard.withdraw").count() == 1


def test_withdraw_before_effective_date_is_refused(curator):
    edition = make_edition("GB 1-2000", effective_on=dt.date(2001, 1, 1))
    with pytest.raises(ServiceError) as caught:
        services.standard_withdraw(actor=curator, edition_id=edition.pk, on=dt.date(2000, 6, 1), reason="x")
    assert caught.value.fields == {"on": ["废止日期不能早于实施日期。"]}
    edition.refresh_from_db()
    assert edition.status == "current"


def test_replacement_must_not_be_withdrawn_or_loop(curator):
    a = make_edition("GB 1-2000")
    older = make_edition("GB 1-1990", status="withdrawn", withdrawn_on=dt.date(2000, 1, 1), replaced_by=a)
    gone = make_edition("GB 2-1990", status="withdrawn", withdrawn_on=dt.date(2000, 1, 1))
    with pytest.raises(ServiceError) as caught:
        services.standard_replace(actor=curator, edition_id=a.pk, replaced_by_id=gone.pk, on=today(), reason="x")
    assert caught.value.code == "withdrawn"
    with pytest.raises(ServiceError) as caught:
        services.standard_replace(actor=curator, edition_id=a.pk, replaced_by_id=older.pk, on=today(), reason="x")
    assert caught.value.code == "cycle"
    a.refresh_from_db()
    assert (a.status, a.replaced_by_id) == ("current", None)


def test_people_without_the_curator_role_change_nothing(analyst, lab):
    edition = make_edition("GB 1-2000")
    make_scope_rows(lab, edition)
    member(lab, Role.QUALITY_MANAGER)
    with pytest.raises(PermissionDenied):
        services.standard_withdraw(actor=analyst, edition_id=edition.pk, on=today(), reason="x")
    with pytest.raises(PermissionDenied):
        services.standard_create(actor=analyst, code="GB 2-2000", title_zh="x")
    with pytest.raises(PermissionDenied):
        services.standard_update(actor=analyst, edition_id=edition.pk, title_zh="y")
    edition.refresh_from_db()
    assert (edition.status, edition.title_zh) == ("current", "标题")
    assert Notification.objects.count() == 0 and AuditEvent.objects.count() == 0


def test_status_roll_starts_upcoming_editions():
    edition = make_edition("GB 7718-2025", status="upcoming", effective_on=days(1))
    assert services.standard_status_roll(today=today()) == {"current": [], "withdrawn": []}
    assert services.standard_status_roll(today=days(1)) == {"current": ["GB 7718-2025"], "withdrawn": []}
    edition.refresh_from_db()
    assert edition.status == "current"
    assert AuditEvent.objects.get(action="standard.status_roll").actor is None


def test_editions_ensure_is_unchanged(curator):
    found = services.editions_ensure({"gbt 317-2018": "白砂糖"})
    assert list(found) == ["gb/t 317-2018"] and found["gb/t 317-2018"].status == "current"
