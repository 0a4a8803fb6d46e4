"""Writes about organisations and people. Each service runs in one transaction and writes its audit event."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable
from typing import Any

import pyotp
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from tichub.core.audit import audit_record, snapshot
from tichub.core.errors import Conflict, NotFound, ServiceError
from tichub.core.tenancy import Actor
from tichub.science.codes import validate_uscc

from .choices import ROLES_REQUIRING_2FA, OrganisationKind, Role, TokenScope
from .models import ApiToken, Invitation, Membership, Organisation, User
from .tasks import enqueue_email

TOKEN_PREFIX = "tch_"  # noqa: S105 (a public marker, not a secret)
ORGANISATION_FIELDS = (
    "kind",
    "slug",
    "name_zh",
    "name_en",
    "uscc",
    "address_zh",
    "address_en",
    "ownership",
    "level",
    "is_testing_laboratory",
    "is_inspection_body",
    "is_certification_body",
    "is_metrology_centre",
    "require_2fa",
    "is_active",
)
EDITABLE_ORGANISATION_FIELDS = frozenset(ORGANISATION_FIELDS) - {"kind", "slug", "is_active"}
SYSTEM = Actor(user=None)  # for events no person caused (a lockout, say)


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


# --- people -----------------------------------------------------------------------------------------------------


def _check_password(password: str, user: User | None = None, field: str = "password") -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ServiceError(_("密码不符合要求。"), code="weak_password", fields={field: list(exc.messages)}) from exc


def _check_new_email(email: str) -> str:
    email = email.strip().lower()
    if User.objects.filter(email=email).exists():
        raise ServiceError.field("email", _("该电子邮箱已注册。"), code="duplicate")
    return email


def user_create(*, email: str, name: str, password: str, language: str = "zh-hans") -> User:
    """A new person with a checked password; the e-mail must be unused (case-insensitive)."""
    email = _check_new_email(email)
    if not name.strip():
        raise ServiceError.field("name", _("请填写姓名。"), code="required")
    user = User(email=email, name=name.strip(), language=language)
    _check_password(password, user)
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:  # a concurrent sign-up with the same e-mail
        raise ServiceError.field("email", _("该电子邮箱已注册。"), code="duplicate") from exc
    return user


def user_authenticate(*, email: str, password: str) -> User:
    """Check credentials with lockout after repeated failures (settings.LOGIN_FAILURE_LIMIT)."""
    email = email.strip().lower()
    now = timezone.now()
    user = User.objects.filter(email=email, is_active=True).first()
    invalid = ServiceError(_("电子邮箱或密码不正确。"), code="invalid_credentials")
    if user is None:
        User().set_password(password)  # same work as a real check, so timing does not reveal accounts
        raise invalid
    if user.locked_until and user.locked_until > now:
        minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
        raise ServiceError(
            _("登录失败次数过多，账户已锁定，请 %(minutes)d 分钟后再试。") % {"minutes": minutes}, code="locked"
        )
    if user.check_password(password):
        if user.failed_logins or user.locked_until:
            User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None)
        return user
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(failed_logins=F("failed_logins") + 1)
        user.refresh_from_db(fields=["failed_logins"])
        if user.failed_logins >= settings.LOGIN_FAILURE_LIMIT:
            until = now + dt.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
            User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=until)
            audit_record(actor=SYSTEM, action="user.locked", obj=user, after={"locked_until": until})
    raise invalid


def user_set_password(*, user: User, password: str) -> None:
    _check_password(password, user)
    with transaction.atomic():
        user.set_password(password)
        user.failed_logins, user.locked_until = 0, None
        user.save(update_fields=["password", "failed_logins", "locked_until"])
        audit_record(actor=Actor(user=user), action="user.password_set", obj=user)


def user_update_profile(*, user: User, name: str, language: str) -> User:
    if not name.strip():
        raise ServiceError.field("name", _("请填写姓名。"), code="required")
    if language not in dict(settings.LANGUAGES):
        raise ServiceError.field("language", _("不支持的语言。"))
    with transaction.atomic():
        before = snapshot(user, ("name", "language"))
        user.name, user.language = name.strip(), language
        user.save(update_fields=["name", "language"])
        audit_record(
            actor=Actor(user=user),
            action="user.update",
            obj=user,
            before=before,
            after=snapshot(user, ("name", "language")),
        )
    return user


def user_change_password(*, user: User, current: str, new: str) -> None:
    """A signed-in person changes their password; the current one must be given."""
    if not user.check_password(current):
        raise ServiceError.field("current_password", _("当前密码不正确。"), code="invalid_credentials")
    try:
        user_set_password(user=user, password=new)
    except ServiceError as exc:
        raise ServiceError(exc.message, code=exc.code, fields={"new_password": exc.fields["password"]}) from exc


def requires_2fa(user: User, organisations: dict[Organisation, frozenset[str]]) -> bool:
    """Signatories and admins always; everyone in an organisation that requires it."""
    return any(org.require_2fa or roles & ROLES_REQUIRING_2FA for org, roles in organisations.items())


def totp_begin(*, user: User) -> str:
    """Start (or restart) enrolment: a new secret, not yet trusted until a code confirms it."""
    if user.has_totp:
        raise Conflict(_("已启用双因素认证。"), code="already_enabled")
    secret = pyotp.random_base32()
    User.objects.filter(pk=user.pk).update(totp_secret=secret)
    user.totp_secret = secret
    return secret


def totp_uri(user: User) -> str:
    return pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.email, issuer_name="TICHub")


def totp_check(*, user: User, code: str) -> bool:
    """RFC 6238 with ±1 step of clock drift; a code is accepted once (the last used step is remembered)."""
    code = code.strip().replace(" ", "")
    if not user.totp_secret or not code.isdigit() or len(code) != 6:
        return False
    totp = pyotp.TOTP(user.totp_secret)
    now = timezone.now()
    for drift in (0, -1, 1):
        at = now + dt.timedelta(seconds=30 * drift)
        step = totp.timecode(at)
        if step > user.totp_last_step and secrets.compare_digest(totp.at(at), code):
            # Conditional update: two requests racing with the same code cannot both win.
            won = User.objects.filter(pk=user.pk, totp_last_step__lt=step).update(totp_last_step=step)
            user.totp_last_step = step
            return bool(won)
    return False


def totp_confirm(*, user: User, code: str) -> None:
    if not user.totp_secret:
        raise Conflict(_("请先开始设置双因素认证。"), code="not_started")
    if not totp_check(user=user, code=code):
        raise ServiceError.field("code", _("验证码不正确或已使用。"), code="bad_code")
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(totp_confirmed_at=timezone.now())
        audit_record(actor=Actor(user=user), action="user.2fa_enabled", obj=user)


# --- organisations ----------------------------------------------------------------------------------------------


def _clean_organisation(values: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    if values.get("uscc"):
        try:
            values["uscc"] = validate_uscc(str(values["uscc"]))
        except ValueError as exc:
            errors["uscc"] = [_("统一社会信用代码无效（GB 32100-2015）：%(reason)s") % {"reason": exc}]
        else:
            clash = Organisation.objects.filter(uscc=values["uscc"])
            if values.get("pk") is not None:
                clash = clash.exclude(pk=values["pk"])
            if clash.exists():
                errors["uscc"] = [_("该统一社会信用代码已被其他组织使用。")]
    if "name_zh" in values and not str(values["name_zh"]).strip():
        errors["name_zh"] = [_("请填写中文名称。")]
    if values.get("kind") == OrganisationKind.INSTITUTION:
        if not values.get("ownership"):
            errors["ownership"] = [_("机构必须填写所有制。")]
        if not values.get("level"):
            errors["level"] = [_("机构必须填写级别。")]
        if not any(
            values.get(f)
            for f in ("is_testing_laboratory", "is_inspection_body", "is_certification_body", "is_metrology_centre")
        ):
            errors["kinds"] = [_("机构至少选择一种类型。")]
    if errors:
        raise ServiceError(_("组织信息有误。"), fields=errors)
    return values


def organisation_create(*, actor: Actor, owner: User | None = None, **values: Any) -> Organisation:
    """Register an organisation (the operator curates institutions; enterprises register themselves)."""
    unknown = set(values) - set(ORGANISATION_FIELDS)
    if unknown:
        raise ServiceError(f"unknown fields: {', '.join(sorted(unknown))}", code="unknown_field")
    if values.get("kind") not in OrganisationKind.values:
        raise ServiceError.field("kind", _("组织类型无效。"))
    values = _clean_organisation(values)
    if Organisation.objects.filter(slug=values.get("slug")).exists():
        raise ServiceError.field("slug", _("该标识已被使用。"), code="duplicate")
    with transaction.atomic():
        org = Organisation.objects.create(**values)
        if owner is not None:
            role = {
                OrganisationKind.ENTERPRISE: Role.ENTERPRISE_OWNER,
                OrganisationKind.INSTITUTION: Role.INSTITUTION_ADMIN,
                OrganisationKind.OPERATOR: Role.OPERATOR_ADMIN,
            }[OrganisationKind(org.kind)]
            Membership.objects.create(user=owner, organisation=org, role=role)
        audit_record(
            actor=actor,
            action="organisation.create",
            obj=org,
            after=snapshot(org, ORGANISATION_FIELDS),
            organisation_id=org.pk,
        )
    return org


def organisation_set_active(*, actor: Actor, organisation_id: int, active: bool, reason: str) -> Organisation:
    """The operator suspends or restores an organisation: its members and API tokens stop (or resume) working."""
    actor.require("operator.organisations.manage")
    if not reason.strip():
        raise ServiceError.field("reason", _("请说明原因。"), code="required")
    with transaction.atomic():
        org = Organisation.objects.select_for_update().filter(pk=organisation_id).first()
        if org is None:
            raise NotFound(_("没有此组织。"))
        if org.pk == actor.organisation_id and not active:
            raise Conflict(_("不能停用自己所在的运营组织。"), code="self_deactivation")
        if org.is_active != active:
            org.is_active = active
            org.save(update_fields=["is_active"])
            audit_record(
                actor=actor,
                action="organisation.activate" if active else "organisation.deactivate",
                obj=org,
                before={"is_active": not active},
                after={"is_active": active},
                reason=reason,
            )
    return org


def organisation_update(*, actor: Actor, **changes: Any) -> Organisation:
    actor.require("organisation.update")
    unknown = set(changes) - EDITABLE_ORGANISATION_FIELDS
    if unknown:
        raise ServiceError(f"fields not editable: {', '.join(sorted(unknown))}", code="unknown_field")
    with transaction.atomic():
        org = Organisation.objects.select_for_update().get(pk=actor.tenant_id)
        before = snapshot(org, ORGANISATION_FIELDS)
        merged = {**before, **changes, "pk": org.pk}
        _clean_organisation(merged)
        for name in changes:
            setattr(org, name, merged[name])
        org.save()
        audit_record(
            actor=actor, action="organisation.update", obj=org, before=before, after=snapshot(org, ORGANISATION_FIELDS)
        )
    return org


# --- memberships and invitations --------------------------------------------------------------------------------


def _check_roles(organisation: Organisation, roles: Iterable[str]) -> list[str]:
    roles = sorted(set(roles))
    allowed = {role.value for role in Role.for_kind(organisation.kind)}
    bad = [role for role in roles if role not in allowed]
    if not roles:
        raise ServiceError.field("roles", _("至少选择一个角色。"), code="required")
    if bad:
        raise ServiceError.field(
            "roles", _("角色 %(roles)s 不适用于此类组织。") % {"roles": ", ".join(bad)}, code="invalid_role"
        )
    return roles


def invitation_create(*, actor: Actor, email: str, roles: Iterable[str]) -> tuple[Invitation, str]:
    """Invite someone by e-mail; the link carries a secret that only its hash is stored for."""
    actor.require("membership.manage")
    org = actor.organisation
    assert org is not None
    roles = _check_roles(org, roles)
    email = email.strip().lower()
    if Membership.objects.filter(organisation=org, user__email=email).exists():
        raise ServiceError.field("email", _("此人已是本组织成员。"), code="already_member")
    secret = secrets.token_urlsafe(32)
    with transaction.atomic():
        invitation = Invitation.objects.create(
            organisation=org,
            email=email,
            roles=roles,
            token_hash=_sha256(secret),
            invited_by=actor.person,
            expires_at=timezone.now() + dt.timedelta(days=settings.INVITATION_DAYS),
        )
        audit_record(actor=actor, action="invitation.create", obj=invitation, after={"email": email, "roles": roles})
        transaction.on_commit(
            lambda: enqueue_email(
                to=email,
                template="accounts/email/invitation",
                context={
                    "organisation": org.name_zh,
                    "organisation_en": org.name_en,
                    "token": secret,
                    "inviter": actor.user.name if actor.user else "",
                },
            )
        )
    return invitation, secret


def invitation_find(token: str) -> Invitation:
    """The open invitation for this secret, or a precise reason why it cannot be used."""
    invitation = Invitation.objects.select_related("organisation").filter(token_hash=_sha256(token)).first()
    if invitation is None or invitation.revoked_at:
        raise NotFound(_("邀请链接无效。"), code="invalid_invitation")
    if invitation.accepted_at:
        raise Conflict(_("该邀请已被接受。"), code="invitation_used")
    if invitation.expires_at <= timezone.now():
        message = _("该邀请已于 %(date)s 过期，请联系管理员重新邀请。") % {"date": f"{invitation.expires_at:%Y-%m-%d}"}
        raise Conflict(message, code="invitation_expired")
    if not invitation.organisation.is_active:
        raise Conflict(_("邀请所属组织已停用。"), code="organisation_inactive")
    return invitation


def invitation_accept(*, token: str, user: User) -> Membership:
    with transaction.atomic():
        invitation = invitation_find(token)
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.accepted_at:
            raise Conflict(_("该邀请已被接受。"), code="invitation_used")
        if invitation.email != user.email:
            raise ServiceError.field("email", _("该邀请发给了另一个电子邮箱。"), code="wrong_email")
        memberships = [
            Membership.objects.get_or_create(user=user, organisation=invitation.organisation, role=role)[0]
            for role in invitation.roles
        ]
        invitation.accepted_at = timezone.now()
        invitation.save(update_fields=["accepted_at"])
        actor = Actor(user=user, organisation=invitation.organisation)
        audit_record(actor=actor, action="invitation.accept", obj=invitation, after={"roles": invitation.roles})
    return memberships[0]


def membership_grant(*, actor: Actor, organisation: Organisation, user: User, roles: Iterable[str]) -> list[str]:
    """Add roles to a person in an organisation (the operator seeding an institution, the demo); idempotent."""
    roles = _check_roles(organisation, roles)
    with transaction.atomic():
        have = set(Membership.objects.filter(organisation=organisation, user=user).values_list("role", flat=True))
        added = [role for role in roles if role not in have]
        if added:
            Membership.objects.bulk_create([Membership(organisation=organisation, user=user, role=r) for r in added])
            audit_record(
                actor=actor,
                action="membership.grant",
                obj=user,
                after={"roles": added},
                organisation_id=organisation.pk,
            )
    return added


def membership_set_roles(*, actor: Actor, user_id: int, roles: Iterable[str]) -> list[str]:
    """Replace a member's roles. An organisation always keeps at least one administrator."""
    actor.require("membership.manage")
    org = actor.organisation
    assert org is not None
    new = _check_roles(org, roles)
    with transaction.atomic():
        rows = list(Membership.objects.select_for_update().filter(organisation=org, user_id=user_id))
        if not rows:
            raise NotFound(_("没有此成员。"))
        old = sorted(m.role for m in rows)
        _keep_an_admin(org, user_id, new)
        Membership.objects.filter(organisation=org, user_id=user_id).exclude(role__in=new).delete()
        Membership.objects.bulk_create(
            [Membership(organisation=org, user_id=user_id, role=r) for r in new if r not in old]
        )
        audit_record(
            actor=actor, action="membership.set_roles", obj=rows[0].user, before={"roles": old}, after={"roles": new}
        )
    return new


