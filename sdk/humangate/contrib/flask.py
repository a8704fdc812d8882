"""Flask extension: wraps ``app.wsgi_app`` with the WSGI gate.

    from humangate.contrib.flask import HumanGate
    gate = HumanGate(app)          # or: gate = HumanGate(); gate.init_app(app)

Settings come from ``app.config["HUMANGATE"]`` (a dict of :class:`humangate.Config`
fields) or from ``HUMANGATE_<FIELD>`` keys (``HUMANGATE_SECRET_KEYS``, ...); a ``Config``
passed to the constructor wins over both. In a view, :func:`clearance` is the visitor's
:class:`~humangate.crypto.clearance.Clearance` (or ``None`` where no challenge was required).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from humangate.adapters.wsgi import CLEARANCE_KEY
from humangate.adapters.wsgi import HumanGate as WSGIGate
from humangate.config import Config
from humangate.crypto.clearance import Clearance

if TYPE_CHECKING:
    from flask import Flask

EXTENSION = "humangate"
_PREFIX = "HUMANGATE_"


def config_from_flask(settings: Mapping[str, Any]) -> Config:
    """A Config from a Flask config: the ``HUMANGATE`` dict, else ``HUMANGATE_*`` keys."""
    table = settings.get("HUMANGATE")
    if table is None:
        known = {field.name for field in dataclasses.fields(Config)}
        table = {
            key[len(_PREFIX) :].lower(): value
            for key, value in settings.items()
            if key.startswith(_PREFIX) and key[len(_PREFIX) :].lower() in known
        }
    if isinstance(table, Config):
        return table
    # The HUMANGATE_* environment variables fill what the Flask config leaves unset.
    return Config.from_env(**table)


class HumanGate:
    """The Flask extension; one instance may serve several apps (``init_app`` each)."""

    def __init__(self, app: Flask | None = None, *, config: Config | None = None) -> None:
        self._config = config
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> WSGIGate:
        """Wrap ``app.wsgi_app``; the gate is also ``app.extensions["humangate"]``."""
        config = self._config or config_from_flask(app.config)
        gate = WSGIGate(app.wsgi_app, config)
        app.wsgi_app = gate  # type: ignore[method-assign]
        app.extensions[EXTENSION] = gate
        return gate


def clearance() -> Clearance | None:
    """The current visitor's clearance, inside a Flask request."""
    from flask import request  # noqa: PLC0415 - flask is optional for the package

    value = request.environ.get(CLEARANCE_KEY)
    return value if isinstance(value, Clearance) else None
