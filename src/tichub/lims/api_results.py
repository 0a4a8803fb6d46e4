"""Laboratory API: results (being written)."""

from ninja import Router

router = Router(tags=["laboratory"])
