"""The laboratory's records: received samples and their custody, tests with results, review steps, worksheets.

Every tenant row carries its institution (keyed for distribution, read through selectors). Numbers are decimal
text, written as entered or as computed, never binary floats. A submitted result is never overwritten without a
trace: every version is kept in ResultRevision with who, when and why (ISO/IEC 17025 7.5.2).
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from tichub.core.models import TenantModel
from tichub.marketplace.choices import DecisionRuleChoice

from .choices import (
    CustodyKind,
    ImportStatus,
    QcKind,
    ResultDecision,
    ReviewAction,
    SampleCondition,
    SampleStatus,
    TestStatus,
    UncertaintyKind,
    WorksheetStatus,
)

USER = settings.AUTH_USER_MODEL
ORG = "accounts.Organisation"


class LabSettings(TenantModel):
    """How an institution runs its laboratory: review levels and how long samples are kept."""

    tenant_field = "institution"
    institution = models.OneToOneField(ORG, on_delete=models.CASCADE, related_name="lab_settings")
    review_levels = models.PositiveSmallIntegerField(
        _("审核级数"), default=2, help_text=_("1：仅批准；2：审核 + 批准；3：两级审核 + 批准")
    )
    retention_days = models.PositiveSmallIntegerField(_("样品保存期（天）"), default=90)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(review_levels__gte=1, review_levels__lte=3), name="lab_levels_range"),
            models.CheckConstraint(condition=Q(retention_days__gte=1), name="lab_retention_positive"),
        ]

    def __str__(self) -> str:
        return f"lab settings of {self.institution_id}"


class TestMethod(TenantModel):
    """检测方法设置: how one parameter is measured and reported under one standard edition in this laboratory.

    Tests copy these settings when they are created, so a later change (a new LOD) never rewrites old results.
    """

    tenant_field = "institution"
    institution = models.ForeignKey(ORG, on_delete=models.PROTECT, related_name="test_methods")
    keyword = models.SlugField(_("代码"), max_length=40, help_text=_("公式与仪器数据导入中使用，如 pb、moisture"))
    parameter = models.CharField(_("项目/参数"), max_length=200)
    parameter_en = models.CharField(_("项目/参数（英文）"), max_length=200, blank=True)
    parameter_key = models.CharField(max_length=200, db_index=True, help_text="registry parameter_key")
    standard = models.ForeignKey("standards.StandardEdition", on_delete=models.PROTECT, related_name="+")
    clause = models.CharField(_("条款"), max_length=60, blank=True)
    unit = models.CharField(_("单位"), max_length=40)
    places = models.SmallIntegerField(_("保留小数位数"), null=True, blank=True)
    round_to_uncertainty = models.BooleanField(_("按不确定度修约"), default=False)
    lod = models.CharField(_("检出限"), max_length=40, blank=True)
    loq = models.CharField(_("定量限"), max_length=40, blank=True)
    uncertainty_kind = models.CharField(
        _("不确定度"), max_length=10, choices=UncertaintyKind.choices, default=UncertaintyKind.NONE
    )
    uncertainty_value = models.CharField(_("扩展不确定度"), max_length=40, blank=True)
    uncertainty_ranges = models.JSONField(
        _("不确定度范围表"), default=list, blank=True, help_text='[{"from": "0", "to": "1", "value": "0.05"}]'
    )
    coverage_factor = models.CharField(_("包含因子 k"), max_length=10, default="2")
    formula = models.CharField(_("计算公式"), max_length=300, blank=True)
    non_negative = models.BooleanField(_("结果不得为负"), default=True)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["institution", "keyword"]
        constraints = [
            models.UniqueConstraint(fields=["institution", "keyword"], name="test_method_keyword_unique"),
            models.CheckConstraint(
                condition=Q(uncertainty_kind__in=UncertaintyKind.values), name="test_method_uncertainty_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(places__isnull=True) | Q(places__gte=-6, places__lte=12), name="test_method_places_range"
            ),
        ]
        indexes = [models.Index(fields=["institution", "standard", "parameter_key"], name="test_method_match_idx")]

    def __str__(self) -> str:
        return f"{self.keyword}: {self.parameter}"


class LabSample(TenantModel):
    """样品 (ISO/IEC 17025 7.4): a received sample or sub-sample, numbered by the laboratory."""

    tenant_field = "institution"
    institution = models.ForeignKey(ORG, on_delete=models.PROTECT, related_name="lab_samples")
    enterprise = models.ForeignKey(ORG, on_delete=models.PROTECT, related_name="+")
    order = models.ForeignKey("marketplace.Order", on_delete=models.PROTECT, related_name="lab_samples")
    announcement = models.OneToOneField(
        "marketplace.SampleAnnouncement", null=True, blank=True, on_delete=models.PROTECT, related_name="lab_sample"
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="parts", verbose_name=_("母样")
    )
    number = models.CharField(_("样品编号"), max_length=40)
    description = models.CharField(_("样品描述"), max_length=300)
    quantity = models.CharField(_("数量"), max_length=60)
    condition = models.CharField(
        _("样品状态"), max_length=14, choices=SampleCondition.choices, default=SampleCondition.INTACT
    )
    condition_note = models.CharField(_("状态说明"), max_length=300, blank=True)
    seal_intact = models.BooleanField(_("封识完好"), null=True, blank=True)
    temperature = models.CharField(_("接收温度（°C）"), max_length=12, blank=True)
    received_at = models.DateTimeField(_("接收时间"))
    received_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    storage_location = models.CharField(_("存放位置"), max_length=120, blank=True)
    custodian = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    retention_until = models.DateField(_("保存期至"))
    deviation = models.TextField(_("偏离情况"), blank=True)
    customer_consulted_at = models.DateTimeField(_("已征询客户"), null=True, blank=True)
    disclaimer = models.TextField(_("报告声明"), blank=True, help_text=_("偏离下继续检测时写入报告的声明"))
    disposed_at = models.DateTimeField(_("处置时间"), null=True, blank=True)
    disposal = models.CharField(_("处置方式"), max_length=200, blank=True)
    status = models.CharField(max_length=10, choices=SampleStatus.choices, default=SampleStatus.RECEIVED)
    internal_note = models.TextField(_("内部备注"), blank=True)

    class Meta:
        ordering = ["institution", "-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["institution", "number"], name="lab_sample_number_unique"),
            models.CheckConstraint(condition=Q(status__in=SampleStatus.values), name="lab_sample_status_valid"),
            models.CheckConstraint(
                condition=Q(condition__in=SampleCondition.values), name="lab_sample_condition_valid"
            ),
            models.CheckConstraint(
                condition=Q(parent__isnull=True) | Q(announcement__isnull=True), name="lab_sample_part_not_announced"
            ),
        ]
        indexes = [
            models.Index(fields=["institution", "status", "-received_at"], name="lab_sample_inst_idx"),
            models.Index(fields=["order", "number"], name="lab_sample_order_idx"),
        ]

    def __str__(self) -> str:
        return self.number


class CustodyEvent(models.Model):
    """One link of the chain of custody: receipt, hand-over, move, sub-sampling, disposal. Append-only."""

    sample = models.ForeignKey(LabSample, on_delete=models.CASCADE, related_name="custody")
    kind = models.CharField(max_length=10, choices=CustodyKind.choices)
    at = models.DateTimeField()
    by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    to_person = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    from_location = models.CharField(max_length=120, blank=True)
    to_location = models.CharField(max_length=120, blank=True)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["sample", "at", "id"]
        indexes = [models.Index(fields=["sample", "at"], name="custody_sample_idx")]

    def __str__(self) -> str:
        return f"{self.sample_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"


class Test(TenantModel):
    """检测项目: one parameter measured on one sample by one method edition, with its result and its decision.

    The method's settings (unit, places, LOD/LOQ, uncertainty, formula) and the specification are copied in at
    creation, in the reporting unit (the specification's when it has one): results are always stored in `unit`.
    """

    __test__ = False  # a laboratory test, not a pytest class

    tenant_field = "institution"
    # Indexes are few on purpose: every result write updates this row, and each index costs on every import.
    # institution, order and analyst are led by the composite indexes below; the other keys are never searched.
    institution = models.ForeignKey(ORG, on_delete=models.PROTECT, related_name="+", db_index=False)
    sample = models.ForeignKey(LabSample, on_delete=models.PROTECT, related_name="tests")
    order = models.ForeignKey("marketplace.Order", on_delete=models.PROTECT, related_name="lab_tests", db_index=False)
    need_item = models.ForeignKey(
        "marketplace.NeedItem", null=True, blank=True, on_delete=models.PROTECT, db_index=False
    )
    method = models.ForeignKey(
        TestMethod, null=True, blank=True, on_delete=models.PROTECT, related_name="tests", db_index=False
    )
    retest_of = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="retest", verbose_name=_("原检测")
    )
    # What is measured, and against what.
    keyword = models.SlugField(max_length=40, db_index=False)
    parameter = models.CharField(_("项目/参数"), max_length=200)
    parameter_en = models.CharField(max_length=200, blank=True)
    standard = models.ForeignKey(
        "standards.StandardEdition", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    clause = models.CharField(max_length=60, blank=True)
    accredited = models.BooleanField(default=False)
    subcontractor = models.ForeignKey(
        ORG, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    specification = models.CharField(_("限量/技术要求"), max_length=200, blank=True)
    lower_limit = models.CharField(max_length=40, blank=True)
    upper_limit = models.CharField(max_length=40, blank=True)
    decision_rule = models.CharField(max_length=12, choices=DecisionRuleChoice.choices)
    # Copied from the method, in the reporting unit.
    unit = models.CharField(_("单位"), max_length=40)
    places = models.SmallIntegerField(null=True, blank=True)
    round_to_uncertainty = models.BooleanField(default=False)
    lod = models.CharField(max_length=40, blank=True)
    loq = models.CharField(max_length=40, blank=True)
    uncertainty_kind = models.CharField(max_length=10, choices=UncertaintyKind.choices, default=UncertaintyKind.NONE)
    uncertainty_value = models.CharField(max_length=40, blank=True)
    uncertainty_ranges = models.JSONField(default=list, blank=True)
    coverage_factor = models.CharField(max_length=10, default="2")
    formula = models.CharField(max_length=300, blank=True)
    non_negative = models.BooleanField(default=True)
    # Who, with what, by when.
    analyst = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False)
    instrument = models.ForeignKey(
        "metrology.Instrument", null=True, blank=True, on_delete=models.PROTECT, related_name="tests"
    )
    due_date = models.DateField(_("要求完成日期"), null=True, blank=True)
    # The current result (every version is in ResultRevision).
    raw_value = models.CharField(_("原始结果"), max_length=40, blank=True)
    raw_unit = models.CharField(max_length=40, blank=True)
    value = models.CharField(max_length=60, blank=True, help_text="in `unit`, unrounded")
    reported_value = models.CharField(max_length=60, blank=True, help_text="rounded, in `unit`")
    uncertainty = models.CharField(max_length=40, blank=True, help_text="expanded, in `unit`")
    result_text_zh = models.CharField(max_length=120, blank=True)
    result_text_en = models.CharField(max_length=120, blank=True)
    decision = models.CharField(max_length=16, choices=ResultDecision.choices, blank=True)
    measured_on = models.DateField(null=True, blank=True)
    entered_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    entered_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=0, help_text="bumped by every write: optimistic concurrency")
    status = models.CharField(max_length=10, choices=TestStatus.choices, default=TestStatus.PENDING)
    checks_done = models.PositiveSmallIntegerField(default=0)
    approved_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    internal_note = models.TextField(blank=True)

    class Meta:
        ordering = ["sample", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=TestStatus.values), name="test_status_valid"),
            models.CheckConstraint(
                condition=Q(decision="") | Q(decision__in=ResultDecision.values), name="test_decision_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status__in=[TestStatus.SUBMITTED, TestStatus.CHECKED, TestStatus.APPROVED]) | ~Q(value=""),
                name="test_submitted_has_value",
            ),
            models.CheckConstraint(
                condition=~Q(status=TestStatus.APPROVED) | Q(approved_by__isnull=False),
                name="test_approved_has_signatory",
            ),
            models.CheckConstraint(condition=~Q(approved_by=F("entered_by")), name="test_not_approved_by_analyst"),
        ]
        indexes = [
            models.Index(fields=["institution", "status", "due_date"], name="test_queue_idx"),
            models.Index(fields=["analyst", "status"], name="test_analyst_idx"),
            models.Index(fields=["order", "status"], name="test_order_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.sample_id}/{self.keyword}"


class ResultRevision(models.Model):
    """Every version of a test's result, with who changed it, when and why (ISO/IEC 17025 7.5.2). Append-only."""

    test = models.ForeignKey(Test, on_delete=models.CASCADE, related_name="revisions")
    version = models.PositiveIntegerField()
    raw_value = models.CharField(max_length=40)
    raw_unit = models.CharField(max_length=40)
    value = models.CharField(max_length=60)
    reported_value = models.CharField(max_length=60, blank=True)
    uncertainty = models.CharField(max_length=40, blank=True)
    decision = models.CharField(max_length=16, blank=True)
    measured_on = models.DateField(null=True, blank=True)
    instrument = models.ForeignKey("metrology.Instrument", null=True, blank=True, on_delete=models.PROTECT)
    changed_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField()
    reason = models.TextField(blank=True)
    source = models.CharField(max_length=20, default="entry", help_text="entry, api, import, calculation")

    class Meta:
        ordering = ["test", "version"]
        constraints = [models.UniqueConstraint(fields=["test", "version"], name="result_revision_unique")]

    def __str__(self) -> str:
        return f"{self.test_id} v{self.version}: {self.value}"


class ReviewStep(models.Model):
    """One step of a test's review: submitted, checked, approved, rejected, retested, retracted. Append-only."""

    test = models.ForeignKey(Test, on_delete=models.CASCADE, related_name="review_steps")
    action = models.CharField(max_length=10, choices=ReviewAction.choices)
    level = models.PositiveSmallIntegerField(default=0)
    by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["test", "at", "id"]

    def __str__(self) -> str:
        return f"{self.test_id} {self.action} by {self.by_id}"


class SignatoryAuthorisation(TenantModel):
    """授权签字人授权范围: which method editions a signatory may approve (a whole edition, or one method)."""

    tenant_field = "institution"
    institution = models.ForeignKey(ORG, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="signatory_authorisations")
    standard = models.ForeignKey("standards.StandardEdition", null=True, blank=True, on_delete=models.PROTECT)
    method = models.ForeignKey(TestMethod, null=True, blank=True, on_delete=models.CASCADE)
    valid_from = models.DateField(_("生效日期"))
    valid_until = models.DateField(_("有效期至"), null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(standard__isnull=False) | Q(method__isnull=False), name="signatory_scope_named"
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=F("valid_from")),
                name="signatory_validity_order",
            ),
        ]
        indexes = [models.Index(fields=["institution", "user"], name="signatory_user_idx")]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.standard_id or ''}{self.method_id or ''}"


