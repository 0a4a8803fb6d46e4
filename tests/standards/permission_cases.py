"""Data for the generic permission suite: one case per standards route that needs parameters or a body.

The catalogue is cluster-wide: curators (operator roles) act on every edition, so their cases are cluster_wide.
"""

import base64

from tichub.core.testing.permissions import Setup, case
from tichub.science.standard_codes import parse_standard_code
from tichub.standards.models import StandardEdition

_counter = iter(range(1, 1_000_000))


def _edition(org, user):
    code = parse_standard_code(f"GB/T {90000 + next(_counter)}-2020")
    edition = StandardEdition.objects.create(
        canonical=code.canonical, base=code.base, edition_key=code.edition_key, base_key=code.base_key,
        prefix=code.prefix, number=code.number, year=code.year, family=code.family, mandatory=code.mandatory,
        title_zh="权限测试标准",
    )  # fmt: skip
    return edition


def _detail(org, user):
    return Setup(kwargs={"pk": _edition(org, user).pk})


def _api_detail(org, user):
    return Setup(kwargs={"standard_id": _edition(org, user).pk})


def _withdraw(org, user):
    return Setup(kwargs={"pk": _edition(org, user).pk}, data={"on": "2021-01-01", "reason": "permission suite"})


def _api_withdraw(org, user):
    return Setup(
        kwargs={"standard_id": _edition(org, user).pk}, data={"on": "2021-01-01", "reason": "permission suite"}
    )


def _api_import(org, user):
    content = "标准号,中文名称\nGB/T 317-2018,白砂糖\n".encode()
    return Setup(data={"filename": "catalogue.csv", "content_base64": base64.b64encode(content).decode()})


case("standards:detail", build=_detail)
case("standards:withdraw", method="POST", kind="operator", cluster_wide=True, build=_withdraw)
case("standards:import_commit", method="POST", kind="operator", cluster_wide=True)
case("GET /api/v1/standards/{standard_id}", build=_api_detail)
case(
    "POST /api/v1/standards/{standard_id}/withdraw",
    method="POST",
    kind="operator",
    cluster_wide=True,
    build=_api_withdraw,
)
case("POST /api/v1/standards/import", method="POST", kind="operator", cluster_wide=True, build=_api_import)


case("GET /api/v1/standards/lookup", build=lambda org, user: Setup(query={"code": "GB/T 2828.1-2012"}))
