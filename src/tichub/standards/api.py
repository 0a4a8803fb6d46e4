"""The standards catalogue API at /api/v1/standards: public search, lookup by code and detail; curators import
catalogue files and withdraw or replace editions."""

import base64
import binascii
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.pagination import paginate
from ninja.throttling import BaseThrottle
from pydantic import ValidationError as PydanticError

from tichub.core.api_support import PUBLIC_THROTTLE, Error
from tichub.core.errors import ServiceError
from tichub.core.routes import actor_of, policy
from tichub.science.standard_codes import StandardCodeError, parse_standard_code

from . import selectors, services
from .models import StandardEdition
from .schemas import (
    ImportJsonIn,
    ImportOut,
    LookupErrorOut,
    LookupOut,
    StandardDetailOut,
    StandardOut,
    WithdrawIn,
    WithdrawOut,
)

router = Router(tags=["standards"])
# Literal paths ("/lookup", "/import") come before "/{standard_id}", which would otherwise take them.
ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 409: Error, 422: Error}
TRUE = {"1", "true", "yes", "on"}
THROTTLE: list[BaseThrottle] = list(PUBLIC_THROTTLE)


@router.get("/", response=list[StandardOut], auth=None, throttle=THROTTLE)
@policy("public", api=True)
@paginate
def standard_search(
    request: HttpRequest, q: str = Query("", max_length=200), status: str | None = Query(None, max_length=20)
) -> Any:
    """Search the catalogue: a code (prefix: "GB/T 2828" finds GB/T 2828.1-2012; GB and GB/T stay apart) or a
    substring of the Chinese or English title; `status` is current, upcoming, to_be_withdrawn or withdrawn."""
    return selectors.standard_search(q, status or None)


@router.get(
    "/lookup",
    response={200: LookupOut, 400: LookupErrorOut, 422: Error, 429: Error},
    auth=None,
    throttle=THROTTLE,
)
@policy("public", api=True)
def standard_lookup(request: HttpRequest, code: str = Query(..., max_length=200)) -> Any:
    """Normalise a code as people write it and find it: the parsed code, the exact edition if catalogued, where
    its replacements lead, and the other editions of the same standard. Bad input answers 400 with the reason
    and, when one can be worked out, a `suggestion`."""
    try:
        parse_standard_code(code)
    except StandardCodeError as exc:
        error = selectors.code_error(exc)
        return Status(
            400, {"code": error.code, "message": error.message, "fields": error.fields, "suggestion": exc.suggestion}
        )
    exact, others, parsed = selectors.standard_by_code(code)
    current = selectors.replacement_chain(exact)[-1] if exact is not None else None
    return {"code": parsed, "edition": exact, "current": current, "other_editions": others}


@router.post(
    "/import",
    response={200: ImportOut, **ERRORS},
    openapi_extra={
        "requestBody": {
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "file": {"type": "string", "format": "binary"},
                            "dry_run": {"type": "boolean"},
                        },
                        "required": ["file"],
                    }
                },
                "application/json": {"schema": ImportJsonIn.model_json_schema()},
            },
            "required": True,
        }
    },
)
@policy("standards.curate", api=True)
def catalogue_import(request: HttpRequest) -> Any:
    """Import a catalogue file (CSV or XLSX; see docs/standards.md for the columns), all rows or none.

    Send it as multipart `file` (with `dry_run`), or as JSON `{filename, content_base64, dry_run}` for small
    files. A dry run answers 200 with the problems it found; a real run with problems answers 400 with every bad
    line in `fields` ("line 7": ["标准号: ..."]) and writes nothing.
    """
    filename, content, dry_run = _upload(request)
    report = services.catalogue_import(actor=actor_of(request), filename=filename, content=content, dry_run=dry_run)
    return {
        "filename": report.filename,
        "rows": report.rows,
        "committed": report.committed,
        "created": len(report.created),
        "updated": len(report.updated),
        "unchanged": report.unchanged,
        "references_added": len(report.references_added),
        "retired": report.retired,
        "institutions_notified": report.institutions_notified,
        "problems": report.problems,
    }


def _upload(request: HttpRequest) -> tuple[str, bytes, bool]:
    if (request.content_type or "").startswith("multipart/"):
        upload = request.FILES.get("file")
        if upload is None:
            raise ServiceError.field("file", _("请上传文件（字段名 file）。"), code="required")
        return upload.name or "catalogue.csv", upload.read(), request.POST.get("dry_run", "").lower() in TRUE
    try:
        payload = ImportJsonIn.model_validate_json(request.body or b"{}")
    except PydanticError as exc:
        fields: dict[str, list[str]] = {}
        for error in exc.errors():
            fields.setdefault(".".join(str(p) for p in error["loc"]) or "request", []).append(error["msg"])
        raise ServiceError(_("请求格式有误。"), code="invalid", fields=fields) from exc
    try:
        content = base64.b64decode(payload.content_base64, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ServiceError.field("content_base64", _("不是有效的 Base64 内容。")) from exc
    return payload.filename, content, payload.dry_run


@router.get("/{standard_id}", response={200: StandardDetailOut, **ERRORS}, auth=None, throttle=THROTTLE)
@policy("public", api=True)
def standard_detail(request: HttpRequest, standard_id: int) -> Any:
    """One edition with every edition of the same standard, its replacement chain and its adoptions."""
    edition = selectors.standard_get(standard_id)
    return _detail(edition)


def _detail(edition: StandardEdition) -> dict[str, Any]:
    adopts, adopted_by = selectors.adoptions_of(edition)
    return {
        **{name: getattr(edition, name) for name in StandardOut.model_fields if name != "id"},
        "id": edition.pk,
        "editions": selectors.editions_of(edition.base_key),
        "replacement_chain": selectors.replacement_chain(edition),
        "replaces": selectors.editions_replaced_by(edition),
        "adopts": [{"relation": a.relation, "edition": a.adopts} for a in adopts],
        "adopted_by": [{"relation": a.relation, "edition": a.edition} for a in adopted_by],
    }


@router.post("/{standard_id}/withdraw", response={200: WithdrawOut, **ERRORS})
@policy("standards.curate", api=True)
def standard_withdraw(request: HttpRequest, standard_id: int, payload: WithdrawIn) -> Any:
    """Withdraw an edition on `on`, or record the edition that replaces it (`replaced_by`, a catalogued code).
    The quality managers of every institution whose active scope cites it are notified; the answer lists, per
    institution, how many scope rows are affected."""
    actor = actor_of(request)
    selectors.standard_get(standard_id)
    if payload.replaced_by:
        replacement, _others, code = selectors.standard_by_code(payload.replaced_by, field="replaced_by")
        if replacement is None:
            raise ServiceError.field(
                "replaced_by", _("目录中没有 %(code)s。") % {"code": code.canonical}, code="not_found"
            )
        impact = services.standard_replace(
            actor=actor, edition_id=standard_id, replaced_by_id=replacement.pk, on=payload.on, reason=payload.reason
        )
    else:
        if payload.on is None:
            raise ServiceError.field("on", _("请填写废止日期，或填写代替标准。"), code="required")
        impact = services.standard_withdraw(actor=actor, edition_id=standard_id, on=payload.on, reason=payload.reason)
    return {
        "edition": selectors.standard_get(standard_id),
        "impact": [
            {
                "organisation_id": item.organisation.pk,
                "organisation_zh": item.organisation.name_zh,
                "organisation_en": item.organisation.name_en,
                "row_count": item.row_count,
            }
            for item in impact
        ],
    }
