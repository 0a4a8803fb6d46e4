"""Fail when code reads or writes a tenant-owned model outside selectors and services.

Tenant-owned models are the classes that derive (directly or through each other) from core's TenantModel.
`Model.objects` on them is allowed only in selectors.py, services.py (or *_selectors.py, *_services.py),
audit/numbering helpers of core, migrations and tests: everywhere else must go through a selector that takes
the actor (DESIGN.md, rules of the house).
"""

import ast
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "tichub"
ALLOWED_FILES = {"selectors.py", "services.py", "audit.py", "numbering.py"}
ALLOWED_SUFFIXES = ("_selectors.py", "_services.py")
ALLOWED_DIRS = {"migrations", "tests", "testing"}


def tenant_models() -> set[str]:
    bases: dict[str, set[str]] = {}
    for path in SRC.rglob("models.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ClassDef):
                bases[node.name] = {b.id if isinstance(b, ast.Name) else getattr(b, "attr", "") for b in node.bases}
    tenant = {"TenantModel"}
    changed = True
    while changed:
        new = {name for name, parents in bases.items() if parents & tenant} - tenant
        tenant |= new
        changed = bool(new)
    return tenant - {"TenantModel"}


def violations(models: set[str]) -> list[str]:
    found = []
    for path in sorted(SRC.rglob("*.py")):
        if (
            path.name in ALLOWED_FILES
            or path.name.endswith(ALLOWED_SUFFIXES)
            or ALLOWED_DIRS & set(path.relative_to(SRC).parts)
        ):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Attribute)
                and node.attr in {"objects", "_default_manager", "_base_manager"}
                and isinstance(node.value, ast.Name)
                and node.value.id in models
            ):
                found.append(f"{path.relative_to(SRC.parent)}:{node.lineno}: {node.value.id}.{node.attr}")
    return found


def main() -> int:
    models = tenant_models()
    found = violations(models)
    for line in found:
        print(f"{line} — tenant-owned model used outside selectors/services")
    print(f"tenancy lint: {len(models)} tenant-owned models, {len(found)} violation(s)")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
