"""Registry pages: manage (being written)."""

urlpatterns: list = []
