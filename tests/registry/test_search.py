"""Capability search: editions, aliases, free text in Chinese and English, ranking, accreditation, deadline, paging,
the query budget, and the search page (without JavaScript and as-you-type)."""

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tichub.accounts.choices import Role
from tichub.accounts.models import Organisation
from tichub.core.tenancy import Actor
from tichub.core.testing.factories import InstitutionFactory, OperatorFactory, member
from tichub.registry import search_selectors
from tichub.registry.alias_services import alias_group_add
from tichub.registry.models import DemandRecord
from tichub.registry.search_selectors import Need, SearchInputError, capability_search, working_days_until

from .search_world import accredit, edition, lead_editions, profile, scope, site, today

pytestmark = pytest.mark.django_db


def curator():
    operator = OperatorFactory()
    user = member(operator, Role.OPERATOR_CURATOR)
    return Actor(user=user, organisation=operator, roles=frozenset({Role.OPERATOR_CURATOR}))


def names(result):
    return [m.organisation.name_zh for m in result.institutions]


def only_rows(result):
    return [
        (m.organisation.name_zh, c.parameter, c.verdict, [r.standard for r in c.rows])
        for m in result.institutions
        for c in m.coverage
    ]


# --- editions -----------------------------------------------------------------------------------------------------


def test_exact_edition_is_covered_and_a_withdrawn_edition_warns_with_its_replacement():
    old, new, _recommended = lead_editions()
    current = InstitutionFactory(name_zh="现行版机构")
    outdated = InstitutionFactory(name_zh="旧版机构")
    scope(current, new, turnaround=9)
    scope(outdated, old, turnaround=1)

    result = capability_search(Need(parameters=("铅",), standard_code="GB 5009.12-2017"))

    assert names(result) == ["现行版机构", "旧版机构"]  # covered ranks above a warning, whatever the turnaround
    exact, warned = (m.coverage[0] for m in result.institutions)
    assert (exact.verdict, exact.rows[0].explanation_zh, exact.rows[0].explanation_en) == (
        "covered",
        "认可版本与所需一致：GB 5009.12-2017",
        "accredited for GB 5009.12-2017, the edition required",
    )
    assert (warned.verdict, warned.rows[0].explanation_zh, warned.rows[0].explanation_en) == (
        "withdrawn_edition",
        "认可版本为 GB 5009.12-2010，而非 2017 版；GB 5009.12-2010 已废止，被 GB 5009.12-2017 代替",
        "accredited for GB 5009.12-2010, not 2017; GB 5009.12-2010 is withdrawn, replaced by GB 5009.12-2017",
    )
    assert [m.complete for m in result.institutions] == [True, False]
    assert (result.coverage, result.missing_parameters, result.standard) == ("complete", (), "GB 5009.12-2017")


def test_asking_for_a_withdrawn_edition_names_its_replacement_and_hints_at_the_new_one():
    old, new, _recommended = lead_editions()
    scope(InstitutionFactory(name_zh="现行版机构"), new)
    scope(InstitutionFactory(name_zh="旧版机构"), old)

    result = capability_search(Need(parameters=("铅",), standard_code="GB 5009.12-2010"))

    assert result.notes_zh == ("GB 5009.12-2010 已废止，被 GB 5009.12-2017 代替。",)
    assert result.notes_en == ("GB 5009.12-2010 is withdrawn, replaced by GB 5009.12-2017.",)
    assert only_rows(result) == [
        ("现行版机构", "铅", "other_edition", ["GB 5009.12-2017"]),
        ("旧版机构", "铅", "withdrawn_edition", ["GB 5009.12-2010"]),
    ]
    assert result.institutions[0].coverage[0].rows[0].explanation_en == (
        "accredited for GB 5009.12-2017, which replaces GB 5009.12-2010"
    )
    assert (
        result.institutions[1].coverage[0].rows[0].explanation_zh == "GB 5009.12-2010 已废止，被 GB 5009.12-2017 代替"
    )
    assert (result.coverage, result.missing_parameters) == ("none", ("铅",))


