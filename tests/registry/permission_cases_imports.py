"""Data for the generic permission suite: the scope import pages and API operations."""

import base64

from django.core.files.uploadedfile import SimpleUploadedFile

from tichub.accounts.choices import Role
from tichub.core.tenancy import Actor
from tichub.core.testing.permissions import Setup, case
from tichub.registry import import_services

TABLE = "检测对象,项目/参数,检测标准（方法）名称及编号（含年号）\n白砂糖,铅,GB 5009.12-2017 第一法\n".encode()
SECRET_NAME = "secret-scope-7f3a.csv"


def _import(org, user):
    actor = Actor(user=user, organisation=org, roles=frozenset({Role.INSTITUTION_ADMIN}))
    return import_services.scope_import_preview(actor=actor, filename=SECRET_NAME, content=TABLE)


def _by_pk(org, user):
    return Setup(kwargs={"pk": _import(org, user).pk}, secret=SECRET_NAME)


def _by_import_id(org, user):
    return Setup(kwargs={"import_id": _import(org, user).pk}, secret=SECRET_NAME)


def _listing(org, user):
    _import(org, user)
    return Setup(secret=SECRET_NAME)


def _upload_form(org, user):
    return Setup(data={"file": SimpleUploadedFile("scope.csv", TABLE)})


def _upload_json(org, user):
    return Setup(data={"filename": "scope.csv", "content_base64": base64.b64encode(TABLE).decode()})


case("registry:scope_import", method="POST", kind="institution", build=_upload_form)
case("registry:scope_import_detail", kind="institution", build=_by_pk)
case("registry:scope_import_commit", method="POST", kind="institution", build=_by_pk)
case("registry:scope_import_discard", method="POST", kind="institution", build=_by_pk)
case("POST /api/v1/registry/scope-imports", method="POST", kind="institution", build=_upload_json)
case("GET /api/v1/registry/scope-imports", kind="institution", build=_listing)
case("GET /api/v1/registry/scope-imports/{import_id}", kind="institution", build=_by_import_id)
case("POST /api/v1/registry/scope-imports/{import_id}/commit", method="POST", kind="institution", build=_by_import_id)
case("POST /api/v1/registry/scope-imports/{import_id}/discard", method="POST", kind="institution", build=_by_import_id)
