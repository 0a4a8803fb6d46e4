"""Laboratory pages: results (being written)."""

urlpatterns: list = []
