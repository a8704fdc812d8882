"""The analytics the engine holds: an observer that counts every decision, and the two
protected endpoints (``metrics``, ``dashboard``) that read the counts back."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from urllib.parse import parse_qs

from humangate.client.ip import IPAddress
from humangate.config import Config
from humangate.errors import StoreError
from humangate.faults import ThrottledWarning
from humangate.http import answers
from humangate.http.request import Request
from humangate.http.response import Response
from humangate.observe.access import Access
from humangate.observe.recorder import Recorder
from humangate.stores.base import Store
from humangate.stores.breaker import open_guarded_store


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
        self.recorder = Recorder(
            self.store, interval=config.analytics_flush_seconds, background=background
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
            return answers.method_not_allowed("GET, HEAD", ray)
        self.recorder.flush()  # this worker's latest counts are part of the answer
        try:
            response = (
                self._metrics(ray, request.header("accept"))
                if name == "metrics"
                else self._dashboard(request, ray)
            )
        except ImportError:  # prometheus-client is an optional dependency
            response = answers.problem(
                answers.Problems.METRICS_UNAVAILABLE,
                "Install humangate[metrics] (prometheus-client) to expose metrics.",
                ray,
            )
        except StoreError as exc:
            self._warn(exc)
            response = answers.problem(
                answers.Problems.ANALYTICS_UNAVAILABLE,
                "Analytics are briefly unavailable.",
                ray,
                extra_headers=(("retry-after", "5"),),
            )
        return answers.head_aware(request, response)

    def _metrics(self, ray: str, accept: str | None) -> Response:
        from humangate.observe import metrics, summary  # noqa: PLC0415 - optional dependency

        rows, other = summary.read_totals(self.store())
        body, content_type = metrics.exposition(rows, other, accept)
        headers = (
            ("content-type", content_type),
            ("vary", "accept"),  # the format follows the Accept header
            *answers.base_headers(ray),
        )
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
