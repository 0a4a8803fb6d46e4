"""Mounted at /reports/ beside the report pages: downloads, the enterprise's share links, the public share pages."""

from django.urls import path

from . import views_share

app_name = "report_shares"
urlpatterns = [
    path("<int:report_id>/pdf/", views_share.download, name="download"),
    path("<int:report_id>/shares/", views_share.create, name="create"),
    path("shares/<int:share_id>/revoke/", views_share.revoke, name="revoke"),
    path("shared/<str:token>/", views_share.open_share, name="open"),
    path("shared/<str:token>/pdf/", views_share.share_file, name="file"),
]
