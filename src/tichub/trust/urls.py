from django.urls import path

from . import views

app_name = "trust"
urlpatterns = [
    path("keys/", views.keys, name="keys"),
    path("keys/issue/", views.key_issue, name="key_issue"),
    path("keys/import/", views.key_import, name="key_import"),
    path("keys/<int:key_id>/revoke/", views.key_revoke, name="key_revoke"),
]
