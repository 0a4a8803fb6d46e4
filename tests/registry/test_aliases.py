"""Parameter aliases (铅 / Pb / lead): curated by the operator, applied to scope rows and to search."""

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client

from tichub.accounts.choices import Role
from tichub.core.errors import NotFound, ServiceError
from tichub.core.models import AuditEvent
from tichub.core.tenancy import Actor
from tichub.core.testing.factories import InstitutionFactory, OperatorFactory, member
from tichub.core.testing.permissions import signed_in
from tichub.registry.alias_selectors import alias_list
from tichub.registry.alias_services import alias_group_add, alias_remove
from tichub.registry.models import ParameterAlias, ScopeRow
from tichub.registry.search_selectors import Need, capability_search

from .search_world import lead_editions, scope

pytestmark = pytest.mark.django_db


def operator_member(role=Role.OPERATOR_CURATOR):
    operator = OperatorFactory()
    user = member(operator, role)
    return operator, user, Actor(user=user, organisation=operator, roles=frozenset({role}))


def aliases():
    return sorted(ParameterAlias.objects.values_list("alias", "canonical"))


def keys():
    return sorted(ScopeRow.objects.values_list("parameter_term__name_zh", "parameter_key"))


def test_a_group_re_keys_the_rows_named_by_its_aliases_and_is_audited():
    _old, new, _recommended = lead_editions()
    lab = InstitutionFactory()
    scope(lab, new, parameter=("铅", "Lead"))
    scope(lab, new, parameter=("Pb", ""))
    _, _, actor = operator_member()

    canonical, group = alias_group_add(actor=actor, canonical="铅", aliases=["Pb", " LEAD ", "铅", ""])

    assert (canonical, [a.alias for a in group]) == ("铅", ["lead", "pb"])
    assert aliases() == [("lead", "铅"), ("pb", "铅")]
    assert keys() == [("Pb", "铅"), ("铅", "铅")]
    event = AuditEvent.objects.get(action="alias.set")
    assert event.after == {"canonical": "铅", "aliases": ["lead", "pb"]}


def test_a_canonical_name_that_is_an_alias_joins_its_group():
    _, _, actor = operator_member()
    alias_group_add(actor=actor, canonical="铅", aliases=["Pb"])
    canonical, group = alias_group_add(actor=actor, canonical="pb", aliases=["lead"])
    assert (canonical, [a.alias for a in group]) == ("铅", ["lead"])
    assert aliases() == [("lead", "铅"), ("pb", "铅")]


def test_a_group_head_cannot_become_an_alias_of_another_group():
    _, _, actor = operator_member()
    alias_group_add(actor=actor, canonical="铅", aliases=["Pb"])
    before, events = aliases(), AuditEvent.objects.count()
    with pytest.raises(ServiceError) as refused:
        alias_group_add(actor=actor, canonical="lead", aliases=["铅"])
    assert refused.value.fields == {"aliases": ["“铅”已是另一组别名的规范名，不能再作为别名；请先删除该组。"]}
    assert (aliases(), AuditEvent.objects.count()) == (before, events)


def test_removing_an_alias_gives_its_rows_their_own_key_back():
    _old, new, _recommended = lead_editions()
    lab = InstitutionFactory()
    scope(lab, new, parameter=("铅", "Lead"))
    scope(lab, new, parameter=("Pb", ""))
    _, _, actor = operator_member()
    alias_group_add(actor=actor, canonical="铅", aliases=["Pb", "lead"])
    pb = ParameterAlias.objects.get(alias="pb")

    removed = alias_remove(actor=actor, alias_id=pb.pk)

    assert (removed.alias, removed.canonical, removed.rows_rekeyed) == ("pb", "铅", 1)
    assert aliases() == [("lead", "铅")]
    assert keys() == [("Pb", "pb"), ("铅", "铅")]
    event = AuditEvent.objects.get(action="alias.remove")
    assert (event.object_id, event.before, event.after) == (
        str(pb.pk),
        {"alias": "pb", "canonical": "铅"},
        {"rows_rekeyed": 1},
    )
    found = capability_search(Need(parameters=("Pb",)))
    assert [r.parameter_zh for m in found.institutions for c in m.coverage for r in c.rows] == ["Pb"]


def test_removing_an_english_alias_keeps_rows_whose_chinese_name_is_canonical():
    _old, new, _recommended = lead_editions()
    scope(InstitutionFactory(), new, parameter=("铅", "Lead"))
    _, _, actor = operator_member()
    alias_group_add(actor=actor, canonical="铅", aliases=["lead"])
    removed = alias_remove(actor=actor, alias_id=ParameterAlias.objects.get(alias="lead").pk)
    assert removed.rows_rekeyed == 0
    assert keys() == [("铅", "铅")]


def test_removing_a_missing_alias_is_not_found():
    _, _, actor = operator_member()
    with pytest.raises(NotFound):
        alias_remove(actor=actor, alias_id=999_999)


def test_only_curators_change_aliases():
    _, _, curator = operator_member()
    alias_group_add(actor=curator, canonical="铅", aliases=["Pb"])
    _, _, analyst = operator_member(Role.OPERATOR_ANALYST)
    before, events = aliases(), AuditEvent.objects.count()
    with pytest.raises(PermissionDenied):
        alias_group_add(actor=analyst, canonical="镉", aliases=["Cd"])
    with pytest.raises(PermissionDenied):
        alias_remove(actor=analyst, alias_id=ParameterAlias.objects.get().pk)
    with pytest.raises(PermissionDenied):
        alias_list(analyst)
    assert (aliases(), AuditEvent.objects.count()) == (before, events)


