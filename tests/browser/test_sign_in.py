"""Signing in through the browser: the dashboard, the language switch, the second factor, and no JavaScript."""

import re
from typing import Any

import pyotp
import pytest
from playwright.sync_api import expect

from tichub.accounts import demo
from tichub.accounts.choices import Role
from tichub.core.testing.factories import PASSWORD, InstitutionFactory, member

from .steps import DASHBOARD, TWO_FACTOR, demo_email, demo_organisation, fill_code, fill_login_form, wrong_code

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

SUGAR_CENTRE = demo_organisation("nqi-sugar")


@pytest.mark.usefixtures("demo_cluster")
def test_analyst_signs_in_sees_own_organisation_and_switches_to_english(page: Any, results_dir: Any) -> None:
    page.goto("/")
    page.get_by_role("banner").get_by_role("link", name="登录", exact=True).click()
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    fill_login_form(page, demo_email("lab.analyst"), demo.DEMO_PASSWORD)

    expect(page).to_have_url(DASHBOARD)
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.get_by_role("heading", level=1)).to_have_text("工作台")
    expect(page.locator("header .org")).to_have_text(SUGAR_CENTRE.name_zh)
    expect(page.get_by_role("heading", level=2).first).to_contain_text(SUGAR_CENTRE.name_zh)
    nav = page.get_by_role("navigation", name="主导航")
    expect(nav.get_by_role("link", name="成员", exact=True)).to_be_visible()
    expect(nav.get_by_role("link", name="审计记录")).to_have_count(0)  # analysts have no audit.view

    page.get_by_role("button", name="English", exact=True).click()

    expect(page).to_have_url(DASHBOARD)  # the switch returns to the page it was pressed on
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
    nav = page.get_by_role("navigation", name="Main navigation")
    expect(nav.get_by_role("link", name="Members", exact=True)).to_be_visible()
    expect(nav.get_by_role("link", name="Audit log")).to_have_count(0)
    expect(page.get_by_role("button", name="English", exact=True)).to_have_attribute("aria-pressed", "true")
    expect(page.locator("header .org")).to_have_text(SUGAR_CENTRE.name_zh)
    page.screenshot(path=results_dir / "analyst-dashboard-en.png", full_page=True)

    page.goto("/accounts/members/")  # the choice sticks for the following pages
    expect(page.get_by_role("heading", level=1)).to_have_text("Members")


@pytest.mark.usefixtures("demo_cluster")
def test_signatory_must_give_the_second_factor_and_a_wrong_code_is_refused(page: Any) -> None:
    page.goto("/accounts/login/")
    fill_login_form(page, demo_email("lab.signatory"), demo.DEMO_PASSWORD)

    expect(page).to_have_url(TWO_FACTOR)
    expect(page.get_by_role("heading", level=1)).to_have_text("双因素认证")

    fill_code(page, wrong_code(demo.DEMO_TOTP_SECRET))

    expect(page).to_have_url(TWO_FACTOR)
    field = page.locator(".field", has=page.get_by_label("6 位验证码"))
    expect(field).to_have_class(re.compile(r"\binvalid\b"))
    expect(field.locator(".error")).to_have_text("验证码不正确或已使用。")
    page.goto("/dashboard/")  # still held back
    expect(page).to_have_url(TWO_FACTOR)

    fill_code(page, pyotp.TOTP(demo.DEMO_TOTP_SECRET).now())

    expect(page).to_have_url(DASHBOARD)
    expect(page.locator("header .org")).to_have_text(SUGAR_CENTRE.name_zh)
    expect(page.get_by_text("双因素认证：已启用")).to_be_visible()
    page.goto("/accounts/members/")  # and the rest of the site is open now
    expect(page.get_by_role("heading", level=1)).to_have_text("成员")


def test_sign_in_works_without_javascript(new_context: Any) -> None:
    lab = InstitutionFactory(name_zh="无脚本检测中心")
    other = InstitutionFactory(name_zh="另一检测中心")
    user = member(lab, Role.ANALYST)
    member(other, Role.REVIEWER, user=user)
    page = new_context(java_script_enabled=False).new_page()

    page.goto("/accounts/login/")
    fill_login_form(page, user.email, PASSWORD)

    expect(page).to_have_url(DASHBOARD)
    expect(page.get_by_role("heading", level=1)).to_have_text("工作台")
    assert page.evaluate("typeof window.htmx") == "undefined"  # scripts really are off

    # Members of two organisations switch with the <noscript> button (the select submits itself only with JS).
    switch = page.get_by_label("当前组织")
    expect(switch).to_have_value(str(other.pk))  # the first by Chinese name is active
    switch.select_option(str(lab.pk))
    page.get_by_role("button", name="切换", exact=True).click()
    expect(page).to_have_url(DASHBOARD)
    expect(page.get_by_role("heading", level=2).first).to_contain_text("无脚本检测中心")
