"""Registry pages: search (being written)."""

urlpatterns: list = []
