"""Marketplace pages: invoices (being written)."""

urlpatterns: list = []
