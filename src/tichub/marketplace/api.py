"""The marketplace API: needs and quotes, orders with contract review, samples and messages, invoices."""

from ninja import Router

from .api_invoices import router as invoices_router
from .api_needs import router as needs_router
from .api_orders import router as orders_router
from .api_samples import router as samples_router

router = Router(tags=["marketplace"])
for part in (needs_router, orders_router, samples_router, invoices_router):
    router.add_router("", part)
