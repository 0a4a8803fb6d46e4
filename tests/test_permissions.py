"""Walk every URL and API route: each declares a policy and behaves for anonymous, wrong organisation,
missing role and allowed actors (core.testing.permissions)."""

import pytest

from tichub.core.testing import permissions as perm
from tichub.core.testing.routes import all_routes

from .accounts import permission_cases as _accounts  # noqa: F401  (registers cases)
from .lims import permission_cases_imports as _lab_imports  # noqa: F401
from .lims import permission_cases_methods as _lab_methods  # noqa: F401
from .lims import permission_cases_results as _lab_results  # noqa: F401
from .lims import permission_cases_review as _lab_review  # noqa: F401
from .lims import permission_cases_samples as _lab_samples  # noqa: F401
from .lims import permission_cases_tests as _lab_tests  # noqa: F401
from .lims import permission_cases_worksheets as _lab_worksheets  # noqa: F401
from .marketplace import permission_cases_invoices as _invoices  # noqa: F401
from .marketplace import permission_cases_needs as _needs  # noqa: F401
from .marketplace import permission_cases_orders as _orders  # noqa: F401
from .marketplace import permission_cases_samples as _samples  # noqa: F401
from .metrology import permission_cases as _instruments  # noqa: F401
from .registry import permission_cases_directory as _directory  # noqa: F401
from .registry import permission_cases_imports as _imports  # noqa: F401
from .registry import permission_cases_search as _search  # noqa: F401
from .reports import permission_cases as _reports  # noqa: F401
from .reports import permission_cases_share as _report_shares  # noqa: F401
from .reports import permission_cases_verify as _verify  # noqa: F401
from .standards import permission_cases as _standards  # noqa: F401
from .trust import permission_cases as _trust  # noqa: F401

ROUTES = all_routes()
IDS = [str(r) for r in ROUTES]


def test_routes_are_found():
    names = {r.name for r in ROUTES}
    assert {"core:home", "accounts:members", "GET /api/v1/members", "DELETE /api/v1/tokens/{token_id}"} <= names


@pytest.mark.parametrize("route", ROUTES, ids=IDS)
def test_route_declares_policy(route):
    assert route.policy, f"{route} ({route.path}) declares no policy: decorate it with @policy(...)"


@pytest.mark.parametrize("route", ROUTES, ids=IDS)
def test_route_has_case(route):
    assert perm.case_for(route) is not None, f"{route} needs a permission case (core.testing.permissions.case)"


@pytest.mark.django_db
@pytest.mark.parametrize("route", ROUTES, ids=IDS)
def test_anonymous(route):
    perm.check_anonymous(route, perm.case_for(route))


@pytest.mark.django_db
@pytest.mark.parametrize("route", ROUTES, ids=IDS)
def test_missing_role(route):
    perm.check_missing_role(route, perm.case_for(route))


@pytest.mark.django_db
@pytest.mark.parametrize("route", ROUTES, ids=IDS)
def test_wrong_organisation(route):
    perm.check_wrong_organisation(route, perm.case_for(route))


@pytest.mark.django_db
@pytest.mark.parametrize("route", ROUTES, ids=IDS)
def test_allowed(route):
    perm.check_allowed(route, perm.case_for(route))


JSON_WRITES = [r for r in ROUTES if r.kind == "api" and r.methods[0] in ("POST", "PUT", "PATCH")]


@pytest.mark.django_db
@pytest.mark.parametrize("route", JSON_WRITES, ids=[str(r) for r in JSON_WRITES])
def test_bad_input_never_answers_500(route):
    faults = perm.check_bad_input(route, perm.case_for(route))
    assert not faults, f"{route}: " + "\n".join(faults[:10])
