"""Mounted at /verify/: the public verification of reports (no sign-in, rate-limited)."""

from django.urls import path

from . import views_public

app_name = "reports_public"
urlpatterns = [
    path("", views_public.home, name="home"),
    path("check/", views_public.check, name="check"),  # before <public_id>/, which would take "check"
    path("<str:public_id>/", views_public.verify_report, name="verify"),
]
