"""Reading an order's announced samples, and finding a sample from its scanned label.

Both parties of an order (its enterprise and its institution) see its samples; anybody else gets NotFound, as for
an order that does not exist. A scanned label is looked up for the institution that will receive the sample only.
"""

from __future__ import annotations

from typing import NamedTuple

from django.db.models import Q
from django.utils.translation import gettext as _

from tichub.accounts.choices import OrganisationKind
from tichub.core.errors import NotFound
from tichub.core.tenancy import Actor

from .labels import LabelUnreadable, order_reference, parse_label
from .models import Order, SampleAnnouncement

VIEW = "market.order.view"


class SampleFound(NamedTuple):
    sample: SampleAnnouncement
    order: Order


def order_not_found() -> NotFound:
    return NotFound(_("委托单不存在，或不属于本组织。"))


def party_q(actor: Actor, prefix: str = "") -> Q:
    """Rows of orders the actor's organisation is a party to: as the enterprise, or as the institution."""
    tenant = actor.tenant_id
    kind = getattr(actor.organisation, "kind", "")
    if kind == OrganisationKind.ENTERPRISE:
        return Q(**{f"{prefix}enterprise_id": tenant})
    if kind == OrganisationKind.INSTITUTION:
        return Q(**{f"{prefix}institution_id": tenant})
    return Q(pk__in=[])  # the operator sees orders in aggregate only, never one by one


def party_order(actor: Actor, order_id: int, *, related: tuple[str, ...] = ()) -> Order:
    """The order if the actor's organisation is its enterprise or its institution; NotFound otherwise."""
    actor.require(VIEW)
    order = (
        Order.objects.select_related("enterprise", "institution", *related).filter(party_q(actor), pk=order_id).first()
    )
    if order is None:
        raise order_not_found()
    return order


def order_samples(actor: Actor, order_id: int) -> tuple[Order, list[SampleAnnouncement]]:
    """The order and its samples in the order declared (two queries, whatever the number of samples)."""
    order = party_order(actor, order_id)
    samples = list(SampleAnnouncement.objects.filter(order_id=order.pk).order_by("pk"))
    for sample in samples:
        sample.order = order  # labels and schemas read the order's number: no query per sample
    return order, samples


def _order_names(order: Order) -> set[str]:
    """What a label may call the order: its number, or its id (a label printed before the order had a number)."""
    return {order_reference(order.number, order.pk).upper(), str(order.pk)}


def sample_lookup(*, actor: Actor, scanned_text: str) -> SampleFound:
    """The sample a scanned label names, with its order, for the institution of that order only.

    Accepts the label text ("TICHUB:S:<reference>:O:<order>") or the bare sample reference. A label of another
    institution's order, a reference that does not exist, and an order part that does not match the sample's order
    all answer NotFound alike.
    """
    actor.require(VIEW)
    tenant = actor.tenant_id
    try:
        scanned = parse_label(scanned_text)
    except LabelUnreadable as exc:
        raise NotFound(_("无法识别该标签：请扫描 TICHub 样品标签，或输入样品编号。"), code="label_unreadable") from exc
    sample = (
        SampleAnnouncement.objects.select_related("order__enterprise", "order__institution")
        .filter(reference=scanned.sample_reference, order__institution_id=tenant)
        .first()
    )
    if sample is None or (
        scanned.order_reference is not None and scanned.order_reference not in _order_names(sample.order)
    ):
        raise NotFound(
            _("未找到样品 %(reference)s：编号不存在，或该样品不是寄往本机构的。")
            % {"reference": scanned.sample_reference}
        )
    return SampleFound(sample, sample.order)
