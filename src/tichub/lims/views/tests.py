"""Laboratory pages: tests (being written)."""

urlpatterns: list = []
