import datetime as dt

import pyotp
import pytest
from django.core import mail
from django.utils import timezone

from tichub.accounts import services
from tichub.accounts.choices import OrganisationKind, Role
from tichub.accounts.models import ApiToken, Invitation, Membership, Organisation, User
from tichub.core.errors import Conflict, NotFound, ServiceError
from tichub.core.models import AuditEvent
from tichub.core.tenancy import Actor
from tichub.core.testing.factories import (
    PASSWORD,
    InstitutionFactory,
    OrganisationFactory,
    UserFactory,
    member,
    valid_uscc,
)

pytestmark = pytest.mark.django_db


def admin_actor(org=None):
    org = org or InstitutionFactory()
    user = member(org, Role.INSTITUTION_ADMIN)
    return Actor(user=user, organisation=org, roles=frozenset({Role.INSTITUTION_ADMIN}))


class TestUserCreate:
    def test_duplicate_email_is_refused_case_insensitively(self):
        UserFactory(email="ann@example.test")
        with pytest.raises(ServiceError) as exc:
            services.user_create(email="ANN@example.test", name="Ann", password="Another-Good-Pass-9")
        assert exc.value.code == "duplicate"
        assert list(exc.value.fields) == ["email"]
        assert User.objects.count() == 1

    def test_weak_password_names_the_rule(self):
        with pytest.raises(ServiceError) as exc:
            services.user_create(email="bo@example.test", name="Bo", password="12345678")
        assert exc.value.code == "weak_password"
        assert any("10" in m for m in exc.value.fields["password"])  # minimum length named
        assert not User.objects.filter(email="bo@example.test").exists()

    def test_email_is_stored_lowercase(self):
        user = services.user_create(email="  Cy@Example.TEST ", name="Cy", password=PASSWORD)
        assert user.email == "cy@example.test"


class TestAuthenticateAndLockout:
    def test_right_password(self):
        user = UserFactory()
        assert services.user_authenticate(email=user.email.upper(), password=PASSWORD) == user

    def test_lockout_after_five_failures_even_with_right_password(self, settings):
        settings.LOGIN_FAILURE_LIMIT = 5
        user = UserFactory()
        for _ in range(5):
            with pytest.raises(ServiceError) as exc:
                services.user_authenticate(email=user.email, password="wrong")
            assert exc.value.code == "invalid_credentials"
        with pytest.raises(ServiceError) as exc:
            services.user_authenticate(email=user.email, password=PASSWORD)
        assert exc.value.code == "locked"
        user.refresh_from_db()
        assert user.locked_until > timezone.now()
        assert AuditEvent.objects.filter(action="user.locked", object_id=str(user.pk)).count() == 1

    def test_unknown_email_answers_like_a_wrong_password(self):
        with pytest.raises(ServiceError) as exc:
            services.user_authenticate(email="nobody@example.test", password="x")
        assert exc.value.code == "invalid_credentials"


class TestTotp:
    def test_enrol_confirm_and_no_replay(self):
        user = UserFactory()
        secret = services.totp_begin(user=user)
        code = pyotp.TOTP(secret).now()
        services.totp_confirm(user=user, code=code)
        user.refresh_from_db()
        assert user.has_totp
        assert services.totp_check(user=user, code=code) is False  # the same code twice is refused

    def test_wrong_code_changes_nothing(self):
        user = UserFactory()
        services.totp_begin(user=user)
        with pytest.raises(ServiceError) as exc:
            services.totp_confirm(user=user, code="000000")
        assert exc.value.fields == {"code": ["验证码不正确或已使用。"]}
        user.refresh_from_db()
        assert user.totp_confirmed_at is None

    def test_required_for_signatories_and_by_organisation(self):
        lab = InstitutionFactory()
        assert services.requires_2fa(UserFactory(), {lab: frozenset({Role.AUTHORIZED_SIGNATORY})})
        assert not services.requires_2fa(UserFactory(), {lab: frozenset({Role.ANALYST})})
        lab.require_2fa = True
        assert services.requires_2fa(UserFactory(), {lab: frozenset({Role.ANALYST})})


