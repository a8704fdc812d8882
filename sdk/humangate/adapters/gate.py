"""What every adapter holds: the engine and a lazily opened store."""

from __future__ import annotations

import threading

from humangate import turnstile
from humangate.config import Config
from humangate.config.startup import run_startup_checks
from humangate.engine import Engine
from humangate.stores.base import Store
from humangate.stores.breaker import open_guarded_store


class GateCore:
    """One engine and one store per wrapped app. The store opens on first use, so
    building the middleware (and forking workers after it) never opens a connection."""

    __slots__ = ("_lock", "_store", "engine")

    def __init__(self, config: Config | None) -> None:
        if config is None:  # none given: the HUMANGATE_* environment variables
            config = Config.from_env()
        self.engine = Engine(config)
        run_startup_checks(config)  # a store the gate cannot use fails here, not per request
        self._store: Store | None = None
        self._lock = threading.Lock()
        # humangate.turnstile.verify() in this process checks these secrets with this store.
        secrets = tuple(s for key in config.sitekeys for s in key.secrets)
        turnstile.register(secrets, self.engine.siteverifier, lambda: self.store)

    @property
    def config(self) -> Config:
        return self.engine.config

    @property
    def store(self) -> Store:
        if self._store is None:
            with self._lock:
                if self._store is None:
                    self._store = open_guarded_store(self.engine.config.store)
        return self._store