def membership_remove(*, actor: Actor, user_id: int, reason: str = "") -> None:
    actor.require("membership.manage")
    org = actor.organisation
    assert org is not None
    with transaction.atomic():
        rows = list(
            Membership.objects.select_for_update().filter(organisation=org, user_id=user_id).select_related("user")
        )
        if not rows:
            raise NotFound(_("没有此成员。"))
        _keep_an_admin(org, user_id, [])
        Membership.objects.filter(organisation=org, user_id=user_id).delete()
        audit_record(
            actor=actor,
            action="membership.remove",
            obj=rows[0].user,
            before={"roles": sorted(m.role for m in rows)},
            reason=reason,
        )


def _keep_an_admin(org: Organisation, user_id: int, new_roles: list[str]) -> None:
    # Lock the organisation row: two admins demoting each other at once must not both pass this check.
    Organisation.objects.select_for_update().filter(pk=org.pk).values_list("pk", flat=True).get()
    admin_roles = {Role.ENTERPRISE_OWNER, Role.INSTITUTION_ADMIN, Role.OPERATOR_ADMIN}
    if admin_roles & set(new_roles):
        return
    others = Membership.objects.filter(organisation=org, role__in=admin_roles).exclude(user_id=user_id)
    if not others.exists():
        raise Conflict(_("组织至少需要保留一名管理员。"), code="last_admin")


