"""Laboratory pages: imports (being written)."""

urlpatterns: list = []
