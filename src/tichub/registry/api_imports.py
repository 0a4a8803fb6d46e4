"""API: scope imports. Upload a table (→ preview with counts and diff, or 400 with every bad line), read, commit."""

import base64
import binascii
import datetime as dt
import json
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from tichub.core.api_support import Error
from tichub.core.errors import ServiceError
from tichub.core.routes import actor_of, policy

from . import import_services
from .import_selectors import scope_import_get, scope_imports_of
from .imports import MAX_BYTES
from .models import ScopeImport

router = Router(tags=["registry"])
ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 409: Error, 422: Error}


class ScopeRowOut(Schema):
    line: int
    object_zh: str
    object_en: str
    parameter_zh: str
    parameter_en: str
    parameter_key: str
    standard: str
    standard_title: str
    clause: str
    limitation: str
    site: str
    accreditations: list[str]
    status: str
    turnaround_days: int | None
    list_price: str | None


class ScopeChangeOut(Schema):
    id: int  # the scope row that changes
    row: ScopeRowOut  # its new values
    fields: list[str]
    before: dict[str, Any]


class ScopeRemovedOut(Schema):
    id: int
    object: str
    parameter: str
    standard: str
    clause: str
    site: str
    status: str


class ImportCountsOut(Schema):
    rows: int
    added: int
    changed: int
    removed: int
    unchanged: int


class ScopeImportSummaryOut(Schema):
    id: int
    filename: str
    status: str
    created_at: dt.datetime
    created_by: str
    committed_at: dt.datetime | None
    rows: int | None
    added: int | None
    changed: int | None
    removed: int | None

    @staticmethod
    def resolve_created_by(obj: ScopeImport) -> str:
        return obj.created_by.email

    @staticmethod
    def resolve_rows(obj: ScopeImport) -> int | None:
        return getattr(obj, "count_rows", None)

    @staticmethod
    def resolve_added(obj: ScopeImport) -> int | None:
        return getattr(obj, "count_added", None)

    @staticmethod
    def resolve_changed(obj: ScopeImport) -> int | None:
        return getattr(obj, "count_changed", None)

    @staticmethod
    def resolve_removed(obj: ScopeImport) -> int | None:
        return getattr(obj, "count_removed", None)


class ScopeImportOut(Schema):
    id: int
    filename: str
    status: str
    created_at: dt.datetime
    created_by: str
    committed_at: dt.datetime | None
    counts: ImportCountsOut
    added: list[ScopeRowOut]
    changed: list[ScopeChangeOut]
    removed: list[ScopeRemovedOut]
    new_editions: list[str]  # editions not in the standards catalogue: added to it at commit
    withdrawn_editions: list[str]  # editions the catalogue knows as withdrawn
    site_to_create: str | None


class ScopeImportJsonIn(Schema):
    filename: str
    content_base64: str


def _out(scope_import: ScopeImport) -> dict[str, Any]:
    rows, diff = scope_import.rows, scope_import.diff
    catalogue = diff.get("catalogue", {})
    return {
        "id": scope_import.pk,
        "filename": scope_import.filename,
        "status": scope_import.status,
        "created_at": scope_import.created_at,
        "created_by": scope_import.created_by.email,
        "committed_at": scope_import.committed_at,
        "counts": diff["counts"],
        "added": [rows[i] for i in diff["added"]],
        "changed": [{**change, "row": rows[change["row"]]} for change in diff["changed"]],
        "removed": diff["removed"],
        "new_editions": catalogue.get("new_editions", []),
        "withdrawn_editions": [w["standard"] for w in catalogue.get("withdrawn", [])],
        "site_to_create": diff.get("site_to_create"),
    }


def _json_upload(request: HttpRequest) -> tuple[str, bytes]:
    missing = ServiceError.field(
        "file",
        _("请以 multipart 字段 file 上传文件，或以 JSON 提交 filename 与 content_base64。"),
        code="required",
    )
    if not request.body or len(request.body) > MAX_BYTES * 4 // 3 + 1024:
        raise missing
    try:
        payload = ScopeImportJsonIn(**json.loads(request.body))
        return payload.filename, base64.b64decode(payload.content_base64, validate=True)
    except (ValueError, TypeError, binascii.Error) as exc:
        raise missing from exc


@router.post(
    "/scope-imports",
    response={201: ScopeImportOut, **ERRORS},
    openapi_extra={
        "description": "multipart/form-data with a `file` (XLSX or CSV); or JSON {filename, content_base64}"
    },
)
@policy("registry.scope.manage", api=True)
def scope_import_upload(request: HttpRequest, file: File[UploadedFile] = None):  # type: ignore[assignment]
    """Upload a scope table: every row is validated and the diff against the current scope is returned.

    A table with any bad row answers 400 with `fields` {"line N": [reasons]} and saves nothing.
    """
    if file is not None:
        if file.size and file.size > MAX_BYTES:
            raise ServiceError.field("file", _("文件过大：上限为 %(mb)d MB。") % {"mb": MAX_BYTES // (1024 * 1024)})
        filename, content = file.name or "", file.read()
    else:
        filename, content = _json_upload(request)
    scope_import = import_services.scope_import_preview(actor=actor_of(request), filename=filename, content=content)
    return Status(201, _out(scope_import))


@router.get("/scope-imports", response=list[ScopeImportSummaryOut])
@policy("registry.scope.manage", api=True)
@paginate
def scope_imports(request: HttpRequest):
    """The institution's imports, newest first."""
    return scope_imports_of(actor_of(request))


@router.get("/scope-imports/{import_id}", response={200: ScopeImportOut, **ERRORS})
@policy("registry.scope.manage", api=True)
def scope_import_detail(request: HttpRequest, import_id: int):
    return _out(scope_import_get(actor_of(request), import_id))


@router.post("/scope-imports/{import_id}/commit", response={200: ScopeImportOut, **ERRORS})
@policy("registry.scope.manage", api=True)
def scope_import_commit(request: HttpRequest, import_id: int):
    """Apply the previewed import all at once (409 if it is not a preview any more or the scope changed since)."""
    return _out(import_services.scope_import_commit(actor=actor_of(request), import_id=import_id))


@router.post("/scope-imports/{import_id}/discard", response={200: ScopeImportSummaryOut, **ERRORS})
@policy("registry.scope.manage", api=True)
def scope_import_discard(request: HttpRequest, import_id: int):
    actor = actor_of(request)
    import_services.scope_import_discard(actor=actor, import_id=import_id)
    return scope_imports_of(actor).get(pk=import_id)
