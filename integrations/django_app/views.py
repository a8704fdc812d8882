"""Views of the Django example app."""

from __future__ import annotations

import time

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.html import escape
from django.views.decorators.csrf import csrf_exempt

from humangate.contrib.django.middleware import clearance_of
from integrations import jsd_pages
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


def jsd_status(request: HttpRequest) -> HttpResponse:
    body = jsd_pages.status(clearance_of(request), time.time())
    return HttpResponse(body, content_type="application/json")


@csrf_exempt
def csp_report(request: HttpRequest) -> HttpResponse:
    record_hit(jsd_pages.report_line(request.body))
    return HttpResponse(status=204)


def jsd_page(request: HttpRequest, kind: str) -> HttpResponse:
    record_hit(request.get_full_path())
    # A CSP with 'self' and a nonce (the tag needs neither nonce nor Workers refused).
    body, header = jsd_pages.page(kind, strict_dynamic=False)
    response = HttpResponse(body)
    response["Content-Security-Policy"] = header
    return response


def page(request: HttpRequest, path: str = "") -> HttpResponse:
    record_hit(request.get_full_path())
    seen = clearance_of(request)
    level = seen.level.label if seen else "none"
    return HttpResponse(
        f"<!DOCTYPE html><title>Django example</title><h1>Welcome</h1><p>level {level}</p>"
    )
