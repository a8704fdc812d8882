"""Django needs settings before any of its request machinery is imported; configure a
minimal project once for the contrib tests (no database)."""

from __future__ import annotations

import django
from django.conf import settings

from tests.conftest import SECRET

if not settings.configured:
    settings.configure(
        DEBUG=False,
        SECRET_KEY="django-test-secret",
        ALLOWED_HOSTS=["*"],
        ROOT_URLCONF="tests.contrib.django_urls",
        INSTALLED_APPS=["django.contrib.contenttypes", "humangate.contrib.django"],
        MIDDLEWARE=[
            "django.middleware.security.SecurityMiddleware",
            "humangate.contrib.django.middleware.HumanGateMiddleware",
            "django.middleware.common.CommonMiddleware",
        ],
        HUMANGATE={
            "secret_keys": [SECRET],
            "store": "memory://",
            "difficulty": 8,
            "rules": [{"expression": 'http.request.uri.path eq "/open"', "action": "allow"}],
        },
        TEMPLATES=[
            {
                "BACKEND": "django.template.backends.django.DjangoTemplates",
                "OPTIONS": {
                    "context_processors": ["humangate.contrib.django.context_processors.humangate"]
                },
            }
        ],
        USE_TZ=True,
    )
    django.setup()
