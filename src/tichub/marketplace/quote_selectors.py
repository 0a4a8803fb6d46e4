"""Reads of quotes: the side-by-side comparison for the enterprise, the institution's inbox, one quote.

An institution sees the quotes addressed to it ("market.quote.manage"); an enterprise sees the quotes on its own
needs ("market.need.manage"). Anything else answers NotFound. Query counts are flat in the number of quotes,
items and lines.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from tichub.accounts.choices import OrganisationKind
from tichub.core.errors import NotFound
from tichub.core.tenancy import Actor

from .choices import NeedStatus, QuoteStatus
from .models import Need, NeedItem, Quote, QuoteLine
from .need_selectors import MANAGE, _enterprise_id

QUOTE = "market.quote.manage"
ANSWERED = (QuoteStatus.SUBMITTED, QuoteStatus.ACCEPTED, QuoteStatus.CLOSED)


def _institution_id(actor: Actor) -> int:
    actor.require(QUOTE)
    org = actor.organisation
    if org is None or org.kind != OrganisationKind.INSTITUTION:
        raise NotFound(_("当前组织不是检验检测认证机构。"))
    return int(org.pk)


def _percent(part: int, whole: int) -> int:
    return (100 * part + whole // 2) // whole if whole else 0


# ------------------------------------------------------------------------------------------------------------------
# The comparison (enterprise)
# ------------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """One quote's answer for one item (None everywhere when the quote has no line for it)."""

    quote_id: int
    price: Decimal | None
    quantity: int | None
    amount: Decimal | None
    accredited: bool
    subcontractor_id: int | None
    subcontractor_zh: str
    note: str
    cheapest: bool = False

    @property
    def answered(self) -> bool:
        return self.price is not None


@dataclass(frozen=True)
class Column:
    """One quote, as a column: who, status, totals, turnaround, validity and coverage of the items."""

    quote: Quote
    institution_zh: str
    institution_en: str
    status: str
    status_label: str
    number: str
    total: Decimal | None
    turnaround_days: int | None
    valid_until: dt.date | None
    expired: bool
    items: int
    in_house: int  # items the institution performs itself
    accredited: int  # items whose line is accredited
    subcontracted: int
    coverage_percent: int  # in_house / items
    accredited_percent: int  # accredited / items
    acceptable: bool  # the enterprise may accept it now
    decline_reason: str
    cancellation_fee_percent: int
    terms: str


@dataclass(frozen=True)
class Row:
    item: NeedItem
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class Comparison:
    need: Need
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    cheapest_quote_id: int | None  # among acceptable quotes
    fastest_quote_id: int | None
    accepted_quote_id: int | None

    @property
    def answered(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.status in ANSWERED)


def quote_comparison(actor: Actor, need_id: int) -> Comparison:
    """The quotes of one of the enterprise's needs side by side: per item each quote's price, quantity, amount,
    accreditation and proposed subcontractor; per quote total, turnaround, validity and coverage. Four queries."""
    org_id = _enterprise_id(actor)
    need = (
        Need.objects.filter(pk=need_id, organisation_id=org_id)
        .prefetch_related(Prefetch("items", queryset=NeedItem.objects.select_related("standard").order_by("position")))
        .first()
    )
    if need is None:
        raise NotFound(_("没有这个委托需求。"))
    items = list(need.items.all())
    quotes = list(
        Quote.objects.filter(need=need, enterprise_id=org_id)
        .select_related("institution")
        .order_by("institution__name_zh", "pk")
    )
    lines: dict[tuple[int, int], QuoteLine] = {
        (line.quote_id, line.item_id): line
        for line in QuoteLine.objects.filter(quote__in=[q.pk for q in quotes]).select_related("subcontractor")
    }
    today = timezone.localdate()
    columns = []
    for quote in quotes:
        answered = quote.status in ANSWERED
        own = [lines.get((quote.pk, item.pk)) for item in items]
        present = [line for line in own if line is not None]
        subcontracted = sum(1 for line in present if line.subcontractor_id)
        accredited = sum(1 for line in present if line.accredited)
        expired = bool(answered and quote.valid_until is not None and quote.valid_until < today)
        columns.append(
            Column(
                quote=quote,
                institution_zh=quote.institution.name_zh,
                institution_en=quote.institution.name_en,
                status=quote.status,
                status_label=str(QuoteStatus(quote.status).label),
                number=quote.number,
                total=quote.total if answered else None,
                turnaround_days=quote.turnaround_days if answered else None,
                valid_until=quote.valid_until if answered else None,
                expired=expired,
                items=len(items),
                in_house=len(present) - subcontracted,
                accredited=accredited,
                subcontracted=subcontracted,
                coverage_percent=_percent(len(present) - subcontracted, len(items)),
                accredited_percent=_percent(accredited, len(items)),
                acceptable=quote.status == QuoteStatus.SUBMITTED and not expired and need.status == NeedStatus.OPEN,
                decline_reason=quote.decline_reason,
                cancellation_fee_percent=quote.cancellation_fee_percent,
                terms=quote.terms,
            )
        )
    acceptable = [c for c in columns if c.acceptable]
    rows = []
    for item in items:
        prices = [
            lines[(c.quote.pk, item.pk)].price
            for c in acceptable
            if (c.quote.pk, item.pk) in lines and not lines[(c.quote.pk, item.pk)].subcontractor_id
        ]
        low = min(prices) if prices else None
        cells = []
        for column in columns:
            line = lines.get((column.quote.pk, item.pk)) if column.status in ANSWERED else None
            if line is None:
                cells.append(Cell(column.quote.pk, None, None, None, False, None, "", ""))
                continue
            cells.append(
                Cell(
                    quote_id=column.quote.pk,
                    price=line.price,
                    quantity=line.quantity,
                    amount=line.price * line.quantity,
                    accredited=line.accredited,
                    subcontractor_id=line.subcontractor_id,
                    subcontractor_zh=line.subcontractor.name_zh if line.subcontractor else "",
                    note=line.note,
                    cheapest=column.acceptable and low is not None and line.price == low and not line.subcontractor_id,
                )
            )
        rows.append(Row(item=item, cells=tuple(cells)))
    cheapest = min(acceptable, key=lambda c: (c.total, c.quote.pk), default=None)
    fastest = min(acceptable, key=lambda c: (c.turnaround_days or 10**6, c.quote.pk), default=None)
    accepted = next((c.quote.pk for c in columns if c.status == QuoteStatus.ACCEPTED), None)
    return Comparison(
        need=need,
        columns=tuple(columns),
        rows=tuple(rows),
        cheapest_quote_id=cheapest.quote.pk if cheapest else None,
        fastest_quote_id=fastest.quote.pk if fastest else None,
        accepted_quote_id=accepted,
    )


