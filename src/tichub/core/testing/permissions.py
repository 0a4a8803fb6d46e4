"""The generic permission suite: every route against anonymous, wrong organisation, missing role and allowed.

An app declares, for each route that needs data (URL parameters, a request body), a `Case` that builds an
object owned by an organisation and says which string of it must never reach another tenant. Routes without
parameters that only read need no case. A route with no policy, or one that needs a case and has none, fails.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.test import Client

from tichub.accounts.choices import OrganisationKind, Role
from tichub.accounts.middleware import SESSION_2FA, SESSION_ORG
from tichub.accounts.models import Organisation, User
from tichub.core.models import AuditEvent
from tichub.core.policies import POLICIES, PUBLIC, SIGNED_IN

from .factories import FACTORY_BY_KIND, member
from .routes import Route


@dataclass
class Setup:
    """What a case built: URL parameters, the request body, and a string only the owner may see."""

    kwargs: dict[str, Any] = field(default_factory=dict)
    data: dict[str, Any] | None = None
    secret: str | None = None
    query: dict[str, Any] | None = None  # query-string parameters a route requires


@dataclass(frozen=True)
class Case:
    """How to exercise one route. `build(org, user)` makes the data owned by `org` (user: an allowed member)."""

    method: str = "GET"
    kind: str | None = None
    build: Callable[[Organisation, User], Setup] | None = None
    json: bool = False  # send the body as JSON (API)
    cluster_wide: bool = False  # the operator acts on every organisation: there is no "other tenant" to refuse


CASES: dict[str, Case] = {}


def case(route_name: str, **kwargs: Any) -> None:
    CASES[route_name] = Case(**kwargs)


def case_for(route: Route) -> Case | None:
    if route.name in CASES:
        return CASES[route.name]
    if (not route.params and route.methods[0] in ("GET", "HEAD")) or (route.kind == "view" and not route.params):
        return Case(method="GET" if route.kind == "view" else route.methods[0])
    return None


def _allowed_roles(action: str, kind: str) -> list[str]:
    roles = [r.value for r in Role.for_kind(kind)]
    if action in (PUBLIC, SIGNED_IN):
        return roles
    return [r for r in roles if r in POLICIES[action].roles]


def _kind_for(route: Route, case: Case) -> str:
    if case.kind:
        return case.kind
    for kind in (OrganisationKind.INSTITUTION, OrganisationKind.ENTERPRISE, OrganisationKind.OPERATOR):
        if _allowed_roles(route.policy or PUBLIC, kind):
            return kind
    raise AssertionError(f"{route}: policy {route.policy} allows no role of any organisation kind")


def signed_in(user: User | None, organisation: Organisation | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
        session = client.session
        session[SESSION_2FA] = True  # the second factor itself is tested elsewhere
        if organisation is not None:
            session[SESSION_ORG] = organisation.pk
        session.save()
    return client


def request(client: Client, route: Route, case: Case, setup: Setup) -> Any:
    url = route.url(**setup.kwargs)
    if setup.query:
        url += "?" + urlencode(setup.query)
    method = case.method.lower()
    if case.json or route.kind == "api":
        body = json.dumps(setup.data or {}) if method not in ("get", "delete") else None
        if method in ("get", "delete"):
            return getattr(client, method)(url)
        return getattr(client, method)(url, data=body, content_type="application/json")
    return getattr(client, method)(url, data=setup.data or {})


@dataclass
class World:
    """The organisation that owns the case's data, a twin of the same kind, and an allowed member of each."""

    kind: str
    owner: Organisation
    other: Organisation
    allowed_role: str
    owner_user: User
    other_user: User


def build_world(route: Route, case: Case) -> tuple[World, Setup]:
    kind = _kind_for(route, case)
    factory = FACTORY_BY_KIND[OrganisationKind(kind)]
    owner, other = factory(), factory()
    allowed = _allowed_roles(route.policy or PUBLIC, kind)
    role = allowed[0]
    world = World(kind, owner, other, role, member(owner, role), member(other, role))
    setup = case.build(owner, world.owner_user) if case.build else Setup()
    return world, setup


