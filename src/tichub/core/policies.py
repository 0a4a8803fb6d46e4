"""The policy table: which roles may perform which action. Deny by default.

Rendered into docs/permissions.md by `tichub permissions_doc`; every URL and API route declares one of these
actions (or PUBLIC / SIGNED_IN) and the generic permission suite walks them all.
"""

from dataclasses import dataclass

from tichub.accounts.choices import Role

PUBLIC = "public"  # anyone, signed in or not; rate-limited where it serves data
SIGNED_IN = "signed_in"  # any signed-in user, whatever organisation (own profile, own security settings)

ENTERPRISE_ROLES = frozenset(Role.for_kind("enterprise"))
INSTITUTION_ROLES = frozenset(Role.for_kind("institution"))
OPERATOR_ROLES = frozenset(Role.for_kind("operator"))
EVERY_ROLE = ENTERPRISE_ROLES | INSTITUTION_ROLES | OPERATOR_ROLES
ADMINS = frozenset({Role.ENTERPRISE_OWNER, Role.INSTITUTION_ADMIN, Role.OPERATOR_ADMIN})
CURATORS = frozenset({Role.OPERATOR_ADMIN, Role.OPERATOR_CURATOR})
SCOPE_MANAGERS = frozenset({Role.INSTITUTION_ADMIN, Role.QUALITY_MANAGER})
QUOTERS = frozenset({Role.INSTITUTION_ADMIN, Role.RECEPTION})
REVIEWERS = frozenset({Role.INSTITUTION_ADMIN, Role.RECEPTION, Role.QUALITY_MANAGER})
LAB_MANAGERS = frozenset({Role.INSTITUTION_ADMIN, Role.QUALITY_MANAGER})
SAMPLE_HANDLERS = LAB_MANAGERS | {Role.RECEPTION}
CUSTODIANS = SAMPLE_HANDLERS | {Role.ANALYST}
RESULT_CHECKERS = frozenset({Role.REVIEWER, Role.QUALITY_MANAGER})
INSTRUMENT_KEEPERS = LAB_MANAGERS | {Role.METROLOGIST}


@dataclass(frozen=True)
class Policy:
    action: str
    roles: frozenset[str]
    writes: bool
    en: str
    zh: str


def _table(*policies: Policy) -> dict[str, Policy]:
    return {policy.action: policy for policy in policies}


