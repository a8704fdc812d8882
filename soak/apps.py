"""The apps `make soak` serves: hello-world behind humangate, store from $SOAK_STORE.

    gunicorn soak.apps:wsgi          uvicorn soak.apps:asgi

Every request is challenged (managed_challenge) unless it carries a clearance; paths
under /api are also counted by a rate limit, so that traffic needs the store on every
request (the limit is high enough never to trip).
"""

from __future__ import annotations

import os

from bench.apps import BENCH_SECRET, asgi_bare, wsgi_bare
from humangate import Config
from humangate.asgi import HumanGate as AsgiGate
from humangate.config import RateLimit
from humangate.wsgi import HumanGate as WsgiGate

COUNTED = RateLimit(
    'starts_with(http.request.uri.path, "/api")', period=10, requests_per_period=10**9
)


def soak_config() -> Config:
    return Config(
        secret_keys=[BENCH_SECRET],
        store=os.environ.get("SOAK_STORE", "memory://"),
        default_action="managed_challenge",
        difficulty=18,
        rate_limits=[COUNTED],
    )


wsgi = WsgiGate(wsgi_bare, soak_config())
asgi = AsgiGate(asgi_bare, soak_config())
