"""Laboratory API: samples (being written)."""

from ninja import Router

router = Router(tags=["laboratory"])
