"""Observability: shared analytics, Prometheus metrics and the dashboard.

:class:`Analytics` is what the engine holds: an observer that counts decisions (see
:mod:`.recorder`) and the two protected endpoints that read them back (see
:mod:`.summary`, :mod:`.metrics`, :mod:`.dashboard`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from urllib.parse import parse_qs

from humangate import answers
from humangate.clientip import IPAddress
from humangate.config import Config
from humangate.errors import StoreError
from humangate.faults import ThrottledWarning
from humangate.observe.access import Access
from humangate.observe.recorder import Recorder
from humangate.request import Request, Response
from humangate.stores.base import Store
from humangate.stores.breaker import open_guarded_store

__all__ = ["Analytics", "Recorder"]


class Analytics:
    """Records every decision and serves ``{prefix}metrics`` and ``{prefix}dashboard``.

    It keeps a store handle of its own (opened lazily from ``Config.store``): the
    recorder writes from a background thread and the endpoints read synchronously, so
    neither goes through the engine's request flow.
    """

    def __init__(
        self,
        config: Config,
        *,
        store: Store | None = None,
        clock: Callable[[], float] = time.time,
        background: bool = True,
    ) -> None:
        self._config = config
        self._clock = clock
        self._opened = store
        self._lock = threading.Lock()
        self._access = Access(config)
        self._warn = ThrottledWarning("for the metrics/dashboard endpoints")
        ray_ttl = config.ticket_seconds + config.skew_seconds + 60
        self.recorder = Recorder(
            self.store,
            interval=config.analytics_flush_seconds,
            ray_ttl=ray_ttl,
            background=background,
        )

    def store(self) -> Store:
        if self._opened is None:
            with self._lock:
                if self._opened is None:
                    self._opened = open_guarded_store(self._config.store)
        return self._opened

    def endpoint(self, name: str, request: Request, ip: IPAddress | None) -> Response | None:
        """The answer for ``metrics``/``dashboard``, or None if not available (-> 404)."""
        if not self._access.enabled or not self._access.allows(request, ip):
            return None
        ray = answers.new_ray_id()
        if request.method not in ("GET", "HEAD"):
            return answers.problem(
                405,
                "method-not-allowed",
                "Method not allowed",
                "Use GET.",
                ray,
                extra_headers=(("allow", "GET, HEAD"),),
            )
        self.recorder.flush()  # this worker's latest counts are part of the answer
        try:
            response = self._metrics(ray) if name == "metrics" else self._dashboard(request, ray)
        except ImportError:  # prometheus-client is an optional dependency
            response = answers.problem(
                501,
                "not-implemented",
                "Metrics unavailable",
                "Install humangate[metrics] (prometheus-client) to expose metrics.",
                ray,
            )
        except StoreError as exc:
            self._warn(exc)
            response = answers.problem(
                503,
                "unavailable",
                "Store unavailable",
                "Analytics are briefly unavailable.",
                ray,
                extra_headers=(("retry-after", "5"),),
            )
        if request.method == "HEAD":
            return Response(response.status, response.headers, b"")
        return response

    def _metrics(self, ray: str) -> Response:
        from humangate.observe import metrics, summary  # noqa: PLC0415 - optional dependency

        rows, other = summary.read_totals(self.store())
        body = metrics.exposition(rows, other)
        headers = (("content-type", metrics.CONTENT_TYPE), *answers.base_headers(ray))
        return Response(200, tuple(headers), body)

    def _dashboard(self, request: Request, ray: str) -> Response:
        from humangate.observe import dashboard, summary  # noqa: PLC0415

        query = parse_qs(request.query)
        window = (query.get("window") or ["24h"])[0]
        if window not in dashboard.WINDOWS:
            window = "24h"
        seconds = dashboard.WINDOWS[window]
        now = self._clock()
        points = 60 if seconds <= 3600 else 48
        data = summary.read_summary(self.store(), now, window=seconds, points=points)
        if (query.get("format") or [""])[0] == "json":
            return answers.json_response(200, summary.as_dict(data), ray)
        nonce = answers.new_nonce()
        body = dashboard.render(
            data, window=window, nonce=nonce, prefix=self._config.path_prefix, now=now
        )
        return answers.html_response(200, body, ray, nonce)
