"""Marketplace pages: orders (being written)."""

urlpatterns: list = []