class TestOrganisation:
    def test_invalid_credit_code_is_refused_with_field_and_rule(self):
        with pytest.raises(ServiceError) as exc:
            services.organisation_create(
                actor=Actor(user=None), kind="enterprise", slug="x", name_zh="某公司", uscc="91450100000000000X"
            )
        assert "uscc" in exc.value.fields
        assert "GB 32100-2015" in exc.value.fields["uscc"][0]
        assert not Organisation.objects.filter(slug="x").exists()

    def test_institution_needs_ownership_level_and_kind(self):
        with pytest.raises(ServiceError) as exc:
            services.organisation_create(actor=Actor(user=None), kind="institution", slug="i", name_zh="某中心")
        assert set(exc.value.fields) == {"ownership", "level", "kinds"}

    def test_update_is_audited_with_before_and_after(self):
        actor = admin_actor()
        services.organisation_update(actor=actor, name_en="Renamed Centre", uscc=valid_uscc(7))
        event = AuditEvent.objects.get(action="organisation.update")
        assert event.before["name_en"] != "Renamed Centre"
        assert event.after["name_en"] == "Renamed Centre"
        assert event.after["uscc"] == valid_uscc(7)
        assert event.organisation_id == actor.organisation_id

    def test_update_denied_without_role_changes_nothing(self):
        lab = InstitutionFactory(name_en="Before")
        analyst = Actor(user=member(lab, Role.ANALYST), organisation=lab, roles=frozenset({Role.ANALYST}))
        with pytest.raises(Exception, match=r"organisation\.update"):
            services.organisation_update(actor=analyst, name_en="After")
        lab.refresh_from_db()
        assert lab.name_en == "Before"
        assert AuditEvent.objects.count() == 0

    def test_duplicate_credit_code(self):
        OrganisationFactory(uscc=valid_uscc(1))
        actor = admin_actor()
        with pytest.raises(ServiceError) as exc:
            services.organisation_update(actor=actor, uscc=valid_uscc(1))
        assert "uscc" in exc.value.fields


class TestInvitations:
    def test_invite_accept_flow_sends_mail_and_grants_roles(self, django_capture_on_commit_callbacks):
        actor = admin_actor()
        with django_capture_on_commit_callbacks(execute=True):
            invitation, secret = services.invitation_create(actor=actor, email="New@Example.test", roles=[Role.ANALYST])
        assert invitation.email == "new@example.test"
        assert len(mail.outbox) == 1 and secret in mail.outbox[0].body
        assert invitation.token_hash != secret
        user = services.invitee_register(token=secret, name="新人", password=PASSWORD)
        assert set(Membership.objects.filter(user=user).values_list("role", flat=True)) == {Role.ANALYST}

    def test_expired_invitation_is_refused_and_changes_nothing(self):
        actor = admin_actor()
        invitation, secret = services.invitation_create(actor=actor, email="late@example.test", roles=[Role.ANALYST])
        Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
        with pytest.raises(Conflict) as exc:
            services.invitee_register(token=secret, name="Late", password=PASSWORD)
        assert exc.value.code == "invitation_expired"
        assert not User.objects.filter(email="late@example.test").exists()

    def test_role_of_another_kind_is_refused(self):
        actor = admin_actor()
        with pytest.raises(ServiceError) as exc:
            services.invitation_create(actor=actor, email="x@example.test", roles=[Role.ENTERPRISE_OWNER])
        assert exc.value.code == "invalid_role"
        assert Invitation.objects.count() == 0

    def test_unknown_token(self):
        with pytest.raises(NotFound):
            services.invitation_find("nope")


class TestMemberships:
    def test_last_admin_cannot_be_removed(self):
        actor = admin_actor()
        with pytest.raises(Conflict) as exc:
            services.membership_remove(actor=actor, user_id=actor.user.pk)
        assert exc.value.code == "last_admin"
        assert Membership.objects.filter(user=actor.user).count() == 1

    def test_set_roles_audited(self):
        actor = admin_actor()
        analyst = member(actor.organisation, Role.ANALYST)
        services.membership_set_roles(actor=actor, user_id=analyst.pk, roles=[Role.ANALYST, Role.REVIEWER])
        assert set(Membership.objects.filter(user=analyst).values_list("role", flat=True)) == {
            Role.ANALYST,
            Role.REVIEWER,
        }
        event = AuditEvent.objects.get(action="membership.set_roles")
        assert event.before == {"roles": [Role.ANALYST]}


