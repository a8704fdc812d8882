"""The widget settings the three framework examples share (example values: make your
own with ``humangate sitekey create``)."""

from __future__ import annotations

import os

from humangate import Config
from humangate.turnstile import Sitekey

SITEKEY = os.environ.get("WIDGET_SITEKEY", "0x4AAAAAAAhgExampleKey")
SECRET = os.environ.get("WIDGET_SECRET", "0x4AAAAAAAexample-widget-secret-change-me")
HOSTS = ["127.0.0.1", "localhost", "testserver"]


def config() -> Config:
    """Every page allowed; the widget on the forms does the checking. The secret and
    store come from the HUMANGATE_* variables (Config.from_env)."""
    return Config.from_env(
        default_action="allow",
        difficulty=int(os.environ.get("HUMANGATE_DIFFICULTY", "18")),
        sitekeys=[Sitekey(SITEKEY, [SECRET], hostnames=HOSTS)],
    )
