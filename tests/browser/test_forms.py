"""A refused form: the error sits next to its field and nothing is created."""

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tichub.accounts.models import Organisation, User

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

BAD_USCC = "91450100MA5KXXXXX1"  # well-formed, but the check character should be R


def test_signup_with_an_invalid_credit_code_shows_the_error_at_the_field_and_creates_nothing(
    page: Any, live_server: Any
) -> None:
    organisations, users = Organisation.objects.count(), User.objects.count()
    page.goto("/accounts/signup/")
    page.get_by_label("企业名称").fill("南宁示例食品有限公司")
    page.get_by_label("统一社会信用代码").fill(BAD_USCC)
    page.get_by_label("您的姓名").fill("张三")
    page.get_by_label("电子邮箱").fill("zhang.san@example.test")
    page.get_by_label("密码").fill("Nanning-Food-2026")
    page.get_by_role("button", name="注册", exact=True).click()

    expect(page).to_have_url(re.compile(r"/accounts/signup/$"))
    uscc = page.get_by_label("统一社会信用代码")
    field = page.locator(".field", has=uscc)
    expect(field).to_have_class(re.compile(r"\binvalid\b"))
    expect(field.locator(".error")).to_contain_text("统一社会信用代码无效")
    expect(uscc).to_have_attribute("aria-invalid", "true")
    expect(page.locator(".field.invalid")).to_have_count(1)  # only the code is at fault
    expect(uscc).to_have_value(BAD_USCC)  # what was typed is kept for correction...
    expect(page.get_by_label("企业名称")).to_have_value("南宁示例食品有限公司")
    expect(page.get_by_label("密码")).to_have_value("")  # ...except the password, which is never sent back

    assert Organisation.objects.count() == organisations
    assert User.objects.count() == users
    assert not User.objects.filter(email="zhang.san@example.test").exists()
