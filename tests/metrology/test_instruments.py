"""The instrument register: register, edit, status with a reason, calibration, lists and the choice for dropdowns."""

import pytest
from django.core.exceptions import PermissionDenied

from tichub.core.errors import Conflict, NotFound, ServiceError
from tichub.core.models import AuditEvent
from tichub.metrology import selectors, services
from tichub.metrology.models import Instrument

from .world import days, instrument, register_world, today

pytestmark = pytest.mark.django_db


def state():
    """Everything a refused write must leave alone."""
    return (
        list(
            Instrument.objects.order_by("pk").values_list(
                "institution_id", "asset_number", "name", "location", "status", "calibrated_on", "calibration_due"
            )
        ),
        AuditEvent.objects.count(),
    )


# --- register and edit ------------------------------------------------------------------------------------------


def test_register_keeps_the_fields_and_audits():
    r = register_world()
    created = services.instrument_register(
        actor=r.keeper_actor,
        asset_number=" ICP-01 ",
        name="电感耦合等离子体  质谱仪",
        make="Agilent",
        model="7900",
        serial_number="SG123",
        location="仪器室 201",
    )
    created.refresh_from_db()
    assert (
        created.institution_id,
        created.asset_number,
        created.name,
        created.make,
        created.model,
        created.serial_number,
        created.location,
        created.status,
        created.calibration_required,
        created.calibrated_on,
        created.calibration_due,
    ) == (
        r.org.pk,
        "ICP-01",
        "电感耦合等离子体 质谱仪",
        "Agilent",
        "7900",
        "SG123",
        "仪器室 201",
        "in_service",
        True,
        None,
        None,
    )
    [event] = AuditEvent.objects.filter(action="instrument.register")
    assert (event.organisation_id, event.actor_id, event.object_id, event.before) == (
        r.org.pk,
        r.keeper.pk,
        str(created.pk),
        None,
    )
    assert event.after["asset_number"] == "ICP-01" and event.after["status"] == "in_service"
    # A metrologist keeps instruments too; the same asset number is free in another institution.
    services.instrument_register(actor=r.metrologist_actor, asset_number="BAL-01", name="天平")
    services.instrument_register(actor=r.other_actor, asset_number="ICP-01", name="别人的 ICP-MS")
    assert Instrument.objects.filter(asset_number="ICP-01").count() == 2


def test_register_refusals_name_the_field_and_change_nothing():
    r = register_world()
    instrument(r.org, asset_number="ICP-01")
    before = state()
    with pytest.raises(ServiceError) as refused:
        services.instrument_register(actor=r.keeper_actor, asset_number="icp-01", name="另一台")
    assert refused.value.fields == {"asset_number": ["设备编号 icp-01 已被本机构的另一台仪器使用。"]}
    with pytest.raises(ServiceError) as refused:
        services.instrument_register(actor=r.keeper_actor, asset_number=" ", name="", location="x" * 121)
    assert refused.value.fields == {
        "asset_number": ["请填写设备编号。"],
        "name": ["请填写名称。"],
        "location": ["存放地点 最多 120 个字符（现为 121 个）。"],
    }
    with pytest.raises(PermissionDenied):
        services.instrument_register(actor=r.analyst_actor, asset_number="X-1", name="x")
    assert state() == before


