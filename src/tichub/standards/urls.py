from django.urls import path

from . import views

app_name = "standards"
urlpatterns = [
    path("", views.standard_list, name="list"),
    path("<int:pk>/", views.standard_detail, name="detail"),
    path("<int:pk>/withdraw/", views.standard_withdraw, name="withdraw"),
    path("import/", views.catalogue_import, name="import"),
    path("import/commit/", views.catalogue_import_commit, name="import_commit"),
]
