import pytest
from django.test import Client

from tichub.accounts import services
from tichub.accounts.choices import Role
from tichub.accounts.models import ApiToken, Organisation
from tichub.core.models import AuditEvent
from tichub.core.tenancy import Actor
from tichub.core.testing.factories import InstitutionFactory, member
from tichub.core.testing.permissions import signed_in

pytestmark = pytest.mark.django_db


def token_for(org, role, scope):
    user = member(org, role)
    _, secret = services.api_token_create(
        actor=Actor(user=user, organisation=org, roles=frozenset({role})), name="t", scope=scope
    )
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_token_reads_its_own_organisation():
    lab = InstitutionFactory(name_zh="令牌中心")
    response = Client().get("/api/v1/organisation", **token_for(lab, Role.ANALYST, "read"))
    assert response.status_code == 200
    assert response.json()["name_zh"] == "令牌中心"


def test_read_only_token_cannot_write():
    lab = InstitutionFactory(name_en="Before")
    headers = token_for(lab, Role.INSTITUTION_ADMIN, "read")
    before = AuditEvent.objects.count()
    response = Client().patch(
        "/api/v1/organisation", data={"name_en": "After"}, content_type="application/json", **headers
    )
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert Organisation.objects.get(pk=lab.pk).name_en == "Before"
    assert AuditEvent.objects.count() == before


def test_revoked_organisation_token_has_a_clear_message():
    lab = InstitutionFactory()
    headers = token_for(lab, Role.ANALYST, "read")
    Organisation.objects.filter(pk=lab.pk).update(is_active=False)
    response = Client().get("/api/v1/me", **headers)
    assert response.status_code == 401
    assert response.json() == {"code": "unauthenticated", "message": "令牌所属组织已停用。", "fields": {}}


def test_validation_error_shape_names_the_field():
    lab = InstitutionFactory()
    client = signed_in(member(lab, Role.INSTITUTION_ADMIN), lab)
    response = client.post("/api/v1/tokens", data={"scope": "read"}, content_type="application/json")
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid" and list(body["fields"]) == ["name"]


def test_service_error_shape():
    lab = InstitutionFactory()
    client = signed_in(member(lab, Role.INSTITUTION_ADMIN), lab)
    response = client.patch("/api/v1/organisation", data={"uscc": "123"}, content_type="application/json")
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["uscc"]


def test_pagination_caps_page_size_and_query_count_is_flat(django_assert_max_num_queries):
    lab = InstitutionFactory()
    admin = member(lab, Role.INSTITUTION_ADMIN)
    for _ in range(120):
        member(lab, Role.ANALYST)
    client = signed_in(admin, lab)
    with django_assert_max_num_queries(8):
        body = client.get("/api/v1/members?page_size=500").json()
    assert body["count"] == 121 and len(body["items"]) == 100


def test_audit_list_query_count_does_not_grow(django_assert_max_num_queries):
    lab = InstitutionFactory()
    admin = member(lab, Role.INSTITUTION_ADMIN)
    actor = Actor(user=admin, organisation=lab, roles=frozenset({Role.INSTITUTION_ADMIN}))
    for i in range(60):
        services.organisation_update(actor=actor, name_en=f"Name {i}")
    client = signed_in(admin, lab)
    with django_assert_max_num_queries(8):
        body = client.get("/api/v1/audit-events?page_size=50").json()
    assert body["count"] == 60 and len(body["items"]) == 50
    assert body["items"][0]["after"]["name_en"] == "Name 59"


def test_openapi_docs_are_served():
    assert Client().get("/api/v1/docs").status_code == 200
    schema = Client().get("/api/v1/openapi.json").json()
    assert "/api/v1/audit-events" in schema["paths"]


def test_operator_lists_organisations_and_others_cannot():
    from tichub.core.testing.factories import OperatorFactory, OrganisationFactory

    operator, enterprise = OperatorFactory(), OrganisationFactory(name_zh="某企业")
    InstitutionFactory(name_zh="某中心")
    client = signed_in(member(operator, Role.OPERATOR_ANALYST), operator)
    body = client.get("/api/v1/organisations?kind=institution").json()
    assert [o["name_zh"] for o in body["items"]] == ["某中心"]
    denied = signed_in(member(enterprise, Role.ENTERPRISE_MEMBER), enterprise).get("/api/v1/organisations")
    assert denied.status_code == 403


def test_a_token_cannot_mint_another_token():
    lab = InstitutionFactory()
    headers = token_for(lab, Role.INSTITUTION_ADMIN, "write")
    response = Client().post("/api/v1/tokens", data={"name": "more"}, content_type="application/json", **headers)
    assert response.status_code == 400
    assert response.json()["code"] == "token_cannot_create_token"
    assert ApiToken.objects.count() == 1


def test_not_found_has_its_own_code():
    lab = InstitutionFactory()
    client = signed_in(member(lab, Role.ANALYST), lab)
    assert client.delete("/api/v1/tokens/999999").json() == {
        "code": "not_found",
        "message": "没有此令牌。",
        "fields": {},
    }
