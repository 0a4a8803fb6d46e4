"""Template filters shared by every app."""

from collections.abc import Iterable

from django import template

from tichub.accounts.choices import Role
from tichub.core.tenancy import Actor

register = template.Library()


@register.filter
def role_label(role: str) -> str:
    """'institution.analyst' → 检测人员 / Analyst, in the user's language."""
    try:
        return str(Role(role).label)
    except ValueError:
        return role


@register.filter
def role_labels(roles: Iterable[str]) -> str:
    return "、".join(role_label(role) for role in roles)


@register.filter
def can(actor: Actor, action: str) -> bool:
    """`{% if actor|can:"lims.sample.receive" %}`: show a link only to those the policy table lets follow it."""
    return actor.can(action)
