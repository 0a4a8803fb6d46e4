"""Registry pages: operator (being written)."""

urlpatterns: list = []
