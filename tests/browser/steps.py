"""What people do in the browser, shared by the browser tests."""

import re
import time
from typing import Any

import pyotp
from playwright.sync_api import expect

from tichub.accounts import demo

DASHBOARD = re.compile(r"/dashboard/$")
TWO_FACTOR = re.compile(r"/accounts/2fa/verify/$")


def demo_email(local: str) -> str:
    return f"{local}@{demo.DEMO_DOMAIN}"


def demo_organisation(slug: str) -> demo.Org:
    return next(spec for spec in demo.ORGANISATIONS if spec.slug == slug)


def fill_login_form(page: Any, email: str, password: str) -> None:
    """On the sign-in page: fill the form and send it, with the keyboard like a person would."""
    page.get_by_label("电子邮箱").fill(email)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录", exact=True).click()


def fill_code(page: Any, code: str) -> None:
    page.get_by_label("6 位验证码").fill(code)
    page.get_by_role("button", name="验证", exact=True).click()


def sign_in(page: Any, email: str, password: str, totp_secret: str | None = None) -> None:
    """Open the sign-in page, sign in, and give the second factor if asked; end on the dashboard."""
    page.goto("/accounts/login/")
    fill_login_form(page, email, password)
    if totp_secret is not None:
        expect(page).to_have_url(TWO_FACTOR)
        fill_code(page, pyotp.TOTP(totp_secret).now())
    expect(page).to_have_url(DASHBOARD)


def wrong_code(secret: str) -> str:
    """A well-formed six-digit code that the server will refuse (it accepts ±1 step of clock drift)."""
    totp = pyotp.TOTP(secret)
    now = time.time()
    valid = {totp.at(now + 30 * drift) for drift in range(-2, 3)}
    return next(code for code in ("000000", "111111", "222222", "333333", "444444", "555555") if code not in valid)


def open_nav(page: Any, name: str) -> None:
    """Follow a link of the main navigation (only the entries the person's roles allow are there)."""
    page.get_by_role("navigation", name="主导航").get_by_role("link", name=name, exact=True).click()


def expect_not_found(page: Any, path: str) -> None:
    """Open `path` and expect the site's 404 page (what a person sees of things that are not theirs)."""
    response = page.goto(path)
    assert response is not None and response.status == 404, (path, response and response.status)
    expect(page.get_by_role("heading", level=1)).to_contain_text("404")
