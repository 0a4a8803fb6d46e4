import pyotp
import pytest
from django.test import Client

from tichub.accounts.choices import Role
from tichub.accounts.middleware import SESSION_2FA
from tichub.accounts.models import Membership
from tichub.core.models import AuditEvent
from tichub.core.testing.factories import PASSWORD, InstitutionFactory, OrganisationFactory, UserFactory, member
from tichub.core.testing.permissions import signed_in

pytestmark = pytest.mark.django_db


def test_login_then_dashboard_shows_own_organisation_only():
    lab, other = InstitutionFactory(name_zh="我的中心"), InstitutionFactory(name_zh="别人的中心")
    user = member(lab, Role.ANALYST)
    member(other, Role.ANALYST)
    client = Client()
    response = client.post("/accounts/login/", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/dashboard/"
    page = client.get("/dashboard/").content.decode()
    assert "我的中心" in page and "别人的中心" not in page


def test_wrong_password_is_a_400_with_message():
    user = UserFactory()
    response = Client().post("/accounts/login/", {"email": user.email, "password": "nope"})
    assert response.status_code == 400
    assert "电子邮箱或密码不正确" in response.content.decode()


def test_login_is_rate_limited(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login": (3, 60)}
    client = Client()
    codes = [client.post("/accounts/login/", {"email": "a@b.test", "password": "x"}).status_code for _ in range(5)]
    assert codes == [400, 400, 400, 429, 429]


def test_signatory_must_enrol_a_second_factor_before_anything_else():
    lab = InstitutionFactory()
    user = member(lab, Role.AUTHORIZED_SIGNATORY)
    client = Client()
    client.post("/accounts/login/", {"email": user.email, "password": PASSWORD})
    response = client.get("/accounts/members/")
    assert response.status_code == 302 and response["Location"] == "/accounts/2fa/setup/"
    assert client.get("/api/v1/me").json()["code"] == "2fa_required"
    client.get("/accounts/2fa/setup/")
    user.refresh_from_db()
    response = client.post("/accounts/2fa/setup/", {"code": pyotp.TOTP(user.totp_secret).now()})
    assert response.status_code == 302
    assert client.get("/accounts/members/").status_code == 200


def test_enrolled_user_verifies_with_a_code():
    lab = InstitutionFactory()
    user = member(lab, Role.INSTITUTION_ADMIN)
    user.totp_secret = pyotp.random_base32()
    user.save()
    from django.utils import timezone

    type(user).objects.filter(pk=user.pk).update(totp_confirmed_at=timezone.now())
    client = Client()
    client.post("/accounts/login/", {"email": user.email, "password": PASSWORD})
    assert client.get("/dashboard/")["Location"] == "/accounts/2fa/verify/"
    assert client.post("/accounts/2fa/verify/", {"code": "123456"}).status_code == 400
    response = client.post("/accounts/2fa/verify/", {"code": pyotp.TOTP(user.totp_secret).now()})
    assert response.status_code == 302
    assert client.session[SESSION_2FA] is True


def test_switching_to_a_foreign_organisation_is_refused():
    mine, foreign = OrganisationFactory(), OrganisationFactory(name_zh="外人企业")
    user = member(mine, Role.ENTERPRISE_MEMBER)
    client = signed_in(user, mine)
    client.post("/accounts/switch/", {"organisation": foreign.pk})
    assert "外人企业" not in client.get("/accounts/organisation/").content.decode()


def test_user_in_two_organisations_switches():
    first, second = OrganisationFactory(name_zh="甲企业"), InstitutionFactory(name_zh="乙中心")
    user = member(first, Role.ENTERPRISE_MEMBER)
    member(second, Role.ANALYST, user=user)
    client = signed_in(user, first)
    client.post("/accounts/switch/", {"organisation": second.pk})
    assert "乙中心" in client.get("/accounts/organisation/").content.decode()


def test_home_in_both_languages():
    zh = Client().get("/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    en = Client().get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "检验检测认证公共服务平台" in zh
    assert "Public service platform for testing, inspection and certification" in en


def test_error_page_404_is_bilingual():
    response = Client().get("/no-such-page/")
    assert response.status_code == 404
    assert "未找到" in response.content.decode() and "Not found" in response.content.decode()


def test_invalid_invite_form_names_field_and_changes_nothing():
    lab = InstitutionFactory()
    admin = member(lab, Role.INSTITUTION_ADMIN)
    client = signed_in(admin, lab)
    before = AuditEvent.objects.count()
    response = client.post("/accounts/members/invite/", {"email": "not-an-email", "roles": []})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_email_error"' in page and 'id="id_roles_error"' in page
    assert AuditEvent.objects.count() == before
    assert Membership.objects.filter(organisation=lab).count() == 1


def test_audit_csv_export_has_the_events():
    lab = InstitutionFactory()
    admin = member(lab, Role.INSTITUTION_ADMIN)
    client = signed_in(admin, lab)
    client.post("/accounts/organisation/", {"name_zh": "改名后的中心", "ownership": "state", "level": "national"})
    body = b"".join(client.get("/audit/export.csv").streaming_content).decode()
    assert body.startswith("\ufefftime,actor,action")
    assert "organisation.update" in body and "改名后的中心" in body
