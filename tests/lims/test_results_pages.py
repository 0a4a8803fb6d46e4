"""Result pages: the grid (HTMX row saves, the whole grid without JavaScript, submission) and a test's record."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import formats, timezone

from tichub.core.testing.permissions import signed_in
from tichub.lims.models import ResultRevision, ReviewStep, Test
from tichub.lims.result_services import results_record, results_submit

from .results_world import add_formula, add_tests, db_state, entry
from .world import lab_world, received, sample_tests

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def w():
    return lab_world()


def grid_url(sample):
    return reverse("lims:sample_results", args=[sample.pk])


def row_url(test):
    return reverse("lims:test_result", args=[test.pk])


def row_data(test, value, **fields):
    data = {"value": value, "version": str(test.version), **fields}
    return {f"t{test.pk}-{name}": text for name, text in data.items()}


def text_of(html):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


# --- the grid -----------------------------------------------------------------------------------------------------


def test_grid_shows_one_keyboard_row_per_test_with_instruments_and_units(w):
    sample = received(w)
    tests = sample_tests(sample)
    page = signed_in(w.analyst, w.institution).get(grid_url(sample))
    assert page.status_code == 200
    html = page.content.decode()
    for test in tests.values():
        assert f'id="result-row-{test.pk}"' in html
        assert f'hx-post="{row_url(test)}"' in html
        assert f'name="t{test.pk}-value" value="" inputmode="decimal"' in html
        assert f'<input type="hidden" name="t{test.pk}-version" value="0">' in html
        assert f'name="t{test.pk}-unit" value="mg/kg" list="result-units"' in html
        assert (
            f'hx-params="t{test.pk}-value,t{test.pk}-unit,t{test.pk}-instrument_id,'
            f't{test.pk}-measured_on,t{test.pk}-reason,t{test.pk}-version"'
        ) in html
    due = formats.date_format(w.balance_overdue.calibration_due, "Y-m-d")
    reason = f"仪器 BAL-02 电子天平 的校准已于 {due} 到期，{timezone.localdate().isoformat()} 不能使用。"
    assert f'<option value="{w.balance_overdue.pk}" disabled title="{reason}">BAL-02 电子天平 (不可用)</option>' in html
    assert f'<option value="{w.icp.pk}">ICP-01 电感耦合等离子体质谱仪</option>' in html
    assert '<datalist id="result-units"><option value="mg/kg"><option value="µg/kg">' in html
    assert "tichub/lims-grid.js" in html
    assert "≤ 0.5 mg/kg (GB 2762)" in html and "GB 5009.12-2017" in html
    assert "保存全部结果" in html and "提交已录入的结果" in html


def test_grid_is_read_only_for_a_reviewer_and_for_another_analysts_test(w):
    sample = received(w)
    tests = sample_tests(sample)
    results_record(actor=w.analyst_actor, entries=[entry(tests["pb"], "0.48")])
    html = signed_in(w.reviewer, w.institution).get(grid_url(sample)).content.decode()
    assert 'inputmode="decimal"' not in html and "保存全部结果" not in html and "提交已录入的结果" not in html
    assert "0.480 mg/kg" in html and "有条件合格" in html
    html = signed_in(w.analyst2, w.institution).get(grid_url(sample)).content.decode()
    assert f'name="t{tests["pb"].pk}-value"' not in html  # taken by the first analyst
    assert f'name="t{tests["cd"].pk}-value"' in html


def test_grid_query_count_does_not_grow_with_the_tests(w):
    few, many = received(w, 0), received(w, 1)
    add_tests(many, 18)
    client = signed_in(w.analyst, w.institution)

    def count(sample):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(grid_url(sample))
        assert response.status_code == 200
        return len(queries), response.content.decode().count('inputmode="decimal"')

    count(few)  # the session's first request
    assert count(few) == (count(many)[0], 2)
    assert count(many)[1] == 20


# --- saving a row (HTMX) ------------------------------------------------------------------------------------------


def test_row_save_answers_the_row_rerendered(w):
    sample = received(w)
    pb = sample_tests(sample)["pb"]
    client = signed_in(w.analyst, w.institution)
    response = client.post(row_url(pb), row_data(pb, "480", unit="µg/kg", instrument_id=str(w.icp.pk)), **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.startswith(f'<tr id="result-row-{pb.pk}" data-grid-row')
    assert f'name="t{pb.pk}-value" value="480"' in html
    assert f'<input type="hidden" name="t{pb.pk}-version" value="1">' in html
    assert f'<option value="{w.icp.pk}" selected>' in html
    assert "0.480 mg/kg" in text_of(html) and "0.048" in html
    assert '<span class="badge decision-conditional_pass">有条件合格</span>' in html
    assert "已录入" in html and f'id="submit-{pb.pk}" name="test_ids" value="{pb.pk}" form="results-submit"' in html
    pb.refresh_from_db()
    assert (pb.raw_value, pb.raw_unit, pb.value, pb.instrument_id, pb.version) == ("480", "µg/kg", "0.480", w.icp.pk, 1)


def test_row_save_sends_the_calculated_row_it_changed_out_of_band(w):
    sample = received(w)
    tests = sample_tests(sample)
    total = add_formula(sample)
    results_record(actor=w.analyst_actor, entries=[entry(tests["pb"], "0.4")])
    cd = Test.objects.get(pk=tests["cd"].pk)
    response = signed_in(w.analyst, w.institution).post(row_url(cd), row_data(cd, "0.05"), **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.startswith(f'<tr id="result-row-{cd.pk}"')
    assert f'<template><tr id="result-row-{total.pk}" data-grid-row hx-swap-oob="true">' in html
    assert "0.450 mg/kg" in text_of(html)
    assert f'name="t{total.pk}-value"' not in html  # a calculated row has no input


def test_row_save_refused_answers_the_row_with_the_message_next_to_the_field(w):
    sample = received(w)
    pb = sample_tests(sample)["pb"]
    client = signed_in(w.analyst, w.institution)
    before = db_state()
    response = client.post(row_url(pb), row_data(pb, "0,48", unit="mg/L"), **HTMX)
    assert response.status_code == 400
    html = response.content.decode()
    assert html.startswith(f'<tr id="result-row-{pb.pk}" data-grid-row class="invalid"')
    assert f'name="t{pb.pk}-value" value="0,48"' in html and 'aria-invalid="true"' in html
    assert '<p class="error">“0,48”不是数值：小数点请用“.”，不要用逗号或千位分隔符。</p>' in html
    assert '<p class="error">单位“mg/L”与本项目的单位“mg/kg”量纲不同，不能换算。</p>' in html
    response = client.post(row_url(pb), row_data(pb, "0.1", measured_on="2026-02-30"), **HTMX)
    assert response.status_code == 400 and "输入一个有效的日期。" in response.content.decode()
    assert db_state() == before


def test_row_save_with_a_stale_version_is_a_conflict_in_the_row(w):
    sample = received(w)
    pb = sample_tests(sample)["pb"]
    results_record(actor=w.analyst_actor, entries=[entry(pb, "0.1")])
    before = db_state()
    response = signed_in(w.analyst, w.institution).post(row_url(pb), row_data(pb, "0.2"), **HTMX)  # version 0
    assert response.status_code == 409
    assert f"检测项目 {sample.number} 铅 在您打开后已被 {w.analyst.name} 于" in response.content.decode()
    assert db_state() == before


def test_a_submitted_row_asks_for_a_reason(w):
    sample = received(w)
    pb = sample_tests(sample)["pb"]
    results_record(actor=w.analyst_actor, entries=[entry(pb, "0.1")])
    results_submit(actor=w.analyst_actor, test_ids=[pb.pk])
    pb.refresh_from_db()
    client = signed_in(w.analyst, w.institution)
    assert f'name="t{pb.pk}-reason"' in client.get(grid_url(sample)).content.decode()
    response = client.post(row_url(pb), row_data(pb, "0.2"), **HTMX)
    assert response.status_code == 400
    assert "的结果处于“待审核”状态：更正须填写理由" in response.content.decode()
    response = client.post(row_url(pb), row_data(pb, "0.2", reason="抄写错误"), **HTMX)
    assert response.status_code == 200
    assert list(ResultRevision.objects.filter(test=pb).values_list("value", "reason")) == [
        ("0.1", ""),
        ("0.2", "抄写错误"),
    ]


def test_row_save_without_htmx_goes_back_to_the_grid(w):
    sample = received(w)
    pb = sample_tests(sample)["pb"]
    client = signed_in(w.analyst, w.institution)
    response = client.post(row_url(pb), row_data(pb, "0.3"))
    assert (response.status_code, response["Location"]) == (302, grid_url(sample))
    response = client.post(row_url(pb), row_data(pb, "x"))  # version 0 again: the stale version is reported
    assert response.status_code == 409 and "<h1>检测结果" in response.content.decode()


def test_row_save_of_another_institution_is_404_and_changes_nothing(w):
    pb = sample_tests(received(w))["pb"]
    other = w.m.lab2
    before = db_state()
    response = signed_in(other.analyst, other.org).post(row_url(pb), row_data(pb, "0.1"), **HTMX)
    assert response.status_code == 404 and db_state() == before


# --- the whole grid without JavaScript ----------------------------------------------------------------------------


def test_whole_grid_records_the_filled_rows_only(w):
    sample = received(w)
    tests = sample_tests(sample)
    client = signed_in(w.analyst, w.institution)
    data = {**row_data(tests["pb"], "0.12"), **row_data(tests["cd"], "")}
    response = client.post(grid_url(sample), data)
    assert (response.status_code, response["Location"]) == (302, grid_url(sample))
    assert list(Test.objects.filter(sample=sample).order_by("keyword").values_list("keyword", "value")) == [
        ("cd", ""),
        ("pb", "0.12"),
    ]
    pb = Test.objects.get(pk=tests["pb"].pk)
    # Posting the grid back unchanged records nothing new.
    page = client.post(grid_url(sample), {**row_data(pb, "0.12", measured_on=pb.measured_on.isoformat())}, follow=True)
    assert "没有新填写或更改的结果。" in page.content.decode()
    assert ResultRevision.objects.count() == 1


def test_whole_grid_with_faults_is_shown_again_with_every_message_and_nothing_written(w):
    sample = received(w)
    tests = sample_tests(sample)
    before = db_state()
    data = {**row_data(tests["pb"], "abc"), **row_data(tests["cd"], "0.1", instrument_id=str(w.balance_overdue.pk))}
    response = signed_in(w.analyst, w.institution).post(grid_url(sample), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "“abc”不是数值" in html and "仪器 BAL-02 电子天平 的校准已于" in html
    assert f'name="t{tests["pb"].pk}-value" value="abc"' in html
    assert db_state() == before


# --- submitting ---------------------------------------------------------------------------------------------------


def test_submit_entered_results_from_the_grid(w):
    sample = received(w)
    tests = sample_tests(sample)
    results_record(actor=w.analyst_actor, entries=[entry(tests["pb"], "0.1"), entry(tests["cd"], "0.01")])
    client = signed_in(w.analyst, w.institution)
    submit = reverse("lims:sample_results_submit", args=[sample.pk])
    before = db_state()
    response = client.post(submit, {})
    assert response.status_code == 400 and "请选择要提交的检测项目。" in response.content.decode()
    assert db_state() == before
    response = client.post(submit, {"test_ids": [str(tests["pb"].pk)]})
    assert (response.status_code, response["Location"]) == (302, grid_url(sample))
    assert dict(Test.objects.filter(sample=sample).values_list("keyword", "status")) == {
        "pb": "submitted",
        "cd": "entered",
    }
    assert list(ReviewStep.objects.values_list("test_id", "action")) == [(tests["pb"].pk, "submit")]


# --- a test's record ----------------------------------------------------------------------------------------------


def test_test_detail_shows_settings_result_revisions_and_steps(w):
    sample = received(w)
    pb = sample_tests(sample)["pb"]
    results_record(actor=w.analyst_actor, entries=[entry(pb, "0.003")])
    results_submit(actor=w.analyst_actor, test_ids=[pb.pk])
    pb.refresh_from_db()
    results_record(actor=w.analyst_actor, entries=[entry(pb, "0.62", reason="稀释倍数录错")])
    page = signed_in(w.reviewer, w.institution).get(reverse("lims:test_detail", args=[pb.pk]))
    assert page.status_code == 200
    text = text_of(page.content.decode())
    assert "GB 5009.12-2017" in text and "≤ 0.5 mg/kg (GB 2762)" in text
    assert "保留 3 位小数（GB/T 8170）" in text and "0.005" in text and "0.020" in text
    assert "相对值（%）：10 %" in text
    assert "0.620 mg/kg（U = 0.062 mg/kg）" in text
    assert f"1 {timezone.localtime(ResultRevision.objects.get(version=1).changed_at):%Y-%m-%d %H:%M:%S}" in text
    assert "0.003 mg/kg — 0.00030 合格" in text  # below the LOD: no reported value
    assert "0.62 mg/kg 0.620 0.062 不合格" in text and "稀释倍数录错" in text
    assert f"提交 0 {w.analyst.name}" in text


def test_test_detail_of_another_institution_is_404(w):
    pb = sample_tests(received(w))["pb"]
    other = w.m.lab2
    response = signed_in(other.analyst, other.org).get(reverse("lims:test_detail", args=[pb.pk]))
    assert response.status_code == 404 and "铅" not in response.content.decode()
