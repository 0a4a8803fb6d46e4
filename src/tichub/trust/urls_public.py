"""Mounted at /.well-known/tichub/ (RFC 8615 well-known URIs): what verifiers fetch without signing in."""

from django.urls import path

from . import views

app_name = "trust_public"
urlpatterns = [
    path("trust-list.json", views.trust_list, name="trust_list"),
]
