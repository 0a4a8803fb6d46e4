"""Data for the generic permission suite: one case per invoice route (pages and API).

Reads are exercised from the enterprise's side (it must see an ISSUED invoice of its own order, and another
enterprise must get 404), writes from the institution's (a quality manager gets 403, another institution 404).
The secret is the counterpart's name, which both parties' pages and answers show."""

from tichub.core.testing.permissions import Setup, case
from tichub.marketplace import invoice_services as services

from .invoice_world import bare_order
from .world import today

API = "/api/v1/market"
LINES = [{"description": "铅 Lead — GB 5009.12-2017", "quantity": "1", "unit_price": "100.00"}]
FORMSET = {
    "lines-TOTAL_FORMS": "1", "lines-INITIAL_FORMS": "1", "lines-MIN_NUM_FORMS": "1", "lines-MAX_NUM_FORMS": "200",
    "lines-0-description": "铅", "lines-0-quantity": "1", "lines-0-unit_price": "100.00", "tax_rate": "6",
}  # fmt: skip


def _invoice(org, status):
    """An invoice of an order of `org` in `status` ("draft", "issued"); returns (invoice, secret)."""
    order, actor, secret = bare_order(org)
    invoice = services.invoice_draft(actor=actor, order_id=order.pk)
    if status == "issued":
        invoice = services.invoice_issue(actor=actor, invoice_id=invoice.pk)
    return invoice, secret


def _listing(org, user):
    _issued, secret = _invoice(org, "issued")
    return Setup(secret=secret)


def _order_page(key):
    def build(org, user):
        invoice, secret = _invoice(org, "issued")
        return Setup(kwargs={key: invoice.order_id}, secret=secret)

    return build


def _draft(key, data):
    def build(org, user):
        order, _actor, _secret = bare_order(org)
        return Setup(kwargs={key: order.pk}, data=data)

    return build


def _one(key, status, data=None, *, secret=True):
    def build(org, user):
        invoice, name = _invoice(org, status)
        return Setup(kwargs={key: invoice.pk}, data=data, secret=name if secret else None)

    return build


# --- pages ---
case("marketplace:invoices", kind="institution", build=_listing)
case("marketplace:order_invoices", kind="enterprise", build=_order_page("pk"))
case("marketplace:invoice_draft", method="POST", kind="institution", build=_draft("pk", {"tax_rate": "6"}))
case("marketplace:invoice_detail", kind="enterprise", build=_one("pk", "issued"))
case("marketplace:invoice_lines", method="POST", kind="institution", build=_one("pk", "draft", FORMSET, secret=False))
case("marketplace:invoice_issue", method="POST", kind="institution", build=_one("pk", "draft", secret=False))
case(
    "marketplace:invoice_paid",
    method="POST",
    kind="institution",
    build=_one("pk", "issued", {"paid_on": today().isoformat()}, secret=False),
)
case("marketplace:invoice_void", method="POST", kind="institution", build=_one("pk", "draft", {"reason": "重开"}))
case("marketplace:invoice_pdf", kind="enterprise", build=_one("pk", "issued", secret=False))

# --- API ---
ONE = f"{API}/invoices/{{invoice_id}}"
case(f"GET {API}/invoices", kind="enterprise", build=_listing)
case(f"GET {API}/orders/{{order_id}}/invoices", kind="enterprise", build=_order_page("order_id"))
case(
    f"POST {API}/orders/{{order_id}}/invoices",
    method="POST",
    kind="institution",
    build=_draft("order_id", {"tax_rate": "6"}),
)
case(f"GET {ONE}", kind="enterprise", build=_one("invoice_id", "issued"))
case(f"PUT {ONE}/lines", method="PUT", kind="institution", build=_one("invoice_id", "draft", {"lines": LINES}))
case(f"POST {ONE}/issue", method="POST", kind="institution", build=_one("invoice_id", "draft", {}))
case(
    f"POST {ONE}/paid",
    method="POST",
    kind="institution",
    build=_one("invoice_id", "issued", {"paid_on": today().isoformat()}),
)
case(f"POST {ONE}/void", method="POST", kind="institution", build=_one("invoice_id", "issued", {"reason": "重开"}))
case(f"GET {ONE}/pdf", kind="enterprise", build=_one("invoice_id", "issued", secret=False))