# --- pages --------------------------------------------------------------------------------------------------------


def test_the_alias_page_lists_groups_adds_and_removes():
    operator, user, actor = operator_member()
    alias_group_add(actor=actor, canonical="镉", aliases=["Cd"])
    client = signed_in(user, operator)

    listing = client.get("/registry/operator/aliases/")
    assert listing.status_code == 200
    assert [(a.alias, a.canonical) for a in listing.context["page"]] == [("cd", "镉")]

    added = client.post("/registry/operator/aliases/", {"canonical": "铅", "aliases": "Pb、lead\nＰｂ"})
    assert added.status_code == 302
    assert aliases() == [("cd", "镉"), ("lead", "铅"), ("pb", "铅")]

    removed = client.post(f"/registry/operator/aliases/{ParameterAlias.objects.get(alias='cd').pk}/remove/")
    assert removed.status_code == 302
    assert aliases() == [("lead", "铅"), ("pb", "铅")]

    found = client.get("/registry/operator/aliases/", {"q": "lea"})
    assert [(a.alias, a.canonical) for a in found.context["page"]] == [("lead", "铅"), ("pb", "铅")]


def test_the_alias_page_shows_refusals_on_the_form():
    operator, user, actor = operator_member()
    alias_group_add(actor=actor, canonical="铅", aliases=["Pb"])
    client = signed_in(user, operator)
    before = aliases()
    response = client.post("/registry/operator/aliases/", {"canonical": "lead", "aliases": "铅"})
    assert response.status_code == 400
    assert response.context["form"].errors["aliases"] == ["“铅”已是另一组别名的规范名，不能再作为别名；请先删除该组。"]
    assert aliases() == before
    empty = client.post("/registry/operator/aliases/", {"canonical": "铅", "aliases": ""})
    assert empty.status_code == 400 and aliases() == before


def test_an_analyst_cannot_remove_through_the_page():
    operator, _user, curator = operator_member()
    alias_group_add(actor=curator, canonical="铅", aliases=["Pb"])
    analyst = member(operator, Role.OPERATOR_ANALYST)
    response = signed_in(analyst, operator).post(
        f"/registry/operator/aliases/{ParameterAlias.objects.get().pk}/remove/"
    )
    assert response.status_code == 403
    assert aliases() == [("pb", "铅")]


@pytest.mark.parametrize("count", [10, 200])
def test_alias_page_query_count_does_not_grow(count, django_assert_max_num_queries):
    ParameterAlias.objects.bulk_create(ParameterAlias(alias=f"a{i}", canonical=f"c{i % 40}") for i in range(count))
    operator, user, _ = operator_member()
    client = signed_in(user, operator)
    with django_assert_max_num_queries(10):
        assert client.get("/registry/operator/aliases/").status_code == 200


# --- API ----------------------------------------------------------------------------------------------------------


def test_alias_api_creates_lists_and_deletes():
    _old, new, _recommended = lead_editions()
    scope(InstitutionFactory(), new, parameter=("Pb", ""))
    operator, user, _ = operator_member()
    client = signed_in(user, operator)

    created = client.post(
        "/api/v1/registry/aliases", {"canonical": "铅", "aliases": ["Pb", "lead"]}, content_type="application/json"
    )
    assert created.status_code == 201
    group = created.json()
    assert group["canonical"] == "铅"
    assert [(a["alias"], a["canonical"]) for a in group["aliases"]] == [("lead", "铅"), ("pb", "铅")]
    assert keys() == [("Pb", "铅")]

    listing = client.get("/api/v1/registry/aliases", {"q": "pb"}).json()
    assert listing["count"] == 2 and [a["alias"] for a in listing["items"]] == ["lead", "pb"]

    pb = ParameterAlias.objects.get(alias="pb")
    deleted = client.delete(f"/api/v1/registry/aliases/{pb.pk}")
    assert deleted.json() == {"id": pb.pk, "alias": "pb", "canonical": "铅", "rows_rekeyed": 1}
    assert keys() == [("Pb", "pb")]
    assert client.delete(f"/api/v1/registry/aliases/{pb.pk}").status_code == 404


def test_alias_api_refusals():
    operator, user, _ = operator_member()
    client = signed_in(user, operator)
    empty = client.post("/api/v1/registry/aliases", {"canonical": "铅", "aliases": []}, content_type="application/json")
    assert empty.status_code == 422
    blank = client.post(
        "/api/v1/registry/aliases", {"canonical": "铅", "aliases": [" "]}, content_type="application/json"
    )
    assert (blank.status_code, blank.json()["fields"]) == (400, {"aliases": ["至少填写一个别名。"]})
    analyst = member(operator, Role.OPERATOR_ANALYST)
    denied = signed_in(analyst, operator).post(
        "/api/v1/registry/aliases", {"canonical": "铅", "aliases": ["Pb"]}, content_type="application/json"
    )
    assert denied.status_code == 403
    assert aliases() == []
    assert Client().get("/api/v1/registry/aliases").status_code == 401


@pytest.mark.parametrize("count", [10, 200])
def test_alias_api_query_count_does_not_grow(count, django_assert_max_num_queries):
    ParameterAlias.objects.bulk_create(ParameterAlias(alias=f"a{i}", canonical=f"c{i % 40}") for i in range(count))
    operator, user, _ = operator_member()
    client = signed_in(user, operator)
    with django_assert_max_num_queries(8):
        body = client.get("/api/v1/registry/aliases?page_size=100").json()
    assert body["count"] == count and len(body["items"]) == min(count, 100)