def test_another_current_edition_is_a_hint_not_coverage():
    older = edition("GB 5009.11-2014", title="食品中总砷的测定")
    edition("GB 5009.11-2024", title="食品中总砷的测定")
    lab = InstitutionFactory(name_zh="砷实验室")
    scope(lab, older, parameter=("总砷", "Total arsenic"))

    result = capability_search(Need(parameters=("总砷",), standard_code="GB 5009.11-2024"))

    coverage = result.institutions[0].coverage[0]
    assert (coverage.verdict, coverage.rows[0].explanation_zh, coverage.rows[0].explanation_en) == (
        "other_edition",
        "认可版本为 GB 5009.11-2014，而非 2024 版",
        "accredited for GB 5009.11-2014, not 2024",
    )
    assert result.institutions[0].complete is False
    assert (result.coverage, result.missing_parameters, result.missing_keys) == ("none", ("总砷",), ("总砷",))


def test_an_undated_code_matches_every_edition_current_first():
    old, new, _recommended = lead_editions()
    scope(InstitutionFactory(name_zh="现行版机构"), new)
    scope(InstitutionFactory(name_zh="旧版机构"), old)

    result = capability_search(Need(standard_code="gb5009.12"))

    assert result.standard == "GB 5009.12"
    assert result.notes_en == ("No year given: every edition of GB 5009.12 matches, current editions first.",)
    assert only_rows(result) == [
        ("现行版机构", "gb5009.12", "covered", ["GB 5009.12-2017"]),
        ("旧版机构", "gb5009.12", "withdrawn_edition", ["GB 5009.12-2010"]),
    ]
    assert result.institutions[0].coverage[0].rows[0].explanation_zh == "按 GB 5009.12-2017 检测"


def test_gb_and_gb_t_are_different_standards():
    _old, new, recommended = lead_editions()
    scope(InstitutionFactory(name_zh="强制性"), new)
    scope(InstitutionFactory(name_zh="推荐性"), recommended)

    mandatory = capability_search(Need(parameters=("铅",), standard_code="GB 5009.12-2017"))
    voluntary = capability_search(Need(parameters=("铅",), standard_code="GB/T 5009.12-2003"))
    standard_only = capability_search(Need(standard_code="GBT 5009.12-2003"))

    assert only_rows(mandatory) == [("强制性", "铅", "covered", ["GB 5009.12-2017"])]
    assert only_rows(voluntary) == [("推荐性", "铅", "covered", ["GB/T 5009.12-2003"])]
    assert [(m.organisation.name_zh, m.complete) for m in standard_only.institutions] == [("推荐性", True)]


def test_an_unknown_edition_says_what_the_catalogue_has():
    lead_editions()
    result = capability_search(Need(parameters=("铅",), standard_code="GB 5009.12-2023"))
    assert result.notes_zh == ("标准目录中没有 GB 5009.12-2023（目录中有：GB 5009.12-2017、GB 5009.12-2010）。",)


def test_a_bad_standard_code_is_refused_with_a_suggestion():
    with pytest.raises(SearchInputError) as refused:
        capability_search(Need(parameters=("铅",), standard_code="GB 5009-12-2017"))
    assert refused.value.status == 422
    assert refused.value.suggestion == "GB 5009.12-2017"
    assert list(refused.value.fields) == ["standard"]
    assert refused.value.message == (
        "标准号“GB 5009-12-2017”无法识别：GB parts are separated by '.', not '-'。 您是否要输入“GB 5009.12-2017”？"
    )


# --- names: aliases, Chinese and English free text ----------------------------------------------------------------


def test_lead_pb_and_lead_find_the_same_rows():
    _old, new, _recommended = lead_editions()
    chinese = scope(InstitutionFactory(name_zh="甲"), new, parameter=("铅", "Lead"))
    symbol = scope(InstitutionFactory(name_zh="乙"), new, parameter=("Pb", ""))  # keyed "pb" until the alias exists
    alias_group_add(actor=curator(), canonical="铅", aliases=["Pb", "lead"])
    later = scope(InstitutionFactory(name_zh="丙"), new, parameter=("LEAD", ""))  # keyed through the alias

    found = {}
    for text in ("铅", "Pb", "pb", "lead", "Lead", "ＰＢ"):
        result = capability_search(Need(parameters=(text,)))
        found[text] = sorted(r.id for m in result.institutions for c in m.coverage for r in c.rows)
    for text in ("pb", "lead", "铅"):
        result = capability_search(Need(q=text))
        found[f"q={text}"] = sorted(r.id for m in result.institutions for c in m.coverage for r in c.rows)

    expected = sorted([chinese.pk, symbol.pk, later.pk])
    assert found == dict.fromkeys(found, expected)


