"""Laboratory pages: methods (being written)."""

urlpatterns: list = []
