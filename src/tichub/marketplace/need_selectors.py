"""Reads of needs: an enterprise's list and detail, the institutions that could quote, attachments.

An enterprise actor sees its own needs only ("market.need.manage"); an institution sees a need only through a
quote addressed to it (quote_selectors.quote_get), and its attachments only if it was asked. Anything else answers
NotFound, like an id that does not exist. Query counts do not depend on the number of needs, items or quotes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from tichub.accounts.choices import OrganisationKind
from tichub.accounts.models import Organisation
from tichub.core.errors import NotFound
from tichub.core.tenancy import Actor
from tichub.registry.choices import ScopeStatus
from tichub.registry.models import ScopeRow
from tichub.registry.services import alias_map, parameter_key

from .choices import NeedStatus, QuoteStatus
from .models import Attachment, Need, NeedItem, Order, Quote, QuoteLine

MANAGE = "market.need.manage"
VIEW = "market.order.view"


def _enterprise_id(actor: Actor) -> int:
    actor.require(MANAGE)
    org = actor.organisation
    if org is None or org.kind != OrganisationKind.ENTERPRISE:
        raise NotFound(_("当前组织不是企业。"))
    return int(org.pk)


def _count(model: type[Quote] | type[NeedItem], **filters: object) -> Coalesce:
    rows = model.objects.filter(need=OuterRef("pk"), **filters).order_by().values("need").annotate(n=Count("pk"))
    return Coalesce(Subquery(rows.values("n"), output_field=IntegerField()), Value(0))


def enterprise_needs(actor: Actor, *, status: str = "", q: str = "") -> QuerySet[Need]:
    """The enterprise's needs, newest first, each with item_count, quote_count (asked) and submitted_count."""
    org_id = _enterprise_id(actor)
    needs = Need.objects.filter(organisation_id=org_id)
    if status:
        needs = needs.filter(status=status) if status in NeedStatus.values else needs.none()
    if q.strip():
        needs = needs.filter(Q(title__icontains=q.strip()) | Q(product_description__icontains=q.strip()))
    return needs.annotate(
        item_count=_count(NeedItem),
        quote_count=_count(Quote),
        submitted_count=_count(Quote, status__in=(QuoteStatus.SUBMITTED, QuoteStatus.ACCEPTED, QuoteStatus.CLOSED)),
    ).order_by("-created_at", "-pk")


