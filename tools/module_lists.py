"""Rewrite the module lists that tools cannot glob: the import-linter layer contract and mypy's strict list.

import-linter and mypy take no suffix wildcards (`*_services`), so pyproject.toml names every domain module
(models, services, selectors, *_services, *_selectors) and every API/UI module (api, api_*, views). Run after
adding such a module:

    .venv/bin/python tools/module_lists.py

tests/core/test_operations.py fails while the contract's list is incomplete.
"""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "tichub"
PYPROJECT = ROOT / "pyproject.toml"


def _modules(predicate) -> list[str]:
    found = set()
    for path in SRC.glob("*/*"):
        name = path.stem if path.suffix == ".py" else path.name
        if (path.suffix == ".py" or (path.is_dir() and (path / "__init__.py").exists())) and predicate(name, path):
            found.add(f"tichub.{path.parent.name}.{name}")
    return sorted(found)


def domain_modules() -> list[str]:
    return _modules(
        lambda name, path: (
            path.suffix == ".py"
            and (name in {"models", "services", "selectors"} or name.endswith(("_services", "_selectors")))
        )
    )


def interface_modules() -> list[str]:
    return _modules(lambda name, path: name in {"api", "views", "api_support"} or name.startswith("api_"))


def strict_modules() -> list[str]:
    return [m for m in domain_modules() if m.rsplit(".", 1)[1].endswith(("_services", "_selectors"))]


def _block(items: list[str], indent: str = "    ") -> str:
    return "".join(f'{indent}"{item}",\n' for item in items)


def rewrite(text: str) -> str:
    contract = re.compile(
        r'(name = "Domain code never imports the API or UI layer"\ntype = "forbidden"\nsource_modules = \[\n)'
        r"(.*?)(\]\nforbidden_modules = \[\n)(.*?)(\])",
        re.S,
    )
    forbidden = ["ninja", "tichub.config.api", *interface_modules()]
    text, n = contract.subn(
        lambda m: m[1] + _block(domain_modules()) + m[3] + _block(sorted(set(forbidden))) + m[5], text
    )
    assert n == 1, "layer contract not found in pyproject.toml"
    strict = re.compile(
        r'(\[\[tool\.mypy\.overrides\]\]\nmodule = \[\n    "tichub\.science\.\*",\n'
        r'    "tichub\.\*\.services",\n    "tichub\.\*\.selectors",\n)(.*?)(\])',
        re.S,
    )
    text, n = strict.subn(lambda m: m[1] + _block(strict_modules()) + m[3], text)
    assert n == 1, "mypy strict override not found in pyproject.toml"
    return text


if __name__ == "__main__":
    PYPROJECT.write_text(rewrite(PYPROJECT.read_text()))
    print(
        f"{len(domain_modules())} domain modules, {len(interface_modules())} API/UI modules, "
        f"{len(strict_modules())} strict-typed modules"
    )
