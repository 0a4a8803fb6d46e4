"""`tichub demo`: load the illustrative China–ASEAN cluster (idempotent) and print who can sign in."""

from django.core.management.base import BaseCommand

from tichub.accounts import demo as accounts_demo
from tichub.core.tenancy import Actor
from tichub.lims import demo as lims_demo
from tichub.marketplace import demo as market_demo
from tichub.registry import demo as registry_demo
from tichub.reports import demo as reports_demo
from tichub.standards import demo as standards_demo
from tichub.trust import key_services


class Command(BaseCommand):
    help = "Load demo data (idempotent) and print the demo users with their password."

    def handle(self, *args: object, **options: object) -> None:
        rows = accounts_demo.load()
        # The platform's root CA and trust-list key (idempotent), so that institutions can be issued signing keys.
        key_services.platform_init(actor=Actor(user=None))
        catalogue = standards_demo.load()
        self.stdout.write(f"Standards catalogue / 标准目录: {catalogue['editions']} editions")
        registry = registry_demo.load()
        self.stdout.write(
            f"Registry / 机构能力: {registry['institutions']} institutions, {registry['rows']} scope rows"
            f" (institution admins / 机构管理员: <slug>.admin@{accounts_demo.DEMO_DOMAIN}, same password, [2FA])"
        )
        market = market_demo.load()
        self.stdout.write(
            f"Commissioning / 委托: {market['needs']} needs, {market['orders']} orders, "
            f"{market['invoices_issued']} issued invoices"
        )
        lab = lims_demo.load()
        if "tests" in lab:
            self.stdout.write(
                f"Laboratory / 实验室: {lab['samples']} samples, {lab['tests']} tests ({lab['approved']} approved), "
                f"{lab['methods']} methods, {lab['instruments']} instruments"
            )
        self.stdout.write(reports_demo.summary(reports_demo.load()))
        width = max(len(email) for email, *_ in rows)
        self.stdout.write(self.style.SUCCESS(f"Demo users / 演示用户 (password / 密码: {accounts_demo.DEMO_PASSWORD})"))
        for email, role, organisation, has_totp in rows:
            mark = "  [2FA]" if has_totp else ""
            self.stdout.write(f"  {email:<{width}}  {role:<42} {organisation}{mark}")
        self.stdout.write(
            "[2FA] users enter a code from an authenticator app with secret / 双因素认证密钥 "
            f"{accounts_demo.DEMO_TOTP_SECRET}, or from `tichub demo_code`."
        )
