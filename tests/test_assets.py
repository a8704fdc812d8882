"""Static assets: content-hashed immutable names, precompressed variants by
Accept-Encoding, Vary and one ETag per representation."""

from __future__ import annotations

import gzip
import re

import brotli
import pytest

from humangate import Config
from humangate.http.assets import StaticAssets, hashed_name
from humangate.wsgi import HumanGate
from tests.support import WSGIClient, challenge_data

PREFIX = "/.humangate/static/"


@pytest.fixture
def client(config: Config) -> WSGIClient:
    return WSGIClient(HumanGate(lambda e, s: [], config))


def test_pages_load_hashed_names(client: WSGIClient) -> None:
    page = client.request("GET", "/")
    script = re.search(rb'src="(/\.humangate/static/challenge\.[0-9a-f]{12}\.js)"', page.body)
    assert script is not None
    assert re.fullmatch(
        r"/\.humangate/static/pow-worker\.[0-9a-f]{12}\.js", challenge_data(page.body)["worker_url"]
    )


def test_hashed_name_is_immutable_plain_name_is_short(client: WSGIClient) -> None:
    hashed = client.request("GET", PREFIX + hashed_name("challenge.js"))
    plain = client.request("GET", PREFIX + "challenge.js")
    assert hashed.status == plain.status == 200
    assert hashed.header("cache-control") == "public, max-age=31536000, immutable"
    assert plain.header("cache-control") == "public, max-age=3600"
    assert hashed.body == plain.body


@pytest.mark.parametrize(
    ("accept", "encoding"),
    [
        ("gzip, deflate, br", "br"),
        ("gzip", "gzip"),
        ("br;q=0, gzip", "gzip"),
        ("identity", None),
        (None, None),
    ],
)
def test_encoding_follows_accept_encoding(
    client: WSGIClient, accept: str | None, encoding: str | None
) -> None:
    headers = {"accept-encoding": accept} if accept else {}
    plain = StaticAssets().response("spa.js", "GET", None)
    assert plain is not None
    answer = client.request("GET", PREFIX + "spa.js", headers=headers)
    assert answer.header("vary") == "accept-encoding"
    assert answer.header("content-encoding") == encoding
    decode = {"br": brotli.decompress, "gzip": gzip.decompress, None: lambda b: b}[encoding]
    assert decode(answer.body) == plain.body


def test_one_etag_per_representation(client: WSGIClient) -> None:
    tags = {
        client.request("GET", PREFIX + "spa.js", headers={"accept-encoding": a}).header("etag")
        for a in ("br", "gzip", "identity")
    }
    assert len(tags) == 3
    br = client.request("GET", PREFIX + "spa.js", headers={"accept-encoding": "br"})
    again = client.request(
        "GET",
        PREFIX + "spa.js",
        headers={"accept-encoding": "br", "if-none-match": br.header("etag") or ""},
    )
    assert again.status == 304
    assert again.header("vary") == "accept-encoding"


def test_unknown_asset_is_not_served(client: WSGIClient) -> None:
    assert client.request("GET", PREFIX + "spa.000000000000.js").status != 200
    assert client.request("GET", PREFIX + "spa.js.br").status != 200
