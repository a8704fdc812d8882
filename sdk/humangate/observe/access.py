"""Who may read metrics and the dashboard: a bearer token and/or allowlisted networks.

Neither configured means the endpoints do not exist (404, not 401): an unconfigured
site reveals nothing, not even that they are there.
"""

from __future__ import annotations

import hmac
import ipaddress

from humangate.client.ip import IPAddress
from humangate.config import Config
from humangate.http.request import Request


class Access:
    __slots__ = ("_nets", "_token")

    def __init__(self, config: Config) -> None:
        self._token = config.metrics_token
        self._nets = tuple(ipaddress.ip_network(net) for net in config.metrics_allow)

    @property
    def enabled(self) -> bool:
        return bool(self._token or self._nets)

    def allows(self, request: Request, ip: IPAddress | None) -> bool:
        if self._token:
            header = request.header("authorization") or ""
            scheme, _, value = header.partition(" ")
            if scheme.lower() == "bearer" and hmac.compare_digest(
                value.strip().encode(), self._token.encode()
            ):
                return True
        return ip is not None and any(ip in net for net in self._nets)
