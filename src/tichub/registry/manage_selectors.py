"""An institution's reads of its own registry entries: profile, test sites, accreditations and scope rows.

Every function takes the actor, requires "registry.scope.view" and returns only the actor's organisation's rows;
another organisation's id answers NotFound, alike with an id that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, IntegerField, OuterRef, Prefetch, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from tichub.accounts.choices import OrganisationKind
from tichub.accounts.models import Organisation
from tichub.core.errors import NotFound, ServiceError
from tichub.core.tenancy import Actor

from .choices import ScopeStatus
from .directory_selectors import scope_text_filter
from .models import Accreditation, InstitutionProfile, ScopeRow, TestSite

VIEW = "registry.scope.view"
SCOPE_PAGE = 50
NO_ACCREDITATION = "none"  # the accreditation filter value for rows that no accreditation covers


def my_institution(actor: Actor) -> Organisation:
    """The actor's organisation, which must be an institution."""
    actor.require(VIEW)
    org = actor.organisation
    if org is None or org.kind != OrganisationKind.INSTITUTION:
        raise NotFound(_("当前组织不是检验检测认证机构。"))
    return org


def my_profile(actor: Actor) -> InstitutionProfile:
    """The institution's public profile, or an unsaved one with the defaults when none was written yet."""
    org = my_institution(actor)
    profile = InstitutionProfile.objects.filter(organisation=org).first()
    return profile or InstitutionProfile(organisation=org)


def _count_rows(field: str, *, active_only: bool = True) -> Subquery:
    rows = ScopeRow.objects.filter(**{field: OuterRef("pk")})
    if active_only:
        rows = rows.filter(status=ScopeStatus.ACTIVE)
    counted = rows.order_by().values(field).annotate(n=Count("pk")).values("n")
    return Subquery(counted, output_field=IntegerField())


def my_sites(actor: Actor) -> QuerySet[TestSite]:
    """The institution's test sites by name, each with `active_rows`."""
    org = my_institution(actor)
    return (
        TestSite.objects.filter(organisation_id=org.pk)
        .annotate(active_rows=Coalesce(_count_rows("site"), Value(0)))
        .order_by("name_zh", "pk")
    )


def my_site_get(actor: Actor, site_id: int) -> TestSite:
    site = my_sites(actor).filter(pk=site_id).first()
    if site is None:
        raise NotFound(_("没有这个检测场所。"))
    return site


def my_accreditations(actor: Actor) -> QuerySet[Accreditation]:
    """The institution's accreditations by body and number, with their sites and `active_rows` (rows citing it)."""
    org = my_institution(actor)
    return (
        Accreditation.objects.filter(organisation_id=org.pk)
        .prefetch_related(Prefetch("sites", queryset=TestSite.objects.order_by("name_zh")))
        .annotate(active_rows=Coalesce(_count_rows("accreditations"), Value(0)))
        .order_by("body", "number", "pk")
    )


def my_accreditation_get(actor: Actor, accreditation_id: int) -> Accreditation:
    accreditation = my_accreditations(actor).filter(pk=accreditation_id).first()
    if accreditation is None:
        raise NotFound(_("没有这项资质。"))
    return accreditation


@dataclass(frozen=True)
class ScopeFilters:
    q: str = ""
    status: str = ""
    site: int | None = None
    accreditation: str = ""  # an accreditation id, or "none" for rows no accreditation covers

    def check(self) -> None:
        if self.status and self.status not in ScopeStatus.values:
            raise ServiceError.field("status", _("可选值为：%(values)s。") % {"values": ", ".join(ScopeStatus.values)})
        if self.accreditation and self.accreditation != NO_ACCREDITATION and not self.accreditation.isdigit():
            raise ServiceError.field("accreditation", _("请填写资质编号（id）或 none。"))


def my_scope_rows(actor: Actor, filters: ScopeFilters | None = None) -> QuerySet[ScopeRow]:
    """The institution's scope rows (any status) in reading order, with terms, standard, site and accreditations."""
    org = my_institution(actor)
    filters = filters or ScopeFilters()
    filters.check()
    rows = ScopeRow.objects.filter(organisation_id=org.pk)
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.site is not None:
        rows = rows.filter(site_id=filters.site)
    if filters.accreditation == NO_ACCREDITATION:
        rows = rows.filter(accreditations__isnull=True)
    elif filters.accreditation:
        rows = rows.filter(accreditations__pk=int(filters.accreditation))
    condition = scope_text_filter(filters.q)
    if condition is not None:
        rows = rows.filter(condition)
    return (
        rows.select_related("object_term", "parameter_term", "standard", "site")
        .prefetch_related(Prefetch("accreditations", queryset=Accreditation.objects.only("pk", "body", "number")))
        .order_by("object_term__name_zh", "parameter_term__name_zh", "standard__canonical", "clause", "pk")
    )


def my_scope_row_get(actor: Actor, row_id: int) -> ScopeRow:
    row = my_scope_rows(actor).filter(pk=row_id).first()
    if row is None:
        raise NotFound(_("没有这条能力范围。"))
    return row
