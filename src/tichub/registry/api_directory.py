"""Public API of the directory: the institutions, one institution's profile and its searchable scope.

Anonymous, rate-limited. Contact details appear only where the institution publishes them (or to a signed-in
session of any organisation); list prices only where it publishes them.
"""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from ninja.throttling import BaseThrottle

from tichub.accounts.choices import InstitutionKind, InstitutionLevel, Ownership
from tichub.core.api_support import PUBLIC_THROTTLE, Error
from tichub.core.routes import actor_of, policy

from . import directory_selectors as selectors
from .choices import AccreditationBody

router = Router(tags=["registry"])
ERRORS = {400: Error, 404: Error, 422: Error, 429: Error}
THROTTLE: list[BaseThrottle] = list(PUBLIC_THROTTLE)
BODY_QUERY = Query(None, description="holds an accreditation of this body in force today")


class InstitutionListOut(Schema):
    slug: str
    name_zh: str
    name_en: str
    ownership: str
    level: str
    kinds: list[str] = Field(alias="institution_kinds")
    region: str = ""
    accreditation_bodies: list[str] = Field(default_factory=list, description="bodies of accreditations in force today")
    active_scope_rows: int = Field(alias="active_rows")

    @staticmethod
    def resolve_region(obj: Any) -> str:
        return selectors.region_of(obj)

    @staticmethod
    def resolve_accreditation_bodies(obj: Any) -> list[str]:
        return selectors.accreditation_bodies(obj)


class ContactOut(Schema):
    person: str
    phone: str
    email: str


class AccreditationPublicOut(Schema):
    id: int
    body: str
    body_label: str
    body_name: str
    number: str
    mra_signatory: bool = Field(description="the accreditation body signs the ILAC/IAF/APAC arrangements")
    valid_from: dt.date
    valid_until: dt.date
    state: str = Field(description="valid, expired or pending, as of today")
    sites: list[str]
    scope_document_url: str


class SitePublicOut(Schema):
    name_zh: str
    name_en: str
    address_zh: str
    region: str


class InstitutionOut(Schema):
    slug: str
    name_zh: str
    name_en: str
    uscc: str
    ownership: str
    level: str
    kinds: list[str]
    address_zh: str
    address_en: str
    region: str
    description_zh: str
    description_en: str
    website: str
    contact: ContactOut | None = Field(description="null when the institution shows contacts to signed-in users only")
    prices_visible: bool
    active_scope_rows: int
    accreditations: list[AccreditationPublicOut]
    sites: list[SitePublicOut]


class TermOut(Schema):
    name_zh: str
    name_en: str


class ScopeRowPublicOut(Schema):
    id: int
    object: TermOut = Field(alias="object_term")
    parameter: TermOut = Field(alias="parameter_term")
    standard: str = Field(alias="standard.canonical")
    clause: str
    limitation: str
    site: str = Field(alias="site.name_zh")
    accreditations: list[str] = Field(default_factory=list, description="'BODY number' of each covering accreditation")
    turnaround_days: int | None
    list_price: Decimal | None = Field(None, alias="shown_price", description="yuan; null unless published")

    @staticmethod
    def resolve_accreditations(obj: Any) -> list[str]:
        return [f"{a.body} {a.number}" for a in obj.accreditations.all()]


@router.get("/institutions", response={200: list[InstitutionListOut], **ERRORS}, auth=None, throttle=THROTTLE)
@policy("public", api=True)
@paginate
def institutions(
    request: HttpRequest,
    q: str = Query("", max_length=100, description="part of the Chinese or English name"),
    level: InstitutionLevel | None = None,
    ownership: Ownership | None = None,
    kind: InstitutionKind | None = None,
    region: str = Query("", max_length=60),
    body: AccreditationBody | None = BODY_QUERY,
):
    """Active institutions of the cluster by name, with filters."""
    filters = selectors.DirectoryFilters(
        q=q,
        level=level.value if level else "",
        ownership=ownership.value if ownership else "",
        kind=kind.value if kind else "",
        region=region,
        body=body.value if body else "",
    )
    return selectors.institutions_public(actor_of(request), filters)


@router.get("/institutions/{slug}", response={200: InstitutionOut, **ERRORS}, auth=None, throttle=THROTTLE)
@policy("public", api=True)
def institution(request: HttpRequest, slug: str):
    """An institution's public profile with its accreditations (validity as of today) and test sites."""
    info = selectors.institution_public(actor_of(request), slug)
    org, profile = info.organisation, info.profile
    return {
        "slug": org.slug,
        "name_zh": org.name_zh,
        "name_en": org.name_en,
        "uscc": org.uscc,
        "ownership": org.ownership,
        "level": org.level,
        "kinds": org.institution_kinds,
        "address_zh": org.address_zh,
        "address_en": org.address_en,
        "region": profile.region,
        "description_zh": profile.description_zh,
        "description_en": profile.description_en,
        "website": profile.website,
        "contact": info.contact,
        "prices_visible": info.prices_visible,
        "active_scope_rows": info.active_rows,
        "accreditations": info.accreditations,
        "sites": info.sites,
    }


@router.get(
    "/institutions/{slug}/scope",
    response={200: list[ScopeRowPublicOut], **ERRORS},
    auth=None,
    throttle=THROTTLE,
)
@policy("public", api=True)
@paginate
def institution_scope(
    request: HttpRequest,
    slug: str,
    q: str = Query("", max_length=100, description="object or parameter name (zh/en), or a standard code"),
):
    """The institution's active scope rows matching `q`."""
    org = selectors.institution_by_slug(slug)
    return selectors.institution_scope_query(actor_of(request), org, q)
