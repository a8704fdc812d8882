"""Views for the Django middleware tests."""

from __future__ import annotations

import gzip

from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.template import engines
from django.urls import path
from django.views import View

from humangate.contrib.django.decorators import challenge, exempt
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


def csp_page(request: HttpRequest) -> HttpResponse:
    # No stub: django-csp's middleware put its lazy nonce on the request.
    return HttpResponse(engines["django"].from_string(TEMPLATE).render({}, request))


async def async_page(request: HttpRequest) -> HttpResponse:
    return HttpResponse("async page")


@challenge("interactive")
def pay(request: HttpRequest) -> HttpResponse:
    return page(request)


@challenge("managed")
async def async_pay(request: HttpRequest) -> HttpResponse:
    return HttpResponse("async paid")


@challenge("interactive")
class ReportView(View):
    def get(self, request: HttpRequest) -> HttpResponse:
        return HttpResponse("report")


@exempt
def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("healthy")


@exempt
class StatusView(View):
    def get(self, request: HttpRequest) -> HttpResponse:
        return HttpResponse("status")


urlpatterns = [
    path("pay", pay),
    path("async-pay", async_pay),
    path("report", ReportView.as_view()),
    path("healthz", healthz),
    path("status", StatusView.as_view()),
    path("page", page),
    path("open", page),
    path("contact", form),
    path("tagged", tagged),
    path("csp", csp_page),
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


# -- JavaScript Detections (tests/contrib/test_django_jsd.py) ----------------------------

JSD_PAGE = "<!DOCTYPE html><html><head><title>t</title></head><body>héllo</body></html>"


def jsd_page(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(JSD_PAGE)
    response["ETag"] = '"v1"'
    response["Content-Length"] = str(len(response.content))
    return response


def jsd_stream(request: HttpRequest) -> StreamingHttpResponse:
    parts = ["<!DOCTYPE html><html><he", "ad><title>s</title></he", "ad><body>", "x" * 5000]
    return StreamingHttpResponse(part.encode() for part in [*parts, "</body></html>"])


async def jsd_async_stream(request: HttpRequest) -> StreamingHttpResponse:
    async def chunks():  # type: ignore[no-untyped-def]
        for part in ["<!DOCTYPE html><html><head>", "</head><body>", "async</body></html>"]:
            yield part.encode()

    return StreamingHttpResponse(chunks())


def jsd_gzip(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(gzip.compress(JSD_PAGE.encode()))
    response["Content-Encoding"] = "gzip"
    return response


def jsd_csp(request: HttpRequest) -> HttpResponse:
    # A template using django-csp's nonce, as a strict-CSP site does.
    return HttpResponse(
        engines["django"]
        .from_string(
            "<!DOCTYPE html><html><head><script nonce='{{ request.csp_nonce }}'></script>"
            "</head><body></body></html>"
        )
        .render({"request": request}, request)
    )


urlpatterns += [
    path("jsd/page", jsd_page),
    path("jsd/stream", jsd_stream),
    path("jsd/async-stream", jsd_async_stream),
    path("jsd/gzip", jsd_gzip),
    path("jsd/csp", jsd_csp),
]
