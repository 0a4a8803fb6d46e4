"""Laboratory API: review (being written)."""

from ninja import Router

router = Router(tags=["laboratory"])
