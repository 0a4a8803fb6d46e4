from django.db import models
from django.utils.translation import gettext_lazy as _


class OrganisationKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("企业")
    INSTITUTION = "institution", _("检验检测认证机构")
    OPERATOR = "operator", _("集聚区运营方")


class Ownership(models.TextChoices):
    STATE = "state", _("国有")
    PRIVATE = "private", _("民营")
    FOREIGN = "foreign", _("外资")
    JOINT_VENTURE = "joint_venture", _("合资")


class InstitutionLevel(models.TextChoices):
    NATIONAL = "national", _("国家级中心")
    PROVINCIAL = "provincial", _("省级/区域中心")
    CHINA_ASEAN = "china_asean", _("中国—东盟中心")
    OTHER = "other", _("其他")


class InstitutionKind(models.TextChoices):
    TESTING_LABORATORY = "testing_laboratory", _("检测实验室")
    INSPECTION_BODY = "inspection_body", _("检验机构")
    CERTIFICATION_BODY = "certification_body", _("认证机构")
    METROLOGY_CENTRE = "metrology_centre", _("计量中心")


class Role(models.TextChoices):
    """Roles are namespaced by the kind of organisation they exist in."""

    ENTERPRISE_OWNER = "enterprise.owner", _("企业负责人")
    ENTERPRISE_MEMBER = "enterprise.member", _("企业成员")
    INSTITUTION_ADMIN = "institution.admin", _("机构管理员")
    RECEPTION = "institution.reception", _("业务受理")
    ANALYST = "institution.analyst", _("检测人员")
    REVIEWER = "institution.reviewer", _("审核人")
    AUTHORIZED_SIGNATORY = "institution.authorized_signatory", _("授权签字人")
    QUALITY_MANAGER = "institution.quality_manager", _("质量负责人")
    METROLOGIST = "institution.metrologist", _("计量人员")
    AUDITOR = "institution.auditor", _("认证审核员")
    CERTIFICATION_DECISION_MAKER = "institution.certification_decision_maker", _("认证决定人员")
    OPERATOR_ADMIN = "operator.admin", _("运营管理员")
    OPERATOR_CURATOR = "operator.curator", _("目录维护员")
    OPERATOR_ANALYST = "operator.analyst", _("运营分析员")

    @classmethod
    def for_kind(cls, kind: str) -> list["Role"]:
        return [role for role in cls if role.value.startswith(f"{kind}.")]


# Roles whose holders must use two-factor authentication whatever their organisation requires.
ROLES_REQUIRING_2FA = frozenset(
    {Role.INSTITUTION_ADMIN, Role.AUTHORIZED_SIGNATORY, Role.OPERATOR_ADMIN, Role.ENTERPRISE_OWNER}
)


class TokenScope(models.TextChoices):
    READ = "read", _("只读")
    WRITE = "write", _("读写")
