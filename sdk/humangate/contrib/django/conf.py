"""The ``HUMANGATE`` setting turned into one validated :class:`humangate.Config`."""

from __future__ import annotations

import functools
from typing import Any

from humangate.config import Config

SETTING = "HUMANGATE"


@functools.cache
def get_config() -> Config:
    """The Config for ``settings.HUMANGATE`` (a dict of Config fields, or a Config).

    Cached: the middleware reads it once at start-up. Tests that override the setting
    clear the cache through the ``setting_changed`` signal (see ``apps.py``).
    """
    from django.conf import settings  # noqa: PLC0415 - settings are lazy

    data: Any = getattr(settings, SETTING, {})
    if isinstance(data, Config):
        return data
    # The HUMANGATE_* environment variables fill what the setting leaves unset.
    return Config.from_env(**data)


def clear_cache(*, setting: str, **_: object) -> None:
    if setting == SETTING:
        get_config.cache_clear()
