"""Results API: record a batch, submit, read a test's record; refusals answer with fields and change nothing."""

import pytest
from django.utils import timezone

from tichub.core.testing.permissions import signed_in
from tichub.lims.models import ResultRevision
from tichub.lims.result_services import results_record

from .results_world import add_formula, db_state, entry
from .world import lab_world, received, sample_tests

pytestmark = pytest.mark.django_db
API = "/api/v1/lab"


def post(client, url, data):
    return client.post(url, data=data, content_type="application/json")


@pytest.fixture
def w():
    return lab_world()


def test_record_batch_returns_the_tests_with_their_results(w):
    sample = received(w)
    tests = sample_tests(sample)
    total = add_formula(sample)
    client = signed_in(w.analyst, w.institution)
    response = post(
        client,
        f"{API}/results",
        {
            "entries": [
                {"test_id": tests["pb"].pk, "value": "480", "unit": "µg/kg", "instrument_id": w.icp.pk, "version": 0},
                {"test_id": tests["cd"].pk, "value": "0.5", "unit": "µg/kg"},
            ]
        },
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert [(t["id"], t["keyword"], t["sample_number"], t["status"], t["version"]) for t in body] == [
        (tests["pb"].pk, "pb", sample.number, "entered", 1),
        (tests["cd"].pk, "cd", sample.number, "entered", 1),
        (total.pk, "pbcd", sample.number, "entered", 1),
    ]
    pb = body[0]
    assert {key: pb[key] for key in ("raw_value", "raw_unit", "value", "reported_value", "uncertainty")} == {
        "raw_value": "480",
        "raw_unit": "µg/kg",
        "value": "0.480",
        "reported_value": "0.480",
        "uncertainty": "0.048",
    }
    assert (pb["decision"], pb["instrument_id"], pb["measured_on"], pb["entered_by_id"]) == (
        "conditional_pass",
        w.icp.pk,
        timezone.localdate().isoformat(),
        w.analyst.pk,
    )
    cd = body[1]
    assert (cd["value"], cd["reported_value"], cd["result_text_zh"], cd["result_text_en"], cd["decision"]) == (
        "0.0005",
        "",
        "未检出 (<0.001)",
        "not detected (<0.001)",
        "pass",
    )
    assert (body[2]["value"], body[2]["reported_value"], body[2]["decision"]) == ("0.4805", "0.480", "none")
    assert sorted(ResultRevision.objects.values_list("test__keyword", "source")) == [
        ("cd", "api"),
        ("pb", "api"),
        ("pbcd", "calculation"),
    ]


def test_record_refusals_name_the_fields_and_change_nothing(w):
    sample = received(w)
    tests = sample_tests(sample)
    client = signed_in(w.analyst, w.institution)
    before = db_state()
    response = post(
        client,
        f"{API}/results",
        {
            "entries": [
                {"test_id": tests["pb"].pk, "value": "1,5"},
                {"test_id": tests["cd"].pk, "value": "1", "unit": "kg"},
            ]
        },
    )
    assert response.status_code == 400
    assert response.json()["fields"] == {
        "entries.0.value": ["“1,5”不是数值：小数点请用“.”，不要用逗号或千位分隔符。"],
        "entries.1.unit": ["单位“kg”与本项目的单位“mg/kg”量纲不同，不能换算。"],
    }
    response = post(client, f"{API}/results", {"entries": [{"test_id": tests["pb"].pk, "value": 0.5}]})
    assert response.status_code == 422 and list(response.json()["fields"]) == ["entries.0.value"]
    other = w.m.lab2
    response = post(
        signed_in(other.analyst, other.org),
        f"{API}/results",
        {"entries": [{"test_id": tests["pb"].pk, "value": "0.1"}]},
    )
    assert response.status_code == 404 and "铅" not in response.content.decode()
    assert db_state() == before
    results_record(actor=w.analyst_actor, entries=[entry(tests["pb"], "0.1")])
    before = db_state()
    response = post(client, f"{API}/results", {"entries": [{"test_id": tests["pb"].pk, "value": "0.2", "version": 0}]})
    assert response.status_code == 409
    assert response.json()["code"] == "stale_version"
    assert list(response.json()["fields"]) == ["entries.0.version"]
    reviewer = signed_in(w.reviewer, w.institution)
    assert (
        post(reviewer, f"{API}/results", {"entries": [{"test_id": tests["pb"].pk, "value": "0.2"}]}).status_code == 403
    )
    assert db_state() == before


def test_submit_and_read_the_record(w):
    sample = received(w)
    tests = sample_tests(sample)
    client = signed_in(w.analyst, w.institution)
    response = post(client, f"{API}/results/submit", {"test_ids": [tests["pb"].pk]})
    assert response.status_code == 400
    assert response.json()["fields"] == {"test_ids": [f"以下检测项目还没有结果，不能提交：{sample.number} 铅。"]}
    results_record(actor=w.analyst_actor, entries=[entry(tests["pb"], "0.1")])
    response = post(client, f"{API}/results/submit", {"test_ids": [tests["pb"].pk]})
    assert response.status_code == 200
    assert [(t["id"], t["status"], t["version"]) for t in response.json()] == [(tests["pb"].pk, "submitted", 2)]

    record = signed_in(w.reviewer, w.institution).get(f"{API}/tests/{tests['pb'].pk}")
    assert record.status_code == 200
    body = record.json()
    assert (body["standard"], body["specification"], body["upper_limit"], body["decision_rule"]) == (
        "GB 5009.12-2017",
        "≤ 0.5 mg/kg (GB 2762)",
        "0.5",
        "non_binary",
    )
    assert (body["places"], body["lod"], body["loq"], body["uncertainty_kind"], body["uncertainty_value"]) == (
        3,
        "0.005",
        "0.020",
        "relative",
        "10",
    )
    assert [
        (r["version"], r["raw_value"], r["value"], r["reported_value"], r["changed_by"], r["source"], r["reason"])
        for r in body["revisions"]
    ] == [(1, "0.1", "0.1", "0.100", w.analyst.name, "entry", "")]
    assert [(s["action"], s["level"], s["by"], s["by_id"]) for s in body["review_steps"]] == [
        ("submit", 0, w.analyst.name, w.analyst.pk)
    ]
    other = w.m.lab2
    response = signed_in(other.analyst, other.org).get(f"{API}/tests/{tests['pb'].pk}")
    assert response.status_code == 404 and "GB 2762" not in response.content.decode()
