"""Organisations, people, memberships with roles, invitations and personal API tokens."""

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tichub.core.models import TenantModel

from .choices import InstitutionLevel, OrganisationKind, Ownership, Role, TokenScope


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields: object) -> "User":
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields: object) -> "User":
        return self.create_user(email, password, is_staff=True, is_superuser=True, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person. Signs in by e-mail; belongs to organisations through memberships."""

    email = models.EmailField(_("电子邮箱"), unique=True)
    name = models.CharField(_("姓名"), max_length=100)
    language = models.CharField(_("语言"), max_length=10, default="zh-hans")
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)
    failed_logins = models.PositiveSmallIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    totp_secret = models.CharField(max_length=64, blank=True)
    totp_confirmed_at = models.DateTimeField(null=True, blank=True)
    totp_last_step = models.BigIntegerField(default=0, help_text="last accepted TOTP time step, against replay")

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["name"]

    class Meta:
        verbose_name = _("用户")
        constraints = [
            models.CheckConstraint(condition=Q(email=models.functions.Lower("email")), name="email_lowercase")
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"

    @property
    def has_totp(self) -> bool:
        return self.totp_confirmed_at is not None


class Organisation(models.Model):
    """An enterprise, a TIC institution or the cluster operator: the unit of tenancy."""

    kind = models.CharField(_("类型"), max_length=20, choices=OrganisationKind.choices)
    slug = models.SlugField(max_length=60, unique=True)
    name_zh = models.CharField(_("中文名称"), max_length=200)
    name_en = models.CharField(_("英文名称"), max_length=200, blank=True)
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    address_zh = models.CharField(_("中文地址"), max_length=300, blank=True)
    address_en = models.CharField(_("英文地址"), max_length=300, blank=True)
    ownership = models.CharField(_("所有制"), max_length=20, choices=Ownership.choices, blank=True)
    level = models.CharField(_("级别"), max_length=20, choices=InstitutionLevel.choices, blank=True)
    is_testing_laboratory = models.BooleanField(_("检测实验室"), default=False)
    is_inspection_body = models.BooleanField(_("检验机构"), default=False)
    is_certification_body = models.BooleanField(_("认证机构"), default=False)
    is_metrology_centre = models.BooleanField(_("计量中心"), default=False)
    require_2fa = models.BooleanField(_("要求双因素认证"), default=False)
    is_active = models.BooleanField(_("有效"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("组织")
        ordering = ["name_zh"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=OrganisationKind.values), name="organisation_kind_valid"),
            models.UniqueConstraint(fields=["uscc"], condition=~Q(uscc=""), name="organisation_uscc_unique"),
            # An institution states its ownership, level and at least one kind; others state none of them.
            models.CheckConstraint(
                condition=~Q(kind=OrganisationKind.INSTITUTION)
                | (
                    ~Q(ownership="")
                    & ~Q(level="")
                    & (
                        Q(is_testing_laboratory=True)
                        | Q(is_inspection_body=True)
                        | Q(is_certification_body=True)
                        | Q(is_metrology_centre=True)
                    )
                ),
                name="institution_profile_complete",
            ),
        ]

    def __str__(self) -> str:
        return self.name_zh

    @property
    def institution_kinds(self) -> list[str]:
        flags = {
            "testing_laboratory": self.is_testing_laboratory,
            "inspection_body": self.is_inspection_body,
            "certification_body": self.is_certification_body,
            "metrology_centre": self.is_metrology_centre,
        }
        return [kind for kind, on in flags.items() if on]


class Membership(TenantModel):
    """One role of one user in one organisation; a user holds several roles as several rows."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=60, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation", "role"], name="membership_unique"),
            models.CheckConstraint(condition=Q(role__in=Role.values), name="membership_role_valid"),
        ]
        indexes = [models.Index(fields=["organisation", "user"], name="membership_org_user_idx")]

    def __str__(self) -> str:
        return f"{self.user_id}@{self.organisation_id}:{self.role}"


class Invitation(TenantModel):
    """An e-mailed invitation to join an organisation with given roles; the token is stored hashed."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    roles = models.JSONField(default=list)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} → {self.organisation_id}"


class ApiToken(TenantModel):
    """A personal API token bound to one organisation; only its SHA-256 is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("名称"), max_length=100)
    prefix = models.CharField(max_length=16, unique=True)
    token_hash = models.CharField(max_length=64, unique=True)
    scope = models.CharField(_("权限范围"), max_length=10, choices=TokenScope.choices, default=TokenScope.READ)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.CheckConstraint(condition=Q(scope__in=TokenScope.values), name="token_scope_valid")]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
