"""Method settings, lab settings and signatory authorisations (services and selectors)."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from tests.registry.search_world import edition
from tichub.accounts.choices import Role
from tichub.core.errors import Conflict, NotFound, ServiceError
from tichub.core.models import AuditEvent
from tichub.core.testing.factories import member
from tichub.lims import method_selectors, method_services
from tichub.lims.models import LabSettings, SignatoryAuthorisation, Test
from tichub.lims.models import TestMethod as LabMethod

from .world import lab_world, received, sample_tests

pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate()


def moisture(**overrides):
    """A valid method for 水分 by GB 5009.3-2016 (the edition must be catalogued: `edition("GB 5009.3-2016")`)."""
    fields = {
        "keyword": "moisture",
        "parameter": "水分",
        "parameter_en": "Moisture",
        "standard_code": "GB 5009.3-2016",
        "unit": "g/100g",
        "places": 2,
        "lod": "0.01",
        "loq": "0.03",
        "uncertainty_kind": "relative",
        "uncertainty_value": "5",
    }
    return {**fields, **overrides}


def methods_state():
    """Everything a refused write must leave alone."""
    return (
        list(LabMethod.objects.order_by("pk").values()),
        list(Test.objects.order_by("pk").values()),
        list(LabSettings.objects.values()),
        list(SignatoryAuthorisation.objects.order_by("pk").values()),
        AuditEvent.objects.count(),
    )


# --- methods ----------------------------------------------------------------------------------------------------


def test_create_stores_canonical_values_and_audits():
    w = lab_world()
    edition("GB 5009.3-2016", title="食品中水分的测定")
    method = method_services.method_create(actor=w.quality_actor, **moisture(keyword=" Moisture ", clause="第一法"))
    method.refresh_from_db()
    assert (
        method.institution_id,
        method.keyword,
        method.parameter_key,
        method.standard.canonical,
        method.clause,
        method.unit,
        method.places,
        method.lod,
        method.loq,
        method.uncertainty_kind,
        method.uncertainty_value,
        method.uncertainty_ranges,
        method.coverage_factor,
        method.formula,
        method.non_negative,
        method.active,
    ) == (
        w.institution.pk, "moisture", "水分", "GB 5009.3-2016", "第一法", "g/100 g", 2, "0.01", "0.03", "relative",
        "5", [], "2", "", True, True,
    )  # fmt: skip
    [event] = AuditEvent.objects.filter(action="method.create")
    assert (event.actor_id, event.organisation_id, event.object_id, event.after["unit"], event.after["standard"]) == (
        w.quality.pk,
        w.institution.pk,
        str(method.pk),
        "g/100 g",
        method.standard_id,
    )


def test_every_fault_is_named_by_field_and_nothing_is_written():
    w = lab_world()
    before = methods_state()
    with pytest.raises(ServiceError) as refused:
        method_services.method_create(
            actor=w.quality_actor,
            keyword="pb",
            parameter="",
            standard_code="GB 5009.12",
            unit="mg/kgg",
            places=13,
            lod="-0.1",
            loq="abc",
            uncertainty_kind="relative",
            uncertainty_value="120",
            coverage_factor="0",
            formula="cd + zn",
        )
    assert refused.value.fields == {
        "keyword": ["代码“pb”已被本实验室的另一个方法使用。"],
        "parameter": ["请填写项目/参数。"],
        "standard_code": ["请写明 GB 5009.12 的年代号（如 GB 5009.12-2017）：方法设置针对标准的具体版本。"],
        "unit": ["未知单位“mg/kgg”：请使用规范写法，如 mg/kg、µg/L、% (m/m)、°C。"],
        "places": ["保留小数位数须在 -6 到 12 之间（现为 13）；不修约请留空。"],
        "lod": ["检出限 不能小于零（现为 -0.1）。"],
        "loq": ["定量限“abc”不是数值：请填写数字，如 0.005。"],
        "uncertainty_value": ["相对不确定度须在 0 到 100 % 之间（现为 120）。"],
        "coverage_factor": ["包含因子 k 须大于零（现为 0）。"],
        "formula": ["公式中的 zn 不是本实验室检测方法的代码。"],
    }
    with pytest.raises(ServiceError) as refused:
        method_services.method_create(
            actor=w.quality_actor,
            **moisture(keyword="2x", standard_code="GB 5009.3-2016", lod="0.05", loq="0.01", uncertainty_value=0.5),
        )
    assert refused.value.fields == {
        "keyword": ["代码“2x”不符合规则：以字母开头，只含小写字母、数字和下划线，最多 40 个字符。"],
        "standard_code": ["标准目录中没有 GB 5009.3-2016：请联系平台目录维护员先将其加入目录。"],
        "loq": ["定量限（0.01）不得小于检出限（0.05）。"],
        "uncertainty_value": ['扩展不确定度 须以文本形式的数字填写，如 "0.005"。'],
    }
    with pytest.raises(ServiceError) as refused:
        method_services.method_create(actor=w.quality_actor, **moisture(keyword="max", uncertainty_kind="fuzzy"))
    assert refused.value.fields["keyword"] == ["“max”是公式中的函数名，不能用作代码。"]
    assert refused.value.fields["uncertainty_kind"] == [
        "未知的不确定度表示方式“fuzzy”：可选 none, absolute, relative, ranges。"
    ]
    with pytest.raises(PermissionDenied):
        method_services.method_create(actor=w.analyst_actor, **moisture())
    assert methods_state() == before


def test_uncertainty_range_table_must_be_contiguous_and_increasing():
    w = lab_world()
    edition("GB 5009.3-2016")
    before = methods_state()
    rows = [
        {"from": "0", "to": "1", "value": "0.05"},
        {"from": "1.5", "to": "2", "value": "8", "relative": True},
        {"from": "1.8", "to": "1.8", "value": "101", "relative": True},
        {"from": "x", "to": "10", "value": "-1", "colour": "red"},
    ]
    with pytest.raises(ServiceError) as refused:
        method_services.method_create(
            actor=w.quality_actor, **moisture(uncertainty_kind="ranges", uncertainty_value="", uncertainty_ranges=rows)
        )
    assert refused.value.fields == {
        "uncertainty_ranges.1.from": ["第 2 行的下限（1.5）须等于上一行的上限（1）：范围之间不能有空档。"],
        "uncertainty_ranges.2.value": ["相对不确定度须在 0 到 100 % 之间（现为 101）。"],
        "uncertainty_ranges.2.to": ["上限（1.8）须大于下限（1.8）。"],
        "uncertainty_ranges.2.from": ["第 3 行的下限（1.8）小于上一行的上限（2）：范围不能重叠，须从小到大排列。"],
        "uncertainty_ranges.3": ["未知字段：colour。"],
        "uncertainty_ranges.3.from": ["下限“x”不是数值：请填写数字，如 0.005。"],
        "uncertainty_ranges.3.value": ["不确定度 不能小于零（现为 -1）。"],
    }
    with pytest.raises(ServiceError) as refused:
        method_services.method_create(actor=w.quality_actor, **moisture(uncertainty_kind="ranges"))
    assert refused.value.fields == {"uncertainty_ranges": ["按浓度范围给出不确定度时，请至少填写一行范围。"]}
    assert methods_state() == before
    good = [{"from": "0", "to": "1", "value": "0.05"}, {"from": "1", "to": "100", "value": "5", "relative": True}]
    method = method_services.method_create(
        actor=w.quality_actor,
        **moisture(
            uncertainty_kind="ranges", uncertainty_value="5", uncertainty_ranges=good, round_to_uncertainty=True
        ),
    )
    method.refresh_from_db()
    assert (method.uncertainty_value, method.uncertainty_ranges) == (
        "",
        [
            {"from": "0", "to": "1", "value": "0.05", "relative": False},
            {"from": "1", "to": "100", "value": "5", "relative": True},
        ],
    )


def test_formula_reads_other_methods_only_and_never_loops():
    w = lab_world()
    edition("GB 5009.3-2016")
    edition("GB 5009.4-2016", title="食品中灰分的测定")
    with pytest.raises(ServiceError) as refused:
        method_services.method_create(actor=w.quality_actor, **moisture(formula="moisture * 2"))
    assert refused.value.fields == {"formula": ["公式不能引用本方法自身的代码“moisture”。"]}
    with pytest.raises(ServiceError) as refused:
        method_services.method_create(actor=w.quality_actor, **moisture(formula="pb +"))
    assert refused.value.fields["formula"][0].startswith("公式无法识别：not a formula")
    total = method_services.method_create(actor=w.quality_actor, **moisture(formula="(pb + cd) * 1000"))
    assert total.formula == "(pb + cd) * 1000"
    ash = method_services.method_create(
        actor=w.quality_actor,
        **moisture(keyword="ash", parameter="灰分", standard_code="GB 5009.4-2016", formula="moisture / 2"),
    )
    with pytest.raises(ServiceError) as refused:
        method_services.method_update(actor=w.quality_actor, method_id=total.pk, formula="ash + pb")
    assert refused.value.fields == {"formula": ["公式形成循环引用：moisture → ash → moisture。"]}
    with pytest.raises(ServiceError) as refused:
        method_services.method_update(actor=w.quality_actor, method_id=w.methods["pb"].pk, keyword="lead")
    assert refused.value.fields == {"keyword": ["代码“pb”被方法 moisture 的公式引用，不能修改：请先修改这些公式。"]}
    with pytest.raises(Conflict) as refused:
        method_services.method_set_active(actor=w.quality_actor, method_id=total.pk, active=False)
    assert refused.value.message == "方法 moisture 被启用方法 ash 的公式引用：请先停用或修改这些方法。"
    method_services.method_set_active(actor=w.quality_actor, method_id=ash.pk, active=False)
    assert method_services.method_set_active(actor=w.quality_actor, method_id=total.pk, active=False).active is False


def test_update_never_changes_existing_tests():
    w = lab_world()
    sample = received(w)
    pb_before = Test.objects.filter(sample=sample, keyword="pb").values().get()
    pb = w.methods["pb"]
    updated = method_services.method_update(
        actor=w.admin_actor, method_id=pb.pk, lod="0.002", loq="0.008", places=4, uncertainty_value="8"
    )
    assert (updated.lod, updated.loq, updated.places, updated.uncertainty_value, updated.unit) == (
        "0.002",
        "0.008",
        4,
        "8",
        "mg/kg",
    )
    assert Test.objects.filter(sample=sample, keyword="pb").values().get() == pb_before
    assert sample_tests(sample)["pb"].lod == "0.005"
    [event] = AuditEvent.objects.filter(action="method.update")
    assert {k: (event.before[k], event.after[k]) for k in event.after if event.before[k] != event.after[k]} == {
        "lod": ("0.005", "0.002"),
        "loq": ("0.020", "0.008"),
        "places": (3, 4),
        "uncertainty_value": ("10", "8"),
    }
    method_services.method_update(actor=w.admin_actor, method_id=pb.pk, lod="0.002")
    assert AuditEvent.objects.filter(action="method.update").count() == 1  # nothing changed, nothing written
    before = methods_state()
    with pytest.raises(ServiceError) as refused:
        method_services.method_update(actor=w.admin_actor, method_id=pb.pk, active=False, colour="red")
    assert refused.value.fields == {"active": ["未知字段。"], "colour": ["未知字段。"]}
    with pytest.raises(NotFound):
        method_services.method_update(actor=w.m.lab2.quality_actor, method_id=pb.pk, lod="1")
    with pytest.raises(NotFound):
        method_selectors.method_get(w.outsider_lab_actor, pb.pk)
    assert methods_state() == before


def test_one_active_method_per_edition_and_parameter():
    w = lab_world()
    edition("GB 5009.3-2016")
    before = methods_state()
    with pytest.raises(ServiceError) as refused:
        method_services.method_create(
            actor=w.quality_actor, **moisture(keyword="pb2", parameter="铅", standard_code="GB 5009.12-2017")
        )
    assert refused.value.fields == {
        "parameter": ["已有同一标准（GB 5009.12-2017）、同一参数的启用方法 pb：收样时无法确定用哪一个，请先停用它。"]
    }
    assert methods_state() == before
    method_services.method_set_active(actor=w.quality_actor, method_id=w.methods["pb"].pk, active=False)
    pb2 = method_services.method_create(
        actor=w.quality_actor, **moisture(keyword="pb2", parameter="铅", standard_code="GB 5009.12-2017")
    )
    with pytest.raises(Conflict) as refused:
        method_services.method_set_active(actor=w.quality_actor, method_id=w.methods["pb"].pk, active=True)
    assert refused.value.code == "method_duplicate"
    assert [e.action for e in AuditEvent.objects.filter(object_type="lims.testmethod").order_by("pk")] == [
        "method.deactivate",
        "method.create",
    ]
    assert pb2.active and not LabMethod.objects.get(pk=w.methods["pb"].pk).active


def test_method_list_filters_and_is_the_institutions_own():
    w = lab_world()
    assert [m.keyword for m in method_selectors.method_list(w.analyst_actor)] == ["cd", "pb"]
    assert [m.keyword for m in method_selectors.method_list(w.analyst_actor, q="5009.12")] == ["pb"]
    assert [m.keyword for m in method_selectors.method_list(w.analyst_actor, q="cadmium")] == ["cd"]
    assert list(method_selectors.method_list(w.analyst_actor, active=False)) == []
    assert list(method_selectors.method_list(w.outsider_lab_actor)) == []


# --- lab settings -----------------------------------------------------------------------------------------------


def test_lab_settings_default_then_saved():
    w = lab_world()
    default = method_selectors.lab_settings(w.institution.pk)
    assert (default.pk, default.review_levels, default.retention_days) == (None, 2, 90)
    before = methods_state()
    with pytest.raises(ServiceError) as refused:
        method_services.lab_settings_update(actor=w.admin_actor, review_levels=4, retention_days=0)
    assert refused.value.fields == {
        "review_levels": ["审核级数须为 1、2 或 3（1：仅批准；2：审核 + 批准；3：两级审核 + 批准），现为 4。"],
        "retention_days": ["样品保存期须为 1 到 3650 天（现为 0）。"],
    }
    with pytest.raises(PermissionDenied):
        method_services.lab_settings_update(actor=w.reception_actor, review_levels=1, retention_days=30)
    assert methods_state() == before
    saved = method_services.lab_settings_update(actor=w.quality_actor, review_levels=3, retention_days=180)
    assert (saved.institution_id, saved.review_levels, saved.retention_days) == (w.institution.pk, 3, 180)
    method_services.lab_settings_update(actor=w.quality_actor, review_levels=1, retention_days=180)
    row = method_selectors.lab_settings(w.institution.pk)
    assert (row.pk, row.review_levels, row.retention_days) == (saved.pk, 1, 180)
    events = AuditEvent.objects.filter(action="lab.settings").order_by("pk")
    assert [(e.before, e.after) for e in events] == [
        (None, {"review_levels": 3, "retention_days": 180}),
        ({"review_levels": 3, "retention_days": 180}, {"review_levels": 1, "retention_days": 180}),
    ]
    assert method_selectors.lab_settings(w.m.lab2.org.pk).review_levels == 2


# --- signatory authorisations -----------------------------------------------------------------------------------


def test_grant_checks_the_person_the_scope_and_the_period():
    w = lab_world()
    before = methods_state()
    with pytest.raises(ServiceError) as refused:
        method_services.authorisation_grant(
            actor=w.quality_actor,
            user_id=w.analyst.pk,
            standard_code="GB 5009.12-2017",
            method_id=w.methods["pb"].pk,
            valid_from=today(),
        )
    assert refused.value.fields == {
        "user_id": ["所选人员不是本机构在职的授权签字人：请先在成员管理中为其授予“授权签字人”角色。"],
        "standard_code": ["授权范围只能选一项：标准版本或检测方法。"],
    }
    outsider_signatory = member(w.m.lab2.org, Role.AUTHORIZED_SIGNATORY)
    with pytest.raises(ServiceError) as refused:
        method_services.authorisation_grant(
            actor=w.quality_actor,
            user_id=outsider_signatory.pk,
            method_id=w.m.lab2.org.pk * 1000,
            valid_from=today(),
            valid_until=today() - dt.timedelta(days=1),
        )
    assert refused.value.fields == {
        "user_id": ["所选人员不是本机构在职的授权签字人：请先在成员管理中为其授予“授权签字人”角色。"],
        "method_id": ["检测方法不存在，或不属于本机构。"],
        "valid_until": [f"有效期至不得早于生效日期（{today():%Y-%m-%d}）。"],
    }
    with pytest.raises(Conflict) as refused:
        method_services.authorisation_grant(
            actor=w.quality_actor, user_id=w.signatory.pk, standard_code="GB 5009.12-2017", valid_from=today()
        )
    assert refused.value.message == (
        f"此人已有同一范围的授权（{today() - dt.timedelta(days=30):%Y-%m-%d} 至 长期），与所填期间重叠。"
    )
    assert methods_state() == before

    granted = method_services.authorisation_grant(
        actor=w.quality_actor,
        user_id=w.signatory2.pk,
        method_id=w.methods["cd"].pk,
        valid_from=today(),
        valid_until=today() + dt.timedelta(days=365),
    )
    assert (granted.institution_id, granted.user_id, granted.standard_id, granted.method_id) == (
        w.institution.pk,
        w.signatory2.pk,
        None,
        w.methods["cd"].pk,
    )
    [event] = AuditEvent.objects.filter(action="signatory.grant")
    assert event.after == {
        "user": w.signatory2.pk,
        "standard": None,
        "method": w.methods["cd"].pk,
        "valid_from": today().isoformat(),
        "valid_until": (today() + dt.timedelta(days=365)).isoformat(),
    }
    mine = method_selectors.authorisations(w.analyst_actor, user_id=w.signatory2.pk)
    assert mine == [granted]
    assert method_selectors.authorisations(w.outsider_lab_actor) == []


def test_covers_by_edition_or_method_within_the_period():
    w = lab_world()
    sample = received(w)
    tests = sample_tests(sample)
    signatory = method_selectors.authorisations(w.analyst_actor, user_id=w.signatory.pk)
    assert method_selectors.covers(signatory, tests["pb"], today())
    assert method_selectors.covers(signatory, tests["cd"], today())
    assert not method_selectors.covers(signatory, tests["pb"], today() - dt.timedelta(days=31))
    granted = method_services.authorisation_grant(
        actor=w.admin_actor,
        user_id=w.signatory2.pk,
        method_id=w.methods["cd"].pk,
        valid_from=today(),
        valid_until=today() + dt.timedelta(days=10),
    )
    second = method_selectors.authorisations(w.analyst_actor, user_id=w.signatory2.pk)
    assert second == [granted]
    assert method_selectors.covers(second, tests["cd"], today())
    assert method_selectors.covers(second, tests["cd"], today() + dt.timedelta(days=10))
    assert not method_selectors.covers(second, tests["cd"], today() + dt.timedelta(days=11))
    assert not method_selectors.covers(second, tests["pb"], today())
    assert not method_selectors.covers([], tests["pb"], today())


def test_end_shortens_only_and_never_before_an_approval():
    w = lab_world()
    sample = received(w)
    authorisation = SignatoryAuthorisation.objects.get(user=w.signatory, standard=w.m.lead)
    approved_on = today() - dt.timedelta(days=3)
    approved_at = timezone.make_aware(dt.datetime.combine(approved_on, dt.time(15, 0)))
    Test.objects.filter(sample=sample, keyword="pb").update(
        status="approved", value="0.1", approved_by=w.signatory, approved_at=approved_at
    )
    before = methods_state()
    with pytest.raises(ServiceError) as refused:
        method_services.authorisation_end(
            actor=w.quality_actor, authorisation_id=authorisation.pk, valid_until=approved_on - dt.timedelta(days=1)
        )
    assert refused.value.fields == {
        "valid_until": [f"此人于 {approved_on:%Y-%m-%d} 按此授权批准过结果：终止日期不能早于该日。"]
    }
    with pytest.raises(ServiceError) as refused:
        method_services.authorisation_end(
            actor=w.quality_actor, authorisation_id=authorisation.pk, valid_until=today() - dt.timedelta(days=60)
        )
    assert refused.value.fields == {
        "valid_until": [f"有效期至不得早于生效日期（{today() - dt.timedelta(days=30):%Y-%m-%d}）。"]
    }
    with pytest.raises(NotFound):
        method_services.authorisation_end(
            actor=w.m.lab2.quality_actor, authorisation_id=authorisation.pk, valid_until=today()
        )
    assert methods_state() == before

    ended = method_services.authorisation_end(
        actor=w.quality_actor, authorisation_id=authorisation.pk, valid_until=approved_on
    )
    assert ended.valid_until == approved_on
    [event] = AuditEvent.objects.filter(action="signatory.end")
    assert (event.before, event.after) == ({"valid_until": None}, {"valid_until": approved_on.isoformat()})
    with pytest.raises(ServiceError) as refused:
        method_services.authorisation_end(actor=w.quality_actor, authorisation_id=authorisation.pk, valid_until=today())
    assert refused.value.fields == {
        "valid_until": [f"该授权有效期至 {approved_on:%Y-%m-%d}，只能提前终止；如需延长，请重新授权。"]
    }
