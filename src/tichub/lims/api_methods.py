"""Laboratory API: methods (being written)."""

from ninja import Router

router = Router(tags=["laboratory"])
