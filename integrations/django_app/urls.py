"""URLs of the Django example app."""

from __future__ import annotations

from django.urls import path, re_path
from django.views.decorators.http import require_POST

from integrations.django_app import views

urlpatterns = [
    path("healthz", views.healthz),
    path("open/form", views.contact_form),
    path("contact", require_POST(views.contact)),
    path("jsd/status", views.jsd_status),
    path("csp-report", require_POST(views.csp_report)),
    path("jsd/<str:kind>", views.jsd_page),
    re_path(r"^(?P<path>.*)$", views.page),
]
