"""The store tests' Redis server, for the cross-process single-use test on Redis."""

from __future__ import annotations

from tests.stores.conftest import redis_server

__all__ = ["redis_server"]
