"""API: capability search (public, rate-limited), unmet demand (operator) and parameter aliases (curators)."""

import dataclasses
import datetime as dt
from decimal import Decimal
from typing import Literal

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from tichub.core.api_support import PUBLIC_THROTTLE, Error
from tichub.core.routes import actor_of, policy

from .alias_selectors import alias_list
from .alias_services import alias_group_add, alias_remove
from .demand_selectors import demand_period, demand_summary
from .demand_services import demand_record
from .models import ParameterAlias
from .search_selectors import MAX_PAGE_SIZE, PAGE_SIZE, Need, capability_search
from .search_terms import TEXT_LIMIT, split_parameters

router = Router(tags=["registry"])
ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 409: Error, 422: Error, 429: Error}


# --- search -------------------------------------------------------------------------------------------------------


class SearchQuery(Schema):
    q: str = Field("", max_length=TEXT_LIMIT, description="Free text, Chinese or English: 白砂糖中的铅, lead in sugar")
    object: str = Field("", max_length=TEXT_LIMIT, description="Object or product tested")
    parameters: list[str] = Field(
        [], description="Parameters: repeat the field, or separate with , 、 ; (aliases such as 铅 / Pb / lead apply)"
    )
    standard: str = Field("", max_length=80, description="Method standard, with year for one edition: GB 5009.12-2017")
    accreditation: Literal["CNAS", "CMA", "none", ""] = Field("", description="Required accreditation of the rows")
    region: str = Field("", max_length=60, description="Region or site")
    deadline: dt.date | None = Field(None, description="Latest completion date (working days are Monday to Friday)")
    page: int = Field(1, ge=1, le=1000)
    page_size: int = Field(PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)


class OrganisationCardOut(Schema):
    id: int
    slug: str
    name_zh: str
    name_en: str
    level: str
    ownership: str
    region: str


class MatchedRowOut(Schema):
    id: int
    object_zh: str
    object_en: str
    parameter_zh: str
    parameter_en: str
    standard: str
    standard_title: str
    clause: str
    limitation: str
    site: str
    site_region: str
    accreditations: list[str]
    turnaround_days: int | None
    list_price: Decimal | None
    verdict: Literal["covered", "other_edition", "withdrawn_edition", "not_accredited"]
    explanation_zh: str
    explanation_en: str


class ParameterCoverageOut(Schema):
    parameter: str
    verdict: Literal["covered", "other_edition", "withdrawn_edition", "not_accredited"] | None
    rows: list[MatchedRowOut]
    more_rows: int


class InstitutionMatchOut(Schema):
    organisation: OrganisationCardOut
    coverage: list[ParameterCoverageOut]
    complete: bool
    covered_count: int
    hinted_count: int
    score: list[int]
    turnaround_days: int | None
    meets_deadline: bool | None
    load: int


class NeedOut(Schema):
    object_text: str
    parameters: list[str]
    standard_code: str
    accreditation: str | None
    region: str
    deadline: dt.date | None
    q: str


class SearchOut(Schema):
    need: NeedOut
    searched: bool
    institutions: list[InstitutionMatchOut]
    total: int
    page: int
    page_size: int
    parameters: list[str]
    missing_parameters: list[str]
    coverage: Literal["complete", "partial", "none"]
    single_institution: bool
    standard: str
    notes_zh: list[str]
    notes_en: list[str]
    unrecognised: list[str]
    truncated: bool
    working_days: int | None


@router.get("/search", response={200: SearchOut, **ERRORS}, auth=None, throttle=[*PUBLIC_THROTTLE])
@policy("public", api=True)
def search(request: HttpRequest, filters: Query[SearchQuery]) -> dict[str, object]:
    """Institutions ranked by how completely and exactly they cover a need. A search with no or partial coverage
    is recorded anonymously as unmet demand. A bad standard code answers 422 with the reason and a suggestion."""
    need = Need(
        object_text=filters.object.strip(),
        parameters=split_parameters(filters.parameters),
        standard_code=filters.standard.strip(),
        accreditation=filters.accreditation if filters.accreditation in ("CNAS", "CMA") else None,
        region=filters.region.strip(),
        deadline=filters.deadline,
        q=filters.q.strip(),
    )
    result = capability_search(need, page=filters.page, page_size=filters.page_size)
    if result.page == 1:
        demand_record(need, result)
    return dataclasses.asdict(result)


# --- demand -------------------------------------------------------------------------------------------------------


class TallyOut(Schema):
    label: str
    count: int


class WeekOut(Schema):
    week: dt.date
    none: int
    partial: int
    total: int


class DemandOut(Schema):
    since: dt.date
    until: dt.date
    total: int
    none: int
    partial: int
    top_parameters: list[TallyOut]
    top_standards: list[TallyOut]
    top_objects: list[TallyOut]
    weeks: list[WeekOut]


@router.get("/demand", response={200: DemandOut, **ERRORS})
@policy("registry.demand.view", api=True)
def demand(
    request: HttpRequest,
    since: dt.date | None = None,
    until: dt.date | None = None,
    days: int = Query(90, ge=1, le=3660),
    top: int = Query(10, ge=1, le=100),
) -> dict[str, object]:
    """Unmet demand between two dates (default: the last `days` days): top missing parameters, standards,
    objects, and counts per week. Records carry no personal data."""
    default_since, default_until = demand_period(days)
    summary = demand_summary(actor_of(request), since=since or default_since, until=until or default_until, top=top)
    body = dataclasses.asdict(summary)
    body["weeks"] = [{**w, "total": w["none"] + w["partial"]} for w in body["weeks"]]
    return body


# --- aliases ------------------------------------------------------------------------------------------------------


class AliasOut(Schema):
    id: int
    alias: str
    canonical: str


class AliasGroupIn(Schema):
    canonical: str = Field(min_length=1, max_length=200)
    aliases: list[str] = Field(min_length=1, max_length=50)


class AliasGroupOut(Schema):
    canonical: str
    aliases: list[AliasOut]


class AliasRemovedOut(Schema):
    id: int
    alias: str
    canonical: str
    rows_rekeyed: int


@router.get("/aliases", response=list[AliasOut])
@policy("registry.aliases.curate", api=True)
@paginate
def aliases(request: HttpRequest, q: str = Query("", max_length=100)) -> QuerySet[ParameterAlias]:
    """The parameter alias table, by canonical name; `q` keeps the groups where a name contains it."""
    return alias_list(actor_of(request), q=q)


@router.post("/aliases", response={201: AliasGroupOut, **ERRORS})
@policy("registry.aliases.curate", api=True)
def alias_group_create(request: HttpRequest, payload: AliasGroupIn) -> Status:
    """Put names in one group (铅 / Pb / lead): scope rows named by them are re-keyed to the canonical name."""
    canonical, group = alias_group_add(actor=actor_of(request), canonical=payload.canonical, aliases=payload.aliases)
    return Status(201, {"canonical": canonical, "aliases": group})


@router.delete("/aliases/{alias_id}", response={200: AliasRemovedOut, **ERRORS})
@policy("registry.aliases.curate", api=True)
def alias_delete(request: HttpRequest, alias_id: int) -> dict[str, object]:
    """Take one name out of its group; rows named by it get their own key back."""
    return dataclasses.asdict(alias_remove(actor=actor_of(request), alias_id=alias_id))
