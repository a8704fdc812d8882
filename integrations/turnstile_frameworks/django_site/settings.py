"""Django with the widget: ``HUMANGATE_DEV_MODE=1 DJANGO_SETTINGS_MODULE=
integrations.turnstile_frameworks.django_site.settings django-admin runserver``."""

from __future__ import annotations

from integrations.turnstile_frameworks.keys import config

SECRET_KEY = "example-only-not-secret"  # noqa: S105 - an example app
DEBUG = False
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "integrations.turnstile_frameworks.django_site.urls"
INSTALLED_APPS = ["django.contrib.contenttypes", "humangate.contrib.django"]
MIDDLEWARE = ["humangate.contrib.django.middleware.HumanGateMiddleware"]
HUMANGATE = config()
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates"}]
USE_TZ = True
