"""Samples of an accepted order: the enterprise declares them (each gets a reference for its label), then sends them.

Both services need "market.need.manage" and the actor's organisation must be the order's enterprise (anyone else:
NotFound). Each runs in one transaction, locks the order, writes its audit events and a timeline entry both
parties see; dispatching moves the order to "样品已寄出" and tells the institution's reception after commit.
Receipt at the laboratory belongs to the laboratory workflow; it finds the sample with
`sample_selectors.sample_lookup` (re-exported here).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from tichub.accounts.choices import Role
from tichub.accounts.models import Membership, User
from tichub.core.audit import audit_record, audit_record_many, snapshot
from tichub.core.errors import Conflict, ServiceError
from tichub.core.notifications import by_language, notify
from tichub.core.tenancy import Actor

from .choices import OrderStatus
from .models import Order, SampleAnnouncement
from .order_services import ENTERPRISE, order_transition_check
from .sample_selectors import SampleFound, order_not_found, sample_lookup
from .timeline import timeline_add

__all__ = ["SampleFound", "sample_announce", "sample_dispatch", "sample_lookup"]

MANAGE = "market.need.manage"
OPEN_FOR_SAMPLES = frozenset({OrderStatus.ACCEPTED, OrderStatus.SAMPLES_SENT})
BATCH_MAX = 50  # samples declared in one go
ORDER_MAX = 999  # samples of one order
SAMPLE_FIELDS = ("description", "quantity", "batch", "storage")
TEXT_MAX = {"description": 300, "quantity": 60, "batch": 60, "storage": 120, "courier": 60, "tracking": 60}
REQUIRED = frozenset({"description", "quantity"})


def _labels() -> dict[str, str]:
    return {
        "description": _("样品描述"),
        "quantity": _("数量"),
        "batch": _("批号"),
        "storage": _("储存要求"),
        "courier": _("承运商"),
        "tracking": _("运单号"),
    }


def _text(fields: dict[str, list[str]], path: str, name: str, value: Any) -> str:
    label = _labels()[name]
    if value is None:
        value = ""
    if not isinstance(value, str):
        fields.setdefault(path, []).append(_("%(field)s 须为文本。") % {"field": label})
        return ""
    value = " ".join(value.split())  # one line on a label
    if name in REQUIRED and not value:
        fields.setdefault(path, []).append(_("请填写%(field)s。") % {"field": label})
    limit = TEXT_MAX[name]
    if len(value) > limit:
        fields.setdefault(path, []).append(
            _("%(field)s 最多 %(max)d 个字符（现为 %(n)d 个）。") % {"field": label, "max": limit, "n": len(value)}
        )
    return value


def _raise(fields: dict[str, list[str]]) -> None:
    if fields:
        summary = "; ".join(f"{name}: {' '.join(messages)}" for name, messages in fields.items())
        raise ServiceError(summary, fields=fields)


def _clean_samples(samples: Any) -> list[dict[str, str]]:
    """Every row checked, every fault reported as samples.<n>.<field> (n from 0)."""
    if not isinstance(samples, Sequence) or isinstance(samples, str | bytes) or not samples:
        raise ServiceError.field("samples", _("请至少登记一件样品。"))
    if len(samples) > BATCH_MAX:
        raise ServiceError.field(
            "samples", _("一次最多登记 %(max)d 件样品（现为 %(n)d 件）。") % {"max": BATCH_MAX, "n": len(samples)}
        )
    fields: dict[str, list[str]] = {}
    cleaned = []
    for index, row in enumerate(samples):
        if not isinstance(row, Mapping):
            fields.setdefault(f"samples.{index}", []).append(_("每件样品须包含描述、数量、批号和储存要求。"))
            continue
        unknown = sorted(set(row) - set(SAMPLE_FIELDS))
        if unknown:
            fields.setdefault(f"samples.{index}", []).append(
                _("未知字段：%(fields)s。") % {"fields": ", ".join(map(str, unknown))}
            )
        cleaned.append({name: _text(fields, f"samples.{index}.{name}", name, row.get(name)) for name in SAMPLE_FIELDS})
    _raise(fields)
    return cleaned


def _enterprise_order_locked(actor: Actor, order_id: int) -> Order:
    """The enterprise's own order, locked for the transaction; NotFound for anybody else's."""
    order = Order.objects.select_for_update().filter(pk=order_id, enterprise_id=actor.tenant_id).first()
    if order is None:
        raise order_not_found()
    return order


def _refuse_state(order: Order, action: str) -> None:
    if order.status not in OPEN_FOR_SAMPLES:
        raise Conflict(
            _("委托单 %(order)s 当前状态为“%(state)s”，不能%(action)s：须在合同评审通过（已受理）后进行。")
            % {"order": str(order), "state": order.get_status_display(), "action": action},
            code="order_state",
        )


def _references(order: Order, start: int, count: int) -> list[str]:
    """`<ORDER NUMBER>-S<nn>` from `start`, upper case for case-blind scanning. When another order's sample
    already holds such a reference (two institutions may number orders alike), the order id is added:
    `<ORDER NUMBER>-<id>-S<nn>`."""
    base = (order.number or f"ORDER{order.pk}").upper()
    width = 2 if start + count - 1 < 100 else 3
    candidates = [f"{base}-S{n:0{width}d}" for n in range(start, start + count)]
    if SampleAnnouncement.objects.filter(reference__in=candidates).exclude(order_id=order.pk).exists():
        candidates = [f"{base}-{order.pk}-S{n:0{width}d}" for n in range(start, start + count)]
    return candidates


def sample_announce(*, actor: Actor, order_id: int, samples: Sequence[Mapping[str, Any]]) -> list[SampleAnnouncement]:
    """Declare samples of an accepted order (description, quantity, batch, storage); each gets its reference.

    Allowed while the order is 已受理 or 样品已寄出 (a second shipment). Returns the new samples.
    """
    actor.require(MANAGE)
    with transaction.atomic():
        order = _enterprise_order_locked(actor, order_id)
        _refuse_state(order, pgettext("不能……的动作", "登记样品"))
        rows = _clean_samples(samples)
        existing = SampleAnnouncement.objects.filter(order_id=order.pk).count()
        if existing + len(rows) > ORDER_MAX:
            raise ServiceError.field(
                "samples", _("一个委托单最多 %(max)d 件样品（已登记 %(n)d 件）。") % {"max": ORDER_MAX, "n": existing}
            )
        references = _references(order, existing + 1, len(rows))
        created = [
            SampleAnnouncement(order=order, reference=reference, **row)
            for reference, row in zip(references, rows, strict=True)
        ]
        try:
            with transaction.atomic():
                SampleAnnouncement.objects.bulk_create(created)
        except IntegrityError as exc:
            raise Conflict(_("样品编号已被占用，请重试。"), code="reference_taken") from exc
        created = list(SampleAnnouncement.objects.filter(order_id=order.pk, reference__in=references))
        for sample in created:
            sample.order = order
        audit_record_many(
            actor=actor,
            action="sample.announce",
            changes=[(sample, None, _sample_snapshot(sample)) for sample in created],
        )
        listed = "、".join(references)
        timeline_add(
            order,
            "samples_announced",
            f"企业登记样品 {len(created)} 件：{listed}",
            f"{len(created)} sample(s) announced: {', '.join(references)}",
            actor,
        )
    return sorted(created, key=lambda sample: sample.pk)


def _sample_snapshot(sample: SampleAnnouncement) -> dict[str, Any]:
    return snapshot(sample, ("order", "reference", *SAMPLE_FIELDS, "dispatched_at"))


def sample_dispatch(*, actor: Actor, order_id: int, courier: str = "", tracking: str = "") -> list[SampleAnnouncement]:
    """Send every declared sample not yet sent: they get dispatched_at, the order becomes 样品已寄出.

    Courier and tracking number are optional; they go into the timeline and the audit event. The institution's
    reception (its administrators when it has none) is notified, in the app and by e-mail.
    """
    actor.require(MANAGE)
    fields: dict[str, list[str]] = {}
    courier = _text(fields, "courier", "courier", courier)
    tracking = _text(fields, "tracking", "tracking", tracking)
    with transaction.atomic():
        order = _enterprise_order_locked(actor, order_id)
        _refuse_state(order, pgettext("不能……的动作", "寄出样品"))
        _raise(fields)
        pending = list(
            SampleAnnouncement.objects.select_for_update()
            .filter(order_id=order.pk, dispatched_at__isnull=True)
            .order_by("pk")
        )
        if not pending:
            raise Conflict(
                _("委托单 %(order)s 没有待寄出的样品：请先登记样品。") % {"order": str(order)}, code="nothing"
            )
        now = timezone.now()
        SampleAnnouncement.objects.filter(pk__in=[s.pk for s in pending]).update(dispatched_at=now)
        for sample in pending:
            sample.dispatched_at = now
            sample.order = order
        shipment = {"courier": courier, "tracking": tracking}
        audit_record_many(
            actor=actor,
            action="sample.dispatch",
            changes=[(s, {"dispatched_at": None}, {"dispatched_at": now, **shipment}) for s in pending],
        )
        _order_to_samples_sent(actor, order)
        references = [s.reference for s in pending]
        via_zh = f"（{' '.join(filter(None, (courier, tracking)))}）" if courier or tracking else ""
        via_en = f" ({' '.join(filter(None, (courier, tracking)))})" if courier or tracking else ""
        timeline_add(
            order,
            "samples_dispatched",
            f"企业已寄出样品 {len(pending)} 件：{'、'.join(references)}{via_zh}",
            f"{len(pending)} sample(s) dispatched: {', '.join(references)}{via_en}",
            actor,
        )
        _notify_reception(order, references, courier, tracking)
    return pending


def _order_to_samples_sent(actor: Actor, order: Order) -> None:
    """已受理 → 样品已寄出 on the order row the caller has locked, checked against the order state machine
    (order_services.TRANSITIONS); a second shipment leaves 样品已寄出 alone. The samples' own timeline entry and
    notification (with references, courier and tracking number) stand for the status change."""
    if order.status == OrderStatus.SAMPLES_SENT:
        return
    order_transition_check(order, OrderStatus.SAMPLES_SENT, ENTERPRISE)
    before = snapshot(order, ("status",))
    order.status = OrderStatus.SAMPLES_SENT
    order.save(update_fields=["status", "updated_at"])
    audit_record(actor=actor, action="order.samples_sent", obj=order, before=before, after={"status": order.status})


def _reception_of(institution_id: int) -> list[User]:
    """The institution's reception clerks; its administrators when it has none."""
    memberships = Membership.objects.filter(
        organisation_id=institution_id, role__in=[Role.RECEPTION, Role.INSTITUTION_ADMIN], user__is_active=True
    ).select_related("user")
    by_role: dict[str, dict[int, User]] = {Role.RECEPTION: {}, Role.INSTITUTION_ADMIN: {}}
    for membership in memberships:
        by_role[membership.role][membership.user_id] = membership.user
    return list((by_role[Role.RECEPTION] or by_role[Role.INSTITUTION_ADMIN]).values())


def _notify_reception(order: Order, references: list[str], courier: str, tracking: str) -> None:
    url = reverse("marketplace:order_samples", args=[order.pk])
    enterprise = order.enterprise.name_zh if order.enterprise_id else ""
    for language, users in by_language(_reception_of(order.institution_id)).items():
        with translation.override(language):
            title = _("委托单 %(order)s 的样品已寄出") % {"order": str(order)}
            body = _("%(enterprise)s 已寄出样品 %(n)d 件：%(refs)s。") % {
                "enterprise": enterprise,
                "n": len(references),
                "refs": ", ".join(references),
            }
            if courier or tracking:
                body += " " + _("承运商：%(courier)s；运单号：%(tracking)s。") % {
                    "courier": courier or "-",
                    "tracking": tracking or "-",
                }
        notify(users=users, organisation_id=order.institution_id, title=title, body=body, url=url, email=True)