def test_update_changes_only_what_is_sent_and_keeps_tenants_apart():
    r = register_world()
    icp = instrument(r.org, asset_number="ICP-01", name="ICP-MS", location="201")
    instrument(r.org, asset_number="BAL-01")
    updated = services.instrument_update(
        actor=r.keeper_actor, instrument_id=icp.pk, location="仪器室 305", model="7900"
    )
    assert (updated.asset_number, updated.name, updated.location, updated.model) == (
        "ICP-01",
        "ICP-MS",
        "仪器室 305",
        "7900",
    )
    [event] = AuditEvent.objects.filter(action="instrument.update")
    assert (event.before["location"], event.after["location"], event.before["model"], event.after["model"]) == (
        "201",
        "仪器室 305",
        "",
        "7900",
    )
    services.instrument_update(actor=r.keeper_actor, instrument_id=icp.pk, location="仪器室 305")
    assert AuditEvent.objects.filter(action="instrument.update").count() == 1  # nothing changed, nothing written
    before = state()
    with pytest.raises(ServiceError) as refused:
        services.instrument_update(actor=r.keeper_actor, instrument_id=icp.pk, asset_number="BAL-01")
    assert refused.value.fields == {"asset_number": ["设备编号 BAL-01 已被本机构的另一台仪器使用。"]}
    with pytest.raises(ServiceError) as refused:
        services.instrument_update(actor=r.keeper_actor, instrument_id=icp.pk, status="retired")
    assert refused.value.code == "unknown_field" and refused.value.fields == {"status": ["未知字段。"]}
    with pytest.raises(NotFound):
        services.instrument_update(actor=r.other_actor, instrument_id=icp.pk, name="偷改")
    assert state() == before


# --- status -----------------------------------------------------------------------------------------------------


def test_status_change_needs_a_reason_and_blocks_use():
    r = register_world()
    icp = instrument(r.org, asset_number="ICP-01", name="ICP-MS")
    before = state()
    with pytest.raises(ServiceError) as refused:
        services.instrument_set_status(actor=r.keeper_actor, instrument_id=icp.pk, status="broken", reason=" ")
    assert refused.value.fields == {
        "status": ["未知的仪器状态“broken”：可选 在用、停用、校准中、报废。"],
        "reason": ["请说明变更状态的原因。"],
    }
    with pytest.raises(Conflict) as refused:
        services.instrument_set_status(actor=r.keeper_actor, instrument_id=icp.pk, status="in_service", reason="x")
    assert refused.value.message == "仪器 ICP-01 ICP-MS 的状态已是“在用”。"
    with pytest.raises(NotFound):
        services.instrument_set_status(actor=r.other_actor, instrument_id=icp.pk, status="retired", reason="x")
    assert state() == before

    changed = services.instrument_set_status(
        actor=r.keeper_actor, instrument_id=icp.pk, status="out_of_service", reason="雾化器损坏，待维修"
    )
    assert changed.status == "out_of_service"
    [event] = AuditEvent.objects.filter(action="instrument.status")
    assert (event.before, event.after, event.reason) == (
        {"status": "in_service"},
        {"status": "out_of_service"},
        "雾化器损坏，待维修",
    )
    assert selectors.instruments_for_choice(r.keeper_actor, today()) == [
        (changed, "仪器 ICP-01 ICP-MS 状态为“停用”，不能使用。")
    ]
    services.instrument_set_status(actor=r.keeper_actor, instrument_id=icp.pk, status="retired", reason="报废处理")
    with pytest.raises(Conflict) as refused:
        services.instrument_set_status(actor=r.keeper_actor, instrument_id=icp.pk, status="in_service", reason="x")
    assert refused.value.code == "instrument_retired"


# --- calibration ------------------------------------------------------------------------------------------------


