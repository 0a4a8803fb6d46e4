"""Instrument API (being written)."""

from ninja import Router

router = Router(tags=["metrology"])
