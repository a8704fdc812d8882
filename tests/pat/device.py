"""What an attesting device does with humangate's PrivateToken challenge (tests only)."""

from __future__ import annotations

from humangate.pat import headers
from humangate.pat.wire import TokenChallenge, b64decode, b64encode
from tests.pat.issuer import TestIssuer


def challenges(www_authenticate: str) -> list[tuple[TokenChallenge, dict[str, str]]]:
    """The PrivateToken challenges in a WWW-Authenticate value, as a client reads them."""
    found = []
    for item in headers.parse(www_authenticate):
        if item.is_private_token and "challenge" in item.params:
            found.append((TokenChallenge.decode(b64decode(item.params["challenge"])), item.params))
    return found


def authorization(www_authenticate: str, issuer: TestIssuer, origin: str) -> str:
    """``Authorization`` for the first challenge naming ``issuer``, after the checks a
    client makes (RFC 9577 §2.1.1: type known, origin listed, the issuer's own key)."""
    for challenge, params in challenges(www_authenticate):
        names = [name.lower() for name in challenge.origin_info.split(",") if name]
        if challenge.token_type != 2 or challenge.issuer_name != issuer.name:
            continue
        if names and origin.lower() not in names:
            continue
        assert params.get("token-key") == issuer.token_key
        token = issuer.mint(challenge.encode())
        return headers.format_item(headers.SCHEME, [("token", b64encode(token))])
    raise AssertionError(f"no usable challenge for {issuer.name} in {www_authenticate!r}")


def same_challenges(one: str, other: str) -> bool:
    """Whether two WWW-Authenticate values offer the same challenges and keys (max-age,
    counted down in whole seconds, may differ)."""

    def offered(value: str) -> list[tuple[TokenChallenge, str | None]]:
        return [(c, params.get("token-key")) for c, params in challenges(value)]

    return offered(one) == offered(other) and bool(offered(one))