def test_record_calibration_checks_dates_and_makes_an_instrument_usable():
    r = register_world()
    new = services.instrument_register(actor=r.keeper_actor, asset_number="PH-01", name="pH 计")
    [(_, reason)] = selectors.instruments_for_choice(r.keeper_actor, today())
    assert reason == "仪器 PH-01 pH 计 没有有效的校准记录，不能使用。"
    before = state()
    with pytest.raises(ServiceError) as refused:
        services.instrument_record_calibration(
            actor=r.keeper_actor, instrument_id=new.pk, calibrated_on=days(1), calibration_due=days(1)
        )
    assert refused.value.fields == {
        "calibrated_on": [f"校准日期（{days(1):%Y-%m-%d}）不能晚于今天（{today():%Y-%m-%d}）。"],
        "calibration_due": [f"校准有效期（{days(1):%Y-%m-%d}）须晚于校准日期（{days(1):%Y-%m-%d}）。"],
    }
    with pytest.raises(PermissionDenied):
        services.instrument_record_calibration(
            actor=r.analyst_actor, instrument_id=new.pk, calibrated_on=today(), calibration_due=days(365)
        )
    assert state() == before

    calibrated = services.instrument_record_calibration(
        actor=r.metrologist_actor, instrument_id=new.pk, calibrated_on=days(-2), calibration_due=days(363)
    )
    assert (calibrated.calibrated_on, calibrated.calibration_due) == (days(-2), days(363))
    [event] = AuditEvent.objects.filter(action="instrument.calibration")
    assert (event.before, event.after) == (
        {"calibrated_on": None, "calibration_due": None},
        {"calibrated_on": days(-2).isoformat(), "calibration_due": days(363).isoformat()},
    )
    assert selectors.instruments_for_choice(r.keeper_actor, today()) == [(calibrated, None)]
    with pytest.raises(ServiceError) as refused:
        services.instrument_record_calibration(
            actor=r.keeper_actor, instrument_id=new.pk, calibrated_on=days(-10), calibration_due=days(300)
        )
    assert refused.value.fields == {
        "calibrated_on": [f"校准日期（{days(-10):%Y-%m-%d}）不能早于已记录的上次校准日期（{days(-2):%Y-%m-%d}）。"]
    }


# --- lists ------------------------------------------------------------------------------------------------------


def test_list_filters_due_soon_and_overdue():
    r = register_world()
    ok = instrument(r.org, asset_number="A-OK", calibration_due=days(31))
    soon = instrument(r.org, asset_number="B-SOON", calibration_due=days(30))
    today_due = instrument(r.org, asset_number="C-TODAY", calibration_due=today())
    overdue = instrument(r.org, asset_number="D-LATE", calibration_due=days(-1), location="仪器室 201")
    instrument(r.org, asset_number="E-RETIRED", calibration_due=days(-5), status="retired")
    instrument(r.org, asset_number="F-FREE", calibration_due=days(-5), calibration_required=False)
    never = instrument(r.org, asset_number="G-NEW", calibrated_on=None, calibration_due=None)
    instrument(r.other, asset_number="Z-OTHER", calibration_due=days(-1))

    def numbers(**filters):
        return [i.asset_number for i in selectors.instrument_list(r.analyst_actor, **filters)]

    assert numbers() == ["A-OK", "B-SOON", "C-TODAY", "D-LATE", "E-RETIRED", "F-FREE", "G-NEW"]
    assert numbers(due="soon") == ["B-SOON", "C-TODAY"]
    assert numbers(due="overdue") == ["D-LATE"]
    assert numbers(status="retired") == ["E-RETIRED"]
    assert numbers(q="201") == ["D-LATE"]
    states = {i.asset_number: selectors.due_state(i, today()) for i in selectors.instrument_list(r.analyst_actor)}
    assert states == {
        "A-OK": "ok",
        "B-SOON": "soon",
        "C-TODAY": "soon",
        "D-LATE": "overdue",
        "E-RETIRED": "retired",
        "F-FREE": "not_required",
        "G-NEW": "none",
    }
    with pytest.raises(ServiceError) as refused:
        selectors.instrument_list(r.analyst_actor, due="later")
    assert refused.value.fields == {"due": ["未知的校准筛选“later”：可选 soon、overdue。"]}
    choices = dict(selectors.instruments_for_choice(r.analyst_actor, today()))
    assert choices[ok] is None and choices[soon] is None and choices[today_due] is None
    assert choices[overdue] == (
        f"仪器 D-LATE {overdue.name} 的校准已于 {days(-1):%Y-%m-%d} 到期，{today():%Y-%m-%d} 不能使用。"
    )
    assert choices[never] == f"仪器 G-NEW {never.name} 没有有效的校准记录，不能使用。"
    with pytest.raises(NotFound):
        selectors.instrument_get(r.other_actor, ok.pk)
