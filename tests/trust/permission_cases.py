"""Data for the generic permission suite (core.testing.permissions): the signing-keys pages, the trust API and the
public trust list. Each builder sets up the platform CA (idempotent) and, where a route needs one, a key of `org`
whose kid only that institution may see."""

import base64

from django.core.files.uploadedfile import SimpleUploadedFile

from tichub.accounts.choices import Role
from tichub.core.testing.permissions import Setup, case
from tichub.trust import key_services

from .world import P12_PASSWORD, SYSTEM, actor_of, p12


def _platform(org, user):
    key_services.platform_init(actor=SYSTEM)
    return Setup()


def _with_key(org, user):
    key_services.platform_init(actor=SYSTEM)
    key = key_services.key_issue(actor=actor_of(org, user, Role.INSTITUTION_ADMIN))
    return key


def _list(org, user):
    return Setup(secret=_with_key(org, user).kid)


def _revoke_page(org, user):
    return Setup(kwargs={"key_id": _with_key(org, user).pk}, data={"reason": "私钥可能泄露"})


def _import_page(org, user):
    key_services.platform_init(actor=SYSTEM)
    upload = SimpleUploadedFile("institution.p12", p12(), content_type="application/x-pkcs12")
    return Setup(data={"pkcs12": upload, "password": P12_PASSWORD})


def _import_api(org, user):
    key_services.platform_init(actor=SYSTEM)
    return Setup(data={"pkcs12": base64.b64encode(p12()).decode(), "password": P12_PASSWORD})


case("trust:keys", kind="institution", build=_list)
case("trust:key_issue", method="POST", kind="institution", build=_platform)
case("trust:key_import", method="POST", kind="institution", build=_import_page)
case("trust:key_revoke", method="POST", kind="institution", build=_revoke_page)
case("trust_public:trust_list", build=_platform)

case("GET /api/v1/trust/keys", kind="institution", build=_list)
case("POST /api/v1/trust/keys", method="POST", kind="institution", build=_platform)
case("POST /api/v1/trust/keys/import", method="POST", kind="institution", build=_import_api)
case("POST /api/v1/trust/keys/{key_id}/revoke", method="POST", kind="institution", build=_revoke_page)
case("GET /api/v1/trust/trust-list", build=_platform)
