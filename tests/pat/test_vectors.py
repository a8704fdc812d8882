"""The RFC test vectors: RFC 9578 type 2 tokens verify, and RFC 9577's structures and
headers read back as the RFC lists them."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from humangate.pat import headers
from humangate.pat.keys import IssuerKeys, parse_token_key
from humangate.pat.settings import PatIssuer
from humangate.pat.verify import Invalid, Issued, check, index
from humangate.pat.wire import Token, TokenChallenge, UnsupportedType, b64decode, b64encode

VECTORS = Path(__file__).parent / "vectors"
RFC9578: list[dict[str, str]] = json.loads((VECTORS / "rfc9578_type2.json").read_text())["vectors"]
RFC9577: dict[str, Any] = json.loads((VECTORS / "rfc9577.json").read_text())


def issued_for(vector: dict[str, str]) -> dict[bytes, Issued]:
    challenge = TokenChallenge.decode(bytes.fromhex(vector["token_challenge"]))
    spki = bytes.fromhex(vector["pkS"])
    keys = IssuerKeys(PatIssuer(challenge.issuer_name, token_keys=[b64encode(spki)]))
    return index([Issued(challenge, keys)])


@pytest.mark.parametrize("vector", RFC9578, ids=lambda v: v["nonce"][:8])
def test_rfc9578_type2_tokens_verify(vector: dict[str, str]) -> None:
    token = bytes.fromhex(vector["token"])
    result = check(b64encode(token), issued_for(vector), now=0)
    assert result.valid and result.token is not None
    assert result.token.nonce == bytes.fromhex(vector["nonce"])
    assert result.token.token_key_id == hashlib.sha256(bytes.fromhex(vector["pkS"])).digest()


@pytest.mark.parametrize("vector", RFC9578[:1], ids=["first"])
def test_rfc9578_tokens_fail_each_step_when_altered(vector: dict[str, str]) -> None:
    token = bytearray(bytes.fromhex(vector["token"]))
    issued = issued_for(vector)

    def reason(data: bytes) -> Invalid | None:
        return check(b64encode(bytes(data)), issued, now=0).invalid

    altered = token.copy()
    altered[-1] ^= 1  # the authenticator
    assert reason(altered) is Invalid.SIGNATURE
    altered = token.copy()
    altered[2] ^= 1  # the nonce: signed over, so the signature no longer holds
    assert reason(altered) is Invalid.SIGNATURE
    altered = token.copy()
    altered[34] ^= 1  # the challenge digest
    assert reason(altered) is Invalid.CHALLENGE
    altered = token.copy()
    altered[66] ^= 1  # the key id
    assert reason(altered) is Invalid.KEY_ID
    altered = token.copy()
    altered[1] = 0x01  # type 1
    assert reason(altered) is Invalid.TOKEN_TYPE
    assert reason(token[:-1]) is Invalid.MALFORMED


def test_rfc9578_key_is_the_rsassa_pss_spki_it_describes() -> None:
    key = parse_token_key(bytes.fromhex(RFC9578[0]["pkS"]))
    assert key.public_key.key_size == 2048


@pytest.mark.parametrize("vector", RFC9577["structures"], ids=lambda v: v["token_type"])
def test_rfc9577_challenge_structures(vector: dict[str, str]) -> None:
    expected = bytes.fromhex(vector["token_authenticator_input"])
    token_type = int(vector["token_type"], 16)
    if token_type != 2:
        # The grease vector: random bytes behind a grease type, refused as a type.
        with pytest.raises(UnsupportedType):
            Token.decode(expected + bytes(256))
        return
    challenge = TokenChallenge(
        token_type,
        bytes.fromhex(vector["issuer_name"]).decode(),
        bytes.fromhex(vector["redemption_context"]),
        bytes.fromhex(vector["origin_info"]).decode(),
    )
    assert TokenChallenge.decode(challenge.encode()) == challenge
    token = Token(
        token_type,
        bytes.fromhex(vector["nonce"]),
        challenge.digest,
        bytes.fromhex(vector["token_key_id"]),
        bytes(256),
    )
    assert token.authenticator_input == expected


@pytest.mark.parametrize("vector", RFC9577["headers"], ids=["one", "two", "grease"])
def test_rfc9577_header_vectors(vector: dict[str, Any]) -> None:
    params: dict[str, str] = vector["params"]
    items = headers.parse(vector["header"])
    private = [item for item in items if item.is_private_token]
    # Basic and any other scheme are read but are not PrivateToken challenges.
    assert all(not item.is_private_token for item in items if item not in private)
    for position, item in enumerate(private):
        raw = b64decode(item.params["challenge"])
        assert raw.hex() == params[f"token-challenge-{position}"]
        assert b64decode(item.params["token-key"]).hex() == params[f"token-key-{position}"]
        if f"max-age-{position}" in params:
            assert item.params["max-age"] == params[f"max-age-{position}"]
        # Unknown parameters are kept aside, never mistaken for known ones.
        assert item.params.get("unknownchallengeattribute", "ignore-me") == "ignore-me"
        token_type = int(params[f"token-type-{position}"], 16)
        assert int.from_bytes(raw[:2], "big") == token_type