def test_the_same_parameter_under_two_names_is_asked_once():
    _old, new, _recommended = lead_editions()
    scope(InstitutionFactory(name_zh="甲"), new)
    alias_group_add(actor=curator(), canonical="铅", aliases=["Pb"])
    result = capability_search(Need(parameters=("铅", "Pb")))
    assert result.parameters == ("铅",)
    assert result.institutions[0].complete is True


def test_chinese_and_english_free_text():
    _old, new, _recommended = lead_editions()
    sugar = InstitutionFactory(name_zh="糖业中心")
    honey = InstitutionFactory(name_zh="蜂产品中心")
    scope(sugar, new, obj=("白砂糖", "White sugar"), parameter=("铅", "Lead"))
    scope(honey, new, obj=("蜂蜜", "Honey"), parameter=("铅", "Lead"))

    def found(**need):
        return [(m.organisation.name_zh, m.complete) for m in capability_search(Need(**need)).institutions]

    assert found(q="白砂糖") == [("糖业中心", True)]
    assert found(q="白砂") == [("糖业中心", True)]  # as one types
    assert found(q="sugar") == [("糖业中心", True)]
    assert found(q="White Sugar") == [("糖业中心", True)]
    assert found(q="白砂糖中的铅") == [("糖业中心", True)]  # no spaces needed
    assert found(q="lead in sugar") == [("糖业中心", True)]
    assert found(q="lead in honey") == [("蜂产品中心", True)]
    assert found(q="铅") == [("糖业中心", True), ("蜂产品中心", True)]
    assert found(object_text="蜂蜜", parameters=("lead",)) == [("蜂产品中心", True)]
    assert capability_search(Need(q="lead in sugar")).parameters == ("lead",)
    assert capability_search(Need(q="白砂糖中的铅")).parameters == ("铅",)


def test_unknown_words_find_nothing_and_are_reported():
    _old, new, _recommended = lead_editions()
    scope(InstitutionFactory(), new)
    result = capability_search(Need(q="榴莲"))
    assert (result.total, result.coverage, result.unrecognised) == (0, "none", ("榴莲",))
    unknown_object = capability_search(Need(object_text="榴莲", parameters=("铅",)))
    assert (unknown_object.total, unknown_object.missing_parameters) == (0, ("铅",))


def test_a_word_naming_an_object_and_a_parameter_finds_either():
    _old, new, _recommended = lead_editions()
    scope(InstitutionFactory(name_zh="糖业中心"), new, obj=("白砂糖", "White sugar"), parameter=("铅", "Lead"))
    scope(InstitutionFactory(name_zh="饮料中心"), new, obj=("饮料", "Beverage"), parameter=("总糖", "Total sugar"))
    found = capability_search(Need(q="sugar"))
    assert sorted(names(found)) == ["糖业中心", "饮料中心"]
    phrase = capability_search(Need(q="total sugar"))
    assert names(phrase) == ["饮料中心"]


# --- ranking, accreditation, deadline -----------------------------------------------------------------------------


def test_one_institution_covering_everything_ranks_above_split_coverage():
    _old, new, _recommended = lead_editions()
    both = InstitutionFactory(name_zh="全项机构")
    lead_only = InstitutionFactory(name_zh="仅铅机构")
    cadmium_only = InstitutionFactory(name_zh="仅镉机构")
    scope(both, new, turnaround=10)
    scope(both, new, parameter=("镉", "Cadmium"), turnaround=8)
    scope(lead_only, new, turnaround=1)
    scope(cadmium_only, new, parameter=("镉", "Cadmium"), turnaround=1)

    result = capability_search(Need(parameters=("铅", "镉")))

    assert names(result)[0] == "全项机构"
    first, second = result.institutions[:2]
    assert (first.complete, first.covered_count, first.turnaround_days) == (True, 2, 10)
    assert (second.complete, second.covered_count) == (False, 1)
    assert [c.verdict for c in second.coverage].count(None) == 1
    assert (result.coverage, result.single_institution) == ("complete", True)


def test_split_coverage_is_complete_for_the_cluster_but_not_for_one_institution():
    _old, new, _recommended = lead_editions()
    scope(InstitutionFactory(), new)
    scope(InstitutionFactory(), new, parameter=("镉", "Cadmium"))
    result = capability_search(Need(parameters=("铅", "镉")))
    assert (result.coverage, result.single_institution, result.missing_parameters) == ("complete", False, ())


