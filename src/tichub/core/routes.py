"""Every URL and API route declares its policy with @policy; the generic permission suite reads it back."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase

from .policies import POLICIES, PUBLIC, SIGNED_IN
from .tenancy import ANONYMOUS, Actor

F = TypeVar("F", bound=Callable[..., Any])
POLICY_ATTR = "tichub_policy"


def actor_of(request: HttpRequest) -> Actor:
    return getattr(request, "actor", ANONYMOUS)


def policy(action: str, *, api: bool = False) -> Callable[[F], F]:
    """Declare and enforce who may call a view. `api=True` for ninja operations (ninja answers 401 itself)."""
    if action not in POLICIES and action not in (PUBLIC, SIGNED_IN):
        raise ValueError(f"unknown policy action {action!r}: add it to tichub.core.policies.POLICIES")

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            actor = actor_of(request)
            if action != PUBLIC and not actor.is_authenticated and not api:
                return redirect_to_login(request.get_full_path())
            if not actor.can(action):
                raise PermissionDenied(action)
            return view(request, *args, **kwargs)

        setattr(wrapper, POLICY_ATTR, action)
        return wrapper  # type: ignore[return-value]

    return decorate


def policy_of(view: Callable[..., Any]) -> str | None:
    """The declared policy of a view, looking through class-based views and decorators."""
    for candidate in (view, getattr(view, "view_class", None), getattr(view, "__wrapped__", None)):
        if candidate is not None and hasattr(candidate, POLICY_ATTR):
            return str(getattr(candidate, POLICY_ATTR))
    return None
