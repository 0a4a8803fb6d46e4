"""The API at /api/v1: mounts every app's router. Docs at /api/v1/docs."""

from ninja import NinjaAPI

from tichub.accounts.api import router as accounts_router
from tichub.core.api import router as core_router
from tichub.core.api_support import AUTH, install_error_handlers
from tichub.lims.api import router as lims_router
from tichub.marketplace.api import router as marketplace_router
from tichub.metrology.api import router as metrology_router
from tichub.registry.api import router as registry_router
from tichub.reports.api import router as reports_router
from tichub.reports.api_shares import router as report_shares_router
from tichub.reports.api_verify import router as verify_router
from tichub.standards.api import router as standards_router
from tichub.trust.api import router as trust_router

api = NinjaAPI(
    title="TICHub API",
    version="1",
    description="Testing, inspection and certification cluster platform. Errors: {code, message, fields}.",
    auth=AUTH,
    urls_namespace="api",
    docs_url="/docs",
)
install_error_handlers(api)
api.add_router("/", accounts_router)
api.add_router("/", core_router)
api.add_router("/standards", standards_router)
api.add_router("/registry", registry_router)
api.add_router("/market", marketplace_router)
api.add_router("/lab", lims_router)
api.add_router("/metrology", metrology_router)
api.add_router("/trust", trust_router)
api.add_router("/reports", reports_router)
api.add_router("/reports", report_shares_router)
api.add_router("/verify", verify_router)