def test_partial_coverage_names_what_is_missing():
    _old, new, _recommended = lead_editions()
    scope(InstitutionFactory(), new)
    result = capability_search(Need(parameters=("铅", "苏丹红")))
    assert (result.coverage, result.missing_parameters, result.missing_keys) == ("partial", ("苏丹红",), ("苏丹红",))


def test_cnas_filter_excludes_rows_without_a_valid_cnas_accreditation():
    _old, new, _recommended = lead_editions()
    valid, expired, cma_only, none = (InstitutionFactory(name_zh=n) for n in ("有效", "过期", "仅CMA", "无资质"))
    cnas = accredit(valid, "CNAS")
    scope(valid, new, accreditations=[cnas])
    scope(valid, new, parameter=("镉", "Cadmium"), accreditations=[accredit(valid, "CMA")])
    old_cnas = accredit(
        expired, "CNAS", valid_from=today() - dt.timedelta(days=800), valid_until=today() - dt.timedelta(days=1)
    )
    scope(expired, new, accreditations=[old_cnas])
    scope(cma_only, new, accreditations=[accredit(cma_only, "CMA")])
    scope(none, new)

    required = capability_search(Need(parameters=("铅", "镉"), accreditation="CNAS"))
    anything = capability_search(Need(parameters=("铅", "镉")))

    assert names(required) == ["有效"]
    lead, cadmium = required.institutions[0].coverage
    assert (lead.verdict, lead.rows[0].accreditations) == ("covered", (f"CNAS {cnas.number}",))
    assert (cadmium.verdict, cadmium.rows[0].explanation_zh, cadmium.rows[0].explanation_en) == (
        "not_accredited",
        "该项目没有有效的 CNAS 认可/资质（现有：CMA）",
        "no valid CNAS accreditation for this item (holds: CMA)",
    )
    assert required.missing_parameters == ("镉",)
    assert sorted(names(anything)) == sorted(["有效", "过期", "仅CMA", "无资质"])
    assert anything.coverage == "complete"
    expired_match = next(m for m in anything.institutions if m.organisation.name_zh == "过期")
    assert expired_match.coverage[0].rows[0].accreditations == ()


def test_working_days_count_monday_to_friday():
    friday = dt.date(2026, 11, 20)
    assert working_days_until(friday, friday) == 0
    assert working_days_until(dt.date(2026, 11, 22), friday) == 0  # the weekend
    assert working_days_until(dt.date(2026, 11, 23), friday) == 1
    assert working_days_until(dt.date(2026, 11, 27), friday) == 5
    assert working_days_until(dt.date(2026, 12, 4), friday) == 10


def test_deadline_says_who_can_finish_in_time_and_ranks_them_first():
    _old, new, _recommended = lead_editions()
    slow = InstitutionFactory(name_zh="慢")
    fast = InstitutionFactory(name_zh="快")
    unknown = InstitutionFactory(name_zh="未知")
    scope(slow, new, turnaround=60)
    scope(fast, new, turnaround=3)
    scope(unknown, new)
    deadline = today() + dt.timedelta(days=21)

    result = capability_search(Need(parameters=("铅",), deadline=deadline))

    assert result.working_days == working_days_until(deadline, today()) == 15
    assert [(m.organisation.name_zh, m.meets_deadline) for m in result.institutions] == [
        ("快", True),
        ("未知", None),
        ("慢", False),
    ]


def test_a_deadline_in_the_past_is_refused():
    with pytest.raises(SearchInputError) as refused:
        capability_search(Need(parameters=("铅",), deadline=today() - dt.timedelta(days=1)))
    assert refused.value.fields == {"deadline": ["截止日期不能早于今天。"]}


def test_turnaround_then_load_break_ties(monkeypatch):
    _old, new, _recommended = lead_editions()
    a, b, c, d = (InstitutionFactory(name_zh=n) for n in "甲乙丙丁")
    scope(a, new, turnaround=5)
    scope(b, new, turnaround=2)
    scope(c, new)  # unknown turnaround: last
    scope(d, new, turnaround=2)
    monkeypatch.setattr(search_selectors, "institution_load", lambda ids: {i: (7 if i == b.pk else 0) for i in ids})

    result = capability_search(Need(parameters=("铅",)))

    assert names(result) == ["丁", "乙", "甲", "丙"]
    assert [m.load for m in result.institutions] == [0, 7, 0, 0]


