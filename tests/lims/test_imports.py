"""CSV import of instrument results: mapping per instrument, preview (every row checked), apply all or nothing."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tichub.accounts.choices import Role
from tichub.core.errors import Conflict, NotFound, ServiceError
from tichub.core.models import AuditEvent
from tichub.lims import import_services
from tichub.lims.choices import SampleStatus
from tichub.lims.choices import TestStatus as State
from tichub.lims.import_services import NotYours
from tichub.lims.models import ImportMapping, LabSample, ResultImport, ResultRevision, Test
from tichub.marketplace.choices import OrderStatus
from tichub.metrology.models import Instrument

from ..marketplace.world import actor_of
from .import_world import COLUMNS, csv_bytes, import_world, more_samples, preview, results_of, revisions, upload
from .world import sample_tests

pytestmark = pytest.mark.django_db
# Preview, apply (one order, which progress_sync moves RECEIVED → IN_PROGRESS). SQLite: two PRAGMAs about the
# foreign keys; PostgreSQL: the temporary table's CREATE and DROP, and COPY (not counted) for the revisions.
QUERIES = {"sqlite": (9, 21), "postgresql": (9, 20)}


def today() -> str:
    return timezone.localdate().isoformat()


def four_rows(s1, s2) -> bytes:
    return csv_bytes(
        (s1.number, "pb", "0.48", "mg/kg", today()),
        (s1.number, "Cadmium", "50", "µg/kg", f"{today()}T09:30:00+08:00"),
        (s2.number, "铅", "0.003", "", today()),
        (s2.number, "CD", "0.15", "mg/kg", ""),
    )


def test_preview_checks_every_row_and_writes_nothing():
    w, s1, s2 = import_world()
    before, events = results_of(s1, s2), AuditEvent.objects.count()
    result = preview(w, four_rows(s1, s2))
    assert (result.status, result.rows, result.errors, result.file_name) == ("previewed", 4, [], "icp-export.csv")
    assert result.columns["mapping"] == COLUMNS and result.columns["delimiter"] == ","
    assert result.columns["summary"] == {
        "rows": 4, "tests": 4, "samples": 2, "orders": 1,
        "decisions": {"conditional_pass": 1, "fail": 1, "pass": 2},
        "conversions": {"µg/kg → mg/kg": 1}, "converted": 1, "below_limits": 1,
        "uncertainty_from_file": 0, "uncertainty_ignored": 0,
        "measured_from": today(), "measured_to": today(), "errors": 0, "error_lines": 0,
    }  # fmt: skip
    shown = [
        (r["line"], r["sample"], r["keyword"], r["raw_value"], r["raw_unit"], r["value"], r["unit"], r["reported"],
         r["text_zh"], r["uncertainty"], r["decision"])
        for r in result.columns["preview"]
    ]  # fmt: skip
    assert shown == [
        (2, s1.number, "pb", "0.48", "mg/kg", "0.48", "mg/kg", "0.480", "0.480", "0.048", "conditional_pass"),
        (3, s1.number, "cd", "50", "µg/kg", "0.050", "mg/kg", "0.05000", "0.05000", "0.0020", "pass"),
        (4, s2.number, "pb", "0.003", "mg/kg", "0.003", "mg/kg", "", "未检出 (<0.005)", "0.00030", "pass"),
        (5, s2.number, "cd", "0.15", "mg/kg", "0.15", "mg/kg", "0.15000", "0.15000", "0.0020", "fail"),
    ]
    assert results_of(s1, s2) == before and revisions() == 0
    event = AuditEvent.objects.get(action="result_import.preview")
    assert AuditEvent.objects.count() == events + 1
    assert event.after["status"] == "previewed" and event.after["rows"] == 4 and event.after["sha256"] == result.sha256
    assert result.file.read() == four_rows(s1, s2)


def test_apply_writes_every_result_with_its_revision_and_one_audit_event(django_capture_on_commit_callbacks):
    w, s1, s2 = import_world()
    result = preview(w, four_rows(s1, s2))
    storage = ResultImport._meta.get_field("file").storage
    assert storage.exists(result.columns["verdicts"]["name"])
    with django_capture_on_commit_callbacks(execute=True):
        applied = import_services.import_apply(actor=w.analyst_actor, import_id=result.pk)
    assert not storage.exists(result.columns["verdicts"]["name"]) and storage.exists(result.file.name)
    assert applied.status == "applied" and applied.applied_at is not None
    pb, cd = sample_tests(s1)["pb"], sample_tests(s1)["cd"]
    analyst = w.people["analyst"]
    assert [
        (t.status, t.version, t.raw_value, t.raw_unit, t.value, t.reported_value, t.uncertainty, t.result_text_zh,
         t.result_text_en, t.decision, t.measured_on, t.instrument_id, t.entered_by_id, t.analyst_id)
        for t in (pb, cd, *sample_tests(s2).values())
    ] == [
        ("entered", 1, "0.48", "mg/kg", "0.48", "0.480", "0.048", "0.480", "0.480", "conditional_pass",
         timezone.localdate(), w.icp.pk, analyst.pk, analyst.pk),
        ("entered", 1, "50", "µg/kg", "0.050", "0.05000", "0.0020", "0.05000", "0.05000", "pass",
         timezone.localdate(), w.icp.pk, analyst.pk, analyst.pk),
        ("entered", 1, "0.003", "mg/kg", "0.003", "", "0.00030", "未检出 (<0.005)", "not detected (<0.005)", "pass",
         timezone.localdate(), w.icp.pk, analyst.pk, analyst.pk),
        ("entered", 1, "0.15", "mg/kg", "0.15", "0.15000", "0.0020", "0.15000", "0.15000", "fail",
         timezone.localdate(), w.icp.pk, analyst.pk, analyst.pk),
    ]  # fmt: skip
    reason = f"CSV 导入 #{result.pk}（icp-export.csv，SHA-256 {result.sha256}）"
    written = ResultRevision.objects.order_by("test_id")
    assert list(written.values_list("test_id", "version", "value", "source", "reason", "changed_by_id")) == [
        (t.pk, 1, t.value, "import", reason, analyst.pk) for t in Test.objects.order_by("pk")
    ]
    [event] = AuditEvent.objects.filter(action="result.import")
    assert (event.object_id, event.before, event.actor_id) == (str(result.pk), {"status": "previewed"}, analyst.pk)
    assert event.after == {
        "status": "applied", "file_name": "icp-export.csv", "sha256": result.sha256, "instrument": w.icp.pk,
        "rows": 4, "tests": 4, "samples": 2, "orders": 1,
        "decisions": {"conditional_pass": 1, "fail": 1, "pass": 2}, "converted": 1,
    }  # fmt: skip
    w.order.refresh_from_db()
    s1.refresh_from_db()
    assert (w.order.status, s1.status) == (OrderStatus.IN_PROGRESS, SampleStatus.TESTING)


def test_one_bad_row_among_many_writes_nothing_and_names_its_line():
    w, _s1, _s2 = import_world()
    samples = more_samples(w, 30)
    rows = [(s.number, keyword, "0.05", "mg/kg", today()) for s in samples for keyword in ("pb", "cd")]
    rows[40] = (rows[40][0], rows[40][1], '"0,05"', "mg/kg", today())
    before, events = results_of(*samples), AuditEvent.objects.count()
    result = preview(w, csv_bytes(*rows))
    assert (result.status, result.rows) == ("refused", 60)
    assert result.errors == [
        {"line": 42, "column": "value", "message": "“0,05”不是数值：小数点请用“.”，不要用逗号或千位分隔符。"}
    ]
    assert result.columns["summary"]["errors"] == 1 and result.columns["preview"] == []
    with pytest.raises(Conflict) as refused:
        import_services.import_apply(actor=w.analyst_actor, import_id=result.pk)
    assert refused.value.code == "import_state"
    assert results_of(*samples) == before and revisions() == 0
    assert AuditEvent.objects.count() == events + 1  # the preview's own record, nothing else


def test_another_laboratorys_sample_is_not_found_and_left_untouched():
    w, s1, _s2 = import_world()
    lab2 = w.m.lab2
    theirs = LabSample.objects.create(
        institution=lab2.org, enterprise=w.enterprise, order=w.order, number="OTHER-0001", description="其他机构的样品",
        quantity="1 袋", received_at=timezone.now(), received_by=lab2.reception,
        retention_until=timezone.localdate() + dt.timedelta(days=90),
    )  # fmt: skip
    pb = sample_tests(s1)["pb"]
    Test.objects.create(
        institution=lab2.org, sample=theirs, order=w.order, keyword="pb", parameter="铅", standard_id=pb.standard_id,
        decision_rule="simple", unit="mg/kg",
    )  # fmt: skip
    before = results_of(theirs)
    content = csv_bytes((s1.number, "pb", "0.1", "mg/kg", today()), (theirs.number, "pb", "0.2", "mg/kg", today()))
    result = preview(w, content)
    assert result.status == "refused"
    assert result.errors == [
        {"line": 3, "column": "sample", "message": "未找到样品“OTHER-0001”：编号不存在，或不是本实验室的样品。"}
    ]
    assert results_of(theirs) == before
    with pytest.raises(NotFound):
        import_services.import_apply(actor=w.outsider_lab_actor, import_id=result.pk)
    with pytest.raises(NotFound):
        preview(w, content, actor=w.outsider_lab_actor)  # w's instrument is not theirs
    assert results_of(theirs) == before and revisions() == 0


def test_row_errors_name_the_line_the_column_and_the_rule():
    w, s1, s2 = import_world()
    extra = more_samples(w, 2)
    yesterday = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    Test.objects.filter(sample=s2, keyword="pb").update(status=State.SUBMITTED, value="0.1", version=1)
    Test.objects.filter(sample=s2, keyword="cd").update(formula="pb * 2")
    Test.objects.filter(sample=extra[1], keyword="pb").update(analyst=w.people["analyst2"])
    content = csv_bytes(
        ("S-NONE", "pb", "0.1", "mg/kg", today()),  # 2
        (s1.number, "zn", "0.1", "mg/kg", today()),  # 3
        (s2.number, "pb", "0.1", "mg/kg", today()),  # 4
        (s2.number, "cd", "0.1", "mg/kg", today()),  # 5
        (s1.number, "pb", "abc", "mg/kg", today()),  # 6
        (s1.number, "Lead", "0.2", "mg/kg", today()),  # 7: the same test as line 6
        (s1.number, "cd", "0.1", "bananas", today()),  # 8
        (extra[0].number, "pb", "0.1", "MPa", today()),  # 9
        (extra[0].number, "cd", "-0.1", "mg/kg", today()),  # 10
        (extra[1].number, "pb", "0.1", "mg/kg", today()),  # 11
        (extra[1].number, "cd", "0.1", "mg/kg", tomorrow),  # 12
        ("", "pb", "0.1", "mg/kg", today()),  # 13
    )
    result = preview(w, content)
    analyst2 = w.people["analyst2"].name
    no_test = f"样品 {s1.number} 没有检测项目“zn”。该样品的检测项目：cd、pb。"
    assert [(e["line"], e["column"], e["message"]) for e in result.errors] == [
        (2, "sample", "未找到样品“S-NONE”：编号不存在，或不是本实验室的样品。"),
        (3, "keyword", no_test),
        (4, "keyword", f"样品 {s2.number} 的检测项目 pb 状态为“待审核”：只有“待检”或“已录入”的项目可以导入结果。"),
        (5, "keyword", f"样品 {s2.number} 的检测项目 cd 是计算项目（公式 pb * 2），结果由系统计算，不能导入。"),
        (6, "value", "“abc”不是数值：请输入数字，可带正负号、小数点和指数（如 12.25、-0.036、1.2E-3）。"),
        (7, "keyword", f"与第 6 行重复：样品 {s1.number} 的检测项目 pb 在文件中只能出现一次。"),
        (8, "unit", "未知单位“bananas”。"),
        (9, "unit", "单位“MPa”与本项目的单位“mg/kg”量纲不同，不能换算。"),
        (10, "value", "结果 -0.1 为负值：本项目（浓度、含量等）的结果不能小于零。"),
        (11, "keyword", f"样品 {extra[1].number} 的检测项目 pb 已分配给 {analyst2}：只有该检测人员可以录入结果。"),
        (12, "measured_on", f"测定日期 {tomorrow} 晚于今天（{today()}）：不能导入将来的测定。"),
        (13, "sample", "请填写样品编号。"),
    ]  # fmt: skip
    assert result.columns["summary"]["error_lines"] == 12
    dated = preview(w, csv_bytes((s1.number, "pb", "0.1", "mg/kg", yesterday), (s1.number, "cd", "0.1", "", "3/1")))
    assert [(e["line"], e["column"], e["message"]) for e in dated.errors] == [
        (2, "measured_on", f"测定日期 {yesterday} 早于样品 {s1.number} 的接收日期 {today()}。"),
        (3, "measured_on", "“3/1”不是 ISO 日期：请写成 2026-03-01 或 2026-03-01T14:30:00。"),
    ]
    assert revisions() == 0


def test_an_instrument_out_of_calibration_refuses_its_rows():
    w, s1, _s2 = import_world()
    content = csv_bytes((s1.number, "pb", "0.1", "mg/kg", today()))
    result = import_services.import_preview(
        actor=w.analyst_actor, file=upload(content), instrument_id=w.balance_overdue.pk, columns=COLUMNS
    )
    due = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    assert result.errors == [
        {
            "line": 2,
            "column": "instrument",
            "message": f"仪器 BAL-02 电子天平 的校准已于 {due} 到期，{today()} 不能使用。",
        }
    ]
    # Without an instrument chosen, each test's own instrument is checked.
    Test.objects.filter(sample=s1, keyword="pb").update(instrument=w.balance_overdue)
    result = preview(w, content, instrument=False)
    assert [e["column"] for e in result.errors] == ["instrument"]


def test_apply_refusals_change_nothing():
    w, s1, s2 = import_world()
    result = preview(w, four_rows(s1, s2))
    before, events = results_of(s1, s2), AuditEvent.objects.count()
    with pytest.raises(NotYours) as not_yours:
        import_services.import_apply(actor=w.analyst2_actor, import_id=result.pk)
    assert (not_yours.value.status, not_yours.value.code) == (403, "not_yours")
    with pytest.raises(PermissionDenied):
        import_services.import_apply(actor=w.quality_actor, import_id=result.pk)  # no lims.result.enter
    with pytest.raises(NotFound):
        import_services.import_apply(actor=w.outsider_lab_actor, import_id=result.pk)
    assert results_of(s1, s2) == before and revisions() == 0 and AuditEvent.objects.count() == events
    result.refresh_from_db()
    assert result.status == "previewed"


def test_a_laboratory_manager_may_apply_an_analysts_import():
    w, s1, s2 = import_world()
    result = preview(w, four_rows(s1, s2))
    manager = actor_of(w.institution, w.people["quality"], Role.QUALITY_MANAGER, Role.ANALYST)
    import_services.import_apply(actor=manager, import_id=result.pk)
    pb = sample_tests(s1)["pb"]
    assert (pb.entered_by_id, pb.analyst_id) == (w.people["analyst"].pk, w.people["analyst"].pk)
    assert ResultRevision.objects.get(test=pb).changed_by_id == w.people["quality"].pk


def test_apply_checks_again_what_changed_since_the_preview():
    w, s1, s2 = import_world()
    result = preview(w, four_rows(s1, s2))
    Test.objects.filter(sample=s2, keyword="cd").update(status=State.SUBMITTED, value="0.2", version=3)
    Instrument.objects.filter(pk=w.icp.pk).update(status="under_calibration")
    before, events = results_of(s1, s2), AuditEvent.objects.count()
    with pytest.raises(Conflict) as stale:
        import_services.import_apply(actor=w.analyst_actor, import_id=result.pk)
    assert stale.value.code == "stale_preview"
    assert stale.value.message == "预览之后数据已有变化，4 行不能导入，未写入任何结果。请按行号核对后重新上传并预览。"
    assert stale.value.fields["line 2"] == ["仪器：仪器 ICP-01 电感耦合等离子体质谱仪 状态为“校准中”，不能使用。"]
    assert stale.value.fields["line 5"][0].startswith("检测项目（代码或名称）：样品")
    assert results_of(s1, s2) == before and revisions() == 0 and AuditEvent.objects.count() == events
    result.refresh_from_db()
    assert result.status == "previewed"


def test_an_applied_file_cannot_be_imported_again():
    w, s1, s2 = import_world()
    content = four_rows(s1, s2)
    first, second = preview(w, content), preview(w, content)
    import_services.import_apply(actor=w.analyst_actor, import_id=first.pk)
    with pytest.raises(Conflict) as twice:
        import_services.import_apply(actor=w.analyst_actor, import_id=first.pk)
    assert twice.value.code == "import_state"
    before = results_of(s1, s2)
    with pytest.raises(ServiceError) as again:
        import_services.import_apply(actor=w.analyst_actor, import_id=second.pk)
    assert again.value.code == "already_applied" and list(again.value.fields) == ["file"]
    with pytest.raises(ServiceError) as upload_again:
        preview(w, content)
    assert upload_again.value.code == "already_applied"
    assert results_of(s1, s2) == before and revisions() == 4


def test_unreadable_files_are_refused_and_nothing_is_saved(monkeypatch):
    w, s1, _s2 = import_world()
    cases = [
        (b"", "file", "文件为空。"),
        (b"\xff\xfe\x00\xd8bad", "file", "无法识别文件编码：请将 CSV 保存为 UTF-8 或 GB18030 编码。"),
        (csv_bytes(), "file", "文件只有表头（第 1 行），没有数据行。"),
        (b"just one column\nS1\n", "delimiter", None),
    ]
    for content, field, message in cases:
        with pytest.raises(ServiceError) as refused:
            preview(w, content)
        assert list(refused.value.fields) == [field]
        if message:
            assert refused.value.fields[field] == [message]
    monkeypatch.setattr("tichub.lims.csvfile.MAX_ROWS", 2)
    with pytest.raises(ServiceError) as too_many:
        preview(w, csv_bytes(*[(s1.number, "pb", "0.1", "mg/kg", today())] * 3))
    assert too_many.value.fields == {"file": ["文件的数据超过 2 行：请分成多个文件导入。"]}
    monkeypatch.setattr("tichub.lims.import_services.MAX_BYTES", 10)
    with pytest.raises(ServiceError) as too_large:
        preview(w, csv_bytes((s1.number, "pb", "0.1", "mg/kg", today())))
    assert too_large.value.fields == {"file": ["文件过大：上限为 0 MB，请分成多个文件导入。"]}
    assert ResultImport.objects.count() == 0 and revisions() == 0


def test_mapping_saved_per_instrument_and_used_by_the_next_upload():
    w, s1, s2 = import_world()
    events = AuditEvent.objects.count()
    mapping = import_services.mapping_save(
        actor=w.analyst_actor, instrument_id=w.icp.pk, columns={**COLUMNS, "uncertainty": ""}, delimiter=";"
    )
    assert (mapping.columns, mapping.delimiter, mapping.institution_id) == (COLUMNS, ";", w.institution.pk)
    mapping = import_services.mapping_save(
        actor=w.analyst_actor, instrument_id=w.icp.pk, columns=COLUMNS, delimiter=","
    )
    assert ImportMapping.objects.get().delimiter == ","
    saves = AuditEvent.objects.filter(action="import_mapping.save").order_by("pk")
    assert AuditEvent.objects.count() == events + 2
    assert (saves[0].before, saves[1].before) == (None, {"columns": COLUMNS, "delimiter": ";"})
    result = import_services.import_preview(
        actor=w.analyst_actor, file=upload(four_rows(s1, s2)), instrument_id=w.icp.pk
    )
    assert (result.status, result.columns["mapping"]) == ("previewed", COLUMNS)


def test_mapping_refusals_name_the_field():
    w, _s1, _s2 = import_world()
    with pytest.raises(ServiceError) as refused:
        import_services.mapping_save(
            actor=w.analyst_actor,
            instrument_id=w.icp.pk,
            columns={"sample": "ID", "keyword": "id", "colour": "X", "unit": 3},
            delimiter="|",
        )
    assert refused.value.fields == {
        "columns": ["未知的列：colour。可用的列：sample, keyword, value, unit, measured_on, uncertainty。"],
        "columns.value": ["请指定“结果”所在的列。"],
        "columns.unit": ["“单位”须为表头名称（文本）。"],
        "columns.keyword": ["“样品编号”与“检测项目（代码或名称）”不能是同一列（id）。"],
        "delimiter": ["分隔符“|”无效：应为逗号、分号、制表符，或留空自动识别。"],
    }
    with pytest.raises(NotFound):
        import_services.mapping_save(actor=w.outsider_lab_actor, instrument_id=w.icp.pk, columns=COLUMNS, delimiter=",")
    with pytest.raises(ServiceError) as no_mapping:
        import_services.import_preview(actor=w.analyst_actor, file=upload(b"a,b\n1,2\n"), instrument_id=w.icp.pk)
    assert no_mapping.value.code == "no_mapping"
    assert ImportMapping.objects.count() == 0 and ResultImport.objects.count() == 0


def test_a_mapping_that_does_not_fit_is_refused_then_checked_again_without_uploading():
    w, s1, s2 = import_world()
    wrong = {**COLUMNS, "value": "Concentration"}
    refused = preview(w, four_rows(s1, s2), columns=wrong, save_mapping=True)
    assert refused.status == "refused" and refused.rows == 0
    assert refused.errors == [
        {"line": 1, "column": "value", "message": "表头（第 1 行）中没有“Concentration”列（映射为结果）。"
         "文件的列：“Sample ID”、“Analyte”、“Conc”、“Unit”、“Date”。"}
    ]  # fmt: skip
    assert refused.columns["headers"] == ["Sample ID", "Analyte", "Conc", "Unit", "Date"]
    assert refused.columns["mapping_saved"] is False and ImportMapping.objects.count() == 0
    again = import_services.import_recheck(
        actor=w.analyst_actor, import_id=refused.pk, columns=COLUMNS, save_mapping=True
    )
    assert (again.status, again.file.name, again.sha256) == ("previewed", refused.file.name, refused.sha256)
    assert again.columns["mapping_saved"] is True and ImportMapping.objects.get().columns == COLUMNS
    with pytest.raises(NotFound):
        import_services.import_recheck(actor=w.outsider_lab_actor, import_id=refused.pk, columns=COLUMNS)


def test_the_uncertainty_column_is_used_only_where_the_method_gives_none():
    w, s1, _s2 = import_world()
    Test.objects.filter(sample=s1, keyword="cd").update(uncertainty_kind="none", uncertainty_value="")
    columns = {**COLUMNS, "uncertainty": "U"}
    header = (*COLUMNS.values(), "U")
    without = preview(w, csv_bytes((s1.number, "cd", "0.09", "mg/kg", today(), ""), header=header), columns=columns)
    rule = "判定规则：带保护带的非二元判定（ILAC-G8:09/2019 4.2.3），保护带 w = 1 × U"
    message = f"约定的判定规则（{rule}）需要测量不确定度：请在方法设置中给出本项目的扩展不确定度。"
    assert without.errors == [{"line": 2, "column": "uncertainty", "message": message}]
    content = csv_bytes(
        (s1.number, "cd", "90", "µg/kg", today(), "15"),
        (s1.number, "pb", "0.3", "mg/kg", today(), "0.9"),
        header=header,
    )
    result = preview(w, content, columns=columns)
    summary = result.columns["summary"]
    assert (summary["uncertainty_from_file"], summary["uncertainty_ignored"]) == (1, 1)
    cd, pb = result.columns["preview"]
    # 90 µg/kg ± 15 µg/kg → 0.090 ± 0.015 mg/kg straddles the 0.1 limit: conditional pass. pb keeps its 10 %.
    assert (cd["value"], cd["uncertainty"], cd["decision"]) == ("0.090", "0.015", "conditional_pass")
    assert (pb["uncertainty"], pb["decision"]) == ("0.030", "pass")


def test_calculated_tests_are_recalculated_after_the_import():
    w, s1, _s2 = import_world()
    pb = sample_tests(s1)["pb"]
    Test.objects.create(
        institution=w.institution, sample=s1, order=w.order, keyword="twice", parameter="铅（两倍）",
        standard_id=pb.standard_id, decision_rule="none", unit="mg/kg", places=3, formula="pb * 2",
    )  # fmt: skip
    result = preview(w, csv_bytes((s1.number, "pb", "0.123", "mg/kg", today())))
    import_services.import_apply(actor=w.analyst_actor, import_id=result.pk)
    twice = sample_tests(s1)["twice"]
    assert (twice.status, twice.value, twice.reported_value) == ("entered", "0.246", "0.246")


@pytest.mark.parametrize("rows", [10, 100])
def test_query_counts_of_preview_and_apply_do_not_grow_with_the_rows(rows):
    w, _s1, _s2 = import_world()
    samples = more_samples(w, rows // 2)
    import_services.mapping_save(actor=w.analyst_actor, instrument_id=w.icp.pk, columns=COLUMNS, delimiter=",")
    content = csv_bytes(*[(s.number, keyword, "0.05", "mg/kg", today()) for s in samples for keyword in ("pb", "cd")])
    with CaptureQueriesContext(connection) as previewed:
        result = import_services.import_preview(actor=w.analyst_actor, file=upload(content), instrument_id=w.icp.pk)
    assert (result.status, result.rows) == ("previewed", rows)
    with CaptureQueriesContext(connection) as applied:
        import_services.import_apply(actor=w.analyst_actor, import_id=result.pk)
    assert Test.objects.filter(sample__in=samples, status="entered").count() == rows
    assert (len(previewed.captured_queries), len(applied.captured_queries)) == QUERIES[connection.vendor]


def test_apply_judges_the_file_again_when_the_kept_verdicts_cannot_be_used():
    w, s1, s2 = import_world()
    storage = ResultImport._meta.get_field("file").storage
    # Kept verdicts that are gone, or not the ones recorded: the file is judged again and gives the same results.
    gone = preview(w, four_rows(s1, s2))
    storage.delete(gone.columns["verdicts"]["name"])
    import_services.import_apply(actor=w.analyst_actor, import_id=gone.pk)
    assert [t.reported_value for t in sample_tests(s1).values()] == ["0.480", "0.05000"]
    t1, t2 = more_samples(w, 2)
    tampered = preview(w, csv_bytes((t1.number, "pb", "0.48", "mg/kg", today())))
    kept = tampered.columns["verdicts"]["name"]
    storage.delete(kept)
    storage.save(kept, ContentFile(b"not the verdicts"))
    import_services.import_apply(actor=w.analyst_actor, import_id=tampered.pk)
    assert sample_tests(t1)["pb"].decision == "conditional_pass"
    # A test whose rules changed after the preview is judged under its new rules.
    changed = preview(w, csv_bytes((t2.number, "pb", "0.48", "mg/kg", today())))
    Test.objects.filter(sample=t2, keyword="pb").update(upper_limit="1")
    import_services.import_apply(actor=w.analyst_actor, import_id=changed.pk)
    assert sample_tests(t2)["pb"].decision == "pass"
