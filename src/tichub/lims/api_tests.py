"""Laboratory API: tests (being written)."""

from ninja import Router

router = Router(tags=["laboratory"])