def test_load_hook_counts_zero_until_the_marketplace_exists():
    assert search_selectors.institution_load([3, 5]) == {3: 0, 5: 0}


# --- what is shown ------------------------------------------------------------------------------------------------


def test_only_active_rows_of_active_institutions_are_found():
    _old, new, _recommended = lead_editions()
    scope(InstitutionFactory(name_zh="正常"), new)
    scope(InstitutionFactory(name_zh="暂停范围"), new, status="suspended")
    stopped = InstitutionFactory(name_zh="已停用")
    scope(stopped, new)
    Organisation.objects.filter(pk=stopped.pk).update(is_active=False)
    assert names(capability_search(Need(parameters=("铅",)))) == ["正常"]


def test_region_narrows_to_sites_or_institution_regions():
    _old, new, _recommended = lead_editions()
    nanning = InstitutionFactory(name_zh="南宁中心")
    scope(nanning, new, at=site(nanning, "南宁实验室", region="广西南宁"))
    wuhan = InstitutionFactory(name_zh="武汉中心")
    profile(wuhan, region="湖北武汉")
    scope(wuhan, new)
    assert names(capability_search(Need(parameters=("铅",), region="南宁"))) == ["南宁中心"]
    found = capability_search(Need(parameters=("铅",), region="武汉"))
    assert names(found) == ["武汉中心"]
    assert found.institutions[0].organisation.region == "湖北武汉"


def test_prices_show_only_where_the_institution_publishes_them():
    _old, new, _recommended = lead_editions()
    open_lab, closed_lab = InstitutionFactory(name_zh="公开"), InstitutionFactory(name_zh="不公开")
    profile(open_lab, prices_public=True)
    scope(open_lab, new, price="120.00")
    scope(closed_lab, new, price="99.00")
    prices = {
        m.organisation.name_zh: m.coverage[0].rows[0].list_price
        for m in capability_search(Need(parameters=("铅",))).institutions
    }
    assert {k: str(v) if v is not None else None for k, v in prices.items()} == {"公开": "120.00", "不公开": None}


def test_pages_of_institutions():
    _old, new, _recommended = lead_editions()
    for days in (1, 2, 3):
        scope(InstitutionFactory(name_zh=f"第{days}"), new, turnaround=days)
    first = capability_search(Need(parameters=("铅",)), page=1, page_size=2)
    second = capability_search(Need(parameters=("铅",)), page=2, page_size=2)
    assert (names(first), names(second), first.total, first.pages) == (["第1", "第2"], ["第3"], 3, 2)


def test_an_empty_need_searches_nothing():
    result = capability_search(Need(region="南宁", accreditation="CNAS"))
    assert (result.searched, result.total) == (False, 0)


def _rows(count):
    _old, new, _recommended = lead_editions()
    labs = [InstitutionFactory() for _ in range(5)]
    for i in range(count):
        lab = labs[i % 5]
        row = scope(lab, new, obj=(f"样品{i}", f"Sample {i}"), turnaround=i % 7 + 1)
        row.accreditations.set([accredit(lab, "CNAS")])


@pytest.mark.parametrize("count", [10, 200])
def test_query_count_does_not_grow_with_rows(count, django_assert_max_num_queries):
    _rows(count)
    need = Need(parameters=("铅", "镉"), standard_code="GB 5009.12-2017", accreditation="CNAS", q="样品")
    with CaptureQueriesContext(connection) as queries:
        result = capability_search(need)
    assert result.total == 5
    # aliases, terms, editions, candidate rows, open orders (load); then for the page: row details,
    # accreditations, organisations
    assert len(queries) == 8


# --- pages --------------------------------------------------------------------------------------------------------


