"""Laboratory API: imports (being written)."""

from ninja import Router

router = Router(tags=["laboratory"])
