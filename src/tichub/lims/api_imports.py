"""Laboratory API: results from instruments' CSV exports (ISO/IEC 17025 7.11.2). Save an instrument's column
mapping, upload a file (→ the import, previewed with its summary or refused with every error, nothing written to
the tests), read an import, apply it (all results or none).

Everything needs "lims.result.enter". Another institution's instrument or import answers 404 as one that does not
exist. Refusals: 400 with "columns.<name>", "delimiter", "file", "instrument_id" (the upload itself), 409 when an
import cannot be applied (its state, or rows that changed since the preview: "line <n>"), 403 when someone other
than its analyst (or a laboratory manager) applies it.
"""

import base64
import binascii
import json
from typing import Any

import pydantic
from django.core.files.base import ContentFile
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status

from tichub.core.api_support import Error
from tichub.core.errors import NotFound, ServiceError
from tichub.core.routes import actor_of, policy

from . import import_selectors, import_services
from .csvfile import MAX_BYTES
from .models import ImportMapping
from .schemas.imports import ImportJsonIn, ImportOut, MappingIn, MappingOut

router = Router(tags=["laboratory"])
ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 409: Error, 422: Error}
ENTER = "lims.result.enter"
UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary", "description": "the CSV export, ≤ 20 MB"},
                        "instrument_id": {"type": "integer"},
                        "columns": {"type": "string", "description": "the mapping as JSON text"},
                        "delimiter": {"type": "string"},
                        "save_mapping": {"type": "boolean"},
                    },
                }
            },
            "application/json": {"schema": ImportJsonIn.model_json_schema()},
        },
    }
}


def _mapping_out(mapping: ImportMapping) -> dict[str, Any]:
    return {"instrument_id": mapping.instrument_id, "columns": mapping.columns, "delimiter": mapping.delimiter}


@router.get("/instruments/{instrument_id}/mapping", response={200: MappingOut, **ERRORS})
@policy(ENTER, api=True)
def mapping_get(request: HttpRequest, instrument_id: int) -> Any:
    """The instrument's saved column mapping (404 when it has none yet)."""
    mapping = import_selectors.mapping_of(actor_of(request), instrument_id)
    if mapping is None:
        raise NotFound(_("该仪器尚未保存列映射。"), code="no_mapping")
    return _mapping_out(mapping)


@router.put("/instruments/{instrument_id}/mapping", response={200: MappingOut, **ERRORS})
@policy(ENTER, api=True)
def mapping_put(request: HttpRequest, instrument_id: int, payload: MappingIn) -> Any:
    """Save the instrument's column mapping (one per instrument; uploads from it start from it)."""
    mapping = import_services.mapping_save(
        actor=actor_of(request), instrument_id=instrument_id, columns=payload.columns, delimiter=payload.delimiter
    )
    return _mapping_out(mapping)


def _integer(text: str, field: str) -> int | None:
    if not text.strip():
        return None
    try:
        return int(text)
    except ValueError:
        raise ServiceError.field(field, _("%(field)s 须为整数。") % {"field": field}) from None


def _multipart(request: HttpRequest) -> dict[str, Any]:
    upload = request.FILES.get("file")
    if upload is None:
        raise ServiceError.field("file", _("请上传 CSV 文件（表单字段 file）。"))
    data = request.POST
    columns = None
    if data.get("columns", "").strip():
        try:
            columns = json.loads(data["columns"])
        except json.JSONDecodeError:
            raise ServiceError.field(
                "columns",
                _('columns 须为 JSON 对照，如 {"sample": "Sample ID", "keyword": "Analyte", "value": "Conc"}。'),
            ) from None
    return {
        "file": upload,
        "instrument_id": _integer(data.get("instrument_id", ""), "instrument_id"),
        "columns": columns,
        "delimiter": data.get("delimiter") if "delimiter" in data else None,
        "save_mapping": data.get("save_mapping", "").lower() in ("1", "true", "on", "yes"),
    }


def _json(request: HttpRequest) -> dict[str, Any]:
    try:
        payload = ImportJsonIn.model_validate(json.loads(request.body or b"{}"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ServiceError.field("request", _("请求体须为 JSON，或以 multipart/form-data 上传文件。")) from None
    except pydantic.ValidationError as exc:
        fields: dict[str, list[str]] = {}
        for error in exc.errors():
            fields.setdefault(".".join(str(p) for p in error["loc"]) or "request", []).append(error["msg"])
        raise ServiceError("; ".join(f"{k}: {' '.join(v)}" for k, v in fields.items()), fields=fields) from None
    if len(payload.content_base64) > MAX_BYTES * 4 // 3 + 4:
        raise ServiceError.field("file", _("文件过大：上限为 %(max)d MB。") % {"max": MAX_BYTES // (1024 * 1024)})
    try:
        content = base64.b64decode(payload.content_base64, validate=True)
    except (binascii.Error, ValueError):
        raise ServiceError.field("content_base64", _("content_base64 不是有效的 Base64 编码。")) from None
    return {
        "file": ContentFile(content, name=payload.file_name),
        "instrument_id": payload.instrument_id,
        "columns": payload.columns,
        "delimiter": payload.delimiter,
        "save_mapping": payload.save_mapping,
    }


@router.post("/imports", response={201: ImportOut, **ERRORS}, openapi_extra=UPLOAD_BODY)
@policy(ENTER, api=True)
def import_create(request: HttpRequest) -> Any:
    """Upload an instrument's CSV export: every row is checked, nothing is written to the tests.

    multipart/form-data (file, instrument_id, columns as JSON text, delimiter, save_mapping), or JSON with the
    file in base64. 201 with the import: status "previewed" with its summary and first rows (apply it), or
    "refused" with every error (line, column, message). A file that cannot be read at all answers 400.
    """
    upload = _multipart(request) if request.content_type == "multipart/form-data" else _json(request)
    return Status(201, import_services.import_preview(actor=actor_of(request), **upload))


@router.get("/imports/{import_id}", response={200: ImportOut, **ERRORS})
@policy(ENTER, api=True)
def import_get(request: HttpRequest, import_id: int) -> Any:
    """One import: its status, summary, errors and first rows."""
    return import_selectors.result_import_get(actor_of(request), import_id)


@router.post("/imports/{import_id}/apply", response={200: ImportOut, **ERRORS})
@policy(ENTER, api=True)
def import_apply(request: HttpRequest, import_id: int) -> Any:
    """Write every result of a previewed import, or none: the rows are checked again first (409 with "line <n>"
    when something changed since the preview)."""
    return import_services.import_apply(actor=actor_of(request), import_id=import_id)
