"""Data for the generic permission suite: the public directory and an institution's self-management routes.

Secrets are ASCII: the API's JSON escapes other characters, and the suite looks for the secret in the raw body."""

from tichub.core.testing.permissions import Setup, case

from .directory_world import accreditation, profile, row, site

INSTITUTION = "institution"


def _slug(org, user):
    return Setup(kwargs={"slug": org.slug}, secret=org.slug)


def _public_scope(org, user):
    row(org, limitation="public limitation E")
    return Setup(kwargs={"slug": org.slug}, secret="public limitation E")


def _profile(org, user):
    profile(org, contact_person="Secret Contact A", contact_public=False)
    return Setup(secret="Secret Contact A")


def _site(org, user):
    s = site(org, "Secret Site B")
    return Setup(kwargs={"pk": s.pk, "site_id": s.pk}, data={"name_zh": "改名场所"}, secret="Secret Site B")


def _accreditation_data(org):
    return {"body": "CNAS", "number": f"CNAS P{org.pk}", "valid_from": "2024-01-01", "valid_until": "2030-01-01"}


def _accreditation(org, user):
    acc = accreditation(org, number=f"SECRET-{org.pk}")
    data = {**_accreditation_data(org), "number": f"CNAS Q{org.pk}"}
    return Setup(kwargs={"pk": acc.pk, "accreditation_id": acc.pk}, data=data, secret=f"SECRET-{org.pk}")


def _row(org, user):
    scope_row = row(org, limitation="secret limitation C")
    data = {"status": "active", "turnaround_days": "3", "list_price": "", "limitation": "新限制", "reason": ""}
    return Setup(kwargs={"pk": scope_row.pk, "row_id": scope_row.pk}, data=data, secret="secret limitation C")


def _row_api(org, user):
    setup = _row(org, user)
    setup.data = {"turnaround_days": 3, "limitation": "新限制"}
    return setup


def _bulk(org, user):
    scope_row = row(org, limitation="secret limitation D")
    data = {"rows": [scope_row.pk], "status": "suspended", "reason": "年度审核"}
    return Setup(data=data, secret="secret limitation D")


def _bulk_api(org, user):
    setup = _bulk(org, user)
    setup.data = {"row_ids": setup.data["rows"], "status": "suspended", "reason": "年度审核"}
    return setup


# Public pages and API
case("registry:institution", build=_slug)
case("registry:institution_scope", build=lambda org, user: Setup(kwargs={"slug": org.slug}))
case("GET /api/v1/registry/institutions/{slug}", build=_slug)
case("GET /api/v1/registry/institutions/{slug}/scope", build=_public_scope)

# Self-management pages
case("registry:manage", kind=INSTITUTION, build=_profile)
case("registry:scope", kind=INSTITUTION, build=_row)
case("registry:site_new", method="POST", kind=INSTITUTION, build=lambda org, user: Setup(data={"name_zh": "新场所"}))
case("registry:site_edit", method="POST", kind=INSTITUTION, build=_site)
case(
    "registry:accreditation_new",
    method="POST",
    kind=INSTITUTION,
    build=lambda org, user: Setup(data=_accreditation_data(org)),
)
case("registry:accreditation_edit", method="POST", kind=INSTITUTION, build=_accreditation)
case("registry:accreditation_remove", method="POST", kind=INSTITUTION, build=_accreditation)
case("registry:scope_row", method="POST", kind=INSTITUTION, build=_row)
case("registry:scope_bulk", method="POST", kind=INSTITUTION, build=_bulk)

# Self-management API
case("GET /api/v1/registry/my/profile", kind=INSTITUTION, build=_profile)
case(
    "PATCH /api/v1/registry/my/profile",
    method="PATCH",
    kind=INSTITUTION,
    build=lambda org, user: Setup(data={"region": "南宁市"}),
)
case("GET /api/v1/registry/my/sites", kind=INSTITUTION, build=_site)
case(
    "POST /api/v1/registry/my/sites",
    method="POST",
    kind=INSTITUTION,
    build=lambda org, user: Setup(data={"name_zh": "新场所"}),
)
case("PATCH /api/v1/registry/my/sites/{site_id}", method="PATCH", kind=INSTITUTION, build=_site)
case("GET /api/v1/registry/my/accreditations", kind=INSTITUTION, build=_accreditation)
case(
    "POST /api/v1/registry/my/accreditations",
    method="POST",
    kind=INSTITUTION,
    build=lambda org, user: Setup(data=_accreditation_data(org)),
)
case(
    "PATCH /api/v1/registry/my/accreditations/{accreditation_id}",
    method="PATCH",
    kind=INSTITUTION,
    build=_accreditation,
)
case(
    "DELETE /api/v1/registry/my/accreditations/{accreditation_id}",
    method="DELETE",
    kind=INSTITUTION,
    build=_accreditation,
)
case("GET /api/v1/registry/my/scope", kind=INSTITUTION, build=_row)
case("PATCH /api/v1/registry/my/scope/{row_id}", method="PATCH", kind=INSTITUTION, build=_row_api)
case("POST /api/v1/registry/my/scope/status", method="POST", kind=INSTITUTION, build=_bulk_api)
