"""Registry pages: directory (being written)."""

urlpatterns: list = []
