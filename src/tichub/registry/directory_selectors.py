"""Public reads of the directory: institutions, their profiles, accreditations and searchable scopes.

Anyone may call these. What a caller sees depends on the actor: contact details only where the institution
publishes them or to signed-in members of an organisation; list prices only where the institution publishes them.
Suspended and withdrawn scope rows never show here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import (
    Count,
    DecimalField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from tichub.accounts.choices import InstitutionKind, InstitutionLevel, OrganisationKind, Ownership
from tichub.accounts.models import Organisation
from tichub.core.errors import NotFound, ServiceError
from tichub.core.tenancy import Actor
from tichub.science.standard_codes import StandardCodeError, parse_standard_code

from .choices import AccreditationBody, ScopeStatus
from .models import Accreditation, InstitutionProfile, ScopeRow, Term, TestSite
from .normalise import normalise

DIRECTORY_PAGE = 20
SCOPE_PAGE = 50
KIND_FLAGS = {
    InstitutionKind.TESTING_LABORATORY: "is_testing_laboratory",
    InstitutionKind.INSPECTION_BODY: "is_inspection_body",
    InstitutionKind.CERTIFICATION_BODY: "is_certification_body",
    InstitutionKind.METROLOGY_CENTRE: "is_metrology_centre",
}


class ValidityState:
    """An accreditation's standing on a given day."""

    VALID = "valid"
    EXPIRED = "expired"
    PENDING = "pending"  # not yet in force


def today() -> dt.date:
    return timezone.localdate()


def validity_state(valid_from: dt.date, valid_until: dt.date, on: dt.date | None = None) -> str:
    on = on or today()
    if valid_until < on:
        return ValidityState.EXPIRED
    if valid_from > on:
        return ValidityState.PENDING
    return ValidityState.VALID


def _in_force(on: dt.date) -> Q:
    return Q(valid_from__lte=on, valid_until__gte=on)


# --- the listing ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DirectoryFilters:
    """What the directory listing is narrowed by; empty strings mean "any"."""

    q: str = ""
    level: str = ""
    ownership: str = ""
    kind: str = ""  # an InstitutionKind value
    region: str = ""
    body: str = ""  # an AccreditationBody value: institutions holding one in force

    def check(self) -> None:
        """Refuse values outside the lists, naming the filter and what it accepts."""
        allowed = {
            "level": InstitutionLevel.values,
            "ownership": Ownership.values,
            "kind": InstitutionKind.values,
            "body": AccreditationBody.values,
        }
        errors = {
            name: [_("可选值为：%(values)s。") % {"values": ", ".join(values)}]
            for name, values in allowed.items()
            if getattr(self, name) and getattr(self, name) not in values
        }
        if errors:
            raise ServiceError(_("筛选条件无效。"), fields=errors)


