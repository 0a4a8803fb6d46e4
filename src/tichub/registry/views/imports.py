"""Registry pages: imports (being written)."""

urlpatterns: list = []
