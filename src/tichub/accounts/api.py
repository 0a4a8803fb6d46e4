"""API: the signed-in person, the active organisation, its members, invitations and personal tokens."""

from django.http import HttpRequest
from ninja import Router, Status
from ninja.pagination import paginate

from tichub.core.api_support import Error
from tichub.core.routes import actor_of, policy

from . import selectors, services
from .schemas import (
    ActivationIn,
    InvitationIn,
    InvitationOut,
    MemberOut,
    MeOut,
    OrganisationOut,
    OrganisationPatch,
    TokenCreated,
    TokenIn,
    TokenOut,
)

router = Router(tags=["accounts"])
ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 409: Error, 422: Error}


@router.get("/me", response={200: MeOut, **ERRORS})
@policy("signed_in", api=True)
def me(request: HttpRequest) -> dict:
    actor = actor_of(request)
    assert actor.user is not None
    organisations = selectors.memberships_of(actor.user)
    return {
        "id": actor.user.pk,
        "email": actor.user.email,
        "name": actor.user.name,
        "language": actor.user.language,
        "two_factor": actor.user.has_totp,
        "active_organisation_id": actor.organisation_id,
        "memberships": [{"organisation": org, "roles": sorted(roles)} for org, roles in organisations.items()],
    }


@router.get("/organisation", response={200: OrganisationOut, **ERRORS})
@policy("organisation.view", api=True)
def organisation_get(request: HttpRequest):
    return selectors.organisation_of(actor_of(request))


@router.patch("/organisation", response={200: OrganisationOut, **ERRORS})
@policy("organisation.update", api=True)
def organisation_patch(request: HttpRequest, payload: OrganisationPatch):
    # null leaves a field as it is (PATCH semantics); "" clears a text field.
    return services.organisation_update(actor=actor_of(request), **payload.dict(exclude_unset=True, exclude_none=True))


@router.get("/organisations", response=list[OrganisationOut])
@policy("operator.organisations", api=True)
@paginate
def organisations(request: HttpRequest, kind: str | None = None):
    """Every organisation of the cluster (the operator's view), optionally of one kind."""
    orgs = selectors.organisations_all(actor_of(request))
    return orgs.filter(kind=kind) if kind else orgs


@router.post("/organisations/{organisation_id}/activation", response={200: OrganisationOut, **ERRORS})
@policy("operator.organisations.manage", api=True)
def organisation_activation(request: HttpRequest, organisation_id: int, payload: ActivationIn):
    """Suspend (active=false) or restore an organisation, with a reason. Its tokens stop working at once."""
    return services.organisation_set_active(actor=actor_of(request), organisation_id=organisation_id, **payload.dict())


@router.get("/members", response=list[MemberOut])
@policy("membership.view", api=True)
@paginate
def members(request: HttpRequest):
    return [
        {"id": user.pk, "email": user.email, "name": user.name, "roles": roles}
        for user, roles in selectors.members_of(actor_of(request))
    ]


@router.post("/invitations", response={201: InvitationOut, **ERRORS})
@policy("membership.manage", api=True)
def invitation_create(request: HttpRequest, payload: InvitationIn):
    invitation, _secret = services.invitation_create(actor=actor_of(request), email=payload.email, roles=payload.roles)
    return Status(201, invitation)


@router.get("/tokens", response=list[TokenOut])
@policy("token.use", api=True)
@paginate
def tokens(request: HttpRequest):
    return selectors.tokens_of(actor_of(request))


@router.post("/tokens", response={201: TokenCreated, **ERRORS})
@policy("token.use", api=True)
def token_create(request: HttpRequest, payload: TokenIn):
    token, secret = services.api_token_create(actor=actor_of(request), **payload.dict())
    token.token = secret
    return Status(201, token)


@router.delete("/tokens/{token_id}", response={200: TokenOut, **ERRORS})
@policy("token.use", api=True)
def token_revoke(request: HttpRequest, token_id: int):
    return services.api_token_revoke(actor=actor_of(request), token_id=token_id)
