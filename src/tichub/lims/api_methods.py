"""Laboratory API: method settings, lab settings (review levels, retention) and signatory authorisations.

Everyone of the institution reads ("lims.sample.view"); laboratory managers write ("lims.method.manage").
Another institution's method or authorisation answers 404.
"""

from django.http import HttpRequest
from ninja import Query, Router, Status
from ninja.pagination import paginate

from tichub.core.api_support import Error
from tichub.core.routes import actor_of, policy

from . import method_selectors as selectors
from . import method_services as services
from .schemas.methods import (
    AuthorisationEndIn,
    AuthorisationIn,
    AuthorisationOut,
    LabSettingsIn,
    LabSettingsOut,
    MethodActiveIn,
    MethodIn,
    MethodOut,
    MethodPatch,
)

router = Router(tags=["laboratory"])
ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 409: Error, 422: Error}
VIEW, MANAGE = "lims.sample.view", "lims.method.manage"


# --- methods ----------------------------------------------------------------------------------------------------


@router.get("/methods", response={200: list[MethodOut], **ERRORS})
@policy(VIEW, api=True)
@paginate
def methods(
    request: HttpRequest,
    active: bool | None = Query(None, description="only active (true) or inactive (false) methods"),
    q: str = Query("", max_length=100, description="keyword, parameter or standard code"),
):
    """The laboratory's methods by keyword."""
    return selectors.method_list(actor_of(request), active=active, q=q)


@router.get("/methods/{method_id}", response={200: MethodOut, **ERRORS})
@policy(VIEW, api=True)
def method(request: HttpRequest, method_id: int):
    return selectors.method_get(actor_of(request), method_id)


@router.post("/methods", response={201: MethodOut, **ERRORS})
@policy(MANAGE, api=True)
def method_create(request: HttpRequest, payload: MethodIn):
    """Set up a method (active at once): every fault is reported by field, nothing is written."""
    created = services.method_create(actor=actor_of(request), **payload.dict())
    return Status(201, selectors.method_get(actor_of(request), created.pk))


@router.patch("/methods/{method_id}", response={200: MethodOut, **ERRORS})
@policy(MANAGE, api=True)
def method_update(request: HttpRequest, method_id: int, payload: MethodPatch):
    """Change the fields sent; the method is checked as a whole. Existing tests keep the settings they copied."""
    actor = actor_of(request)
    services.method_update(actor=actor, method_id=method_id, **payload.dict(exclude_unset=True))
    return selectors.method_get(actor, method_id)


@router.post("/methods/{method_id}/active", response={200: MethodOut, **ERRORS})
@policy(MANAGE, api=True)
def method_active(request: HttpRequest, method_id: int, payload: MethodActiveIn):
    """Take the method into use or out of use for samples received from now on."""
    actor = actor_of(request)
    services.method_set_active(actor=actor, method_id=method_id, active=payload.active)
    return selectors.method_get(actor, method_id)


# --- lab settings -----------------------------------------------------------------------------------------------


@router.get("/settings", response={200: LabSettingsOut, **ERRORS})
@policy(VIEW, api=True)
def lab_settings(request: HttpRequest):
    """Review levels and sample retention (the defaults, 2 and 90, until the laboratory sets them)."""
    return selectors.lab_settings(actor_of(request).tenant_id)


@router.put("/settings", response={200: LabSettingsOut, **ERRORS})
@policy(MANAGE, api=True)
def lab_settings_update(request: HttpRequest, payload: LabSettingsIn):
    return services.lab_settings_update(actor=actor_of(request), **payload.dict())


# --- signatory authorisations -----------------------------------------------------------------------------------


@router.get("/authorisations", response={200: list[AuthorisationOut], **ERRORS})
@policy(VIEW, api=True)
@paginate
def authorisations(request: HttpRequest, user_id: int | None = Query(None, description="one signatory's only")):
    """Signatory authorisations by person and start date (current and past)."""
    return selectors.authorisations(actor_of(request), user_id=user_id)


@router.post("/authorisations", response={201: AuthorisationOut, **ERRORS})
@policy(MANAGE, api=True)
def authorisation_grant(request: HttpRequest, payload: AuthorisationIn):
    """Authorise a signatory for a standard edition (standard_code) or one method (method_id)."""
    actor = actor_of(request)
    granted = services.authorisation_grant(actor=actor, **payload.dict())
    return Status(201, selectors.authorisation_get(actor, granted.pk))


@router.post("/authorisations/{authorisation_id}/end", response={200: AuthorisationOut, **ERRORS})
@policy(MANAGE, api=True)
def authorisation_end(request: HttpRequest, authorisation_id: int, payload: AuthorisationEndIn):
    """End an authorisation on valid_until (the last day it covers)."""
    actor = actor_of(request)
    services.authorisation_end(actor=actor, authorisation_id=authorisation_id, valid_until=payload.valid_until)
    return selectors.authorisation_get(actor, authorisation_id)
