"""Marketplace pages: needs (being written)."""

urlpatterns: list = []
