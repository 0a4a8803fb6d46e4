import datetime as dt

from ninja import Field, Schema


class OrganisationOut(Schema):
    id: int
    kind: str
    slug: str
    name_zh: str
    name_en: str
    uscc: str
    address_zh: str
    address_en: str
    ownership: str
    level: str
    institution_kinds: list[str]
    require_2fa: bool
    is_active: bool


class OrganisationPatch(Schema):
    name_zh: str | None = Field(None, max_length=200)
    name_en: str | None = Field(None, max_length=200)
    uscc: str | None = Field(None, max_length=18)
    address_zh: str | None = Field(None, max_length=300)
    address_en: str | None = Field(None, max_length=300)
    require_2fa: bool | None = None


class ActivationIn(Schema):
    active: bool
    reason: str = Field(max_length=500)


class MembershipOut(Schema):
    organisation: OrganisationOut
    roles: list[str]


class MeOut(Schema):
    id: int
    email: str
    name: str
    language: str
    two_factor: bool
    active_organisation_id: int | None
    memberships: list[MembershipOut]


class MemberOut(Schema):
    id: int
    email: str
    name: str
    roles: list[str]


class InvitationIn(Schema):
    email: str = Field(max_length=254)
    roles: list[str]


class InvitationOut(Schema):
    id: int
    email: str
    roles: list[str]
    expires_at: dt.datetime


class TokenIn(Schema):
    name: str = Field(max_length=100)
    scope: str = "read"
    expires_at: dt.datetime | None = None


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    scope: str
    created_at: dt.datetime
    expires_at: dt.datetime | None
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


class TokenCreated(TokenOut):
    token: str = Field(description="Shown once; store it now.")
