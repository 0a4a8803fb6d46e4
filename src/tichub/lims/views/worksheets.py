"""Laboratory pages: worksheets (being written)."""

urlpatterns: list = []
