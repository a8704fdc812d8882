"""Django settings for the example app; humangate's settings come from the environment."""

from __future__ import annotations

import os

from integrations.settings import config_from_environment

DEBUG = False
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "example-only-not-secret")
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "integrations.django_app.urls"
INSTALLED_APPS = ["django.contrib.contenttypes", "humangate.contrib.django"]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before everything that answers, reads bodies or does work for the visitor
    # (humangate.contrib.django.checks explains each).
    "humangate.contrib.django.middleware.HumanGateMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [os.path.join(os.path.dirname(__file__), "templates")],
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.csrf",
                "humangate.contrib.django.context_processors.humangate",
            ]
        },
    }
]
HUMANGATE = config_from_environment()
USE_TZ = True
