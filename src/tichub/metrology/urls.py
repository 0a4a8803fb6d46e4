"""Instrument pages (being written)."""

app_name = "metrology"
urlpatterns: list = []
