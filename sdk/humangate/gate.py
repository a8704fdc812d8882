"""What both adapters share: the engine and a lazily opened store."""

from __future__ import annotations

import threading

from humangate.config import Config
from humangate.engine import Engine
from humangate.stores.base import Store
from humangate.stores.breaker import open_guarded_store


class GateCore:
    """One engine and one store per wrapped app. The store opens on first use, so
    building the middleware (and forking workers after it) never opens a connection."""

    __slots__ = ("_lock", "_store", "engine")

    def __init__(self, config: Config | None) -> None:
        if config is None:
            config = Config()
        self.engine = Engine(config)
        self._store: Store | None = None
        self._lock = threading.Lock()

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

    def needs_body(self, method: str, path: str) -> bool:
        """Only the solve endpoint reads a request body; the app's bodies are untouched."""
        return method == "POST" and path == f"{self.config.path_prefix}solve"
