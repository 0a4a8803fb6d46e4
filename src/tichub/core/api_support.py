"""API conventions shared by every router: authentication, one error shape, pagination limits."""

from __future__ import annotations

import time
from typing import Annotated, Any

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from ninja import Field, NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer, SessionAuth
from ninja.throttling import BaseThrottle

from .errors import ServiceError
from .ratelimit import rate_limited


class Error(Schema):
    """Every API error: a stable code, a message for people, and the fields at fault."""

    code: str
    message: str
    fields: dict[str, list[str]] = {}


class TokenAuth(HttpBearer):
    """`Authorization: Bearer tch_...`: a personal token bound to one organisation."""

    openapi_description = "Personal API token (tch_...), bound to one organisation; read or write scope."

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        from tichub.accounts.selectors import actor_for
        from tichub.accounts.services import api_token_authenticate

        try:
            api_token = api_token_authenticate(token)
        except ServiceError as exc:
            raise AuthenticationError(401, exc.message) from exc
        actor = actor_for(
            api_token.user, api_token.organisation_id, read_only=api_token.scope == "read", via_token=True
        )
        if actor.organisation is None:
            raise AuthenticationError(401, "The token's owner is no longer a member of its organisation.")
        request.actor = actor  # type: ignore[attr-defined]
        request.user = api_token.user
        return api_token


class SessionAuthWithCsrf(SessionAuth):
    openapi_description = "The browser session (sign in at /accounts/login/); unsafe methods need the CSRF token."


AUTH = [TokenAuth(), SessionAuthWithCsrf()]
HTTP_CODES = {401: "unauthenticated", 403: "forbidden", 404: "not_found", 429: "rate_limited"}


class PublicRateLimit(BaseThrottle):
    """Public routes are rate-limited per client address: core.ratelimit's fixed window (one counter in the shared
    cache, the address as the middleware trusts it), shared with the public pages. Not ninja's AnonRateThrottle,
    which rewrites the list of every request's time on each call and trusts X-Forwarded-For from anyone."""

    def allow_request(self, request: HttpRequest) -> bool:
        return not rate_limited(request, "public")

    def wait(self) -> float:
        window = settings.RATE_LIMITS["public"][1]
        return float(window - time.time() % window)


PUBLIC_THROTTLE: list[BaseThrottle] = [PublicRateLimit()]


def _error(
    api: NinjaAPI, request: HttpRequest, status: int, code: str, message: str, fields: Any = None
) -> HttpResponse:
    return api.create_response(request, {"code": code, "message": message, "fields": fields or {}}, status=status)


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(ServiceError)
    def service_error(request: HttpRequest, exc: ServiceError) -> HttpResponse:
        return _error(api, request, exc.status, exc.code, exc.message, exc.fields)

    @api.exception_handler(ValidationError)
    def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        fields: dict[str, list[str]] = {}
        for error in exc.errors:
            location = [str(part) for part in error.get("loc", ()) if part not in ("body", "query", "path", "payload")]
            fields.setdefault(".".join(location) or "request", []).append(str(error.get("msg", "invalid")))
        message = "; ".join(f"{name}: {', '.join(msgs)}" for name, msgs in fields.items())
        return _error(api, request, 422, "invalid", message, fields)

    @api.exception_handler(AuthenticationError)
    def authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        message = exc.message if exc.message != "Unauthorized" else "Sign in or send a valid API token."
        return _error(api, request, 401, "unauthenticated", message)

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        code = HTTP_CODES.get(exc.status_code, "http_error")
        return _error(api, request, exc.status_code, code, str(exc))

    @api.exception_handler(PermissionDenied)
    def permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return _error(api, request, 403, "forbidden", f"Your roles do not allow this action ({exc}).")

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
        return _error(api, request, 404, "not_found", "Not found.")

    api.exception_handler(ObjectDoesNotExist)(not_found)


#: A row id or a version number in a request body. Bounded so that an absurd number is refused as an input error
#: naming its field, instead of overflowing the database driver (SQLite's integers are 64-bit).
RowId = Annotated[int, Field(ge=1, le=2**63 - 1)]
Version = Annotated[int, Field(ge=0, le=2**63 - 1)]
