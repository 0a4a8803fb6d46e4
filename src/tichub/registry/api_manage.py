"""API for an institution's own registry entries: public profile, test sites, accreditations, scope rows.

Reading needs "registry.scope.view" (every institution role); writing needs "registry.scope.manage". Ids of
another organisation's objects answer 404, as ids that do not exist. Scope documents (PDF) are uploaded on the
accreditation page of the web interface.
"""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from tichub.core.api_support import Error
from tichub.core.routes import actor_of, policy

from . import manage_selectors as selectors
from . import manage_services as services
from .directory_selectors import validity_state

router = Router(tags=["registry"])
ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 409: Error, 422: Error}
VIEW, MANAGE = "registry.scope.view", "registry.scope.manage"


# --- schemas ----------------------------------------------------------------------------------------------------


class ProfileOut(Schema):
    description_zh: str
    description_en: str
    region: str
    contact_person: str
    phone: str
    email: str
    website: str
    contact_public: bool
    prices_public: bool


class ProfilePatch(Schema):
    description_zh: str | None = Field(None, max_length=5000)
    description_en: str | None = Field(None, max_length=5000)
    region: str | None = Field(None, max_length=60)
    contact_person: str | None = Field(None, max_length=60)
    phone: str | None = Field(None, max_length=40)
    email: str | None = Field(None, max_length=254)
    website: str | None = Field(None, max_length=200)
    contact_public: bool | None = None
    prices_public: bool | None = None


class SiteOut(Schema):
    id: int
    name_zh: str
    name_en: str
    address_zh: str
    region: str
    active_rows: int = Field(0, description="active scope rows at this site")


class SiteIn(Schema):
    name_zh: str = Field(max_length=200)
    name_en: str = Field("", max_length=200)
    address_zh: str = Field("", max_length=300)
    region: str = Field("", max_length=60)


class SitePatch(Schema):
    name_zh: str | None = Field(None, max_length=200)
    name_en: str | None = Field(None, max_length=200)
    address_zh: str | None = Field(None, max_length=300)
    region: str | None = Field(None, max_length=60)


class AccreditationOut(Schema):
    id: int
    body: str
    body_name: str
    number: str
    mra_signatory: bool
    valid_from: dt.date
    valid_until: dt.date
    state: str = Field("", description="valid, expired or pending, as of today")
    site_ids: list[int] = Field(default_factory=list, description="empty: every site of the institution")
    scope_document_url: str = ""
    active_rows: int = Field(0, description="active scope rows citing this accreditation")

    @staticmethod
    def resolve_state(obj: Any) -> str:
        return validity_state(obj.valid_from, obj.valid_until)

    @staticmethod
    def resolve_site_ids(obj: Any) -> list[int]:
        return [site.pk for site in obj.sites.all()]

    @staticmethod
    def resolve_scope_document_url(obj: Any) -> str:
        return obj.scope_document.url if obj.scope_document else ""


class AccreditationIn(Schema):
    body: str = Field(description="CNAS, CMA, CNCA or OTHER")
    body_name: str = Field("", max_length=120, description="required for OTHER")
    number: str = Field(max_length=60)
    mra_signatory: bool = False
    valid_from: dt.date
    valid_until: dt.date
    site_ids: list[int] = Field(default_factory=list)


class AccreditationPatch(Schema):
    body: str | None = None
    body_name: str | None = Field(None, max_length=120)
    number: str | None = Field(None, max_length=60)
    mra_signatory: bool | None = None
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    site_ids: list[int] | None = None
    remove_scope_document: bool | None = None


class TermOut(Schema):
    name_zh: str
    name_en: str


class ScopeRowOut(Schema):
    id: int
    object: TermOut = Field(alias="object_term")
    parameter: TermOut = Field(alias="parameter_term")
    parameter_key: str
    standard: str = Field(alias="standard.canonical")
    clause: str
    limitation: str
    site_id: int
    site: str = Field(alias="site.name_zh")
    accreditation_ids: list[int] = Field(default_factory=list)
    status: str
    turnaround_days: int | None
    list_price: Decimal | None
    updated_at: dt.datetime

    @staticmethod
    def resolve_accreditation_ids(obj: Any) -> list[int]:
        return [a.pk for a in obj.accreditations.all()]


class ScopeRowPatch(Schema):
    status: str | None = Field(None, description="active, suspended or withdrawn")
    turnaround_days: int | None = None
    list_price: Decimal | None = Field(None, description="yuan, at most 2 decimals; null clears it")
    limitation: str | None = Field(None, max_length=300)
    accreditation_ids: list[int] | None = None
    reason: str = Field("", max_length=500, description="required to suspend or withdraw")


class ScopeStatusIn(Schema):
    row_ids: list[int] = Field(max_length=services.BULK_MAX)
    status: str
    reason: str = Field("", max_length=500)


class ScopeStatusOut(Schema):
    changed: int


# --- profile ----------------------------------------------------------------------------------------------------


