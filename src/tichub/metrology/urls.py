"""Instrument pages at /metrology/."""

from .views import urlpatterns

app_name = "metrology"
__all__ = ["app_name", "urlpatterns"]