def _active_scope_count() -> Subquery:
    rows = (
        ScopeRow.objects.filter(organisation=OuterRef("pk"), status=ScopeStatus.ACTIVE)
        .order_by()
        .values("organisation")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Subquery(rows, output_field=IntegerField())


def institutions_public(actor: Actor, filters: DirectoryFilters) -> QuerySet[Organisation]:
    """Active institutions matching the filters, ordered by name. Each carries `active_accreditations` (in force
    today, prefetched in one query), `active_rows` (count of active scope rows) and its profile (select_related)."""
    filters.check()
    on = today()
    institutions = Organisation.objects.filter(kind=OrganisationKind.INSTITUTION, is_active=True)
    if filters.level:
        institutions = institutions.filter(level=filters.level)
    if filters.ownership:
        institutions = institutions.filter(ownership=filters.ownership)
    if filters.kind:
        institutions = institutions.filter(**{KIND_FLAGS[InstitutionKind(filters.kind)]: True})
    if filters.region.strip():
        institutions = institutions.filter(profile__region__icontains=filters.region.strip())
    if filters.body:
        holding = Accreditation.objects.filter(_in_force(on), organisation=OuterRef("pk"), body=filters.body)
        institutions = institutions.filter(Exists(holding))
    text = " ".join(filters.q.split())
    if text:
        institutions = institutions.filter(
            Q(name_zh__icontains=text) | Q(name_en__icontains=text) | Q(slug__icontains=text)
        )
    in_force = Accreditation.objects.filter(_in_force(on)).only("pk", "organisation_id", "body", "number")
    return (
        institutions.select_related("profile")
        .annotate(active_rows=Coalesce(_active_scope_count(), Value(0)))
        .prefetch_related(Prefetch("accreditations", queryset=in_force, to_attr="active_accreditations"))
        .order_by("name_zh", "pk")
    )


def accreditation_bodies(organisation: Organisation) -> list[str]:
    """The bodies of the accreditations in force, from `institutions_public`'s prefetch (no query)."""
    return sorted({a.body for a in getattr(organisation, "active_accreditations", [])})


def region_of(organisation: Organisation) -> str:
    profile = profile_or_default(organisation)
    return profile.region


def profile_or_default(organisation: Organisation) -> InstitutionProfile:
    """The institution's profile, or an unsaved one with the defaults when it has never written one."""
    # A missing reverse one-to-one raises RelatedObjectDoesNotExist, an AttributeError.
    profile: InstitutionProfile | None = getattr(organisation, "profile", None)
    return profile if profile is not None else InstitutionProfile(organisation=organisation)


def page_of(queryset: QuerySet[Any], page: Any, size: int) -> Page[Any]:
    """One page of a queryset (a count and a slice); an out-of-range or malformed page gives the nearest one."""
    return Paginator(queryset, size).get_page(page)


# --- one institution --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Contact:
    person: str
    phone: str
    email: str


@dataclass(frozen=True)
class AccreditationPublic:
    id: int
    body: str
    body_label: str
    body_name: str
    number: str
    mra_signatory: bool
    valid_from: dt.date
    valid_until: dt.date
    state: str
    sites: list[str]
    scope_document_url: str


@dataclass(frozen=True)
class InstitutionPublic:
    organisation: Organisation
    profile: InstitutionProfile
    contact: Contact | None  # None: the institution does not publish it to this caller
    prices_visible: bool
    accreditations: list[AccreditationPublic]
    sites: list[TestSite]
    active_rows: int

    @property
    def slug(self) -> str:
        return self.organisation.slug


def institution_by_slug(slug: str) -> Organisation:
    """An active institution by its slug; anything else answers not found."""
    org = (
        Organisation.objects.filter(kind=OrganisationKind.INSTITUTION, is_active=True, slug=slug)
        .select_related("profile")
        .first()
    )
    if org is None:
        raise NotFound(_("没有这家机构。"))
    return org


def contact_visible(actor: Actor, organisation: Organisation, profile: InstitutionProfile) -> bool:
    """Published contacts show to everyone; unpublished ones to signed-in members of any organisation."""
    return profile.contact_public or (actor.is_authenticated and actor.organisation is not None)


def prices_visible(actor: Actor, organisation: Organisation, profile: InstitutionProfile) -> bool:
    """List prices show on the public pages only where the institution publishes them, whoever asks: its own
    members see the public page as everyone does (their prices are on the scope management page)."""
    return profile.prices_public


def institution_public(actor: Actor, slug: str) -> InstitutionPublic:
    """The public profile of an active institution, with its accreditations (valid/expired/pending as of today)."""
    org = institution_by_slug(slug)
    profile = profile_or_default(org)
    on = today()
    accreditations = [
        AccreditationPublic(
            id=a.pk,
            body=a.body,
            body_label=str(AccreditationBody(a.body).label),
            body_name=a.body_name,
            number=a.number,
            mra_signatory=a.mra_signatory,
            valid_from=a.valid_from,
            valid_until=a.valid_until,
            state=validity_state(a.valid_from, a.valid_until, on),
            sites=[s.name_zh for s in a.sites.all()],
            scope_document_url=a.scope_document.url if a.scope_document else "",
        )
        for a in Accreditation.objects.filter(organisation=org)
        .prefetch_related(Prefetch("sites", queryset=TestSite.objects.order_by("name_zh")))
        .order_by("body", "number")
    ]
    contact = (
        Contact(person=profile.contact_person, phone=profile.phone, email=profile.email)
        if contact_visible(actor, org, profile)
        else None
    )
    return InstitutionPublic(
        organisation=org,
        profile=profile,
        contact=contact,
        prices_visible=prices_visible(actor, org, profile),
        accreditations=accreditations,
        sites=list(TestSite.objects.filter(organisation=org).order_by("name_zh")),
        active_rows=ScopeRow.objects.filter(organisation=org, status=ScopeStatus.ACTIVE).count(),
    )


# --- one institution's scope ------------------------------------------------------------------------------------


def scope_text_filter(q: str) -> Q | None:
    """Rows whose object or parameter term contains `q` (normalised), or whose standard is the code `q` names
    (a dated code: that edition; undated: every edition) or whose code contains `q`. None for an empty query."""
    text = " ".join(q.split())
    if not text:
        return None
    key = normalise(text)
    terms = Term.objects.filter(search__contains=key).values("pk")
    condition = Q(object_term__in=terms) | Q(parameter_term__in=terms) | Q(standard__canonical__icontains=text)
    try:
        code = parse_standard_code(text)
    except (StandardCodeError, ValueError):
        return condition
    if code.dated:
        return condition | Q(standard__edition_key=code.edition_key)
    return condition | Q(standard_base_key=code.base_key)


def _no_price() -> Value:
    return Value(None, output_field=DecimalField(max_digits=12, decimal_places=2))


def institution_scope_query(actor: Actor, organisation: Organisation, q: str = "") -> QuerySet[ScopeRow]:
    """The institution's active scope rows matching `q`, in reading order, each with `shown_price` (None where
    prices are not shown to this actor) and its accreditations prefetched."""
    rows = ScopeRow.objects.filter(organisation=organisation, status=ScopeStatus.ACTIVE)
    condition = scope_text_filter(q)
    if condition is not None:
        rows = rows.filter(condition)
    show = prices_visible(actor, organisation, profile_or_default(organisation))
    return (
        rows.select_related("object_term", "parameter_term", "standard", "site")
        .prefetch_related(Prefetch("accreditations", queryset=Accreditation.objects.only("pk", "body", "number")))
        .annotate(
            shown_price=F("list_price")
            if show
            else Value(None, output_field=DecimalField(max_digits=12, decimal_places=2))
        )
        .order_by("object_term__name_zh", "parameter_term__name_zh", "standard__canonical", "clause", "pk")
    )


def institution_scope_public(actor: Actor, organisation: Organisation, q: str = "", page: Any = 1) -> Page[ScopeRow]:
    """One page (50 rows) of the institution's searchable public scope."""
    return page_of(institution_scope_query(actor, organisation, q), page, SCOPE_PAGE)
