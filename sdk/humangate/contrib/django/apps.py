"""App config: registers the system checks and keeps the cached Config fresh in tests."""

from __future__ import annotations

from django.apps import AppConfig
from django.core import checks
from django.core.signals import setting_changed

from humangate.contrib.django import checks as humangate_checks
from humangate.contrib.django.conf import clear_cache


class HumanGateConfig(AppConfig):
    name = "humangate.contrib.django"
    label = "humangate"
    verbose_name = "humangate"

    def ready(self) -> None:
        checks.register(humangate_checks.check_settings, checks.Tags.security)
        checks.register(humangate_checks.check_middleware, checks.Tags.security)
        setting_changed.connect(clear_cache, dispatch_uid="humangate-config")
