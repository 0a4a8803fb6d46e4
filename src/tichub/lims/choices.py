from django.db import models
from django.utils.translation import gettext_lazy as _


class SampleStatus(models.TextChoices):
    RECEIVED = "received", _("已接收")
    TESTING = "testing", _("检测中")
    READY = "ready", _("待出报告")
    REPORTED = "reported", _("已出报告")


class SampleCondition(models.TextChoices):
    INTACT = "intact", _("完好")
    DAMAGED = "damaged", _("包装破损")
    LEAKING = "leaking", _("泄漏")
    INSUFFICIENT = "insufficient", _("数量不足")
    TEMPERATURE = "temperature", _("温度不符合要求")
    OTHER = "other", _("其他异常")


class CustodyKind(models.TextChoices):
    RECEIVE = "receive", _("接收")
    HANDOVER = "handover", _("交接")
    MOVE = "move", _("移库")
    SUBSAMPLE = "subsample", _("分样")
    DISPOSE = "dispose", _("处置")
    RETURN = "return", _("退还客户")


class TestStatus(models.TextChoices):
    PENDING = "pending", _("待检")
    ENTERED = "entered", _("已录入")
    SUBMITTED = "submitted", _("待审核")
    CHECKED = "checked", _("审核中")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("已退回")
    RETESTED = "retested", _("已重测")
    RETRACTED = "retracted", _("已撤销")


#: States in which the result counts (a retested or retracted test is kept as a record only).
LIVE_TEST_STATES = frozenset(
    {
        TestStatus.PENDING,
        TestStatus.ENTERED,
        TestStatus.SUBMITTED,
        TestStatus.CHECKED,
        TestStatus.APPROVED,
        TestStatus.REJECTED,
    }
)
#: States in which the analyst may still write the result (after submission only with a reason).
EDITABLE_TEST_STATES = frozenset({TestStatus.PENDING, TestStatus.ENTERED, TestStatus.REJECTED})


class UncertaintyKind(models.TextChoices):
    NONE = "none", _("不报告")
    ABSOLUTE = "absolute", _("绝对值")
    RELATIVE = "relative", _("相对值（%）")
    RANGES = "ranges", _("按浓度范围")


class ResultDecision(models.TextChoices):
    """ILAC-G8 statements, plus "no statement" when no limit applies or the customer asked for none."""

    PASS = "pass", _("合格")
    CONDITIONAL_PASS = "conditional_pass", _("有条件合格")
    CONDITIONAL_FAIL = "conditional_fail", _("有条件不合格")
    FAIL = "fail", _("不合格")
    NO_STATEMENT = "none", _("不判定")


class ReviewAction(models.TextChoices):
    SUBMIT = "submit", _("提交")
    CHECK = "check", _("审核通过")
    APPROVE = "approve", _("批准")
    REJECT = "reject", _("退回")
    RETEST = "retest", _("重测")
    RETRACT = "retract", _("撤销")


class QcKind(models.TextChoices):
    SAMPLE = "sample", _("样品")
    BLANK = "blank", _("空白")
    DUPLICATE = "duplicate", _("平行样")
    REFERENCE = "reference", _("标准物质")


class WorksheetStatus(models.TextChoices):
    OPEN = "open", _("进行中")
    SUBMITTED = "submitted", _("已提交")


class ImportStatus(models.TextChoices):
    PREVIEWED = "previewed", _("待确认")
    APPLIED = "applied", _("已导入")
    REFUSED = "refused", _("有错误")