# ------------------------------------------------------------------------------------------------------------------
# The institution's inbox and one quote
# ------------------------------------------------------------------------------------------------------------------


def quote_inbox(actor: Actor, *, status: str = QuoteStatus.REQUESTED, q: str = "") -> QuerySet[Quote]:
    """Quotes addressed to the actor's institution, by need deadline (soonest first), with `item_count`.
    `status` "" means every status. Confidential needs show their title only to the institutions asked, as here."""
    inst_id = _institution_id(actor)
    quotes = Quote.objects.filter(institution_id=inst_id)
    if status:
        quotes = quotes.filter(status=status) if status in QuoteStatus.values else quotes.none()
    if q.strip():
        text = q.strip()
        quotes = quotes.filter(
            Q(need__title__icontains=text) | Q(enterprise__name_zh__icontains=text) | Q(number__icontains=text)
        )
    items = (
        NeedItem.objects.filter(need=OuterRef("need_id")).order_by().values("need").annotate(n=Count("pk")).values("n")
    )
    return (
        quotes.select_related("need", "enterprise")
        .annotate(item_count=Coalesce(Subquery(items, output_field=IntegerField()), Value(0)))
        .order_by("need__deadline", "requested_at", "pk")
    )


def quote_inbox_counts(actor: Actor) -> dict[str, int]:
    """Quotes per status for the institution (one query), every status present."""
    inst_id = _institution_id(actor)
    counts = dict(
        Quote.objects.filter(institution_id=inst_id)
        .order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    return {status: counts.get(status, 0) for status in QuoteStatus.values}


def quote_get(actor: Actor, quote_id: int) -> Quote:
    """One quote with its need, items and lines: for the institution it is addressed to ("market.quote.manage"),
    or for the enterprise whose need it answers ("market.need.manage")."""
    org = actor.organisation
    if org is not None and org.kind == OrganisationKind.ENTERPRISE:
        actor.require(MANAGE)
        scope = Q(enterprise_id=org.pk)
    else:
        scope = Q(institution_id=_institution_id(actor))
    quote = (
        Quote.objects.filter(scope, pk=quote_id)
        .select_related("need", "need__organisation", "enterprise", "institution", "submitted_by")
        .prefetch_related(
            Prefetch(
                "need__items", queryset=NeedItem.objects.select_related("standard__replaced_by").order_by("position")
            ),
            Prefetch(
                "lines", queryset=QuoteLine.objects.select_related("subcontractor", "item").order_by("item__position")
            ),
            "need__attachments",
        )
        .first()
    )
    if quote is None:
        raise NotFound(_("没有这份报价。"))
    return quote


def subcontractor_choices(actor: Actor) -> list[tuple[int, str]]:
    """Other active institutions of the cluster, for a subcontracting proposal."""
    from tichub.accounts.models import Organisation

    inst_id = _institution_id(actor)
    return list(
        Organisation.objects.filter(kind=OrganisationKind.INSTITUTION, is_active=True)
        .exclude(pk=inst_id)
        .order_by("name_zh", "pk")
        .values_list("pk", "name_zh")
    )
