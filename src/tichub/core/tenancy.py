"""The Actor: who acts, for which organisation, with which roles. Passed to every selector and service."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied

from .policies import POLICIES, PUBLIC, SIGNED_IN

if TYPE_CHECKING:
    from tichub.accounts.models import Organisation, User


@dataclass(frozen=True)
class Actor:
    user: User | None
    organisation: Organisation | None = None
    roles: frozenset[str] = field(default_factory=frozenset)
    read_only: bool = False  # an API token with the read scope
    via_token: bool = False  # acting through an API token rather than a signed-in session

    @property
    def is_authenticated(self) -> bool:
        return self.user is not None

    @property
    def organisation_id(self) -> int | None:
        return self.organisation.pk if self.organisation else None

    @property
    def tenant_id(self) -> int:
        """The active organisation's id; acting without one is refused (deny by default)."""
        if self.organisation is None:
            raise PermissionDenied("no active organisation")
        return int(self.organisation.pk)

    @property
    def person(self) -> User:
        if self.user is None:
            raise PermissionDenied("not signed in")
        return self.user

    def can(self, action: str) -> bool:
        """Deny by default: an action is allowed only if the policy table names one of the actor's roles."""
        if action == PUBLIC:
            return True
        if self.user is None:
            return False
        if action == SIGNED_IN:
            return True
        policy = POLICIES.get(action)
        if policy is None:
            return False
        if self.read_only and policy.writes:
            return False
        return bool(self.roles & policy.roles)

    def require(self, action: str) -> None:
        if not self.can(action):
            raise PermissionDenied(action)


ANONYMOUS = Actor(user=None)
