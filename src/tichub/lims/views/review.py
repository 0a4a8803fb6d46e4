"""Laboratory pages: review (being written)."""

urlpatterns: list = []
