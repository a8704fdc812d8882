"""The neutral response: what humangate answers itself, which adapters write back."""

from __future__ import annotations

from collections.abc import Iterable

from humangate.immutable import immutable


@immutable
class Response:
    """A complete answer from humangate itself (challenge page, block, asset, solve)."""

    status: int
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""

    def with_headers(self, extra: Iterable[tuple[str, str]]) -> Response:
        return Response(self.status, (*self.headers, *extra), self.body)
