"""Data for the generic permission suite: one case per accounts route that needs parameters or a body."""

from tichub.accounts import services
from tichub.accounts.choices import Role
from tichub.core.tenancy import Actor
from tichub.core.testing.factories import OrganisationFactory, member
from tichub.core.testing.permissions import Setup, case


def _member_of(org, user):
    other = member(org, Role.ANALYST if org.kind == "institution" else Role.ENTERPRISE_MEMBER)
    return Setup(kwargs={"user_id": other.pk}, data={"roles": [_role(org)]}, secret=other.email)


def _role(org):
    return {"institution": Role.REVIEWER, "enterprise": Role.ENTERPRISE_MEMBER, "operator": Role.OPERATOR_ANALYST}[
        org.kind
    ]


def _token(org, user):
    token, _ = services.api_token_create(
        actor=Actor(user=user, organisation=org, roles=frozenset({Role.ANALYST})), name="ci-secret-token"
    )
    return Setup(kwargs={"token_id": token.pk}, secret="ci-secret-token")


def _invite(org, user):
    return Setup(data={"email": "newcomer@example.test", "roles": [_role(org)]})


def _invitation(org, user):
    admin = member(
        org,
        {"institution": Role.INSTITUTION_ADMIN, "enterprise": Role.ENTERPRISE_OWNER, "operator": Role.OPERATOR_ADMIN}[
            org.kind
        ],
    )
    actor = Actor(
        user=admin,
        organisation=org,
        roles=frozenset({Role.INSTITUTION_ADMIN, Role.ENTERPRISE_OWNER, Role.OPERATOR_ADMIN}),
    )
    _, secret = services.invitation_create(actor=actor, email="invitee@example.test", roles=[_role(org)])
    return Setup(kwargs={"token": secret})


def _members_listing(org, user):
    return Setup(secret=user.email)


case("accounts:logout", method="POST")
case("accounts:switch", method="POST", build=lambda org, user: Setup(data={"organisation": org.pk}))
case("accounts:invite", method="POST", build=_invite)
case("accounts:member_edit", build=_member_of)
case("accounts:members", build=_members_listing)
case("accounts:token_revoke", method="POST", build=_token)
case("accounts:invitation_accept", build=_invitation)
case("accounts:password_reset_confirm", build=lambda org, user: Setup(kwargs={"uidb64": "MQ", "token": "x-y"}))
case("GET /api/v1/members", build=_members_listing)
case("PATCH /api/v1/organisation", method="PATCH", build=lambda org, user: Setup(data={"name_en": "Renamed"}))
case("POST /api/v1/invitations", method="POST", build=_invite)
case("POST /api/v1/tokens", method="POST", build=lambda org, user: Setup(data={"name": "laptop", "scope": "read"}))
case("DELETE /api/v1/tokens/{token_id}", method="DELETE", build=_token)
case(
    "POST /api/v1/organisations/{organisation_id}/activation",
    method="POST",
    kind="operator",
    cluster_wide=True,
    build=lambda org, user: Setup(
        kwargs={"organisation_id": OrganisationFactory().pk}, data={"active": False, "reason": "licence expired"}
    ),
)