def test_the_page_works_without_javascript():
    _old, new, _recommended = lead_editions()
    lab = InstitutionFactory(name_zh="糖业中心")
    scope(lab, new, accreditations=[accredit(lab, "CNAS")])

    response = Client().get("/registry/search/", {"q": "白砂糖", "parameters": "铅", "standard": "GB 5009.12-2010"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "糖业中心" in html
    assert "其他版本" in html  # the verdict badge
    assert "认可版本为 GB 5009.12-2017（代替所需的 GB 5009.12-2010）" in html
    assert "GB 5009.12-2010 已废止，被 GB 5009.12-2017 代替。" in html
    assert 'hx-get="/registry/search/results/"' in html


def test_the_page_shows_a_bad_standard_as_a_form_error_with_a_suggestion():
    before = DemandRecord.objects.count()
    response = Client().get("/registry/search/", {"parameters": "铅", "standard": "GB 5009-12-2017"})
    assert response.status_code == 400
    assert response.context["form"].errors["standard"] == [
        "标准号“GB 5009-12-2017”无法识别：GB parts are separated by '.', not '-'。 您是否要输入“GB 5009.12-2017”？"
    ]
    assert response.context["suggestion"] == {
        "code": "GB 5009.12-2017",
        "url": "/registry/search/?parameters=%E9%93%85&standard=GB+5009.12-2017",
    }
    assert DemandRecord.objects.count() == before


def test_repeated_parameter_fields_and_separators_both_work():
    _old, new, _recommended = lead_editions()
    lab = InstitutionFactory(name_zh="全项")
    scope(lab, new)
    scope(lab, new, parameter=("镉", "Cadmium"))
    repeated = Client().get("/registry/search/", {"parameters": ["铅", "镉"]}).context["result"]
    separated = Client().get("/registry/search/", {"parameters": "铅、镉"}).context["result"]
    assert repeated.parameters == separated.parameters == ("铅", "镉")
    assert repeated.institutions[0].complete and separated.institutions[0].complete


def test_the_as_you_type_fragment_renders_results_and_errors():
    _old, new, _recommended = lead_editions()
    scope(InstitutionFactory(name_zh="糖业中心"), new)
    fragment = Client().get("/registry/search/results/", {"q": "白砂"}, HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200
    assert "糖业中心" in fragment.content.decode() and "<html" not in fragment.content.decode()
    error = Client().get("/registry/search/results/", {"standard": "GB 5009-12-2017"}, HTTP_HX_REQUEST="true")
    assert error.status_code == 200  # HTMX swaps 2xx only
    assert "您是否要输入“GB 5009.12-2017”" in error.content.decode()


@pytest.mark.parametrize("count", [10, 200])
def test_page_query_count_does_not_grow_with_rows(count, django_assert_max_num_queries):
    _rows(count)
    client = Client()
    with django_assert_max_num_queries(9):
        response = client.get("/registry/search/", {"parameters": "铅", "accreditation": "CNAS"})
    assert response.status_code == 200
    assert response.context["result"].total == 5


def test_result_cards_show_every_kind_of_fact():
    _old, new, _recommended = lead_editions()
    lab = InstitutionFactory(name_zh="全能中心", slug="all-round")
    profile(lab, region="广西南宁", prices_public=True)
    cnas = accredit(lab, "CNAS")
    for i in range(7):
        scope(lab, new, obj=(f"样品{i}", ""), accreditations=[cnas], turnaround=3, price="80.00")
    scope(lab, new, parameter=("镉", "Cadmium"), accreditations=[accredit(lab, "CMA")], turnaround=3)
    deadline = today() + dt.timedelta(days=30)

    response = Client().get(
        "/registry/search/",
        {"parameters": "铅、镉、苏丹红", "accreditation": "CNAS", "deadline": deadline.isoformat()},
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert 'href="/registry/institutions/all-round/"' in html
    assert "覆盖 1/3 项" in html and "广西南宁" in html and "可按期完成" in html
    assert "另有 2 条" in html  # five rows shown of seven
    assert "无所需资质" in html and "no valid CNAS accreditation for this item (holds: CMA)" in html
    assert "未覆盖" in html  # 苏丹红: no row at all
    assert "集聚区内暂无机构按所需方法覆盖：镉、苏丹红" in html
    assert f"CNAS {cnas.number}" in html and "¥80.00" in html


def test_words_naming_nothing_known_make_the_coverage_partial():
    _old, new, _recommended = lead_editions()
    scope(InstitutionFactory(name_zh="糖业中心"), new)
    for q, unknown in (("榴莲中的铅", ("榴莲",)), ("lead in durian", ("durian",))):
        result = capability_search(Need(q=q))
        assert (names(result), result.unrecognised, result.coverage) == (["糖业中心"], unknown, "partial")
        assert result.notes_zh == (f"未识别：{unknown[0]}（不是已知的检测对象或项目）。",)
    plain = capability_search(Need(q="白砂糖中的铅含量"))
    assert (plain.unrecognised, plain.coverage) == ((), "complete")