# --- API tokens -------------------------------------------------------------------------------------------------


def api_token_create(
    *, actor: Actor, name: str, scope: str = TokenScope.READ, expires_at: dt.datetime | None = None
) -> tuple[ApiToken, str]:
    """A personal token bound to the active organisation. The plaintext is shown once and never stored."""
    actor.require("token.use")
    if actor.via_token:  # a token must not extend its own life or mint stronger ones
        raise ServiceError(_("API 令牌只能在登录后的页面或会话中创建。"), code="token_cannot_create_token")
    if not name.strip():
        raise ServiceError.field("name", _("请填写令牌名称。"), code="required")
    if scope not in TokenScope.values:
        raise ServiceError.field("scope", _("权限范围必须是 read 或 write。"))
    if expires_at is not None and expires_at <= timezone.now():
        raise ServiceError.field("expires_at", _("过期时间必须晚于现在。"))
    prefix = secrets.token_hex(4)
    secret = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=actor.person,
            organisation_id=actor.tenant_id,
            name=name.strip(),
            prefix=prefix,
            token_hash=_sha256(secret),
            scope=scope,
            expires_at=expires_at,
        )
        audit_record(actor=actor, action="token.create", obj=token, after={"name": token.name, "scope": scope})
    return token, secret


def api_token_revoke(*, actor: Actor, token_id: int) -> ApiToken:
    actor.require("token.use")
    with transaction.atomic():
        token = (
            ApiToken.objects.select_for_update()
            .filter(pk=token_id, user=actor.user, organisation_id=actor.tenant_id)
            .first()
        )
        if token is None:
            raise NotFound(_("没有此令牌。"))
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            audit_record(actor=actor, action="token.revoke", obj=token)
    return token


