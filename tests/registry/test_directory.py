"""The public directory pages and selectors: listing with filters, profiles, contacts, prices, scope search."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tichub.accounts.choices import Role
from tichub.core.errors import ServiceError
from tichub.core.tenancy import ANONYMOUS
from tichub.core.testing.factories import InstitutionFactory, OrganisationFactory, member
from tichub.core.testing.permissions import signed_in
from tichub.registry import directory_selectors as selectors

from .directory_world import accreditation, profile, row, site, today

pytestmark = pytest.mark.django_db


def names(filters=None):
    return [o.name_zh for o in selectors.institutions_public(ANONYMOUS, filters or selectors.DirectoryFilters())]


def test_listing_shows_active_institutions_by_name_only():
    InstitutionFactory(name_zh="乙中心")
    InstitutionFactory(name_zh="甲中心")
    InstitutionFactory(name_zh="停用中心", is_active=False)
    OrganisationFactory(name_zh="某企业")
    assert names() == sorted(["乙中心", "甲中心"])


def test_listing_filters():
    state = InstitutionFactory(name_zh="国有计量", name_en="State Metrology", ownership="state", level="national")
    state.is_testing_laboratory, state.is_metrology_centre = False, True
    state.save()
    private = InstitutionFactory(name_zh="民营检测", name_en="Private Lab", ownership="private", level="other")
    profile(private, region="南宁市")
    accreditation(private, "CNAS")
    accreditation(state, "CNAS", valid_until=today() - dt.timedelta(days=1))  # expired: does not count
    accreditation(state, "CMA")
    f = selectors.DirectoryFilters
    assert names(f(level="national")) == ["国有计量"]
    assert names(f(ownership="private")) == ["民营检测"]
    assert names(f(kind="metrology_centre")) == ["国有计量"]
    assert names(f(kind="testing_laboratory")) == ["民营检测"]
    assert names(f(region="南宁")) == ["民营检测"]
    assert names(f(body="CNAS")) == ["民营检测"]
    assert names(f(body="CMA")) == ["国有计量"]
    assert names(f(q="private")) == ["民营检测"]
    assert names(f(q="计量", ownership="private")) == []


def test_listing_annotates_bodies_in_force_and_active_rows():
    lab = InstitutionFactory()
    cnas = accreditation(lab, "CNAS")
    accreditation(lab, "CMA", valid_from=today() + dt.timedelta(days=3))  # not yet in force
    row(lab, accreditations=[cnas])
    row(lab, parameter=("镉", "Cadmium"))
    row(lab, parameter=("汞", "Mercury"), status="suspended")
    [org] = selectors.institutions_public(ANONYMOUS, selectors.DirectoryFilters())
    assert selectors.accreditation_bodies(org) == ["CNAS"]
    assert org.active_rows == 2


def test_unknown_filter_value_names_the_filter():
    with pytest.raises(ServiceError) as caught:
        selectors.institutions_public(ANONYMOUS, selectors.DirectoryFilters(level="galactic", body="XYZ"))
    assert set(caught.value.fields) == {"level", "body"}


def test_directory_page_filters_without_javascript():
    InstitutionFactory(name_zh="甲中心", level="national")
    InstitutionFactory(name_zh="乙中心", level="provincial")
    response = Client().get("/registry/directory/?level=national")
    assert response.status_code == 200
    page = response.content.decode()
    assert "甲中心" in page and "乙中心" not in page
    assert "<html" in page


def test_directory_htmx_returns_the_results_only():
    InstitutionFactory(name_zh="甲中心")
    response = Client().get("/registry/directory/?q=甲", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "甲中心" in response.content.decode() and "<html" not in response.content.decode()


def test_directory_bad_filter_is_400_with_the_field():
    response = Client().get("/registry/directory/?ownership=martian")
    assert response.status_code == 400
    assert "martian" in response.content.decode()  # Django names the value it refused


def _listing(n):
    for i in range(n):
        lab = InstitutionFactory(name_zh=f"机构 {i:03d}")
        profile(lab, region="南宁")
        acc = accreditation(lab, "CNAS")
        accreditation(lab, "CMA")
        row(lab, accreditations=[acc])


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_listing_query_count_does_not_grow(django_assert_max_num_queries):
    _listing(20)
    small = _queries(Client(), "/registry/directory/")
    _listing(40)
    with django_assert_max_num_queries(6):
        response = Client().get("/registry/directory/?body=CNAS&region=南宁")
    assert response.status_code == 200
    assert _queries(Client(), "/registry/directory/") == small


def test_profile_hides_contacts_from_anonymous_unless_published():
    lab = InstitutionFactory(name_zh="联系中心")
    profile(lab, contact_person="王工", phone="0771-1234567", email="lab@example.test", contact_public=False)
    page = Client().get(f"/registry/institutions/{lab.slug}/").content.decode()
    assert "0771-1234567" not in page and "lab@example.test" not in page and "王工" not in page
    enterprise = OrganisationFactory()
    visitor = signed_in(member(enterprise, Role.ENTERPRISE_MEMBER), enterprise)
    page = visitor.get(f"/registry/institutions/{lab.slug}/").content.decode()
    assert "0771-1234567" in page and "lab@example.test" in page and "王工" in page


def test_profile_shows_published_contacts_to_anyone():
    lab = InstitutionFactory()
    profile(lab, phone="0771-7654321", contact_public=True)
    assert "0771-7654321" in Client().get(f"/registry/institutions/{lab.slug}/").content.decode()


def test_prices_show_only_when_published():
    lab = InstitutionFactory()
    row(lab, price=Decimal("1234.50"))
    profile(lab, prices_public=False)
    enterprise = OrganisationFactory()
    visitor = signed_in(member(enterprise, Role.ENTERPRISE_OWNER), enterprise)
    for client in (Client(), visitor):
        assert "1234.50" not in client.get(f"/registry/institutions/{lab.slug}/").content.decode()
    own = signed_in(member(lab, Role.INSTITUTION_ADMIN), lab)  # its own people see the public page as the public
    assert "1234.50" not in own.get(f"/registry/institutions/{lab.slug}/").content.decode()
    lab.profile.prices_public = True
    lab.profile.save()
    assert "1234.50" in Client().get(f"/registry/institutions/{lab.slug}/").content.decode()


def test_selector_contact_and_price_visibility():
    lab = InstitutionFactory()
    profile(lab, phone="123456", contact_public=False, prices_public=False)
    info = selectors.institution_public(ANONYMOUS, lab.slug)
    assert info.contact is None and info.prices_visible is False
    row(lab, price=Decimal("10.00"))
    [scope_row] = selectors.institution_scope_public(ANONYMOUS, lab).object_list
    assert scope_row.shown_price is None


def test_accreditations_carry_validity_badges():
    lab = InstitutionFactory()
    s = site(lab, "二号楼")
    accreditation(lab, "CNAS", number="CNAS L0001", sites=[s])
    accreditation(lab, "CMA", number="CMA 0002", valid_until=today() - dt.timedelta(days=1))
    accreditation(lab, "CNCA", number="CNCA 0003", valid_from=today() + dt.timedelta(days=10))
    states = {a.number: (a.state, a.sites) for a in selectors.institution_public(ANONYMOUS, lab.slug).accreditations}
    assert states == {
        "CNAS L0001": ("valid", ["二号楼"]),
        "CMA 0002": ("expired", []),
        "CNCA 0003": ("pending", []),
    }
    page = Client().get(f"/registry/institutions/{lab.slug}/").content.decode()
    assert "已过期" in page and "尚未生效" in page and "CNAS L0001" in page


def test_suspended_and_withdrawn_rows_are_not_public():
    lab = InstitutionFactory()
    row(lab, parameter=("铅", "Lead"), limitation="公开的限制")
    row(lab, parameter=("镉", "Cadmium"), status="suspended", limitation="暂停的限制")
    row(lab, parameter=("汞", "Mercury"), status="withdrawn", limitation="撤销的限制")
    page = Client().get(f"/registry/institutions/{lab.slug}/").content.decode()
    assert "公开的限制" in page and "暂停的限制" not in page and "撤销的限制" not in page
    assert selectors.institution_public(ANONYMOUS, lab.slug).active_rows == 1


def test_scope_search_by_term_and_standard_code():
    lab = InstitutionFactory()
    row(lab, parameter=("铅", "Lead"), code="GB 5009.12-2017")
    row(lab, parameter=("镉", "Cadmium"), code="GB 5009.15-2014")
    row(lab, obj=("大米", "Rice"), parameter=("总砷", "Total arsenic"), code="GB 5009.11-2014")

    def found(q):
        return sorted(r.parameter_term.name_zh for r in selectors.institution_scope_public(ANONYMOUS, lab, q))

    assert found("lead") == ["铅"]
    assert found("镉") == ["镉"]
    assert found("RICE") == ["总砷"]
    assert found("GB 5009.15") == ["镉"]
    assert found("gb5009.12-2017") == ["铅"]
    assert found("GB 5009.1") == ["总砷", "铅", "镉"]  # part of a code
    assert found("") == ["总砷", "铅", "镉"]
    assert found("锡") == []


def test_scope_is_paginated_by_50():
    lab = InstitutionFactory()
    s = site(lab)
    for i in range(55):
        row(lab, at=s, parameter=(f"参数{i:02d}", ""))
    first = selectors.institution_scope_public(ANONYMOUS, lab, "", 1)
    second = selectors.institution_scope_public(ANONYMOUS, lab, "", "2")
    assert (len(first.object_list), len(second.object_list), first.paginator.count) == (50, 5, 55)
    assert selectors.institution_scope_public(ANONYMOUS, lab, "", "x").number == 1


def test_scope_table_query_count_does_not_grow(django_assert_max_num_queries):
    lab = InstitutionFactory()
    profile(lab, prices_public=True)
    s = site(lab)
    acc = accreditation(lab)
    for i in range(5):
        row(lab, at=s, parameter=(f"参数{i:02d}", ""), accreditations=[acc])
    small = _queries(Client(), f"/registry/institutions/{lab.slug}/")
    for i in range(5, 60):
        row(lab, at=s, parameter=(f"参数{i:02d}", ""), accreditations=[acc], price=Decimal("1.00"))
    assert _queries(Client(), f"/registry/institutions/{lab.slug}/") == small
    with django_assert_max_num_queries(8):
        assert (
            Client().get(f"/registry/institutions/{lab.slug}/scope/?q=参数", HTTP_HX_REQUEST="true").status_code == 200
        )


def test_scope_partial_for_htmx_and_redirect_without():
    lab = InstitutionFactory()
    row(lab, parameter=("铅", "Lead"))
    row(lab, parameter=("镉", "Cadmium"))
    response = Client().get(f"/registry/institutions/{lab.slug}/scope/?q=lead", HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body and "铅" in body and "镉" not in body
    response = Client().get(f"/registry/institutions/{lab.slug}/scope/?q=lead")
    assert response.status_code == 302
    assert response["Location"] == f"/registry/institutions/{lab.slug}/?q=lead#scope"


def test_unknown_inactive_or_non_institution_slugs_are_404():
    inactive = InstitutionFactory(is_active=False)
    enterprise = OrganisationFactory()
    for slug in ("no-such-slug", inactive.slug, enterprise.slug):
        assert Client().get(f"/registry/institutions/{slug}/").status_code == 404
