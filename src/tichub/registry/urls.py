from . import views  # noqa: F401
from .views import directory, imports, manage, operator, search

app_name = "registry"
urlpatterns = [
    *search.urlpatterns,
    *directory.urlpatterns,
    *imports.urlpatterns,
    *manage.urlpatterns,
    *operator.urlpatterns,
]
