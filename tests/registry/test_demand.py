"""Unmet demand: recorded anonymously for searches with no or partial coverage; the operator's summary."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.utils import timezone

from tichub.accounts.choices import Role
from tichub.core.models import AuditEvent
from tichub.core.tenancy import Actor
from tichub.core.testing.factories import InstitutionFactory, OperatorFactory, member
from tichub.core.testing.permissions import signed_in
from tichub.registry.demand_selectors import demand_summary
from tichub.registry.demand_services import demand_record
from tichub.registry.models import DemandRecord
from tichub.registry.search_selectors import Need, capability_search

from .search_world import lead_editions, scope, today

pytestmark = pytest.mark.django_db


def analyst():
    operator = OperatorFactory()
    user = member(operator, Role.OPERATOR_ANALYST)
    return operator, user, Actor(user=user, organisation=operator, roles=frozenset({Role.OPERATOR_ANALYST}))


def searched(need):
    return demand_record(need, capability_search(need))


def test_a_record_holds_the_need_and_nothing_about_who_asked():
    fields = {f.name for f in DemandRecord._meta.get_fields()}
    assert fields == {"id", "created_at", "object_text", "parameters", "standard_code", "coverage", "missing"}


def test_none_and_partial_coverage_are_recorded_complete_and_empty_are_not():
    _old, new, _recommended = lead_editions()
    scope(InstitutionFactory(), new)

    none = searched(Need(object_text="榴莲 ", parameters=("苏丹红",)))
    partial = searched(Need(parameters=("铅", "Sudan I"), standard_code="gb 5009.12-2017"))
    complete = searched(Need(parameters=("铅",)))
    object_only = searched(Need(q="白砂糖"))
    empty = searched(Need(region="南宁"))

    assert (complete, object_only, empty) == (None, None, None)
    assert list(
        DemandRecord.objects.order_by("id").values("object_text", "parameters", "standard_code", "coverage", "missing")
    ) == [
        {
            "object_text": "榴莲",
            "parameters": ["苏丹红"],
            "standard_code": "",
            "coverage": "none",
            "missing": ["苏丹红"],
        },
        {
            "object_text": "",
            "parameters": ["铅", "sudan i"],
            "standard_code": "GB 5009.12-2017",
            "coverage": "partial",
            "missing": ["sudan i"],
        },
    ]
    assert (none.pk, partial.pk) == tuple(DemandRecord.objects.order_by("id").values_list("id", flat=True))


def test_an_edition_nobody_holds_is_unmet_demand_for_that_edition():
    old, _new, _recommended = lead_editions()
    scope(InstitutionFactory(), old)
    record = searched(Need(parameters=("lead",), standard_code="GB 5009.12-2017"))
    assert (record.coverage, record.standard_code, record.missing) == ("none", "GB 5009.12-2017", ["铅"])


def test_free_text_demand_is_recorded_under_the_text():
    record = searched(Need(q="Durian  Sudan Red"))
    assert (record.object_text, record.coverage, record.parameters, record.missing) == (
        "durian sudan red",
        "none",
        [],
        [],
    )


def test_lead_in_an_unknown_object_is_partial_demand():
    _old, new, _recommended = lead_editions()
    scope(InstitutionFactory(), new)
    record = searched(Need(q="榴莲中的铅"))
    assert (record.object_text, record.coverage, record.parameters, record.missing) == (
        "榴莲中的铅",
        "partial",
        ["铅"],
        [],
    )


def test_the_page_records_a_submitted_search_not_keystrokes_nor_further_pages():
    client = Client()
    client.get("/registry/search/results/", {"q": "榴"}, HTTP_HX_REQUEST="true")
    client.get("/registry/search/results/", {"q": "榴莲"}, HTTP_HX_REQUEST="true")
    assert DemandRecord.objects.count() == 0
    client.get("/registry/search/", {"q": "榴莲"})
    client.get("/registry/search/", {"q": "榴莲", "page": "2"})
    assert list(DemandRecord.objects.values_list("object_text", "coverage")) == [("榴莲", "none")]


def test_searching_writes_no_audit_event_even_when_signed_in():
    lab = InstitutionFactory()
    client = signed_in(member(lab, Role.ANALYST), lab)
    before = AuditEvent.objects.count()
    client.get("/registry/search/", {"q": "榴莲"})
    assert AuditEvent.objects.count() == before
    assert DemandRecord.objects.count() == 1


def _record(when, *, obj="", parameters=(), missing=(), standard="", coverage="none"):
    record = DemandRecord.objects.create(
        object_text=obj, parameters=list(parameters), missing=list(missing), standard_code=standard, coverage=coverage
    )
    moment = timezone.make_aware(dt.datetime.combine(when, dt.time(10)))
    DemandRecord.objects.filter(pk=record.pk).update(created_at=moment)


def test_summary_counts_the_top_missing_parameters_standards_objects_and_weeks():
    monday = dt.date(2026, 11, 2)
    _record(monday, obj="榴莲", parameters=["苏丹红", "铅"], missing=["苏丹红"], standard="GB 5009.12-2017")
    _record(monday + dt.timedelta(days=1), obj="榴莲", missing=["苏丹红", "镉"], coverage="partial")
    _record(monday + dt.timedelta(days=8), obj="蜂蜜", missing=["镉"], standard="GB 5009.12-2017")
    _record(monday + dt.timedelta(days=9), missing=["苏丹红"])
    _record(monday - dt.timedelta(days=1), obj="outside", missing=["outside"])  # before the period
    _, _, actor = analyst()

    summary = demand_summary(actor, since=monday, until=monday + dt.timedelta(days=13))

    assert (summary.total, summary.none, summary.partial) == (4, 3, 1)
    assert [(t.label, t.count) for t in summary.top_parameters] == [("苏丹红", 3), ("镉", 2)]
    assert [(t.label, t.count) for t in summary.top_standards] == [("GB 5009.12-2017", 2)]
    assert [(t.label, t.count) for t in summary.top_objects] == [("榴莲", 2), ("蜂蜜", 1)]
    assert [(w.week, w.none, w.partial, w.total) for w in summary.weeks] == [
        (monday, 1, 1, 2),
        (monday + dt.timedelta(days=7), 2, 0, 2),
    ]


def test_only_operators_see_demand():
    lab = InstitutionFactory()
    user = member(lab, Role.INSTITUTION_ADMIN)
    with pytest.raises(PermissionDenied):
        demand_summary(
            Actor(user=user, organisation=lab, roles=frozenset({Role.INSTITUTION_ADMIN})), since=today(), until=today()
        )
    response = signed_in(user, lab).get("/registry/operator/demand/")
    assert response.status_code == 403


def test_demand_page_shows_the_chart_data_and_the_table():
    _record(today(), obj="榴莲", missing=["苏丹红"])
    _record(today(), missing=["苏丹红", "镉"])
    operator, user, _ = analyst()
    response = signed_in(user, operator).get("/registry/operator/demand/", {"days": "30"})
    assert response.status_code == 200
    assert response.context["chart"]["labels"] == ["镉", "苏丹红"]
    assert response.context["chart"]["counts"] == [1, 2]
    html = response.content.decode()
    assert 'id="demand-chart-data"' in html and "vendor/echarts/echarts.min.js" in html
    assert "<td>苏丹红</td><td>2</td>" in html


def test_demand_api_answers_the_summary():
    _record(today(), obj="榴莲", missing=["苏丹红"], standard="GB 2763-2021")
    operator, user, _ = analyst()
    body = signed_in(user, operator).get("/api/v1/registry/demand", {"days": 7}).json()
    assert (body["total"], body["none"], body["partial"]) == (1, 1, 0)
    assert body["top_parameters"] == [{"label": "苏丹红", "count": 1}]
    assert body["top_standards"] == [{"label": "GB 2763-2021", "count": 1}]
    assert body["top_objects"] == [{"label": "榴莲", "count": 1}]
    assert sum(w["total"] for w in body["weeks"]) == 1
    assert body["until"] == today().isoformat()


@pytest.mark.parametrize("count", [10, 200])
def test_demand_page_and_api_query_counts_do_not_grow(count, django_assert_max_num_queries):
    for i in range(count):
        _record(today() - dt.timedelta(days=i % 30), obj=f"对象{i % 13}", missing=[f"参数{i % 17}"])
    operator, user, _ = analyst()
    client = signed_in(user, operator)
    with django_assert_max_num_queries(12):
        assert client.get("/registry/operator/demand/").status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get("/api/v1/registry/demand").json()["total"] == count
