"""Private Access Token costs, in microseconds per call (timeit; best of several repeats).

- verify: one type 2 token checked against a ticket's challenge (key id lookup and one
  RSASSA-PSS SHA-384 verification with a 2048-bit key)
- redeem: the whole ``{prefix}pat`` request in process (ticket open, challenge rebuilt,
  verify, nonce spent in a memory store, attestation sealed), a fresh token each time
- challenge page: a managed challenge page with one issuer vs without (the
  WWW-Authenticate line and the step's parameters)

Run: ``.venv/bin/python -m bench.pat_verify``. Tokens come from the test-only issuer.
"""

from __future__ import annotations

import sys
import timeit
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from humangate import Config, PatIssuer
from humangate.pat import headers
from humangate.pat.keys import IssuerKeys
from humangate.pat.verify import Issued, check, index
from humangate.pat.wire import TokenChallenge, b64encode
from humangate.wsgi import HumanGate
from tests.conftest import SECRET
from tests.pat.device import authorization
from tests.pat.issuer import TestIssuer
from tests.pat.test_flow import site
from tests.support import WSGIClient, challenge_data


def best_us(call: object, number: int, repeat: int = 9) -> float:
    return min(timeit.repeat(call, number=number, repeat=repeat)) / number * 1e6  # type: ignore[arg-type]


def main() -> None:
    issuer = TestIssuer("issuer.test")
    challenge = TokenChallenge(2, issuer.name, bytes(32), "shop.example")
    issued = index([Issued(challenge, IssuerKeys(PatIssuer(issuer.name, [issuer.token_key])))])
    token = b64encode(issuer.mint(challenge.encode()))
    assert check(token, issued, 0).valid
    print(f"verify a token:           {best_us(lambda: check(token, issued, 0), 2000):8.1f} µs")

    def gate(**extra: object) -> WSGIClient:
        config = Config(
            secret_keys=[SECRET], store="memory://", difficulty=4, analytics=False, **extra
        )  # type: ignore[arg-type]
        return WSGIClient(HumanGate(site, config))

    with_pat = gate(private_access_tokens=[PatIssuer(issuer.name, [issuer.token_key])])
    without = gate()
    page = with_pat.request("GET", "/")
    data = challenge_data(page.body)
    www = page.header("www-authenticate") or ""
    tokens = [authorization(www, issuer, "testserver") for _ in range(80 * 9)]
    query = f"ticket={quote(data['ticket'])}"
    left = iter(tokens)

    def redeem() -> None:
        response = with_pat.request(
            "GET", "/.humangate/pat", query=query, headers={"authorization": next(left)},
            html=False,
        )  # fmt: skip
        assert response.status == 200

    print(f"redeem over the endpoint: {best_us(redeem, 80):8.1f} µs")
    assert headers.private_token_param(tokens[0], "token")
    print(f"challenge page, 1 issuer: {best_us(lambda: with_pat.request('GET', '/'), 300):8.1f} µs")
    print(f"challenge page, none:     {best_us(lambda: without.request('GET', '/'), 300):8.1f} µs")


if __name__ == "__main__":
    main()
