"""Marketplace pages: samples (being written)."""

urlpatterns: list = []
