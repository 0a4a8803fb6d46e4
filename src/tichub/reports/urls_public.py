"""Mounted at /verify/: the public verification of reports (no sign-in, rate-limited)."""

from django.urls import path

from . import views_public

app_name = "reports_public"
urlpatterns = [
    path("<str:public_id>/", views_public.verify_report, name="verify"),
]
