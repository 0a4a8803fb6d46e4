"""Shared builders for the marketplace tests (engineer M1 owns this file; M2–M4 import from it).

`make_market()` builds, from nothing:

* an enterprise (`m.enterprise`) with an owner and a member, and a second enterprise (`m.outsider`) for
  cross-tenant checks;
* two active institutions, `m.lab` and `m.lab2`, each with an admin, a reception clerk, a quality manager and an
  analyst; and a third, `m.sub`, that only serves as a subcontractor;
* standard editions: GB 5009.12-2017 (current, lead), GB 5009.12-2010 (withdrawn, replaced by 2017),
  GB 5009.15-2014 (current, cadmium);
* scope rows (built like tests/registry/search_world.py):
    - lab:  lead / GB 5009.12-2017, CNAS-accredited, list price 120.00, 5 working days;
            cadmium / GB 5009.15-2014, not accredited, list price 80.00, 7 working days;
    - lab2: lead / GB 5009.12-2017, CNAS-accredited, list price 150.00, 3 working days (no cadmium);
    - sub:  cadmium / GB 5009.15-2014, CNAS-accredited, list price 90.00.

Then, through the real services (tichub.marketplace.need_services / quote_services):

* `need_for(m, items=None, send_to=(), **fields)` → a DRAFT need (OPEN when `send_to` names institutions);
  items default to `[lead_item(), cadmium_item()]`;
* `quoted_need(m, labs=None, prices=None)` → (need, {institution_id: quote}) with every quote SUBMITTED from
  the prefilled list prices (lab2, which lacks cadmium, proposes `m.sub` as subcontractor for it);
* `accepted_order(m, lab=None)` → the Order created by accepting `lab`'s quote (default `m.lab`).

Actors: `m.owner_actor`, `m.member_actor` (enterprise), `m.lab.admin_actor`, `m.lab.reception_actor`,
`m.lab.quality_actor`, `m.lab.analyst_actor` (same on lab2/sub), or `actor_of(org, user, role)`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils import timezone

from tests.registry.search_world import accredit, edition, profile, scope
from tichub.accounts.choices import Role
from tichub.accounts.models import Organisation, User
from tichub.core.tenancy import Actor
from tichub.core.testing.factories import InstitutionFactory, OrganisationFactory, member
from tichub.standards.models import StandardEdition

LEAD_2017 = "GB 5009.12-2017"
LEAD_2010 = "GB 5009.12-2010"
CADMIUM_2014 = "GB 5009.15-2014"


def today() -> dt.date:
    return timezone.localdate()


def actor_of(org: Organisation, user: User, *roles: str) -> Actor:
    return Actor(user=user, organisation=org, roles=frozenset(roles))


@dataclass
class Enterprise:
    org: Organisation
    owner: User
    member: User

    @property
    def id(self) -> int:
        return int(self.org.pk)

    @property
    def owner_actor(self) -> Actor:
        return actor_of(self.org, self.owner, Role.ENTERPRISE_OWNER)

    @property
    def member_actor(self) -> Actor:
        return actor_of(self.org, self.member, Role.ENTERPRISE_MEMBER)


@dataclass
class Institution:
    org: Organisation
    admin: User
    reception: User
    quality: User
    analyst: User
    rows: dict[str, Any] = field(default_factory=dict)  # "lead" / "cadmium" → ScopeRow

    @property
    def id(self) -> int:
        return int(self.org.pk)

    @property
    def admin_actor(self) -> Actor:
        return actor_of(self.org, self.admin, Role.INSTITUTION_ADMIN)

    @property
    def reception_actor(self) -> Actor:
        return actor_of(self.org, self.reception, Role.RECEPTION)

    @property
    def quality_actor(self) -> Actor:
        return actor_of(self.org, self.quality, Role.QUALITY_MANAGER)

    @property
    def analyst_actor(self) -> Actor:
        return actor_of(self.org, self.analyst, Role.ANALYST)


@dataclass
class Market:
    enterprise: Enterprise
    outsider: Enterprise  # another enterprise: must never see the first one's needs, quotes or orders
    lab: Institution
    lab2: Institution
    sub: Institution  # a subcontractor only
    lead: StandardEdition  # GB 5009.12-2017, current
    lead_old: StandardEdition  # GB 5009.12-2010, withdrawn, replaced by `lead`
    cadmium: StandardEdition  # GB 5009.15-2014, current

    @property
    def owner(self) -> User:
        return self.enterprise.owner

    @property
    def owner_actor(self) -> Actor:
        return self.enterprise.owner_actor

    @property
    def member_actor(self) -> Actor:
        return self.enterprise.member_actor


def make_enterprise(name: str = "") -> Enterprise:
    org = OrganisationFactory(**({"name_zh": name} if name else {}))
    return Enterprise(org=org, owner=member(org, Role.ENTERPRISE_OWNER), member=member(org, Role.ENTERPRISE_MEMBER))


def make_institution(name: str = "", *, region: str = "南宁") -> Institution:
    org = InstitutionFactory(**({"name_zh": name} if name else {}))
    profile(org, region=region, prices_public=True)
    return Institution(
        org=org,
        admin=member(org, Role.INSTITUTION_ADMIN),
        reception=member(org, Role.RECEPTION),
        quality=member(org, Role.QUALITY_MANAGER),
        analyst=member(org, Role.ANALYST),
    )


def make_market() -> Market:
    lead = edition(LEAD_2017)
    lead_old = edition(LEAD_2010, status="withdrawn", replaced_by=lead)
    cadmium = edition(CADMIUM_2014, title="食品中镉的测定")

    enterprise = make_enterprise("广西某糖业有限公司")
    outsider = make_enterprise("另一家企业")
    lab = make_institution("广西检测中心甲")
    lab2 = make_institution("广西检测中心乙")
    sub = make_institution("广西分包检测中心")

    cnas = accredit(lab.org)
    lab.rows["lead"] = scope(lab.org, lead, accreditations=[cnas], turnaround=5, price=Decimal("120.00"))
    lab.rows["cadmium"] = scope(lab.org, cadmium, parameter=("镉", "Cadmium"), turnaround=7, price=Decimal("80.00"))
    cnas2 = accredit(lab2.org)
    lab2.rows["lead"] = scope(lab2.org, lead, accreditations=[cnas2], turnaround=3, price=Decimal("150.00"))
    cnas3 = accredit(sub.org)
    sub.rows["cadmium"] = scope(
        sub.org, cadmium, parameter=("镉", "Cadmium"), accreditations=[cnas3], turnaround=6, price=Decimal("90.00")
    )
    return Market(
        enterprise=enterprise, outsider=outsider, lab=lab, lab2=lab2, sub=sub, lead=lead, lead_old=lead_old,
        cadmium=cadmium,
    )  # fmt: skip


# ------------------------------------------------------------------------------------------------------------------
# Items and needs (through need_services)
# ------------------------------------------------------------------------------------------------------------------


def lead_item(**overrides: Any) -> dict[str, Any]:
    item = {
        "object_text": "白砂糖",
        "parameter": "铅",
        "standard_code": LEAD_2017,
        "clause": "",
        "specification": "≤ 0.5 mg/kg (GB 2762)",
        "lower_limit": "",
        "upper_limit": "0.5",
        "unit": "mg/kg",
    }
    return {**item, **overrides}


def cadmium_item(**overrides: Any) -> dict[str, Any]:
    item = {
        "object_text": "白砂糖",
        "parameter": "镉",
        "standard_code": CADMIUM_2014,
        "clause": "",
        "specification": "≤ 0.1 mg/kg",
        "lower_limit": "",
        "upper_limit": "0.1",
        "unit": "mg/kg",
    }
    return {**item, **overrides}


def need_fields(**overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "title": "白砂糖重金属检测",
        "product_description": "一级白砂糖，袋装 1 kg",
        "sample_count": 2,
        "deadline": today() + dt.timedelta(days=30),
        "decision_rule": "simple",
        "accredited_required": True,
        "confidential": False,
    }
    return {**fields, **overrides}


def need_for(
    m: Market | Enterprise,
    *,
    items: list[dict[str, Any]] | None = None,
    send_to: tuple[Institution | Organisation, ...] | list[Institution | Organisation] = (),
    actor: Actor | None = None,
    **fields: Any,
) -> Any:
    """A need of the market's enterprise (or of the Enterprise given): DRAFT, or OPEN once sent to `send_to`."""
    from tichub.marketplace.need_services import need_create, need_send

    enterprise = m.enterprise if isinstance(m, Market) else m
    actor = actor or enterprise.owner_actor
    need = need_create(
        actor=actor,
        items=[lead_item(), cadmium_item()] if items is None else items,
        **need_fields(**fields),
    )
    if send_to:
        need_send(actor=actor, need_id=need.pk, institution_ids=[_org_id(i) for i in send_to])
        need.refresh_from_db()
    return need