def need_status_counts(actor: Actor) -> dict[str, int]:
    """Needs per status for the enterprise (one query), every status present."""
    org_id = _enterprise_id(actor)
    counts = dict(
        Need.objects.filter(organisation_id=org_id)
        .order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    return {status: counts.get(status, 0) for status in NeedStatus.values}


def _items() -> Prefetch:
    return Prefetch("items", queryset=NeedItem.objects.select_related("standard__replaced_by").order_by("position"))


def need_get(actor: Actor, need_id: int) -> Need:
    """One of the enterprise's needs with its items (and their editions) and attachments."""
    org_id = _enterprise_id(actor)
    need = (
        Need.objects.filter(pk=need_id, organisation_id=org_id)
        .select_related("created_by")
        .prefetch_related(_items(), Prefetch("attachments", queryset=Attachment.objects.order_by("uploaded_at", "pk")))
        .first()
    )
    if need is None:
        raise NotFound(_("没有这个委托需求。"))
    return need


def need_quotes(actor: Actor, need_id: int) -> list[Quote]:
    """The quotes of one of the enterprise's needs (every status), by institution name, with their lines."""
    org_id = _enterprise_id(actor)
    if not Need.objects.filter(pk=need_id, organisation_id=org_id).exists():
        raise NotFound(_("没有这个委托需求。"))
    return list(
        Quote.objects.filter(need_id=need_id, enterprise_id=org_id)
        .select_related("institution")
        .prefetch_related(
            Prefetch("lines", queryset=QuoteLine.objects.select_related("subcontractor").order_by("item__position"))
        )
        .order_by("institution__name_zh", "pk")
    )


def need_order_id(actor: Actor, need_id: int) -> int | None:
    """The id of the order an ORDERED need became (None before)."""
    org_id = _enterprise_id(actor)
    return Order.objects.filter(need_id=need_id, enterprise_id=org_id).values_list("pk", flat=True).first()


def need_attachment_get(actor: Actor, need_id: int, attachment_id: int) -> Attachment:
    """An attachment, for the need's enterprise or an institution the need was sent to."""
    actor.require(VIEW)
    org = actor.organisation
    if org is None:
        raise NotFound(_("没有这个附件。"))
    visible = Need.objects.filter(pk=need_id).filter(
        Q(organisation_id=org.pk) | Q(pk__in=Quote.objects.filter(institution_id=org.pk).values("need_id"))
    )
    attachment = Attachment.objects.filter(pk=attachment_id, need_id=need_id, need__in=visible).first()
    if attachment is None:
        raise NotFound(_("没有这个附件。"))
    return attachment


# ------------------------------------------------------------------------------------------------------------------
# Which institutions could quote
# ------------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """An active institution whose active scope names the need's items (parameter × standard)."""

    id: int
    name_zh: str
    name_en: str
    exact: int  # items covered by the exact edition asked for
    accredited: int  # of which with a valid accreditation today
    other_edition: int  # items covered only by another edition of the same standard
    items: int  # the need's items
    turnaround_days: int | None  # the longest typical turnaround of the rows used
    asked: bool

    @property
    def complete(self) -> bool:
        return self.exact == self.items


def need_candidates(actor: Actor, need: Need, *, limit: int = 30) -> list[Candidate]:
    """Institutions that cover the need's items, the most complete first (exact edition, then accredited, then
    hints), at most `limit`. A small capability search on the need's own keys: parameter key (after aliases) and
    standard base; the exact edition decides "exact". Four queries whatever the registry's size."""
    org_id = _enterprise_id(actor)
    if need.organisation_id != org_id:
        raise NotFound(_("没有这个委托需求。"))
    items: Sequence[NeedItem] = list(need.items.all())
    if not items:
        return []
    aliases = alias_map()
    keys = {item.pk: parameter_key(item.parameter, aliases=aliases) for item in items}
    bases = {item.standard.base_key for item in items}
    rows = list(
        ScopeRow.objects.filter(
            parameter_key__in=set(keys.values()),
            standard_base_key__in=bases,
            status=ScopeStatus.ACTIVE,
            organisation__is_active=True,
            organisation__kind=OrganisationKind.INSTITUTION,
        )
        .exclude(organisation_id=org_id)
        .values_list("id", "organisation_id", "parameter_key", "standard_id", "standard_base_key", "turnaround_days")[
            :20000
        ]
    )
    today = timezone.localdate()
    accredited_rows = set(
        ScopeRow.accreditations.through.objects.filter(
            scoperow_id__in=[r[0] for r in rows],
            accreditation__valid_from__lte=today,
            accreditation__valid_until__gte=today,
        ).values_list("scoperow_id", flat=True)
    ) if rows else set()  # fmt: skip
    per_org: dict[int, dict[int, tuple[int, int | None]]] = {}  # org → item → (rank: 0 accr., 1 exact, 2 hint)
    for row_id, org, key, standard_id, base_key, turnaround in rows:
        for item in items:
            if keys[item.pk] != key or item.standard.base_key != base_key:
                continue
            rank = (0 if row_id in accredited_rows else 1) if standard_id == item.standard_id else 2
            current = per_org.setdefault(org, {}).get(item.pk)
            if current is None or rank < current[0]:
                per_org[org][item.pk] = (rank, turnaround)
    asked = set(Quote.objects.filter(need=need).values_list("institution_id", flat=True))
    orgs = Organisation.objects.in_bulk(list(per_org))
    candidates = []
    for org, found in per_org.items():
        exact = [v for v in found.values() if v[0] < 2]
        turnarounds = [v[1] for v in exact if v[1] is not None]
        candidates.append(
            Candidate(
                id=org, name_zh=orgs[org].name_zh, name_en=orgs[org].name_en, exact=len(exact),
                accredited=sum(1 for v in found.values() if v[0] == 0), other_edition=len(found) - len(exact),
                items=len(items), turnaround_days=max(turnarounds) if turnarounds else None, asked=org in asked,
            )
        )  # fmt: skip
    candidates.sort(key=lambda c: (-c.exact, -c.accredited, -c.other_edition, c.name_zh, c.id))
    return candidates[:limit]


def institution_choices(actor: Actor) -> list[tuple[int, str]]:
    """Every active institution of the cluster (id, name), for sending a need to one found elsewhere."""
    _enterprise_id(actor)
    return list(
        Organisation.objects.filter(kind=OrganisationKind.INSTITUTION, is_active=True)
        .order_by("name_zh", "pk")
        .values_list("pk", "name_zh")
    )
