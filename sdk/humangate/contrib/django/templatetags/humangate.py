"""``{% load humangate %}``: ``{% humangate_spa_script %}`` and ``{% humangate_nonce %}``.

``{% humangate_spa_script %}`` renders the SPA helper's ``<script>`` tag with the page's
CSP nonce (django-csp's ``request.csp_nonce``) when there is one.
"""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from humangate.contrib.django.conf import get_config
from humangate.contrib.django.context_processors import csp_nonce
from humangate.http.assets import hashed_name

register = template.Library()


@register.simple_tag(takes_context=True)
def humangate_nonce(context: template.Context) -> str:
    request = getattr(context, "request", None)  # a RequestContext carries it
    return csp_nonce(request) if request is not None else ""


@register.simple_tag(takes_context=True)
def humangate_spa_script(context: template.Context) -> SafeString:
    src = f"{get_config().path_prefix}static/{hashed_name('spa.js')}"
    nonce = humangate_nonce(context)
    if nonce:
        return format_html('<script src="{}" nonce="{}"></script>', src, nonce)
    return format_html('<script src="{}"></script>', src)
