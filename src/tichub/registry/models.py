"""Institutions' accreditations, test sites and capability scopes, and the anonymous record of unmet demand."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from tichub.core.models import TenantModel

from .choices import AccreditationBody, Coverage, ScopeStatus, TermKind


class InstitutionProfile(models.Model):
    """The public face of an institution: what the directory shows, and what it shows only when allowed."""

    organisation = models.OneToOneField("accounts.Organisation", on_delete=models.CASCADE, related_name="profile")
    description_zh = models.TextField(_("中文简介"), blank=True)
    description_en = models.TextField(_("英文简介"), blank=True)
    region = models.CharField(_("所在地区"), max_length=60, blank=True, db_index=True)
    contact_person = models.CharField(_("联系人"), max_length=60, blank=True)
    phone = models.CharField(_("电话"), max_length=40, blank=True)
    email = models.EmailField(_("电子邮箱"), blank=True)
    website = models.URLField(_("网站"), blank=True)
    contact_public = models.BooleanField(_("公开联系方式"), default=True)
    prices_public = models.BooleanField(_("公开参考价格"), default=False)

    def __str__(self) -> str:
        return f"profile of {self.organisation_id}"


class TestSite(TenantModel):
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="test_sites")
    name_zh = models.CharField(_("场所名称"), max_length=200)
    name_en = models.CharField(_("英文名称"), max_length=200, blank=True)
    address_zh = models.CharField(_("地址"), max_length=300, blank=True)
    region = models.CharField(_("地区"), max_length=60, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation", "name_zh"], name="test_site_unique")]

    def __str__(self) -> str:
        return self.name_zh


class Accreditation(TenantModel):
    """A CNAS accreditation, a CMA licence or another body's recognition, with its validity and scope document."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="accreditations")
    body = models.CharField(_("认可/资质机构"), max_length=10, choices=AccreditationBody.choices)
    body_name = models.CharField(_("机构名称"), max_length=120, blank=True)
    number = models.CharField(_("证书编号"), max_length=60)
    mra_signatory = models.BooleanField(_("ILAC/IAF/APAC 互认签约方"), default=False)
    valid_from = models.DateField(_("生效日期"))
    valid_until = models.DateField(_("有效期至"))
    scope_document = models.FileField(_("范围文件"), upload_to="accreditations/", blank=True)
    sites = models.ManyToManyField(TestSite, blank=True, related_name="accreditations")

    class Meta:
        ordering = ["body", "number"]
        constraints = [
            models.UniqueConstraint(fields=["body", "number"], name="accreditation_number_unique"),
            models.CheckConstraint(condition=Q(valid_until__gte=F("valid_from")), name="accreditation_dates_ordered"),
            models.CheckConstraint(condition=Q(body__in=AccreditationBody.values), name="accreditation_body_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.body} {self.number}"


class Term(models.Model):
    """A distinct object or parameter name as scopes write it. Free-text search scans these few thousand names,
    then follows indexed keys to the million scope rows."""

    kind = models.CharField(max_length=10, choices=TermKind.choices)
    key = models.CharField(max_length=200)
    name_zh = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200, blank=True)
    search = models.CharField(max_length=420, help_text="normalised 'name_zh name_en' for substring scans")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "key"], name="term_unique")]

    def __str__(self) -> str:
        return self.name_zh


class ParameterAlias(models.Model):
    """铅 / Pb / lead: the operator's table of names that mean the same parameter."""

    alias = models.CharField(_("别名"), max_length=200, unique=True)
    canonical = models.CharField(_("规范名"), max_length=200, db_index=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=~Q(alias=F("canonical")), name="alias_differs")]

    def __str__(self) -> str:
        return f"{self.alias} → {self.canonical}"


class ScopeRow(TenantModel):
    """One line of an accredited scope: object × parameter × method standard edition (clause), at a site."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="scope_rows")
    object_term = models.ForeignKey(Term, on_delete=models.PROTECT, related_name="+")
    parameter_term = models.ForeignKey(Term, on_delete=models.PROTECT, related_name="+")
    parameter_key = models.CharField(max_length=200, help_text="canonical parameter key after aliases")
    standard = models.ForeignKey("standards.StandardEdition", on_delete=models.PROTECT, related_name="scope_rows")
    standard_base_key = models.CharField(max_length=80)
    clause = models.CharField(_("条款"), max_length=60, blank=True)
    limitation = models.CharField(_("限制范围"), max_length=300, blank=True)
    site = models.ForeignKey(TestSite, on_delete=models.PROTECT, related_name="scope_rows")
    accreditations = models.ManyToManyField(Accreditation, blank=True, related_name="scope_rows")
    status = models.CharField(_("状态"), max_length=10, choices=ScopeStatus.choices, default=ScopeStatus.ACTIVE)
    turnaround_days = models.PositiveSmallIntegerField(_("典型周期（工作日）"), null=True, blank=True)
    list_price = models.DecimalField(_("参考价格（元）"), max_digits=12, decimal_places=2, null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "object_term", "parameter_term", "standard", "clause", "site"],
                name="scope_row_unique",
            ),
            models.CheckConstraint(condition=Q(status__in=ScopeStatus.values), name="scope_status_valid"),
            models.CheckConstraint(condition=Q(list_price__gte=0) | Q(list_price__isnull=True), name="scope_price_ok"),
        ]
        indexes = [
            models.Index(fields=["parameter_key", "standard_base_key", "status"], name="scope_search_idx"),
            models.Index(fields=["object_term", "status"], name="scope_object_idx"),
            models.Index(fields=["organisation", "status"], name="scope_org_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id}: {self.parameter_key} / {self.standard_id}"


class ScopeImport(TenantModel):
    """An uploaded scope table between preview and commit: validated rows and the diff, kept as a record."""

    class Status(models.TextChoices):
        PREVIEW = "preview", _("待确认")
        COMMITTED = "committed", _("已导入")
        DISCARDED = "discarded", _("已放弃")

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="scope_imports")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    filename = models.CharField(max_length=200)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PREVIEW)
    rows = models.JSONField(default=list)
    diff = models.JSONField(default=dict)
    committed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.filename} ({self.status})"


class DemandRecord(models.Model):
    """A search that found no or only partial coverage, kept without who asked: what the cluster lacks."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    object_text = models.CharField(max_length=200, blank=True)
    parameters = models.JSONField(default=list)
    standard_code = models.CharField(max_length=80, blank=True)
    coverage = models.CharField(max_length=10, choices=Coverage.choices)
    missing = models.JSONField(default=list, help_text="parameters no institution covers")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d} {self.coverage} {self.parameters}"
