"""Permission cases for the laboratory methods routes (core.testing.permissions): methods, lab settings and
signatory authorisations, pages and API. Each builder makes data owned by institution `org`; `SECRET` must never
reach another institution."""

import datetime as dt

from django.utils import timezone

from tests.registry.search_world import edition
from tichub.accounts.choices import Role
from tichub.core.testing.factories import member
from tichub.core.testing.permissions import Setup, case
from tichub.lims.models import SignatoryAuthorisation, TestMethod
from tichub.standards.models import StandardEdition

SECRET = "secret-method-3f9a"  # ASCII: the API answers JSON with \\u escapes
CODE = "GB 5009.3-2016"


def catalogued(code: str = CODE) -> StandardEdition:
    return StandardEdition.objects.filter(canonical=code).first() or edition(code, title="食品中水分的测定")


def lab_method(org) -> TestMethod:
    return TestMethod.objects.create(
        institution=org,
        keyword="moisture",
        parameter=SECRET,
        parameter_key=SECRET,
        standard=catalogued(),
        unit="g/100 g",
    )


def _method(org, user):
    return Setup(kwargs={"pk": lab_method(org).pk}, secret=SECRET)


def _method_active(org, user):
    return Setup(kwargs={"pk": lab_method(org).pk}, data={"active": "0"})


def _authorisation(org):
    signatory = member(org, Role.AUTHORIZED_SIGNATORY)
    return SignatoryAuthorisation.objects.create(
        institution=org, user=signatory, method=lab_method(org), valid_from=timezone.localdate() - dt.timedelta(days=3)
    )


def _signatory_end(org, user):
    return Setup(kwargs={"pk": _authorisation(org).pk}, data={"valid_until": timezone.localdate().isoformat()})


def _method_api(org, user):
    return Setup(kwargs={"method_id": lab_method(org).pk}, secret=SECRET)


def _method_create_api(org, user):
    catalogued()
    return Setup(data={"keyword": "moisture", "parameter": "水分", "standard_code": CODE, "unit": "g/100g"})


def _method_patch_api(org, user):
    return Setup(kwargs={"method_id": lab_method(org).pk}, data={"lod": "0.01"})


def _method_active_api(org, user):
    return Setup(kwargs={"method_id": lab_method(org).pk}, data={"active": False})


def _settings_api(org, user):
    return Setup(data={"review_levels": 1, "retention_days": 30})


def _grant_api(org, user):
    signatory = member(org, Role.AUTHORIZED_SIGNATORY)
    return Setup(
        data={"user_id": signatory.pk, "method_id": lab_method(org).pk, "valid_from": timezone.localdate().isoformat()}
    )


def _end_api(org, user):
    return Setup(
        kwargs={"authorisation_id": _authorisation(org).pk}, data={"valid_until": timezone.localdate().isoformat()}
    )


case("lims:method_edit", kind="institution", build=_method)
case("lims:method_active", method="POST", kind="institution", build=_method_active)
case("lims:signatory_end", method="POST", kind="institution", build=_signatory_end)

case("GET /api/v1/lab/methods/{method_id}", kind="institution", build=_method_api)
case("POST /api/v1/lab/methods", method="POST", kind="institution", build=_method_create_api)
case("PATCH /api/v1/lab/methods/{method_id}", method="PATCH", kind="institution", build=_method_patch_api)
case("POST /api/v1/lab/methods/{method_id}/active", method="POST", kind="institution", build=_method_active_api)
case("PUT /api/v1/lab/settings", method="PUT", kind="institution", build=_settings_api)
case("POST /api/v1/lab/authorisations", method="POST", kind="institution", build=_grant_api)
case("POST /api/v1/lab/authorisations/{authorisation_id}/end", method="POST", kind="institution", build=_end_api)
