"""{% humangate_nonce %} and {% humangate_spa_script %} with the real django-csp 4."""

from __future__ import annotations

import re

from csp.constants import NONCE, SELF
from django.test import Client, override_settings

from humangate.contrib.django.conf import get_config
from humangate.http.assets import hashed_name
from humangate.testing import give_clearance

CSP_MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "humangate.contrib.django.middleware.HumanGateMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.middleware.common.CommonMiddleware",
]


@override_settings(
    MIDDLEWARE=CSP_MIDDLEWARE,
    CONTENT_SECURITY_POLICY={"DIRECTIVES": {"default-src": [SELF], "script-src": [SELF, NONCE]}},
)
def test_tags_render_django_csps_own_nonce() -> None:
    client = give_clearance(Client(headers={"accept": "text/html"}), get_config())
    response = client.get("/csp")
    assert response.status_code == 200
    header = response.headers["Content-Security-Policy"]
    sent = re.search(r"'nonce-([^']+)'", header)
    assert sent is not None, header  # the nonce the page uses is the one in the header
    nonce = sent.group(1)
    body = response.content.decode()
    src = f"/.humangate/static/{hashed_name('spa.js')}"
    assert body == f'[{nonce}]<script src="{src}" nonce="{nonce}"></script>'
