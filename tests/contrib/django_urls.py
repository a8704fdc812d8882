"""Views for the Django middleware tests."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import engines
from django.urls import path

from humangate.contrib.django.middleware import clearance_of

TEMPLATE = "{% load humangate %}[{% humangate_nonce %}]{% humangate_spa_script %}"


def page(request: HttpRequest) -> HttpResponse:
    seen = clearance_of(request)
    return HttpResponse(f"page level={seen.level.label if seen else None}")


def form(request: HttpRequest) -> JsonResponse:
    return JsonResponse(
        {"method": request.method, "path": request.path, "fields": dict(request.POST.items())}
    )


def tagged(request: HttpRequest) -> HttpResponse:
    request.csp_nonce = "n0nce"  # type: ignore[attr-defined]  # what django-csp sets
    return HttpResponse(engines["django"].from_string(TEMPLATE).render({}, request))


async def async_page(request: HttpRequest) -> HttpResponse:
    return HttpResponse("async page")


urlpatterns = [
    path("page", page),
    path("open", page),
    path("contact", form),
    path("tagged", tagged),
    path("async", async_page),
]


def transfer(request: HttpRequest) -> JsonResponse:
    """A view behind Django's CsrfViewMiddleware (tests/contrib/test_csrf_replay.py)."""
    return JsonResponse(
        {
            "fields": dict(request.POST.items()),
            "replayed": request.headers.get("x-humangate-replayed"),
        }
    )


urlpatterns.append(path("transfer", transfer))
