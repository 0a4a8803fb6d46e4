"""Data for the generic permission suite: one case per orders route (views and API) that needs parameters, a body,
or shows something only the owner may see."""

import datetime as dt
import itertools
from decimal import Decimal

from django.utils import timezone

from tichub.accounts.choices import OrganisationKind, Role
from tichub.core.testing.factories import InstitutionFactory, OrganisationFactory, member
from tichub.core.testing.permissions import Setup, case
from tichub.marketplace import order_services
from tichub.marketplace.models import Need, NeedItem, Order, Quote, QuoteLine
from tichub.science.standard_codes import parse_standard_code
from tichub.standards.models import StandardEdition

_serial = itertools.count(1)
API = "/api/v1/market"


def _edition(code, status="current", replaced_by=None):
    parsed = parse_standard_code(code)
    edition, _ = StandardEdition.objects.get_or_create(
        canonical=parsed.canonical,
        defaults={
            "base": parsed.base, "edition_key": parsed.edition_key, "base_key": parsed.base_key,
            "prefix": parsed.prefix, "number": parsed.number, "year": parsed.year, "family": parsed.family,
            "mandatory": parsed.mandatory, "title_zh": "食品中铅的测定", "status": status, "replaced_by": replaced_by,
        },
    )  # fmt: skip
    return edition


def _order(org, *, withdrawn=False, subcontracted=False, status=None):
    """An order in REVIEW between `org` and a counterpart of the other kind; returns (order, secret title)."""
    n = next(_serial)
    secret = f"secret-order-{n}-{org.pk}"  # ASCII: JSON answers escape other characters
    if org.kind == OrganisationKind.ENTERPRISE:
        enterprise, institution = org, InstitutionFactory()
    else:
        enterprise, institution = OrganisationFactory(), org
    owner = member(enterprise, Role.ENTERPRISE_OWNER)
    current = _edition("GB 5009.12-2017")
    standard = _edition("GB 5009.12-2010", "withdrawn", current) if withdrawn else current
    need = Need.objects.create(
        organisation=enterprise, created_by=owner, title=secret, product_description="白砂糖",
        deadline=timezone.localdate() + dt.timedelta(days=30), status="ordered",
    )  # fmt: skip
    item = NeedItem.objects.create(need=need, position=1, parameter="铅", standard=standard)
    quote = Quote.objects.create(
        need=need, enterprise=enterprise, institution=institution, status="accepted", turnaround_days=5,
        total=Decimal("100.00"), cancellation_fee_percent=10,
    )  # fmt: skip
    QuoteLine.objects.create(
        quote=quote, item=item, price=Decimal("100.00"), subcontractor=InstitutionFactory() if subcontracted else None
    )
    order = order_services.order_open(quote=quote)
    if status:
        Order.objects.filter(pk=order.pk).update(status=status, number=f"O-{n}")
    return order, secret


def _item_id(order):
    return order.review.items.get().pk


def _listing(org, user):
    _, secret = _order(org)
    return Setup(secret=secret)


def _detail(org, user):
    order, secret = _order(org)
    return Setup(kwargs={"pk": order.pk}, secret=secret)


def _api_detail(org, user):
    order, secret = _order(org)
    return Setup(kwargs={"order_id": order.pk}, secret=secret)


def _review_item_view(org, user):
    order, _ = _order(org)
    item_id = _item_id(order)
    return Setup(kwargs={"pk": order.pk, "item_id": item_id}, data={f"item{item_id}-verdict": "not_covered"})


def _confirm_view(org, user):
    order, _ = _order(org, withdrawn=True)
    return Setup(kwargs={"pk": order.pk, "item_id": _item_id(order)})


def _approve_view(org, user):
    order, _ = _order(org, subcontracted=True)
    return Setup(kwargs={"pk": order.pk, "item_id": _item_id(order)})


def _view(data, **options):
    def build(org, user):
        order, _ = _order(org, **options)
        return Setup(kwargs={"pk": order.pk}, data=data)

    return build


def _api(data, **options):
    def build(org, user):
        order, _ = _order(org, **options)
        return Setup(kwargs={"order_id": order.pk}, data=data)

    return build


def _api_item(data=None, **options):
    def build(org, user):
        order, _ = _order(org, **options)
        return Setup(kwargs={"order_id": order.pk, "item_id": _item_id(order)}, data=data or {})

    return build


# --- pages ---
case("marketplace:order_list", build=_listing)
case("marketplace:work", build=_listing)
case("marketplace:order_detail", build=_detail)
case("marketplace:order_review_item", method="POST", build=_review_item_view)
case("marketplace:order_review_record", method="POST", build=_view({"decision_rule_agreed": "on", "deviations": ""}))
case("marketplace:order_confirm_warning", method="POST", build=_confirm_view)
case("marketplace:order_approve_subcontract", method="POST", build=_approve_view)
case("marketplace:order_decide", method="POST", build=_view({"decision": "decline", "reason": "满负荷"}))
case("marketplace:order_cancel", method="POST", build=_view({"reason": "不需要了"}))
case("marketplace:order_advance", method="POST", build=_view({"to": "received"}, status="accepted"))

# --- API ---
ITEM = f"{API}/orders/{{order_id}}/review"
case(f"GET {API}/orders", build=_listing)
case(f"GET {API}/orders/{{order_id}}", build=_api_detail)
case(f"GET {API}/orders/{{order_id}}/timeline", build=_api({}))
case(f"POST {ITEM}/items/{{item_id}}", method="POST", build=_api_item({"verdict": "not_covered"}))
case(f"POST {ITEM}", method="POST", build=_api({"decision_rule_agreed": True, "deviations": ""}))
case(f"POST {ITEM}/confirm-warning/{{item_id}}", method="POST", build=_api_item(withdrawn=True))
case(f"POST {ITEM}/approve-subcontract/{{item_id}}", method="POST", build=_api_item(subcontracted=True))
case(f"POST {ITEM}/decide", method="POST", build=_api({"accept": False, "reason": "满负荷"}))
case(f"POST {API}/orders/{{order_id}}/cancel", method="POST", build=_api({"reason": "不需要了"}))
case(f"POST {API}/orders/{{order_id}}/advance", method="POST", build=_api({"to": "received"}, status="accepted"))
