"""Laboratory pages: samples (being written)."""

urlpatterns: list = []