class TestTokens:
    def test_token_is_stored_hashed_and_authenticates(self):
        actor = admin_actor()
        token, secret = services.api_token_create(actor=actor, name="ci", scope="write")
        assert secret.startswith("tch_") and secret not in token.token_hash
        assert services.api_token_authenticate(secret) == token
        token.refresh_from_db()
        assert token.last_used_at is not None

    def test_revoked_token_and_inactive_organisation_have_clear_reasons(self):
        actor = admin_actor()
        token, secret = services.api_token_create(actor=actor, name="ci")
        Organisation.objects.filter(pk=actor.organisation_id).update(is_active=False)
        with pytest.raises(ServiceError) as exc:
            services.api_token_authenticate(secret)
        assert exc.value.code == "organisation_inactive"
        Organisation.objects.filter(pk=actor.organisation_id).update(is_active=True)
        services.api_token_revoke(actor=actor, token_id=token.pk)
        with pytest.raises(ServiceError) as exc:
            services.api_token_authenticate(secret)
        assert exc.value.code == "token_revoked"

    def test_cannot_revoke_another_users_token(self):
        actor = admin_actor()
        token, _ = services.api_token_create(actor=actor, name="mine")
        other = Actor(
            user=member(actor.organisation, Role.ANALYST),
            organisation=actor.organisation,
            roles=frozenset({Role.ANALYST}),
        )
        with pytest.raises(NotFound):
            services.api_token_revoke(actor=other, token_id=token.pk)
        assert ApiToken.objects.get(pk=token.pk).revoked_at is None


def test_enterprise_register_makes_an_owner():
    user, org = services.enterprise_register(
        email="boss@example.test", name="Boss", password=PASSWORD, organisation_name="南宁某企业", uscc=valid_uscc(3)
    )
    assert org.kind == OrganisationKind.ENTERPRISE
    assert list(Membership.objects.filter(user=user).values_list("role", flat=True)) == [Role.ENTERPRISE_OWNER]


class TestOperatorActivation:
    def operator_admin(self):
        from tichub.core.testing.factories import OperatorFactory

        operator = OperatorFactory()
        user = member(operator, Role.OPERATOR_ADMIN)
        return Actor(user=user, organisation=operator, roles=frozenset({Role.OPERATOR_ADMIN}))

    def test_deactivation_needs_a_reason_and_is_audited(self):
        actor = self.operator_admin()
        lab = InstitutionFactory()
        with pytest.raises(ServiceError) as exc:
            services.organisation_set_active(actor=actor, organisation_id=lab.pk, active=False, reason=" ")
        assert exc.value.fields == {"reason": ["请说明原因。"]}
        assert Organisation.objects.get(pk=lab.pk).is_active
        services.organisation_set_active(actor=actor, organisation_id=lab.pk, active=False, reason="CMA revoked")
        assert not Organisation.objects.get(pk=lab.pk).is_active
        event = AuditEvent.objects.get(action="organisation.deactivate")
        assert (event.reason, event.after) == ("CMA revoked", {"is_active": False})

    def test_operator_cannot_deactivate_itself(self):
        actor = self.operator_admin()
        with pytest.raises(Conflict):
            services.organisation_set_active(actor=actor, organisation_id=actor.tenant_id, active=False, reason="x")


class TestProfile:
    def test_change_password_requires_the_current_one(self):
        user = UserFactory()
        with pytest.raises(ServiceError) as exc:
            services.user_change_password(user=user, current="wrong", new="Brand-New-Pass-77")
        assert list(exc.value.fields) == ["current_password"]
        with pytest.raises(ServiceError) as exc:
            services.user_change_password(user=user, current=PASSWORD, new="short")
        assert list(exc.value.fields) == ["new_password"]
        user.refresh_from_db()
        assert user.check_password(PASSWORD)
        services.user_change_password(user=user, current=PASSWORD, new="Brand-New-Pass-77")
        user.refresh_from_db()
        assert user.check_password("Brand-New-Pass-77")