POLICIES: dict[str, Policy] = _table(
    Policy("organisation.view", EVERY_ROLE, False, "See the active organisation's profile", "查看本组织信息"),
    Policy(
        "organisation.update", ADMINS, True, "Edit the organisation's profile and security", "修改本组织信息与安全设置"
    ),
    Policy("membership.view", EVERY_ROLE, False, "See the organisation's members and roles", "查看成员与角色"),
    Policy(
        "membership.manage", ADMINS, True, "Invite people, change roles, remove members", "邀请成员、调整角色、移除成员"
    ),
    Policy(
        "audit.view", ADMINS | {Role.QUALITY_MANAGER}, False, "Read and export the audit trail", "查看并导出审计记录"
    ),
    Policy("numbering.manage", frozenset({Role.INSTITUTION_ADMIN}), True, "Set numbering rules", "设置编号规则"),
    Policy("token.use", EVERY_ROLE, True, "Create and revoke own API tokens", "创建和撤销个人 API 令牌"),
    Policy(
        "operator.organisations", OPERATOR_ROLES, False, "List every organisation of the cluster", "查看集聚区所有组织"
    ),
    Policy(
        "operator.organisations.manage",
        frozenset({Role.OPERATOR_ADMIN}),
        True,
        "Suspend or restore an organisation",
        "停用或恢复组织",
    ),
    Policy("standards.curate", CURATORS, True, "Import and edit the standards catalogue", "维护标准目录"),
    Policy("registry.aliases.curate", CURATORS, True, "Curate parameter aliases used by search", "维护参数别名"),
    Policy("registry.demand.view", OPERATOR_ROLES, False, "See unmet demand across the cluster", "查看未满足的需求"),
    Policy("registry.scope.view", INSTITUTION_ROLES, False, "See the institution's own scope", "查看本机构能力范围"),
    Policy(
        "registry.scope.manage",
        SCOPE_MANAGERS,
        True,
        "Edit scope, sites, accreditations and the public profile; import scope tables",
        "维护能力范围、场所、资质与公开信息，导入范围表",
    ),
    Policy(
        "market.need.manage",
        ENTERPRISE_ROLES,
        True,
        "Write needs, accept quotes, send samples",
        "提交需求、接受报价、寄送样品",
    ),
    Policy("market.order.view", ENTERPRISE_ROLES | INSTITUTION_ROLES, False, "Follow own orders", "查看本组织的委托"),
    Policy(
        "market.message.send", ENTERPRISE_ROLES | INSTITUTION_ROLES, True, "Write in an order's thread", "在委托中留言"
    ),
    Policy("market.quote.manage", QUOTERS, True, "Answer needs with quotes or decline", "报价或谢绝"),
    Policy("market.review.manage", REVIEWERS, True, "Carry out contract review", "进行合同评审"),
    Policy("market.invoice.manage", QUOTERS, True, "Draft, issue and settle invoices", "开具与管理发票"),
    Policy(
        "lims.sample.view",
        INSTITUTION_ROLES,
        False,
        "See the laboratory's samples, tests and queues",
        "查看实验室样品、检测项目与工作队列",
    ),
    Policy(
        "lims.sample.receive",
        SAMPLE_HANDLERS,
        True,
        "Receive samples, record deviations, split and dispose of samples",
        "接收样品、记录偏离、分样与处置",
    ),
    Policy("lims.custody.record", CUSTODIANS, True, "Record hand-overs and moves of samples", "记录样品交接与移库"),
    Policy(
        "lims.test.assign",
        SAMPLE_HANDLERS,
        True,
        "Assign tests to analysts, instruments and due dates",
        "分配检测任务、仪器与期限",
    ),
    Policy(
        "lims.result.enter",
        frozenset({Role.ANALYST}),
        True,
        "Enter, import, correct and submit results; run worksheets",
        "录入、导入、更正与提交结果；使用工作单",
    ),
    Policy(
        "lims.result.check",
        RESULT_CHECKERS,
        True,
        "Check submitted results, reject or ask for a retest",
        "审核结果、退回或要求重测",
    ),
    Policy(
        "lims.result.approve",
        frozenset({Role.AUTHORIZED_SIGNATORY}),
        True,
        "Approve results within one's authorisation",
        "在授权范围内批准结果",
    ),
    Policy(
        "lims.result.retract",
        frozenset({Role.QUALITY_MANAGER, Role.AUTHORIZED_SIGNATORY}),
        True,
        "Retract approved results with a reason",
        "撤销已批准的结果（须说明理由）",
    ),
    Policy(
        "lims.method.manage",
        LAB_MANAGERS,
        True,
        "Set methods, LOD/LOQ, uncertainty, signatory authorisations, review levels, import mappings",
        "维护方法设置、检出限、不确定度、签字人授权、审核级数与导入映射",
    ),
    Policy(
        "metrology.instrument.view", INSTITUTION_ROLES, False, "See the institution's instruments", "查看本机构仪器设备"
    ),
    Policy(
        "metrology.instrument.manage",
        INSTRUMENT_KEEPERS,
        True,
        "Register instruments and record their status and calibration",
        "登记仪器设备，维护状态与校准信息",
    ),
    Policy("market.stats.view", OPERATOR_ROLES, False, "See order counts and amounts in aggregate", "查看委托汇总统计"),
    Policy(
        "reports.view",
        ENTERPRISE_ROLES | INSTITUTION_ROLES,
        False,
        "See reports: those the institution issued, those the enterprise received",
        "查看报告：本机构签发的或本企业收到的",
    ),
    Policy(
        "reports.issue",
        frozenset({Role.AUTHORIZED_SIGNATORY}),
        True,
        "Issue and amend reports within one's authorisation",
        "在授权范围内签发与更正报告",
    ),
    Policy(
        "reports.withdraw",
        frozenset({Role.QUALITY_MANAGER, Role.AUTHORIZED_SIGNATORY}),
        True,
        "Withdraw an issued report with a reason",
        "撤回已签发的报告（须说明理由）",
    ),
    Policy(
        "reports.share",
        ENTERPRISE_ROLES,
        True,
        "Share received reports through expiring links; choose what the verification page shows",
        "通过限时链接分享收到的报告；设置核验页公开内容",
    ),
    Policy(
        "trust.keys.view",
        LAB_MANAGERS,
        False,
        "See the institution's signing keys and certificates",
        "查看本机构签名密钥与证书",
    ),
    Policy(
        "trust.keys.manage",
        frozenset({Role.INSTITUTION_ADMIN}),
        True,
        "Issue, import (PKCS#12) and revoke the institution's signing keys",
        "签发、导入（PKCS#12）与吊销本机构签名密钥",
    ),
)
