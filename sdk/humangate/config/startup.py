"""What every adapter runs once, when the gate is built: the store must be usable.

A store the gate can never write (a missing directory, a read-only file) is a
:class:`ConfigError` here, not a 500 on every request. An unreachable Redis may come
back, so by default it is a warning that says where and what the gate will do until
then; ``Config(store_check="error")`` makes it an error, ``"off"`` skips the checks.
"""

from __future__ import annotations

import logging

from humangate.config.settings import Config
from humangate.errors import ConfigError
from humangate.stores.probe import check_sqlite, reach_redis

logger = logging.getLogger("humangate")


def check_store(config: Config) -> str | None:
    """Check ``config.store``; return the warning to show, raise for an error."""
    if config.store_check == "off":
        return None
    check_sqlite(config.store)
    problem = reach_redis(config.store)
    if problem is None:
        return None
    meanwhile = (
        "challenges cannot be solved (503) and held forms cannot be replayed"
        if config.store_failure == "closed"
        else "solved challenges are accepted unrecorded (store_failure='open')"
    )
    limits = (
        "rate limits are not enforced"
        if config.rate_limit_store_failure == "open"
        else "requests that rate limits count are treated as over the limit"
    )
    message = f"{problem}. Until it answers, {meanwhile}, and {limits}."
    if config.store_check == "error":
        raise ConfigError("store", f"{message} (store_check='error')")
    return message


def run_startup_checks(config: Config) -> None:
    """The hook the adapters call: raise on an error, log a warning once."""
    warning = check_store(config)
    if warning is not None:
        logger.warning("humangate: %s", warning)