class Worksheet(TenantModel):
    """工作单: tests of several samples measured together, with QC slots (blank, duplicate, reference)."""

    tenant_field = "institution"
    institution = models.ForeignKey(ORG, on_delete=models.PROTECT, related_name="+")
    number = models.CharField(_("工作单号"), max_length=40)
    method = models.ForeignKey(TestMethod, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    analyst = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    instrument = models.ForeignKey("metrology.Instrument", null=True, blank=True, on_delete=models.PROTECT)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=WorksheetStatus.choices, default=WorksheetStatus.OPEN)

    class Meta:
        ordering = ["institution", "-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["institution", "number"], name="worksheet_number_unique"),
            models.CheckConstraint(condition=Q(status__in=WorksheetStatus.values), name="worksheet_status_valid"),
        ]

    def __str__(self) -> str:
        return self.number


class WorksheetSlot(models.Model):
    """A position of a worksheet: a sample's test, or a QC measurement with its acceptance check."""

    worksheet = models.ForeignKey(Worksheet, on_delete=models.CASCADE, related_name="slots")
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=10, choices=QcKind.choices, default=QcKind.SAMPLE)
    test = models.ForeignKey(Test, null=True, blank=True, on_delete=models.PROTECT, related_name="slots")
    duplicate_of = models.ForeignKey(Test, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    qc_value = models.CharField(max_length=40, blank=True)
    qc_expected = models.CharField(max_length=40, blank=True, help_text="certified value; blank: the limit")
    qc_tolerance = models.CharField(max_length=40, blank=True, help_text="absolute; with %: relative")
    qc_passed = models.BooleanField(null=True)

    class Meta:
        ordering = ["worksheet", "position"]
        constraints = [
            models.UniqueConstraint(fields=["worksheet", "position"], name="worksheet_slot_position_unique"),
            models.UniqueConstraint(fields=["test"], condition=Q(test__isnull=False), name="worksheet_test_once"),
            models.CheckConstraint(
                condition=Q(kind=QcKind.SAMPLE, test__isnull=False) | ~Q(kind=QcKind.SAMPLE),
                name="worksheet_sample_slot_has_test",
            ),
            models.CheckConstraint(
                condition=~Q(kind=QcKind.DUPLICATE) | Q(duplicate_of__isnull=False),
                name="worksheet_duplicate_names_test",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.worksheet_id}#{self.position} {self.kind}"


class ImportMapping(TenantModel):
    """How an instrument's CSV export maps to results: which column holds the sample number, keyword, value…"""

    tenant_field = "institution"
    institution = models.ForeignKey(ORG, on_delete=models.CASCADE, related_name="+")
    instrument = models.OneToOneField("metrology.Instrument", on_delete=models.CASCADE, related_name="csv_mapping")
    columns = models.JSONField(help_text='{"sample": "Sample ID", "keyword": "Analyte", "value": "Conc", ...}')
    delimiter = models.CharField(max_length=1, default=",")

    def __str__(self) -> str:
        return f"mapping of {self.instrument_id}"


class ResultImport(TenantModel):
    """One CSV file of results: previewed (every row checked), then applied all-or-nothing."""

    tenant_field = "institution"
    institution = models.ForeignKey(ORG, on_delete=models.PROTECT, related_name="+")
    instrument = models.ForeignKey("metrology.Instrument", null=True, blank=True, on_delete=models.PROTECT)
    file = models.FileField(upload_to="lims/imports/%Y/%m/")
    file_name = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64)
    columns = models.JSONField()
    rows = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=10, choices=ImportStatus.choices, default=ImportStatus.PREVIEWED)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["institution", "-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ImportStatus.values), name="result_import_status_valid")
        ]

    def __str__(self) -> str:
        return self.file_name
