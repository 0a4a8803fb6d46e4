"""Writes of core: numbering rules, notifications read."""

from __future__ import annotations

import re

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .audit import audit_record, snapshot
from .errors import ServiceError
from .models import Notification, NumberingRule
from .tenancy import Actor

PREFIX = re.compile(r"^[A-Za-z0-9/-]{1,20}$")


def numbering_rule_set(*, actor: Actor, kind: str, prefix: str, digits: int = 5, yearly: bool = True) -> NumberingRule:
    """Set how the institution numbers one kind of document (sample, order, report...)."""
    actor.require("numbering.manage")
    if not PREFIX.match(prefix):
        raise ServiceError.field("prefix", _("前缀只能包含 1 到 20 个字母、数字、/ 或 -。"))
    if not 1 <= digits <= 12:
        raise ServiceError.field("digits", _("位数必须在 1 到 12 之间。"))
    with transaction.atomic():
        rule = NumberingRule.objects.select_for_update().filter(organisation_id=actor.tenant_id, kind=kind).first()
        before = snapshot(rule, ("prefix", "digits", "yearly")) if rule else None
        rule = rule or NumberingRule(organisation_id=actor.tenant_id, kind=kind)
        rule.prefix, rule.digits, rule.yearly = prefix, digits, yearly
        rule.save()
        audit_record(
            actor=actor,
            action="numbering.set",
            obj=rule,
            before=before,
            after=snapshot(rule, ("prefix", "digits", "yearly")),
        )
    return rule


def notifications_mark_read(*, actor: Actor, ids: list[int] | None = None) -> int:
    """Mark the person's notifications read (all of them, or the given ones); returns how many changed."""
    unread = Notification.objects.filter(user=actor.person, read_at=None)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=timezone.now())
