"""GET /api/v1/registry/search: the same search as the page, public and rate-limited."""

import pytest
from django.test import Client

from tichub.core.models import AuditEvent
from tichub.core.testing.factories import InstitutionFactory
from tichub.registry.models import DemandRecord

from .search_world import accredit, lead_editions, scope

pytestmark = pytest.mark.django_db
URL = "/api/v1/registry/search"


def test_search_answers_the_ranked_institutions_with_their_rows_and_verdicts():
    old, new, _recommended = lead_editions()
    lab = InstitutionFactory(name_zh="糖业中心", name_en="Sugar Centre", slug="sugar")
    cnas = accredit(lab, "CNAS")
    row = scope(lab, new, accreditations=[cnas], turnaround=4, clause="第一法")

    response = Client().get(URL, {"parameters": ["铅"], "standard": "GB 5009.12-2017", "accreditation": "CNAS"})

    assert response.status_code == 200
    body = response.json()
    assert body["institutions"] == [
        {
            "organisation": {
                "id": lab.pk,
                "slug": "sugar",
                "name_zh": "糖业中心",
                "name_en": "Sugar Centre",
                "level": "provincial",
                "ownership": "state",
                "region": "",
            },
            "coverage": [
                {
                    "parameter": "铅",
                    "verdict": "covered",
                    "rows": [
                        {
                            "id": row.pk,
                            "object_zh": "白砂糖",
                            "object_en": "White sugar",
                            "parameter_zh": "铅",
                            "parameter_en": "Lead",
                            "standard": "GB 5009.12-2017",
                            "standard_title": "食品中铅的测定",
                            "clause": "第一法",
                            "limitation": "",
                            "site": "糖业中心 本部",
                            "site_region": "",
                            "accreditations": [f"CNAS {cnas.number}"],
                            "turnaround_days": 4,
                            "list_price": None,
                            "verdict": "covered",
                            "explanation_zh": "认可版本与所需一致：GB 5009.12-2017",
                            "explanation_en": "accredited for GB 5009.12-2017, the edition required",
                        }
                    ],
                    "more_rows": 0,
                }
            ],
            "complete": True,
            "covered_count": 1,
            "hinted_count": 0,
            "score": [1, 0, 1, -4, 0],
            "turnaround_days": 4,
            "meets_deadline": None,
            "load": 0,
        }
    ]
    assert {k: body[k] for k in ("total", "page", "page_size", "coverage", "missing_parameters", "standard")} == {
        "total": 1,
        "page": 1,
        "page_size": 20,
        "coverage": "complete",
        "missing_parameters": [],
        "standard": "GB 5009.12-2017",
    }
    assert old.pk  # the withdrawn edition exists but is not asked for


def test_parameters_may_be_one_separated_field():
    _old, new, _recommended = lead_editions()
    lab = InstitutionFactory()
    scope(lab, new)
    scope(lab, new, parameter=("镉", "Cadmium"))
    body = Client().get(URL, {"parameters": "铅;镉", "q": "white sugar"}).json()
    assert body["parameters"] == ["铅", "镉"]
    assert body["institutions"][0]["complete"] is True


def test_a_bad_standard_code_is_a_422_with_the_reason_and_a_suggestion():
    before = DemandRecord.objects.count()
    response = Client().get(URL, {"parameters": "铅", "standard": "GB/T 5009.12-10"})
    assert response.status_code == 422
    message = "标准号“GB/T 5009.12-10”无法识别：two-digit year '10' is ambiguous。 您是否要输入“GB/T 5009.12-2010”？"
    assert response.json() == {"code": "invalid_standard", "message": message, "fields": {"standard": [message]}}
    assert DemandRecord.objects.count() == before


def test_bad_query_values_are_422():
    assert Client().get(URL, {"accreditation": "ISO"}).status_code == 422
    assert Client().get(URL, {"page_size": "51"}).status_code == 422
    assert Client().get(URL, {"deadline": "not-a-date"}).status_code == 422


def test_an_api_search_records_unmet_demand_without_personal_data_or_audit():
    _old, new, _recommended = lead_editions()
    scope(InstitutionFactory(), new)
    audit = AuditEvent.objects.count()

    Client().get(URL, {"parameters": ["铅", "苏丹红"], "object": "白砂糖", "standard": "GB 5009.12-2017"})
    Client().get(URL, {"parameters": ["铅"]})  # complete: not recorded

    assert list(DemandRecord.objects.values("object_text", "parameters", "standard_code", "coverage", "missing")) == [
        {
            "object_text": "白砂糖",
            "parameters": ["铅", "苏丹红"],
            "standard_code": "GB 5009.12-2017",
            "coverage": "partial",
            "missing": ["苏丹红"],
        }
    ]
    assert AuditEvent.objects.count() == audit


def test_search_is_rate_limited():
    client = Client()
    statuses = [client.get(URL, {"region": "南宁"}).status_code for _ in range(61)]
    assert statuses[:60] == [200] * 60
    assert statuses[60] == 429


@pytest.mark.parametrize("count", [10, 200])
def test_query_count_does_not_grow_with_rows(count, django_assert_max_num_queries):
    _old, new, _recommended = lead_editions()
    labs = [InstitutionFactory() for _ in range(5)]
    for i in range(count):
        scope(labs[i % 5], new, obj=(f"样品{i}", ""), accreditations=[accredit(labs[i % 5], "CMA")])
    with django_assert_max_num_queries(8):  # seven for the search, one for the demand record (when unmet)
        body = Client().get(URL, {"parameters": ["铅", "镉"], "accreditation": "CMA"}).json()
    assert body["total"] == 5 and len(body["institutions"]) == 5
