"""The registry's API: capability search, the public directory, scope imports and management."""

from ninja import Router

from .api_directory import router as directory_router
from .api_imports import router as imports_router
from .api_manage import router as manage_router
from .api_search import router as search_router

router = Router(tags=["registry"])
for part in (search_router, directory_router, imports_router, manage_router):
    router.add_router("", part)
