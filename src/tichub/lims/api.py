"""The laboratory API: samples and custody, methods, tests and queues, results, imports, review, worksheets."""

from ninja import Router

from .api_imports import router as imports_router
from .api_methods import router as methods_router
from .api_results import router as results_router
from .api_review import router as review_router
from .api_samples import router as samples_router
from .api_tests import router as tests_router
from .api_worksheets import router as worksheets_router

router = Router(tags=["laboratory"])
for part in (
    samples_router,
    methods_router,
    tests_router,
    results_router,
    imports_router,
    review_router,
    worksheets_router,
):
    router.add_router("", part)
