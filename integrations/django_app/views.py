"""Views of the Django example app."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.html import escape

from humangate.contrib.django.middleware import clearance_of
from integrations.settings import record_hit


def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


def contact_form(request: HttpRequest) -> HttpResponse:
    record_hit(request.get_full_path())
    return render(request, "contact.html")


def contact(request: HttpRequest) -> HttpResponse:
    # Reached only after the gate replayed the held POST, with the CSRF check passed.
    record_hit(f"POST /contact name={request.POST.get('name', '')}")
    return HttpResponse(
        f"<!DOCTYPE html><title>Thanks</title><p>Thanks, {escape(request.POST['name'])}!"
    )


def page(request: HttpRequest, path: str = "") -> HttpResponse:
    record_hit(request.get_full_path())
    seen = clearance_of(request)
    level = seen.level.label if seen else "none"
    return HttpResponse(
        f"<!DOCTYPE html><title>Django example</title><h1>Welcome</h1><p>level {level}</p>"
    )
