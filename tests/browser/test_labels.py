"""Accessibility and labelling checks that the browser tests once found broken (fixed; kept as regressions)."""

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tichub.accounts import demo

from .steps import demo_email, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

QUICK = 1_000  # ms: these pages are already loaded, a failing expectation need not wait long


@pytest.mark.usefixtures("demo_cluster")
def test_dashboard_lists_the_roles_by_name(page: Any) -> None:
    sign_in(page, demo_email("lab.analyst"), demo.DEMO_PASSWORD)
    roles = page.locator("section.card", has_text="您的角色").locator(".tag")
    expect(roles).to_have_text(["检测人员"], timeout=QUICK)


def test_field_error_is_the_inputs_accessible_description(page: Any) -> None:
    page.goto("/accounts/signup/")
    page.get_by_label("企业名称").fill("南宁示例食品有限公司")
    page.get_by_label("统一社会信用代码").fill("91450100MA5KXXXXX1")
    page.get_by_label("您的姓名").fill("张三")
    page.get_by_label("电子邮箱").fill("zhang.san@example.test")
    page.get_by_label("密码").fill("Nanning-Food-2026")
    page.get_by_role("button", name="注册", exact=True).click()
    uscc = page.get_by_label("统一社会信用代码")
    expect(uscc).to_have_attribute("aria-invalid", "true")  # the error is there; only its link is broken
    expect(uscc).to_have_accessible_description(re.compile("统一社会信用代码无效"), timeout=QUICK)


@pytest.mark.usefixtures("demo_cluster")
def test_each_role_checkbox_is_named_by_its_own_role_only(page: Any) -> None:
    sign_in(page, demo_email("lab.admin"), demo.DEMO_PASSWORD, totp_secret=demo.DEMO_TOTP_SECRET)
    page.goto("/accounts/members/")
    invite = page.locator("form", has=page.get_by_role("button", name="发送邀请"))
    expect(invite.get_by_role("checkbox", name="检测人员")).to_have_count(1, timeout=QUICK)
    expect(invite.get_by_role("checkbox", name="机构管理员", exact=True)).to_have_count(1, timeout=QUICK)
