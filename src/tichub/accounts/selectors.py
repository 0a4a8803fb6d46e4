"""Reads about organisations and people. Every function takes the actor and returns only what it may see."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import QuerySet
from django.utils import timezone

from tichub.core.errors import NotFound
from tichub.core.tenancy import Actor

from .models import ApiToken, Invitation, Membership, Organisation, User


def memberships_of(user: User) -> dict[Organisation, frozenset[str]]:
    """The active organisations a user belongs to, with the user's roles in each (one query)."""
    roles: dict[Organisation, set[str]] = defaultdict(set)
    for membership in Membership.objects.filter(user=user, organisation__is_active=True).select_related("organisation"):
        roles[membership.organisation].add(membership.role)
    return {org: frozenset(r) for org, r in sorted(roles.items(), key=lambda item: item[0].name_zh)}


def actor_for(user: User, organisation_id: int | None, *, read_only: bool = False, via_token: bool = False) -> Actor:
    """The actor for `user` acting for `organisation_id`, or with no organisation if not a member of it."""
    if organisation_id is None:
        return Actor(user=user)
    memberships = list(
        Membership.objects.filter(
            user=user, organisation_id=organisation_id, organisation__is_active=True
        ).select_related("organisation")
    )
    if not memberships:
        return Actor(user=user)
    roles = frozenset(m.role for m in memberships)
    return Actor(
        user=user, organisation=memberships[0].organisation, roles=roles, read_only=read_only, via_token=via_token
    )


def organisation_of(actor: Actor) -> Organisation:
    if actor.organisation is None:
        raise NotFound("no active organisation")
    return actor.organisation


def members_of(actor: Actor) -> list[tuple[User, list[str]]]:
    """The active organisation's members with their roles, ordered by name (one query)."""
    by_user: dict[int, tuple[User, list[str]]] = {}
    rows = (
        Membership.objects.filter(organisation_id=actor.tenant_id)
        .select_related("user")
        .order_by("user__name", "user_id", "role")
    )
    for membership in rows:
        by_user.setdefault(membership.user_id, (membership.user, []))[1].append(membership.role)
    return list(by_user.values())


def member_get(actor: Actor, user_id: int) -> tuple[User, list[str]]:
    roles = list(
        Membership.objects.filter(organisation_id=actor.tenant_id, user_id=user_id).values_list("role", flat=True)
    )
    if not roles:
        raise NotFound("no such member")
    return User.objects.get(pk=user_id), sorted(roles)


def invitations_pending(actor: Actor) -> QuerySet[Invitation]:
    return Invitation.objects.filter(
        organisation_id=actor.tenant_id, accepted_at=None, revoked_at=None, expires_at__gt=timezone.now()
    ).select_related("invited_by")


def tokens_of(actor: Actor) -> QuerySet[ApiToken]:
    """The actor's own tokens for the active organisation: tokens are personal."""
    return ApiToken.objects.filter(user=actor.user, organisation_id=actor.tenant_id)


def token_get(actor: Actor, token_id: int) -> ApiToken:
    token = tokens_of(actor).filter(pk=token_id).first()
    if token is None:
        raise NotFound("no such token")
    return token


def organisations_all(actor: Actor) -> QuerySet[Organisation]:
    """Every organisation of the cluster: the operator's view."""
    actor.require("operator.organisations")
    return Organisation.objects.all()