def audit_count() -> int:
    return AuditEvent.objects.count()


def check_anonymous(route: Route, case: Case) -> None:
    _, setup = build_world(route, case)
    before = audit_count()
    response = request(Client(), route, case, setup)
    if route.policy == PUBLIC:
        assert response.status_code < 500, f"{route}: {response.status_code}"
        return
    if route.kind == "api":
        assert response.status_code == 401, f"{route}: anonymous got {response.status_code}"
    else:
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], (
            f"{route}: anonymous got {response.status_code}"
        )
    assert audit_count() == before, f"{route}: an anonymous request changed something"


def check_missing_role(route: Route, case: Case) -> bool:
    """A member of the owning organisation without an allowed role gets 403 and changes nothing."""
    if route.policy in (PUBLIC, SIGNED_IN):
        return False
    world, setup = build_world(route, case)
    denied = [r.value for r in Role.for_kind(world.kind) if r.value not in POLICIES[route.policy].roles]
    if not denied:
        return False
    user = member(world.owner, denied[0])
    before = audit_count()
    response = request(signed_in(user, world.owner), route, case, setup)
    assert response.status_code == 403, f"{route}: role {denied[0]} got {response.status_code}"
    assert audit_count() == before, f"{route}: a denied request changed something"
    return True


def check_wrong_organisation(route: Route, case: Case) -> bool:
    """An allowed member of another organisation gets 404 for the object and never sees its secret."""
    if route.policy == PUBLIC or case.cluster_wide or (not route.params and case.method != "GET"):
        return False
    world, setup = build_world(route, case)
    before = audit_count()
    response = request(signed_in(world.other_user, world.other), route, case, setup)
    if route.params:
        assert response.status_code == 404, f"{route}: other tenant got {response.status_code}"
        assert audit_count() == before, f"{route}: another tenant's request changed something"
    if setup.secret:
        assert setup.secret not in response.content.decode(errors="replace"), f"{route}: leaked {setup.secret}"
    return True


def check_allowed(route: Route, case: Case) -> None:
    world, setup = build_world(route, case)
    response = request(signed_in(world.owner_user, world.owner), route, case, setup)
    assert response.status_code < 400, f"{route}: allowed role {world.allowed_role} got {response.status_code}"
    if setup.secret and case.method == "GET":
        assert setup.secret in response.content.decode(), f"{route}: the owner does not see {setup.secret}"


#: What a careless or hostile client sends in place of a field's value.
BAD_VALUES: tuple[Any, ...] = (
    None, "", "x" * 3000, -1, 10**30, 1.5, True, [], {"$ne": 1}, "NaN", "１２", "0x1A", "<b>",
)  # fmt: skip


def bad_bodies(data: dict[str, Any] | None) -> list[Any]:
    """Bodies a route must refuse with a 4xx (or accept), never a 500: not an object, empty, each field of the
    case's valid body replaced in turn by each of BAD_VALUES (and, for lists of objects, the first item's fields)."""
    bodies: list[Any] = [[], "text", {}]
    for name, value in (data or {}).items():
        bodies += [{**data, name: bad} for bad in BAD_VALUES]  # type: ignore[dict-item]
        if isinstance(value, list) and value and isinstance(value[0], dict):
            for field_name in value[0]:
                bodies += [{**data, name: [{**value[0], field_name: bad}, *value[1:]]} for bad in BAD_VALUES]  # type: ignore[dict-item]
    return bodies


def check_bad_input(route: Route, case: Case) -> list[str]:
    """An allowed member sends broken bodies to a JSON write route: every answer is below 500. Returns faults."""
    world, setup = build_world(route, case)
    client = signed_in(world.owner_user, world.owner)
    url = route.url(**setup.kwargs) + ("?" + urlencode(setup.query) if setup.query else "")
    faults = []
    for body in bad_bodies(setup.data):
        response = getattr(client, case.method.lower())(url, data=json.dumps(body), content_type="application/json")
        if response.status_code >= 500:
            faults.append(f"{json.dumps(body, ensure_ascii=False)[:200]} → {response.status_code}")
    return faults