def _org_id(x: Institution | Organisation | int) -> int:
    if isinstance(x, Institution):
        return x.id
    if isinstance(x, Organisation):
        return int(x.pk)
    return int(x)


def submit_quote(
    inst: Institution,
    quote: Any,
    *,
    prices: dict[int, Decimal | str] | None = None,
    subcontractors: dict[int, Institution] | None = None,
    turnaround_days: int = 5,
    valid_until: dt.date | None = None,
    terms: str = "款到发报告",
    cancellation_fee_percent: int = 20,
) -> Any:
    """Submit `quote` as `inst`'s reception: lines from quote_prefill (list prices) unless `prices` (item_id →
    price) overrides; items the institution cannot price go to `subcontractors[item_id]` (or `m.sub` by the
    caller's choice)."""
    from tichub.marketplace.quote_services import quote_prefill, quote_submit

    actor = inst.reception_actor
    prefill = quote_prefill(actor=actor, quote_id=quote.pk)
    prices = prices or {}
    subcontractors = subcontractors or {}
    lines = []
    for line in prefill:
        item_id = line["item_id"]
        sub = subcontractors.get(item_id)
        price = prices.get(item_id, line["price"])
        lines.append(
            {
                "item_id": item_id,
                "price": Decimal(str(price)) if price is not None else Decimal("0"),
                "quantity": line.get("quantity", 1),
                "note": "",
                "subcontractor_id": sub.id if sub else None,
            }
        )
    quote = quote_submit(
        actor=actor,
        quote_id=quote.pk,
        lines=lines,
        turnaround_days=turnaround_days,
        valid_until=valid_until or today() + dt.timedelta(days=30),
        terms=terms,
        cancellation_fee_percent=cancellation_fee_percent,
    )
    return quote


