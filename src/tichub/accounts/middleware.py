"""Build the request's Actor from the session, and hold back users who still owe a second factor."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect

from tichub.core.tenancy import ANONYMOUS, Actor

from .selectors import memberships_of
from .services import requires_2fa

SESSION_ORG = "active_organisation"
SESSION_2FA = "2fa_verified"
# Paths a user who owes a second factor may still open.
OPEN_PATHS = ("/accounts/2fa/", "/accounts/logout/", "/i18n/", "/static/", "/healthz", "/readyz")


class ActorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            request.actor = ANONYMOUS  # type: ignore[attr-defined]
            return self.get_response(request)
        organisations = memberships_of(user)  # type: ignore[arg-type]
        active_id = request.session.get(SESSION_ORG)
        active = next((org for org in organisations if org.pk == active_id), None)
        if active is None and organisations:
            active = next(iter(organisations))
            request.session[SESSION_ORG] = active.pk
        request.organisations = organisations  # type: ignore[attr-defined]
        request.actor = Actor(  # type: ignore[attr-defined]
            user=user,  # type: ignore[arg-type]
            organisation=active,
            roles=organisations.get(active, frozenset()) if active else frozenset(),
        )
        owes_2fa = requires_2fa(user, organisations) and not request.session.get(SESSION_2FA)  # type: ignore[arg-type]
        if owes_2fa and not request.path.startswith(OPEN_PATHS):
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {"code": "2fa_required", "message": "Two-factor authentication is required.", "fields": {}},
                    status=403,
                )
            target = "accounts:2fa_verify" if user.has_totp else "accounts:2fa_setup"  # type: ignore[union-attr]
            return redirect(target)
        return self.get_response(request)
