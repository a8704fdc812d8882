"""Where settings come from besides code: ``HUMANGATE_*`` variables and TOML files.

The variables deployments set, read only by the explicit ``Config.from_env()`` and
``Config.from_toml()`` steps (``Config(...)`` never reads the environment):

==============================  ===================  ==================================
variable                        setting              value
==============================  ===================  ==================================
``HUMANGATE_SECRET_KEYS``       ``secret_keys``      comma-separated, newest first
``HUMANGATE_STORE``             ``store``            a store URI (``redis://...``)
``HUMANGATE_DEFAULT_ACTION``    ``default_action``   ``managed_challenge``, ``block``...
``HUMANGATE_TRUSTED_PROXIES``   ``trusted_proxies``  a hop count, or comma-separated CIDRs
``HUMANGATE_DEV_MODE``          ``dev_mode``         ``1``/``true``/``yes`` or ``0``...
==============================  ===================  ==================================

Which value wins: a setting given in code, then the environment, then the TOML file,
then the default. When code overrides a variable that is set, that is logged (once per
Config built), so an explicit ``secret_keys`` is never silently replaced or ignored.
"""

from __future__ import annotations

import logging
import os
import tomllib
from collections.abc import Mapping
from typing import Any

from humangate.errors import ConfigError

logger = logging.getLogger("humangate")

SECRET_KEYS = "HUMANGATE_SECRET_KEYS"  # noqa: S105 - the variable name, not a secret
STORE = "HUMANGATE_STORE"
DEFAULT_ACTION = "HUMANGATE_DEFAULT_ACTION"
TRUSTED_PROXIES = "HUMANGATE_TRUSTED_PROXIES"
DEV_MODE = "HUMANGATE_DEV_MODE"

VARIABLES = {
    SECRET_KEYS: "secret_keys",
    STORE: "store",
    DEFAULT_ACTION: "default_action",
    TRUSTED_PROXIES: "trusted_proxies",
    DEV_MODE: "dev_mode",
}
"""Each documented variable and the Config field it sets."""

_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


def read(environ: Mapping[str, str]) -> dict[str, Any]:
    """The settings the ``HUMANGATE_*`` variables in ``environ`` give (unset or blank
    variables give none); ConfigError naming the variable for a value it cannot mean."""
    found: dict[str, Any] = {}
    for variable, name in VARIABLES.items():
        text = environ.get(variable, "").strip()
        if text:
            found[name] = _parse(variable, text)
    return found


def _parse(variable: str, text: str) -> object:
    if variable == SECRET_KEYS:
        return tuple(part.strip() for part in text.split(",") if part.strip())
    if variable == TRUSTED_PROXIES:
        if text.isdigit():
            return int(text)
        return tuple(part.strip() for part in text.split(",") if part.strip())
    if variable == DEV_MODE:
        if text.lower() in _TRUE:
            return True
        if text.lower() in _FALSE:
            return False
        raise ConfigError(variable, f"{text!r}: use 1 or 0 (true/false, yes/no, on/off)")
    return text


def merge(
    file: Mapping[str, Any], environ: Mapping[str, Any], code: Mapping[str, Any]
) -> dict[str, Any]:
    """Settings from a file, the environment (as :func:`read` gives them) and code, the
    later winning; each variable that code overrides is logged."""
    for variable, name in VARIABLES.items():
        if name in code and name in environ:
            logger.info(
                "humangate: %s is set in the environment, but %s given in code wins",
                variable,
                name,
            )
    return {**file, **environ, **code}


def load_toml(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The settings in a TOML file: its ``[humangate]`` table, else its top-level keys."""
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except OSError as exc:
        raise ConfigError("path", f"cannot read {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError("path", f"{path} is not valid TOML: {exc}") from None
    table = data.get("humangate", data)
    return dict(table) if isinstance(table, Mapping) else {}
