"""Laboratory API: worksheets (being written)."""

from ninja import Router

router = Router(tags=["laboratory"])