def quoted_need(
    m: Market, *, labs: list[Institution] | None = None, items: list[dict[str, Any]] | None = None, **fields: Any
) -> tuple[Any, dict[int, Any]]:
    """A need sent to `labs` (default lab and lab2), every quote submitted from list prices.

    Quantities are the need's sample_count (2 by default). lab quotes lead 120.00 + cadmium 80.00, total
    (120 + 80) × 2 = 400.00, 5 days, both lines its own (lead accredited, cadmium not); lab2 quotes lead 150.00
    and proposes `m.sub` for cadmium at 90.00 (accredited through sub's row), total 480.00, 3 days.
    Returns (need, {institution_id: quote}).
    """
    from tichub.marketplace.need_selectors import need_quotes

    labs = labs if labs is not None else [m.lab, m.lab2]
    need = need_for(m, items=items, send_to=labs, **fields)
    quotes = {q.institution_id: q for q in need_quotes(actor=m.owner_actor, need_id=need.pk)}
    for inst in labs:
        quote = quotes[inst.id]
        subs: dict[int, Institution] = {}
        prices: dict[int, Decimal | str] = {}
        if inst is m.lab2:
            for item in need.items.all():
                if item.standard_id == m.cadmium.pk:
                    subs[item.pk] = m.sub
                    prices[item.pk] = Decimal("90.00")
        quotes[inst.id] = submit_quote(
            inst, quote, prices=prices, subcontractors=subs, turnaround_days=3 if inst is m.lab2 else 5
        )
    need.refresh_from_db()
    return need, quotes


def accepted_order(m: Market, *, lab: Institution | None = None, **fields: Any) -> Any:
    """The Order created when the enterprise accepts `lab`'s quote (default m.lab) of a `quoted_need`."""
    from tichub.marketplace.quote_services import quote_accept

    lab = lab or m.lab
    labs = [m.lab, m.lab2] if lab in (m.lab, m.lab2) else [m.lab, lab]
    _need, quotes = quoted_need(m, labs=labs, **fields)
    return quote_accept(actor=m.owner_actor, quote_id=quotes[lab.id].pk)


def client_of(party: Enterprise | Institution, user: User | None = None) -> Any:
    """A signed-in test client for `user` (default: the owner / the reception clerk) acting for the party."""
    from tichub.core.testing.permissions import signed_in

    if user is None:
        user = party.owner if isinstance(party, Enterprise) else party.reception
    return signed_in(user, party.org)