def api_token_authenticate(secret: str) -> ApiToken:
    """The live token for this secret, with a precise reason when it cannot be used. Records the last use."""
    token = (
        ApiToken.objects.select_related("user", "organisation").filter(token_hash=_sha256(secret)).first()
        if secret.startswith(TOKEN_PREFIX)
        else None
    )
    now = timezone.now()
    if token is None:
        raise ServiceError(_("API 令牌无效。"), code="invalid_token")
    if token.revoked_at:
        raise ServiceError(_("API 令牌已被撤销。"), code="token_revoked")
    if token.expires_at and token.expires_at <= now:
        raise ServiceError(_("API 令牌已过期。"), code="token_expired")
    if not token.organisation.is_active:
        raise ServiceError(_("令牌所属组织已停用。"), code="organisation_inactive")
    if not token.user.is_active:
        raise ServiceError(_("令牌所属用户已停用。"), code="user_inactive")
    # Record use at most once a minute: no write per request on a hot token.
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def enterprise_register(
    *, email: str, name: str, password: str, organisation_name: str, uscc: str = ""
) -> tuple[User, Organisation]:
    """Self-service sign-up of an enterprise: its first user becomes the owner."""
    with transaction.atomic():
        user = user_create(email=email, name=name, password=password)
        slug = f"ent-{secrets.token_hex(4)}"
        org = organisation_create(
            actor=Actor(user=user),
            owner=user,
            kind=OrganisationKind.ENTERPRISE,
            slug=slug,
            name_zh=organisation_name.strip(),
            uscc=uscc.strip().upper(),
        )
    return user, org


def invitee_register(*, token: str, name: str, password: str) -> User:
    """A newcomer accepts an invitation: the account is created for the invited e-mail, then joins."""
    with transaction.atomic():
        invitation = invitation_find(token)
        user = user_create(email=invitation.email, name=name, password=password)
        invitation_accept(token=token, user=user)
    return user
