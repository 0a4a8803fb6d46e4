import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from tichub.core.errors import NotFound, ServiceError
from tichub.core.testing.factories import InstitutionFactory
from tichub.standards import selectors
from tichub.standards.models import StandardEdition

from .conftest import make_edition, make_scope_rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    sugar = make_edition("GB/T 317-2018", "白砂糖", title_en="White granulated sugar")
    old_sugar = make_edition(
        "GB/T 317-2006", "白砂糖", status="withdrawn", withdrawn_on=dt.date(2018, 9, 1), replaced_by=sugar
    )
    make_edition("GB 317-2006", "白砂糖", status="withdrawn", withdrawn_on=dt.date(2017, 3, 23), replaced_by=old_sugar)
    make_edition(
        "GB/T 2828.1-2012", "计数抽样检验程序 第1部分", title_en="Sampling procedures for inspection by attributes"
    )
    make_edition("GB/T 2828.10-2010", "计数抽样检验程序 第10部分")
    make_edition("GB 5009.12-2017", "食品安全国家标准 食品中铅的测定", title_en="Determination of lead in foods")
    return sugar


def codes(editions):
    return [e.canonical for e in editions]


def test_search_by_code_keeps_gb_and_gbt_apart(catalogue):
    assert codes(selectors.standard_search("GB/T 317")) == ["GB/T 317-2018", "GB/T 317-2006"]
    assert codes(selectors.standard_search("gb317")) == ["GB 317-2006"]
    assert codes(selectors.standard_search("ＧＢ／Ｔ　３１７－２０１８")) == ["GB/T 317-2018"]
    assert codes(selectors.standard_search("GB/T 2828.1")) == ["GB/T 2828.1-2012", "GB/T 2828.10-2010"]
    assert codes(selectors.standard_search("GB/T 2828.1-2012")) == ["GB/T 2828.1-2012"]


def test_search_by_partial_code_number_and_title(catalogue):
    assert codes(selectors.standard_search("GB/T")) == [
        "GB/T 2828.1-2012", "GB/T 2828.10-2010", "GB/T 317-2018", "GB/T 317-2006"
    ]  # fmt: skip
    assert codes(selectors.standard_search("5009.12")) == ["GB 5009.12-2017"]
    assert codes(selectors.standard_search("铅")) == ["GB 5009.12-2017"]
    assert codes(selectors.standard_search("LEAD in")) == ["GB 5009.12-2017"]
    assert codes(selectors.standard_search("白砂糖", status="current")) == ["GB/T 317-2018"]
    assert selectors.standard_search("").count() == 6


def test_search_refuses_an_unknown_status(catalogue):
    with pytest.raises(ServiceError) as caught:
        selectors.standard_search("", status="valid")
    assert list(caught.value.fields) == ["status"]


def test_by_code_returns_exact_and_other_editions(catalogue):
    exact, others, code = selectors.standard_by_code("gbt 317-2006")
    assert (exact.canonical, codes(others), code.canonical) == ("GB/T 317-2006", ["GB/T 317-2018"], "GB/T 317-2006")
    exact, others, code = selectors.standard_by_code("GB/T 317")
    assert exact is None and codes(others) == ["GB/T 317-2018", "GB/T 317-2006"]
    exact, others, code = selectors.standard_by_code("GB/T 317-2010")
    assert exact is None and len(others) == 2


def test_by_code_bad_input_has_the_suggestion():
    with pytest.raises(ServiceError) as caught:
        selectors.standard_by_code("GBT 317-18")
    assert caught.value.code == "bad_standard_code"
    assert caught.value.fields["code"] == [caught.value.message]
    assert "GB/T 317-2018" in caught.value.message


def test_replacement_chain_follows_to_the_current_edition(catalogue):
    gb = StandardEdition.objects.get(canonical="GB 317-2006")
    assert codes(selectors.replacement_chain(gb)) == ["GB 317-2006", "GB/T 317-2006", "GB/T 317-2018"]
    assert codes(selectors.replacement_chain(catalogue)) == ["GB/T 317-2018"]


def test_replacement_chain_stops_at_a_loop():
    a = make_edition("GB 1-2000")
    b = make_edition("GB 1-2010", replaced_by=a)
    StandardEdition.objects.filter(pk=a.pk).update(replaced_by=b)  # corrupt data straight in the database
    a.refresh_from_db()
    assert codes(selectors.replacement_chain(a)) == ["GB 1-2000", "GB 1-2010"]


def test_standard_get_missing():
    with pytest.raises(NotFound):
        selectors.standard_get(999_999)


def test_withdrawal_impact_counts_per_institution(catalogue, curator, analyst):
    lab_a, lab_b = InstitutionFactory(name_zh="甲"), InstitutionFactory(name_zh="乙")
    make_scope_rows(lab_a, catalogue, n=1)
    make_scope_rows(lab_b, catalogue, n=4)
    impact = selectors.withdrawal_impact(curator, catalogue)
    assert [(i.organisation, i.row_count, len(i.samples)) for i in impact] == [(lab_b, 4, 3), (lab_a, 1, 1)]
    with pytest.raises(PermissionDenied):
        selectors.withdrawal_impact(analyst, catalogue)


def test_withdrawal_impact_query_count_is_flat(catalogue, curator, django_assert_num_queries):
    for _ in range(6):
        make_scope_rows(InstitutionFactory(), catalogue, n=5)
    with django_assert_num_queries(3):
        impact = selectors.withdrawal_impact(curator, catalogue)
        assert sum(len(i.samples) for i in impact) == 18
        assert all(s.object_term.name_zh and s.site.name_zh for i in impact for s in i.samples)