@router.get("/my/profile", response={200: ProfileOut, **ERRORS})
@policy(VIEW, api=True)
def profile_get(request: HttpRequest):
    return selectors.my_profile(actor_of(request))


@router.patch("/my/profile", response={200: ProfileOut, **ERRORS})
@policy(MANAGE, api=True)
def profile_patch(request: HttpRequest, payload: ProfilePatch):
    changes = {k: v for k, v in payload.dict(exclude_unset=True).items()}
    return services.profile_update(actor=actor_of(request), **changes)


# --- sites ------------------------------------------------------------------------------------------------------


@router.get("/my/sites", response=list[SiteOut])
@policy(VIEW, api=True)
@paginate
def sites(request: HttpRequest):
    return selectors.my_sites(actor_of(request))


@router.post("/my/sites", response={201: SiteOut, **ERRORS})
@policy(MANAGE, api=True)
def site_create(request: HttpRequest, payload: SiteIn):
    actor = actor_of(request)
    site = services.site_create(actor=actor, **payload.dict())
    return Status(201, selectors.my_site_get(actor, site.pk))


@router.patch("/my/sites/{site_id}", response={200: SiteOut, **ERRORS})
@policy(MANAGE, api=True)
def site_update(request: HttpRequest, site_id: int, payload: SitePatch):
    actor = actor_of(request)
    site = selectors.my_site_get(actor, site_id)
    services.site_update(actor=actor, site_id=site.pk, **payload.dict(exclude_unset=True))
    return selectors.my_site_get(actor, site_id)


# --- accreditations ---------------------------------------------------------------------------------------------


@router.get("/my/accreditations", response=list[AccreditationOut])
@policy(VIEW, api=True)
@paginate
def accreditations(request: HttpRequest):
    return selectors.my_accreditations(actor_of(request))


@router.post("/my/accreditations", response={201: AccreditationOut, **ERRORS})
@policy(MANAGE, api=True)
def accreditation_create(request: HttpRequest, payload: AccreditationIn):
    actor = actor_of(request)
    accreditation = services.accreditation_create(actor=actor, **payload.dict())
    return Status(201, selectors.my_accreditation_get(actor, accreditation.pk))


@router.patch("/my/accreditations/{accreditation_id}", response={200: AccreditationOut, **ERRORS})
@policy(MANAGE, api=True)
def accreditation_update(request: HttpRequest, accreditation_id: int, payload: AccreditationPatch):
    actor = actor_of(request)
    accreditation = selectors.my_accreditation_get(actor, accreditation_id)
    changes = payload.dict(exclude_unset=True)
    services.accreditation_update(actor=actor, accreditation_id=accreditation.pk, **changes)
    return selectors.my_accreditation_get(actor, accreditation_id)


@router.delete("/my/accreditations/{accreditation_id}", response={204: None, **ERRORS})
@policy(MANAGE, api=True)
def accreditation_remove(request: HttpRequest, accreditation_id: int):
    actor = actor_of(request)
    accreditation = selectors.my_accreditation_get(actor, accreditation_id)
    services.accreditation_remove(actor=actor, accreditation_id=accreditation.pk)
    return Status(204, None)


# --- scope rows -------------------------------------------------------------------------------------------------


@router.get("/my/scope", response={200: list[ScopeRowOut], **ERRORS})
@policy(VIEW, api=True)
@paginate
def scope(
    request: HttpRequest,
    q: str = Query("", max_length=100, description="object or parameter name (zh/en), or a standard code"),
    status: str = Query("", description="active, suspended or withdrawn"),
    site: int | None = None,
    accreditation: str = Query("", description="an accreditation id, or 'none' for rows no accreditation covers"),
):
    """The institution's scope rows, every status, with filters."""
    filters = selectors.ScopeFilters(q=q, status=status, site=site, accreditation=accreditation)
    return selectors.my_scope_rows(actor_of(request), filters)


# Declared before /my/scope/{row_id} so that "status" is not read as a row id.
@router.post("/my/scope/status", response={200: ScopeStatusOut, **ERRORS})
@policy(MANAGE, api=True)
def scope_status(request: HttpRequest, payload: ScopeStatusIn):
    """Set the status of several rows at once; any id not the institution's refuses the whole request."""
    changed = services.scope_rows_set_status(actor=actor_of(request), **payload.dict())
    return {"changed": changed}


@router.patch("/my/scope/{row_id}", response={200: ScopeRowOut, **ERRORS})
@policy(MANAGE, api=True)
def scope_row_update(request: HttpRequest, row_id: int, payload: ScopeRowPatch):
    actor = actor_of(request)
    row = selectors.my_scope_row_get(actor, row_id)
    changes = payload.dict(exclude_unset=True)
    reason = changes.pop("reason", "")
    services.scope_row_update(actor=actor, row_id=row.pk, reason=reason, **changes)
    return selectors.my_scope_row_get(actor, row_id)
