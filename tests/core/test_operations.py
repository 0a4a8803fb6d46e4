import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

from tichub.accounts.choices import Role
from tichub.core.models import AuditEvent
from tichub.core.testing.factories import InstitutionFactory, member
from tichub.core.testing.permissions import signed_in

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_health_probes():
    assert Client().get("/healthz").json() == {"status": "ok"}
    assert Client().get("/readyz").json() == {"status": "ok", "database": "up"}


@pytest.mark.django_db
def test_request_id_is_echoed_and_stored_on_audit_events():
    lab = InstitutionFactory()
    client = signed_in(member(lab, Role.INSTITUTION_ADMIN), lab)
    response = client.post(
        "/accounts/organisation/",
        {"name_zh": "新名称", "ownership": "state", "level": "other"},
        HTTP_X_REQUEST_ID="req-abcdef123456",
    )
    assert response["X-Request-ID"] == "req-abcdef123456"
    assert AuditEvent.objects.get(action="organisation.update").request_id == "req-abcdef123456"


def test_check_deploy_is_clean_with_production_settings():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tichub.config.settings.prod",
        "SECRET_KEY": "k" * 30 + "x9Q!" * 8,
        "TICHUB_SIGNING_SECRET": "s" * 20 + "y7W?" * 8,
        "ALLOWED_HOSTS": "tichub.example.org",
    }
    result = subprocess.run(
        [sys.executable, "-m", "tichub.cli", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_tenancy_lint_passes_and_catches_a_violation(tmp_path):
    sys.path.insert(0, str(ROOT / "tools"))
    import lint_tenancy

    assert lint_tenancy.violations(lint_tenancy.tenant_models()) == []
    assert {"Membership", "AuditEvent", "ApiToken"} <= lint_tenancy.tenant_models()


@pytest.mark.django_db
def test_demo_is_idempotent(capsys):
    call_command("demo")
    first = AuditEvent.objects.count()
    call_command("demo")
    assert AuditEvent.objects.count() == first
    out = capsys.readouterr().out
    assert "lab.signatory@demo.tichub.local" in out and "tichub-demo-2026" in out


@pytest.mark.django_db
def test_permissions_doc_is_up_to_date():
    expected = (ROOT / "docs" / "permissions.md").read_text()
    from io import StringIO

    out = StringIO()
    call_command("permissions_doc", stdout=out)
    assert out.getvalue() == expected, "run `tichub permissions_doc > docs/permissions.md`"


def test_layer_contract_lists_every_domain_module():
    """import-linter has no suffix wildcards: the contract names each module, and this keeps the list whole."""
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    contract = next(
        c for c in config["tool"]["importlinter"]["contracts"] if c["name"].startswith("Domain code never imports")
    )
    domain = set()
    for path in (ROOT / "src" / "tichub").glob("*/*.py"):
        name = path.stem
        if name in {"services", "selectors", "models"} or name.endswith(("_services", "_selectors")):
            domain.add(f"tichub.{path.parent.name}.{name}")
    assert set(contract["source_modules"]) == domain


@pytest.mark.django_db
def test_notifications_page_lists_only_mine_and_marks_read():
    from tichub.core.models import Notification
    from tichub.core.notifications import notify

    lab = InstitutionFactory()
    me, other = member(lab, Role.QUALITY_MANAGER), member(lab, Role.ANALYST)
    notify(users=[me], organisation_id=lab.pk, title="GB 5009.12-2017 已废止", body="3 条能力受影响")
    notify(users=[other], organisation_id=lab.pk, title="别人的通知", body="")
    client = signed_in(me, lab)
    page = client.get("/notifications/").content.decode()
    assert "GB 5009.12-2017 已废止" in page and "别人的通知" not in page
    assert '<span class="count">1</span>' in page
    client.post("/notifications/")
    assert Notification.objects.get(user=me).read_at is not None
    assert Notification.objects.get(user=other).read_at is None
